"""Shipped vectors: a compact, read-only file of vectors keyed by model identity and text hash.

The fixture catalog, the fixture needs and the evaluation needs never change between machines, so
their vectors are computed once (``python manage.py vectors_export``) and shipped in
``fixtures/vectors/``. A text is found by the SHA-256 of its side (``b"q"`` for a query, ``b"p"``
for a passage) and its UTF-8 bytes, so an edited text simply misses and is encoded as usual: a
shipped vector is never served for a text it was not made from, nor for another model.

Vectors are stored as float16 (half the bytes of float32; a cosine moves by about 1e-4) and made
unit-norm again when read.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["FORMAT", "VectorFileError", "file_name", "read_vectors", "text_key", "write_vectors"]

FORMAT = 1
QUERY, PASSAGE = b"q", b"p"


class VectorFileError(ValueError):
    """A shipped vector file is unreadable or of another format."""


def text_key(side: bytes, text: str) -> bytes:
    """The 32-byte key of a text on one side (query or passage)."""
    return hashlib.sha256(side + text.encode("utf-8")).digest()


def file_name(identity: str) -> str:
    """The file of one model's vectors, named after its identity."""
    return "vectors-" + "".join(c if c.isalnum() else "-" for c in identity) + ".npz"


def write_vectors(path: str | os.PathLike[str], identity: str, vectors: Mapping[bytes, np.ndarray]) -> int:
    """Write ``vectors`` (key -> row) sorted by key, so the same vectors give the same bytes."""
    keys = sorted(vectors)
    dim = len(next(iter(vectors.values()))) if vectors else 0
    rows = np.vstack([vectors[key] for key in keys]).astype(np.float16) if keys else np.zeros((0, dim), np.float16)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        np.savez_compressed(
            handle,
            format=np.array(FORMAT),
            identity=np.array(identity),
            keys=np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32),
            vectors=rows,
        )
    os.replace(temporary, path)
    return len(keys)


def read_vectors(path: str | os.PathLike[str]) -> tuple[str, dict[bytes, np.ndarray]]:
    """(identity, key -> unit-norm float32 row) of a shipped file."""
    try:
        with np.load(path) as data:
            if int(data["format"]) != FORMAT:
                raise VectorFileError(f"{path}: vector file format {int(data['format'])}, expected {FORMAT}")
            identity, keys, rows = str(data["identity"]), data["keys"], data["vectors"].astype(np.float32)
    except (OSError, KeyError, ValueError) as error:
        if isinstance(error, VectorFileError):
            raise
        raise VectorFileError(f"{path}: unreadable vector file ({error})") from None
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    np.divide(rows, norms, out=rows, where=norms > 0)
    return identity, {bytes(key): rows[i] for i, key in enumerate(keys)}
