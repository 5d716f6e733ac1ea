"""Impact-ordered postings and the approximate top-k BM25 search of large indexes.

A long need text has a few dozen distinct terms, most of them found in many documents: at a
million synthetic solutions one query has about 3.5 million postings, and scoring them all
(the exact search) costs tens of milliseconds in numpy; exact MaxScore saved only a fifth of it
(README, "Scale"). Above ``lexical.APPROX_ABOVE`` documents the search is approximate instead,
score-at-a-time over impact-ordered postings (Anh and Moffat; Lin and Trotman 2015, "Anytime
ranking for impact-ordered indexes"), then exact:

1. Layout (built whenever the sealed postings change, :func:`impact_layout`): a posting's
   *impact* is its BM25 term-frequency factor ``tf / (tf + k1 (1 - b + b dl / avgdl))``, in
   [0, 1), quantised into ``LEVELS`` equal levels. Each term's postings are sorted by level,
   highest first (documents in slot order within a level), and ``level_ptr[t, j]`` is where the
   term's ``j``-th highest level starts. A query term's weight (its IDF times the focus or
   glossary factor) multiplies every posting of the term alike, so one order serves every query.
2. Plan: each (query term, level) bucket is worth ``weight (k1 + 1) level``; the buckets are
   taken best first until ``budget`` postings are covered (a global cut-off on weight x impact,
   no per-posting work).
3. Accumulate the taken postings' bucket values per document (``np.add.at`` into a buffer
   kept per thread), keep the
   ``candidates`` documents with the best partial scores, plus every recent (open-segment)
   document holding a query term.
4. The caller scores those candidates exactly (``BM25Index._score_slots``, from the forward
   index) and ranks them: returned scores are exact BM25 and ties fall to the smaller id, but a
   document missing from the candidates is missed (measured recall in README, "Scale").

The levels are computed at the average document length of their last build
(``level_avgdl``); a drift since then only blurs the order, never the returned scores.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .lexical import BM25Index

__all__ = ["BUDGET", "CANDIDATES", "LEVELS", "approximate_candidates", "forward_layout", "impact_layout"]

#: Impact levels per term (``level_ptr`` has ``LEVELS + 1`` columns per term).
LEVELS = 128
#: Postings accumulated per query, and candidates scored exactly (tuned at a million documents,
#: README "Scale").
BUDGET = 400_000
CANDIDATES = 2_000
#: Postings per chunk when ordering (bounds the temporary memory of a build).
_CHUNK = 8_000_000


def impact_layout(
    post_ptr: np.ndarray, post_slot: np.ndarray, post_tf: np.ndarray, doc_len: np.ndarray, *,
    k1: float, b: float, avgdl: float, levels: int = LEVELS,
) -> tuple[np.ndarray, np.ndarray]:
    """For postings grouped by term (``post_ptr``), the permutation that orders each term's
    postings by impact level, highest first, slots ascending within a level, and the level
    starts ``level_ptr`` (terms x ``levels + 1``, absolute positions)."""
    terms = len(post_ptr) - 1
    order = np.empty(len(post_slot), dtype=np.int64)
    counts = np.zeros((terms, levels), dtype=np.int64)
    start_term = 0
    while start_term < terms:
        stop_term = int(np.searchsorted(post_ptr, post_ptr[start_term] + _CHUNK, side="right")) - 1
        stop_term = min(max(stop_term, start_term + 1), terms)
        lo, hi = int(post_ptr[start_term]), int(post_ptr[stop_term])
        if hi > lo:
            local_terms = np.repeat(np.arange(stop_term - start_term, dtype=np.int64), np.diff(post_ptr[start_term : stop_term + 1]))
            tf = post_tf[lo:hi].astype(np.float32)
            impact = tf / (tf + np.float32(k1) * (np.float32(1.0 - b) + np.float32(b / avgdl) * doc_len[post_slot[lo:hi]]))
            down = (levels - 1) - np.minimum((impact * levels).astype(np.int64), levels - 1)  # 0: highest level
            key = (local_terms * levels + down) << 32 | post_slot[lo:hi].astype(np.int64)
            order[lo:hi] = np.argsort(key) + lo
            counts[start_term:stop_term] = np.bincount(local_terms * levels + down, minlength=(stop_term - start_term) * levels).reshape(-1, levels)
        start_term = stop_term
    level_ptr = np.empty((terms, levels + 1), dtype=np.int64)
    level_ptr[:, 0] = post_ptr[:-1]
    np.cumsum(counts, axis=1, out=level_ptr[:, 1:])
    level_ptr[:, 1:] += post_ptr[:-1, None]
    return order, level_ptr


def forward_layout(post_ptr: np.ndarray, post_slot: np.ndarray, used_slots: int) -> tuple[np.ndarray, np.ndarray]:
    """The permutation that groups postings by document (slot), terms ascending within a
    document, and the per-slot starts ``fwd_ptr`` (``used_slots + 1``)."""
    terms = np.repeat(np.arange(len(post_ptr) - 1, dtype=np.int64), np.diff(post_ptr))
    order = np.argsort(post_slot.astype(np.int64) << 32 | terms)
    fwd_ptr = np.zeros(used_slots + 1, dtype=np.int64)
    np.cumsum(np.bincount(post_slot, minlength=used_slots), out=fwd_ptr[1:])
    return order, fwd_ptr


def approximate_candidates(
    index: BM25Index, query_terms: list[tuple[str, float]], *, budget: int = BUDGET,
    candidates: int = CANDIDATES, stats: dict[str, int] | None = None,
) -> np.ndarray | None:
    """Slots of the documents to score exactly (module docstring); None when a term weight is
    negative (the impact order then no longer ranks contributions). The caller holds the read
    lock. ``stats``, if given, receives the query's postings and how many were accumulated."""
    n_docs = len(index._slot_of)
    if n_docs == 0:
        return np.zeros(0, dtype=np.int64)
    k1 = index.k1
    sealed_terms = len(index._post_ptr) - 1
    ids, weights, open_ids = [], [], []
    for term, factor in query_terms:
        term_id = index._vocab.get(term)
        if term_id is None or index._df[term_id] <= 0:
            continue
        if factor < 0:
            return None
        df = int(index._df[term_id])
        weight = factor * math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        if weight <= 0:
            continue
        if term_id < sealed_terms:
            ids.append(term_id)
            weights.append(weight)
        if term_id in index._open_postings:
            open_ids.append(term_id)
    found = np.zeros(0, dtype=np.int64)
    accumulated = postings = 0
    if ids:
        bounds = index._level_ptr[ids]  # (terms, levels + 1), highest level first
        sizes = np.diff(bounds, axis=1)
        levels = sizes.shape[1]
        worth = np.asarray(weights)[:, None] * ((k1 + 1.0) * (np.arange(levels, 0, -1) - 0.5) / levels)
        flat = worth.ravel()
        best = np.argsort(-flat, kind="stable")
        covered = np.cumsum(sizes.ravel()[best])
        cut = min(int(np.searchsorted(covered, budget)), len(best) - 1)
        depth = (worth >= flat[best[cut]]).sum(axis=1)  # levels taken per term (worth falls with the level)
        taken = np.arange(levels) < depth[:, None]
        postings = int(sizes.sum())
        if taken.any():
            all_slots = np.concatenate(
                [index._post_slot[bounds[row, 0] : bounds[row, stop]] for row, stop in enumerate(depth.tolist()) if stop]
            )
            accumulated = len(all_slots)
            partial = _scratch(index._used_slots)
            try:
                np.add.at(partial, all_slots, np.repeat(worth[taken].astype(np.float32), sizes[taken]))
                found = _best_distinct(all_slots, partial, candidates)
            finally:
                partial.fill(0)
            found = found[index._slot_ids[found] >= 0]
    if open_ids:  # recent documents are not in the impact order: each one holding a term is scored
        recent = np.fromiter({slot for t in open_ids for slot in index._open_postings[t]}, dtype=np.int64)
        found = np.union1d(found, recent[index._slot_ids[recent] >= 0])
    if stats is not None:
        stats.update(postings=postings, accumulated=accumulated, candidates=len(found))
    return found


_THREAD = threading.local()


def _scratch(size: int) -> np.ndarray:
    """This thread's zeroed partial-score buffer of ``size`` slots (callers zero it again after
    use). Allocating the megabytes anew per query cost a page fault per 4 KB page when the
    allocator had returned them to the system: 2,800 faults and 6 ms a query at a million."""
    buffer = getattr(_THREAD, "partial", None)
    if buffer is None or len(buffer) < size:
        buffer = _THREAD.partial = np.zeros(max(size, 1024), dtype=np.float32)
    return buffer[:size]


def _best_distinct(slots: np.ndarray, partial: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` slots with the best ``partial`` scores (fewer if fewer are positive), without
    sorting or gathering the whole: a cut-off is estimated on every 8th accumulated posting
    (a document appears once per posting, so the sample favours the documents with many), the
    slots reaching it are found by one comparison over ``partial``, and the cut-off is lowered
    until they are at least ``count``."""
    sample = partial[slots[::8]]
    rank = count
    while True:
        if rank >= len(sample):
            found = np.flatnonzero(partial > 0)
            break
        cut = np.partition(sample, len(sample) - 1 - rank)[len(sample) - 1 - rank]
        found = np.flatnonzero(partial >= cut)
        if found.size >= count:
            break
        rank *= 2
    if found.size > count:
        found = found[np.argpartition(-partial[found], count - 1)[:count]]
    return found
