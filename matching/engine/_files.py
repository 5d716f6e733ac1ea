"""Atomic file replacement shared by the index writers."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to write that replaces ``path`` when the block ends without error, so
    readers see either the old file or the new one (processes that mapped the old file keep
    their mapping: it is renamed over, not written in place).

    The data goes to a temporary file in the same directory (so ``os.replace`` is a rename on
    one filesystem), is flushed and fsynced, then renamed over ``path``; the directory is
    fsynced so the rename survives a crash. On any error the temporary file is removed and
    the error propagates.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def atomic_write(path: str | os.PathLike[str], chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path) as handle:
        for chunk in chunks:
            handle.write(chunk)
