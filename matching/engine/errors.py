"""Errors shared by the engine's persistent indexes."""

from __future__ import annotations

__all__ = ["IndexCorruptError", "IndexFileError", "IndexMismatchError", "IndexMissingError"]


class IndexFileError(RuntimeError):
    """Base class of the index file errors: the caller should rebuild or report loudly."""


class IndexMissingError(IndexFileError):
    """The index file does not exist: build it."""


class IndexCorruptError(IndexFileError):
    """The index file exists but cannot be read back faithfully: rebuild it."""


class IndexMismatchError(IndexFileError):
    """The file was built with another embedder, text recipe or tokenizer: rebuild it."""
