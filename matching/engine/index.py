"""A FAISS vector index keyed by database ids, with atomic versioned files.

Three storage kinds, chosen automatically from the number of vectors:

* ``"flat"``: ``IndexIDMap2(IndexFlatIP)``, exact inner-product search. Used below
  ``approx_threshold`` vectors (default 20,000), where exact search is already fast.
* ``"ivf"``: ``IndexIVFFlat`` (inner product) with a hashtable direct map, so it supports
  add, remove, update and reconstruct by id (HNSW cannot remove). ``nlist`` is about
  sqrt(n), and ``nprobe`` is calibrated at build time: the smallest value whose recall@10
  against exact search reaches ``target_recall`` on perturbed sample queries.
* ``"ivf_sq8"``: ``IndexIVFScalarQuantizer`` (8 bits per dimension, a quarter of the memory of
  IVF-Flat) from ``large_threshold`` vectors (default 200,000) on, with about 2 sqrt(n) lists
  and nprobe calibrated the same way. Chosen from ``python manage.py bench_scale`` at a
  million vectors (README "Scale"). Stored vectors come back decoded (about 1e-3 off).
  Its FAISS payload is written beside the header file (``<name>.v<version>.faiss``) so that
  ``load(path, mmap=True)`` can memory-map it: web workers then share one copy of the lists
  in the page cache. A mapped index is read-only; the first write reads it into memory.

The index switches kind by itself: a flat index that grows past the threshold is rebuilt as
IVF; an IVF index that shrinks below half the threshold goes back to flat; an IVF index
that has doubled since it was trained is retrained so its centroids follow the data.

File layout (one file, so one ``os.replace`` publishes it)::

    b"MATCHIDX" | uint32 little-endian header length | JSON header | faiss.serialize_index bytes

The JSON header holds the embedder identity, the text recipe, dim, count, kind, nlist,
nprobe, a version number that increases on every save, the creation time and the payload's
SHA-256. :meth:`VectorIndex.read_metadata` reads only the header (cheap version checks).

Thread safety: writes take the exclusive side of a readers-writer lock; searches share it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ._locks import RWLock
from .errors import IndexCorruptError, IndexFileError, IndexMismatchError, IndexMissingError
from .index_files import DEFAULT_LARGE_THRESHOLD, FORMAT_VERSION, MAGIC, VectorIndexFiles

__all__ = [
    "DEFAULT_APPROX_THRESHOLD",
    "SELECTOR_SHARE",
    "id_bitmap",
    "DEFAULT_LARGE_THRESHOLD",
    "MAGIC",
    "IndexCorruptError",
    "IndexFileError",
    "IndexMismatchError",
    "IndexMissingError",
    "VectorIndex",
]

logger = logging.getLogger(__name__)

DEFAULT_APPROX_THRESHOLD = 20_000
_MIN_NLIST = 16
_CALIBRATION_QUERIES = 256
_CALIBRATION_K = 10
#: Real queries needed to calibrate on them (``VectorIndex.calibration_queries``).
_CALIBRATION_MIN_REAL = 50


#: An IVF index finds the best of more than 1/SELECTOR_SHARE of its ids by a selector scan
#: (``VectorIndex.best_among``): at 1,000,000 (IVF-SQ8) the scan costs about 5 ms CPU, reading
#: back stored vectors about 1.6 us each.
SELECTOR_SHARE = 256
_BITMAP_MAX_ID = 1 << 28  # a bit map of ids up to this (32 MiB at most)


def id_bitmap(ids: np.ndarray, size: int | None = None) -> np.ndarray | None:
    """A bit per id, as ``faiss.IDSelectorBitmap`` reads it (bit ``i & 7`` of byte ``i >> 3``),
    ``size`` bytes at least; None when an id is beyond ``_BITMAP_MAX_ID``."""
    top = int(ids.max()) if len(ids) else 0
    if top >= _BITMAP_MAX_ID:
        return None
    mask = np.zeros(max(top + 1, 8 * (size or 0)), dtype=bool)
    mask[ids] = True
    return np.packbits(mask, bitorder="little")


def _as_ids(ids: Iterable[int] | np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(ids if isinstance(ids, np.ndarray) else list(ids), dtype=np.int64)
    if arr.ndim != 1:
        raise ValueError("ids must be one-dimensional")
    if arr.size and arr.min() < 0:
        raise ValueError("ids must be >= 0 (-1 is FAISS's 'no result')")
    if np.unique(arr).size != arr.size:
        raise ValueError("ids contain duplicates")
    return arr


class VectorIndex(VectorIndexFiles):
    """Inner-product index over unit vectors, addressed by integer database ids."""

    def __init__(
        self,
        dim: int,
        *,
        identity: str,
        recipe: str = "",
        approx_threshold: int = DEFAULT_APPROX_THRESHOLD,
        target_recall: float = 0.97,
        seed: int = 1234,
        large_threshold: int = DEFAULT_LARGE_THRESHOLD,
    ) -> None:
        if dim < 1:
            raise ValueError("dim must be >= 1")
        if approx_threshold < 2 * _MIN_NLIST * 39:
            # FAISS k-means wants ~39 training points per centroid.
            raise ValueError(f"approx_threshold must be >= {2 * _MIN_NLIST * 39}")
        self.dim = dim
        self.identity = identity
        self.recipe = recipe
        self.approx_threshold = approx_threshold
        self.large_threshold = max(large_threshold, approx_threshold)
        self._mapped_from: Path | None = None  # the payload file while memory-mapped
        self.target_recall = target_recall
        self.seed = seed
        self.version = 0
        #: Counts rebuilds (training, a change of kind): an IVF-SQ8 rebuild encodes every stored
        #: vector anew, so what was computed from stored vectors must be computed again.
        self.generation = 0
        self.created_at: str | None = None
        self._lock = RWLock()
        self._ids: set[int] = set()
        self._trained_count = 0
        self._index: Any = self._new_flat()
        #: Real query vectors (the stored needs' queries) that an IVF build calibrates nprobe on;
        #: with fewer than ``_CALIBRATION_MIN_REAL`` it perturbs stored vectors instead.
        self.calibration_queries: np.ndarray | None = None

    # ------------------------------------------------------------------ properties

    @property
    def kind(self) -> str:
        if isinstance(self._index, faiss.IndexIVFScalarQuantizer):
            return "ivf_sq8"
        return "ivf" if isinstance(self._index, faiss.IndexIVFFlat) else "flat"

    @property
    def mapped(self) -> bool:
        """True while the index is memory-mapped from its file (read-only until a write)."""
        return self._mapped_from is not None

    @property
    def nprobe(self) -> int | None:
        return int(self._index.nprobe) if self.kind != "flat" else None

    @property
    def nlist(self) -> int | None:
        return int(self._index.nlist) if self.kind != "flat" else None

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item: object) -> bool:
        return isinstance(item, (int, np.integer)) and int(item) in self._ids

    def ids(self) -> np.ndarray:
        """All ids currently stored, sorted."""
        with self._lock.read():
            return np.array(sorted(self._ids), dtype=np.int64)

    def metadata(self) -> dict[str, Any]:
        """What :meth:`save` would write in the header (without the payload hash)."""
        return {
            "format": FORMAT_VERSION,
            "identity": self.identity,
            "recipe": self.recipe,
            "dim": self.dim,
            "count": len(self._ids),
            "kind": self.kind,
            "nlist": self.nlist,
            "nprobe": self.nprobe,
            "trained_count": self._trained_count,
            "approx_threshold": self.approx_threshold,
            "large_threshold": self.large_threshold,
            "target_recall": self.target_recall,
            "version": self.version,
            "created_at": self.created_at,
        }

    # ---------------------------------------------------------------------- writes

    def build(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Replace the whole content with ``vectors`` (row i belongs to ``ids[i]``)."""
        id_arr, vecs = self._validate(ids, vectors)
        with self._lock.write():
            self._unmap_locked()
            self._rebuild(id_arr, vecs)

    def add(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add new ids; raises ``ValueError`` if any is already present (use ``update``)."""
        id_arr, vecs = self._validate(ids, vectors)
        with self._lock.write():
            self._unmap_locked()
            present = [int(i) for i in id_arr if int(i) in self._ids]
            if present:
                raise ValueError(f"ids already in the index: {present[:10]}")
            self._add_locked(id_arr, vecs)

    def update(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Replace the vectors of ``ids`` (ids not yet present are simply added)."""
        id_arr, vecs = self._validate(ids, vectors)
        with self._lock.write():
            self._unmap_locked()
            self._remove_locked(id_arr)
            self._add_locked(id_arr, vecs)

    def remove(self, ids: Sequence[int] | np.ndarray) -> int:
        """Remove ``ids`` (unknown ids are ignored); returns how many were removed."""
        id_arr = _as_ids(ids)
        with self._lock.write():
            self._unmap_locked()
            removed = self._remove_locked(id_arr)
            if self.kind != "flat" and len(self._ids) < self.approx_threshold // 2:
                self._rebuild(*self._export())
            return removed

    # ---------------------------------------------------------------------- reads

    def search(self, query_vectors: np.ndarray, k: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Top-``k`` neighbours of each query row: ``(scores, ids)``, one array per query.

        Scores are inner products (cosine for unit vectors), best first. Empty slots (fewer
        than ``k`` vectors) are dropped, so arrays may be shorter than ``k``.
        """
        queries = np.ascontiguousarray(query_vectors, dtype=np.float32)
        if queries.ndim == 1:
            queries = queries.reshape(1, -1)
        if queries.ndim != 2 or queries.shape[1] != self.dim:
            raise ValueError(f"query vectors must have shape (n, {self.dim}), got {queries.shape}")
        if k < 1:
            raise ValueError("k must be >= 1")
        with self._lock.read():
            count = len(self._ids)
            if count == 0:
                empty_s, empty_i = np.zeros(0, np.float32), np.zeros(0, np.int64)
                return [empty_s] * len(queries), [empty_i] * len(queries)
            scores, ids = self._index.search(queries, min(k, count))
        keep = ids >= 0
        return ([scores[r][keep[r]] for r in range(len(queries))], [ids[r][keep[r]] for r in range(len(queries))])

    def search_one(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`search` for a single query vector."""
        scores, ids = self.search(np.asarray(query_vector).reshape(1, -1), k)
        return scores[0], ids[0]

    def search_among(
        self, query_vector: np.ndarray, ids: Sequence[int] | np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` of the given ``ids`` only (unknown ids skipped): exact scores of their stored
        vectors. For hard filters that leave few candidates, where an approximate search over
        the whole catalog would have to over-fetch most of it (``bench_scale``, "pre-filter")."""
        return self.best_among(query_vector, np.asarray(ids, dtype=np.int64).reshape(-1), k)

    def best_among(
        self, query_vector: np.ndarray, ids: np.ndarray, k: int, bitmap: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` of ``ids`` (unknown ids skipped), exact, best first: ``(scores, ids)``; equal
        scores in the order of ``ids`` when scored directly.

        A flat index, or few ids (under 1/``SELECTOR_SHARE`` of the index), score the stored
        vectors of ``ids`` as :meth:`score` does. An IVF index, for more ids, scans every list
        with a FAISS id selector (a bit per id: ``bitmap`` when the caller keeps one for these
        ids, see :func:`id_bitmap`): no vector is copied out. At 1,000,000 (IVF-SQ8) 30,000 ids
        took 37 ms CPU by stored vectors and 11 ms by the selector, 970,000 ids 2 s and 25 ms;
        same ids; the scores differ from :meth:`score`'s in float32 rounding (FAISS's inner
        product against numpy's)."""
        if k < 1:
            raise ValueError("k must be >= 1")
        ids = np.ascontiguousarray(np.asarray(ids), dtype=np.int64).reshape(-1)
        ids = ids[ids >= 0] if ids.size and ids.min() < 0 else ids
        query = np.ascontiguousarray(np.asarray(query_vector, dtype=np.float32).reshape(1, -1))
        with self._lock.read():
            count = len(self._ids)
            if self.kind != "flat" and ids.size * SELECTOR_SHARE > count:
                if bitmap is None:
                    bitmap = id_bitmap(ids)
                if bitmap is not None:
                    selector = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))
                else:  # ids too large for a bit map
                    selector = faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids))
                params = faiss.SearchParametersIVF(sel=selector, nprobe=int(self._index.nlist))
                scores, found = self._index.search(query, min(k, ids.size, count), params=params)
                keep = found[0] >= 0
                return scores[0][keep], found[0][keep]
            known = ids[[int(i) in self._ids for i in ids.tolist()]] if ids.size else ids
        if known.size == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores = self.score(query[0], known)
        top = np.argsort(-scores, kind="stable")[:k]
        return scores[top].astype(np.float32), known[top]

    def get_vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Stored vectors of ``ids`` (KeyError if any is missing)."""
        id_arr = np.ascontiguousarray(np.asarray(ids), dtype=np.int64).reshape(-1)
        with self._lock.read():
            if id_arr.size == 0:
                return np.zeros((0, self.dim), dtype=np.float32)
            try:  # FAISS refuses an unknown id itself: no Python loop over the ids
                return np.asarray(self._index.reconstruct_batch(id_arr), dtype=np.float32)
            except RuntimeError:
                missing = [int(i) for i in id_arr if int(i) not in self._ids]
                if not missing:
                    raise
                raise KeyError(f"ids not in the index: {missing[:10]}") from None

    def score(self, query_vector: np.ndarray, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Exact inner product of one query with the stored vectors of ``ids``."""
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        return self.get_vectors(ids) @ query

    # ------------------------------------------------------------------- internals

    def _validate(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        id_arr = _as_ids(ids)
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        if vecs.ndim == 1 and id_arr.size == 1:
            vecs = vecs.reshape(1, -1)
        if vecs.ndim != 2 or vecs.shape != (id_arr.size, self.dim):
            raise ValueError(f"vectors must have shape ({id_arr.size}, {self.dim}), got {vecs.shape}")
        if not np.isfinite(vecs).all():
            raise ValueError("vectors contain non-finite values")
        return id_arr, vecs

    def _unmap_locked(self) -> None:
        """Before a write: replace a memory-mapped (read-only) index by an in-memory copy."""
        if self._mapped_from is None:
            return
        # Copy every list out of the mapping (valid even if a newer save removed the file).
        ivf, mapped = self._index, self._index.invlists
        lists = faiss.ArrayInvertedLists(ivf.nlist, ivf.code_size)
        for list_no in range(ivf.nlist):
            size = mapped.list_size(list_no)
            if size:
                lists.add_entries(list_no, size, mapped.get_ids(list_no), mapped.get_codes(list_no))
        ivf.replace_invlists(lists, True)
        lists.this.disown()  # the index owns and frees it now
        self._mapped_from = None

    def _kind_for(self, count: int) -> str:
        if count >= self.large_threshold:
            return "ivf_sq8"
        return "ivf" if count >= self.approx_threshold else "flat"

    def _new_flat(self) -> Any:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _add_locked(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if ids.size == 0:
            return
        new_total = len(self._ids) + ids.size
        grows_past_threshold = self.kind == "flat" and new_total >= self.approx_threshold
        outgrew_training = self.kind != "flat" and new_total > 2 * self._trained_count
        outgrew_kind = self.kind == "ivf" and new_total >= self.large_threshold
        if grows_past_threshold or outgrew_training or outgrew_kind:
            old_ids, old_vecs = self._export()
            self._rebuild(np.concatenate([old_ids, ids]), np.concatenate([old_vecs, vectors]))
            return
        self._index.add_with_ids(vectors, ids)
        self._ids.update(int(i) for i in ids)

    def _remove_locked(self, ids: np.ndarray) -> int:
        present = np.array([i for i in ids.tolist() if i in self._ids], dtype=np.int64)
        if present.size == 0:
            return 0
        removed = int(self._index.remove_ids(present))
        if removed != present.size:
            raise RuntimeError(f"FAISS removed {removed} of {present.size} ids; index is inconsistent")
        self._ids.difference_update(present.tolist())
        return removed

    def _export(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._ids:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        ids = np.array(sorted(self._ids), dtype=np.int64)
        return ids, np.asarray(self._index.reconstruct_batch(ids), dtype=np.float32)

    def _rebuild(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.generation += 1
        if self._kind_for(int(ids.size)) != "flat":
            self._index = self._train_ivf(vectors, self._kind_for(int(ids.size)))
            self._index.add_with_ids(vectors, ids)
            self._trained_count = int(ids.size)
            self._index.nprobe = self._calibrate(self._index, ids, vectors)
        else:
            self._index = self._new_flat()
            self._trained_count = 0
            if ids.size:
                self._index.add_with_ids(vectors, ids)
        self._ids = set(ids.tolist())

    def _train_ivf(self, vectors: np.ndarray, kind: str = "ivf") -> Any:
        n = len(vectors)
        nlist = max(_MIN_NLIST, round(math.sqrt(n) * (2 if kind == "ivf_sq8" else 1)))
        rng = np.random.default_rng(self.seed)
        sample_size = min(n, nlist * 64)
        sample = vectors[rng.choice(n, size=sample_size, replace=False)] if sample_size < n else vectors
        quantizer = faiss.IndexFlatIP(self.dim)
        if kind == "ivf_sq8":
            ivf = faiss.IndexIVFScalarQuantizer(
                quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
        else:
            ivf = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.seed = self.seed
        started = time.perf_counter()
        ivf.train(np.ascontiguousarray(sample))
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
        logger.info("trained %s nlist=%d on %d vectors in %.2fs", kind, nlist, sample_size, time.perf_counter() - started)
        return ivf

    def _calibrate(self, ivf: Any, ids: np.ndarray, vectors: np.ndarray) -> int:
        """Smallest nprobe whose recall@10 on sample queries reaches the target.

        The queries are ``calibration_queries`` when there are enough of them: real needs'
        query vectors, which sit near the solutions they are looking for. Otherwise stored
        vectors plus Gaussian noise of 1.5x their norm, between the data and random directions:
        that errs on the side of a larger nprobe (on the scale bench's need-like queries it chose
        every list, a full scan, where 8 of 2,000 reach recall@10 0.96). Recall grows
        monotonically with nprobe, so a binary search suffices.
        """
        n = len(vectors)
        rng = np.random.default_rng(self.seed + 1)
        real = self.calibration_queries
        if real is not None and len(real) >= _CALIBRATION_MIN_REAL and real.shape[1:] == (self.dim,):
            picks = rng.choice(len(real), size=min(_CALIBRATION_QUERIES, len(real)), replace=False)
            queries = np.array(real[picks], dtype=np.float32)
        else:
            picks = rng.choice(n, size=min(_CALIBRATION_QUERIES, n), replace=False)
            noise = rng.standard_normal((len(picks), self.dim)).astype(np.float32)
            noise *= 1.5 / math.sqrt(self.dim)
            queries = vectors[picks] + noise * np.linalg.norm(vectors[picks], axis=1, keepdims=True)
        queries /= np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
        # Brute force without copying the vectors into a flat index (1.5 GB at a million).
        _, nearest = faiss.knn(queries, np.ascontiguousarray(vectors), _CALIBRATION_K, metric=faiss.METRIC_INNER_PRODUCT)
        truth = np.asarray(ids)[nearest]  # positions in ``vectors`` -> the ids the index returns

        def recall(nprobe: int) -> float:
            ivf.nprobe = nprobe
            _, found = ivf.search(queries, _CALIBRATION_K)
            hits = sum(len(set(found[r]) & set(truth[r])) for r in range(len(queries)))
            return float(hits / truth.size)

        low, high = 1, int(ivf.nlist)
        while low < high:
            mid = (low + high) // 2
            if recall(mid) >= self.target_recall:
                high = mid
            else:
                low = mid + 1
        logger.info("calibrated nprobe=%d of nlist=%d for recall@10 >= %.2f", low, ivf.nlist, self.target_recall)
        return low
