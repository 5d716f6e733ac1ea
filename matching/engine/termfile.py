"""Shipped term counts: the BM25 term counts of the fixture solution texts, keyed by tokenizer
identity and text hash, shipped beside the vectors (``fixtures/vectors/``) so that a first build
of the fixture catalog segments nothing (jieba took about 5 s of the demo set-up for its 2,889
texts). A text whose hash is not in the file, or a tokenizer of another identity (another
dictionary or flags), is segmented as usual, so an edited fixture never gets stale counts.

The file is gzip-compressed JSON, keys sorted and no timestamp, so the same counts give the same
bytes.
"""
from __future__ import annotations

import gzip
import json
import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["FORMAT", "TermFileError", "file_name", "read_terms", "write_terms"]

FORMAT = 1


class TermFileError(ValueError):
    """A shipped term file is unreadable or of another format."""


def file_name(identity: str) -> str:
    """The file of one tokenizer's term counts, named after its identity."""
    return "terms-" + "".join(c if c.isalnum() else "-" for c in identity) + ".json.gz"


def write_terms(path: str | os.PathLike[str], identity: str, terms: Mapping[str, Mapping[str, int]]) -> int:
    """Write ``terms`` (text hash -> term -> count); returns how many texts."""
    body = {"format": FORMAT, "tokenizer": identity, "terms": {key: dict(sorted(terms[key].items())) for key in sorted(terms)}}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as handle:
        handle.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    os.replace(temporary, path)
    return len(terms)


def read_terms(path: str | os.PathLike[str]) -> tuple[str, dict[str, dict[str, int]]]:
    """(tokenizer identity, text hash -> term counts) of a shipped file."""
    try:
        with gzip.open(path, "rb") as handle:
            body = json.loads(handle.read().decode("utf-8"))
        if body.get("format") != FORMAT:
            raise TermFileError(f"{path}: term file format {body.get('format')!r}, expected {FORMAT}")
        terms = {str(key): {str(t): int(n) for t, n in counts.items()} for key, counts in body["terms"].items()}
        return str(body["tokenizer"]), terms
    except (OSError, EOFError, KeyError, ValueError, TypeError, AttributeError) as error:
        if isinstance(error, TermFileError):
            raise
        raise TermFileError(f"{path}: unreadable term file ({error!r})") from None
