"""``CachingEmbedder``: an embedder that remembers vectors by text hash, over the shipped
vectors of the fixture texts (``vectorfile``)."""
from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .embedders import Embedder, EmbedderError
from .vectorfile import file_name, read_vectors, text_key

__all__ = ["CachingEmbedder"]


class CachingEmbedder(Embedder):
    """Wraps an embedder and remembers vectors by the SHA-256 of their text (queries and
    passages apart, since asymmetric models encode them differently).

    Re-indexing an unchanged catalog (a rebuild, a restart, another process) and re-matching
    unchanged needs after a catalog edit then cost no model time; only new or edited texts
    are encoded. The cache is keyed by the inner embedder's identity, so vectors of another
    model are never reused, and ``save`` writes it atomically (temp file + ``os.replace``).
    """

    def __init__(
        self,
        inner: Embedder,
        path: str | os.PathLike[str],
        max_entries: int = 50_000,
        shipped: str | os.PathLike[str] | None = None,
    ) -> None:
        self.inner = inner
        self.path = Path(path)
        self.max_entries = max_entries  # oldest entries go first: ~75 MB of 384-d vectors at most
        self._vectors: dict[bytes, np.ndarray] = {}
        self._dirty = False
        self._lock = threading.Lock()
        self._load()
        if shipped is not None:
            self._load_shipped(Path(shipped))

    @property
    def identity(self) -> str:
        return self.inner.identity

    @property
    def dim(self) -> int:
        return self.inner.dim

    def __len__(self) -> int:
        return len(self._vectors)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._cached(texts, b"q", self.inner.encode_queries)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._cached(texts, b"p", self.inner.encode_passages)

    def _cached(self, texts: list[str], side: bytes, encode: Any) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [text_key(side, text) for text in texts]
        found = {key: self._vectors[key] for key in keys if key in self._vectors}
        missing: dict[bytes, int] = {}  # key -> first position, so a repeated text is encoded once
        for position, key in enumerate(keys):
            if key not in found:
                missing.setdefault(key, position)
        if missing:
            fresh = encode([texts[position] for position in missing.values()])
            for row, key in enumerate(missing):
                found[key] = fresh[row]
            with self._lock:
                self._vectors.update((key, found[key]) for key in missing)
                overflow = len(self._vectors) - self.max_entries
                if overflow > 0:  # forget the oldest entries
                    for key in list(itertools.islice(self._vectors, overflow)):
                        del self._vectors[key]
                self._dirty = True
        return np.vstack([found[key] for key in keys]).astype(np.float32, copy=False)

    def remember_queries(self, texts: list[str], vectors: np.ndarray) -> None:
        """Take query vectors computed elsewhere (stored in a database, encoded in one batch), so
        that searching these texts encodes nothing. They are held in memory only (not saved)."""
        with self._lock:
            for text, vector in zip(texts, vectors, strict=True):
                self._vectors[text_key(b"q", text)] = np.asarray(vector, dtype=np.float32)

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            keys = list(self._vectors)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with open(temporary, "wb") as handle:
                np.savez(
                    handle,
                    identity=np.array(self.identity),
                    keys=np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32),
                    vectors=np.vstack([self._vectors[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32),
                )
            os.replace(temporary, self.path)
            self._dirty = False

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            with np.load(self.path) as data:
                if str(data["identity"]) != self.identity:
                    return  # another model's vectors: start empty, the file is replaced on save
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError) as error:
            raise EmbedderError(f"{self.path}: unreadable embedding cache ({error}); delete it to rebuild") from None
        self._vectors = {bytes(key): vectors[i] for i, key in enumerate(keys)}

    def _load_shipped(self, folder: Path) -> None:
        """Take the shipped vectors of this model (``vectorfile``) over any cached ones, so every
        machine ranks the fixture texts with the same vectors, whatever its cache holds."""
        path = folder / file_name(self.identity)
        if not path.exists():
            return
        identity, shipped = read_vectors(path)
        if identity != self.identity:
            raise EmbedderError(f"{path}: vectors of {identity}, not {self.identity}")
        self._vectors.update(shipped)
