"""Exact top-k BM25 without scoring every posting: MaxScore (Turtle and Flood, 1995), vectorised.

A long need text has a few dozen distinct terms, most of them found in many documents: at a
million synthetic solutions one query touches about 3 million postings, over 90% of them from
terms in more than 5% of the documents, and scoring them all is what an exhaustive search costs.
MaxScore skips most of them and still returns exactly the top k:

1. Each term has an upper bound on what it can add to any document, ``U_t = w_t (k1 + 1)
   max_impact_t``, where ``max_impact_t`` is the largest ``tf / (tf + k1 (1 - b + b dl / avgdl))``
   over the term's sealed postings (:func:`impact_bounds`, kept with the index).
2. A threshold ``theta`` that the k-th best score is known to reach: the exact scores of the
   best candidates found by the query's rarest terms alone (their postings are few).
3. The terms whose bounds add up to less than ``theta`` (cheapest first) are *non-essential*: a
   document holding only those cannot reach the top k. Only the essential terms' postings are
   walked; every document they touch is a candidate.
4. The non-essential terms are added to the candidates by binary search in their postings,
   largest bound first, dropping every candidate whose score plus the bounds still to come is
   below ``theta``.

Every document scoring at least ``theta`` survives with its exact score, so the top k (ties
broken by id) are the exhaustive search's. The bounds come from the sealed postings at the average
length when they were computed; a longer average length since then raises every impact by at most
their ratio, which is applied. Recent documents (the open segment) are scored with every term.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .lexical import BM25Index

__all__ = ["impact_bounds", "maxscore_candidates"]

#: Postings the seed (step 2) may walk, as a share of the documents (at least ``SEED_MIN``).
SEED_SHARE = 0.05
SEED_MIN = 20_000
#: Postings per chunk when computing the bounds (bounds the temporary memory).
_CHUNK = 4_000_000
#: Relative slack on every comparison with ``theta`` (sums in a different order round differently).
_EPSILON = 1e-9
#: A binary search per candidate costs about this many postings walked (a skipped term with
#: fewer postings than this many times the candidates is walked instead).
_SEARCH_COST = 8


def impact_bounds(
    post_ptr: np.ndarray, post_slot: np.ndarray, post_tf: np.ndarray, doc_len: np.ndarray, *, k1: float, b: float, avgdl: float
) -> np.ndarray:
    """Per term, the largest ``tf / (tf + k1 (1 - b + b dl / avgdl))`` over its postings (0 when none)."""
    terms = len(post_ptr) - 1
    bounds = np.zeros(terms, dtype=np.float32)
    start_term = 0
    while start_term < terms:
        # the largest run of terms whose postings fit in a chunk (at least one term)
        stop_term = int(np.searchsorted(post_ptr, post_ptr[start_term] + _CHUNK, side="right")) - 1
        stop_term = min(max(stop_term, start_term + 1), terms)
        lo, hi = int(post_ptr[start_term]), int(post_ptr[stop_term])
        if hi > lo:
            tf = post_tf[lo:hi].astype(np.float32)
            impact = tf / (tf + np.float32(k1) * (np.float32(1.0 - b) + np.float32(b / avgdl) * doc_len[post_slot[lo:hi]]))
            starts = post_ptr[start_term:stop_term] - lo
            counts = np.diff(post_ptr[start_term : stop_term + 1])
            filled = counts > 0
            bounds[start_term:stop_term][filled] = np.maximum.reduceat(impact, starts[filled])
        start_term = stop_term
    return bounds


def _idf(n_docs: int, df: int) -> float:
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


def maxscore_candidates(
    index: BM25Index, query_terms: list[tuple[str, float]], k: int, stats: dict[str, int] | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Slots and exact scores of a set of documents holding every live document whose score
    reaches the k-th best (the caller ranks them); None when the bounds do not apply (a negative
    term weight). The caller holds the read lock. ``stats``, if given, receives the query's
    postings, how many were walked before the skipped terms were added, and how many terms were
    skipped."""
    n_docs = len(index._slot_of)
    if n_docs == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    avgdl = max(index._total_len / n_docs, 1e-9)
    k1, b = index.k1, index.b
    max_impact, bound_avgdl = index._impact_bounds()
    ratio = max(1.0, avgdl / bound_avgdl)
    sealed_terms = len(index._post_ptr) - 1
    terms = []  # (weight, bound, document frequency, term id)
    for term, factor in query_terms:
        term_id = index._vocab.get(term)
        if term_id is None or index._df[term_id] <= 0:
            continue
        if factor < 0:
            return None
        df = int(index._df[term_id])
        weight = factor * _idf(n_docs, df)
        if weight > 0:
            impact = float(max_impact[term_id]) if term_id < sealed_terms else 0.0
            terms.append((weight, weight * (k1 + 1.0) * impact * ratio, df, term_id))
    scores = np.zeros(index._used_slots, dtype=np.float64)
    touched: list[np.ndarray] = []

    def walk(term_id: int, weight: float) -> None:
        start, stop = index._post_ptr[term_id], index._post_ptr[term_id + 1]
        slots = index._post_slot[start:stop]
        tfs = index._post_tf[start:stop].astype(np.float64)
        norm = k1 * (1.0 - b) + (k1 * b / avgdl) * index._doc_len[slots].astype(np.float64)
        scores[slots] += (weight * (k1 + 1.0)) * tfs / (tfs + norm)
        touched.append(slots)

    # Recent documents are not under the bounds: every term is added to them here.
    for weight, _, _, term_id in terms:
        postings = index._open_postings.get(term_id)
        if postings:
            slots = np.fromiter(postings.keys(), dtype=np.int64, count=len(postings))
            tfs = np.fromiter(postings.values(), dtype=np.float64, count=len(postings))
            norm = k1 * (1.0 - b) + (k1 * b / avgdl) * index._doc_len[slots].astype(np.float64)
            scores[slots] += (weight * (k1 + 1.0)) * tfs / (tfs + norm)
            touched.append(slots)
    sealed = [t for t in terms if t[3] < sealed_terms]

    # Seed: the rarest terms' postings, then the exact scores of their best candidates.
    budget = max(SEED_MIN, int(SEED_SHARE * n_docs))
    walked: set[int] = set()
    for weight, _, df, term_id in sorted(sealed, key=lambda t: t[2]):
        if walked and df > budget:
            break
        budget -= df
        walk(term_id, weight)
        walked.add(term_id)
    theta = 0.0
    if touched:
        seen = _distinct(touched, index._used_slots)
        best = seen[np.argpartition(-scores[seen], 2 * k - 1)[: 2 * k]] if seen.size > 2 * k else seen
        exact = index._score_slots(query_terms, best)
        exact = exact[index._slot_ids[best] >= 0]
        if exact.size >= k:
            theta = -float(np.partition(-exact, k - 1)[k - 1])
    threshold = theta * (1.0 - _EPSILON)

    # Non-essential terms: the cheapest bounds adding up to less than theta.
    rest = [t for t in sealed if t[3] not in walked]
    rest.sort(key=lambda t: t[1])
    skipped: list[tuple[float, float, int, int]] = []
    bound_left = 0.0
    for term in rest:
        if bound_left + term[1] >= threshold:
            break
        bound_left += term[1]
        skipped.append(term)
    for weight, _, _, term_id in rest[len(skipped) :]:
        walk(term_id, weight)
    if not touched:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    candidates = _distinct(touched, index._used_slots)
    threshold = max(threshold, _kth_partial(index, candidates, scores, k))
    candidates = candidates[scores[candidates] + bound_left >= threshold]
    if stats is not None:
        stats.update(postings=sum(t[2] for t in terms), walked=sum(len(t) for t in touched), skipped_terms=len(skipped))

    # Add the skipped terms, largest bound first, dropping what can no longer reach theta: by
    # binary search for few candidates, by walking the postings for many.
    for weight, bound, df, term_id in reversed(skipped):
        bound_left -= bound
        if candidates.size * _SEARCH_COST > df:
            walk(term_id, weight)
        else:
            start, stop = index._post_ptr[term_id], index._post_ptr[term_id + 1]
            posted = index._post_slot[start:stop]
            where = np.minimum(np.searchsorted(posted, candidates), len(posted) - 1)
            found = posted[where] == candidates
            slots = candidates[found]
            tfs = index._post_tf[start:stop][where[found]].astype(np.float64)
            norm = k1 * (1.0 - b) + (k1 * b / avgdl) * index._doc_len[slots].astype(np.float64)
            scores[slots] += (weight * (k1 + 1.0)) * tfs / (tfs + norm)
        threshold = max(threshold, _kth_partial(index, candidates, scores, k))
        candidates = candidates[scores[candidates] + bound_left >= threshold]
    return candidates, scores[candidates]


def _kth_partial(index: BM25Index, candidates: np.ndarray, scores: np.ndarray, k: int) -> float:
    """A lower bound on the k-th best score: the k-th best partial score of live candidates
    (a partial score never exceeds the document's full score), less the rounding slack."""
    live = candidates[index._slot_ids[candidates] >= 0]
    if live.size < k:
        return 0.0
    return -float(np.partition(-scores[live], k - 1)[k - 1]) * (1.0 - _EPSILON)


def _distinct(slot_arrays: list[np.ndarray], used_slots: int) -> np.ndarray:
    """The distinct slots of several arrays, in order (a mark per slot: cheaper than sorting)."""
    mark = np.zeros(used_slots, dtype=bool)
    for slots in slot_arrays:
        mark[slots] = True
    return np.flatnonzero(mark)
