"""Lexical channel: a Chinese/English tokenizer and an incremental Okapi BM25 index.

Tokenizer pipeline (``Tokenizer.tokenize``):

1. NFKC-normalise (full-width letters and punctuation become ASCII) and lowercase.
2. Segment with jieba in precise mode, using a private ``jieba.Tokenizer`` (the global one
   is left alone) that also knows the domain terms of ``userdict.txt`` (MES, 窑炉, 预测性维护 …).
3. English tokens: drop pure numbers and stopwords, light stemming (plural s, -ing, -ed,
   final e), so "kilns"/"kiln" and "reducing"/"reduced"/"reduce" meet.
4. Chinese tokens: drop stopwords (的, 了, 我们, 一年 …); for words of 3+ characters also
   emit their dictionary sub-words (like jieba's search mode: 天然气 -> 天然), and for runs
   of single characters that jieba could not join (out-of-vocabulary words) emit character
   bigrams. Both make matching robust to segmentation differences between query and document.

``BM25Index`` keeps sparse numpy postings (see its docstring), so a query touches only the
postings of its own terms, vectorised. Add, update and remove are incremental; statistics (N,
avgdl, df) are always current. Up to ``APPROX_ABOVE`` documents a search is exact; above, it is
approximate (``lexical_impact``: impact-ordered postings, the best candidates scored exactly).
IDF is the non-negative Lucene form ``ln(1 + (N - df + 0.5) / (df + 0.5))``. A search may pass
``term_weights`` (term -> factor on that term's IDF); the matcher uses it to down-weight words
that name the need's trade rather than its problem (see ``focus.py``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from ._locks import RWLock
from .lexical_files import BM25Files
from .lexical_impact import BUDGET, CANDIDATES, LEVELS, approximate_candidates, forward_layout, impact_layout
from .lexical_reads import BM25Reads
from .slotmap import SlotMap
from .tokenizer import DEFAULT_USERDICT, Tokenizer, stem

__all__ = ["APPROX_ABOVE", "DEFAULT_USERDICT", "BM25Index", "TermWeights", "Tokenizer", "stem"]

#: Factor on a query term's IDF (1.0 = plain BM25).
TermWeights = Callable[[str], float]

#: Above this many documents a search is approximate (``lexical_impact``; recall measured in
#: README, "Scale"); up to it every posting of every query term is scored (exact). The exact
#: search cost 7.2 ms CPU p50 at 200,000 synthetic solutions and grows with the postings.
APPROX_ABOVE = 150_000

class BM25Index(BM25Reads, BM25Files):
    """Okapi BM25 with incremental add / update / remove, held as sparse term postings.

    ``k1`` controls term-frequency saturation, ``b`` document-length normalisation.

    Storage (so a million documents fit in a few hundred MB): terms get integer ids; documents
    get slots. Documents live in a *sealed* segment, a compressed-sparse-column matrix
    (per term: slots int32 and term frequencies, contiguous, as bm25s keeps them, each term's
    postings ordered by impact level for the approximate search, ``lexical_impact``) with the
    same postings grouped by document (the *forward* index: term ids and frequencies per slot,
    which exact scoring of given documents reads), or, while recent, in a small *open* segment
    of dicts. The open segment is sealed into the matrix when it reaches ``seal_every``
    documents (or on :meth:`seal`). Removing a sealed document marks its slot dead; its
    postings stay until the next seal and are skipped, and the document frequencies are
    corrected in one vectorised pass before the next read, so statistics (N, avgdl, df) are
    always those of the live documents. A loaded index maps its file (``lexical_files``).
    """

    FORMAT = 3

    def __init__(
        self,
        tokenizer: Tokenizer | None = None,
        *,
        k1: float = 1.2,
        b: float = 0.75,
        seal_every: int = 20_000,
        approx_above: int | None = APPROX_ABOVE,
    ) -> None:
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError("BM25 needs k1 >= 0 and 0 <= b <= 1")
        if seal_every < 1:
            raise ValueError("seal_every must be >= 1")
        self.tokenizer = tokenizer if tokenizer is not None else Tokenizer()
        self.k1 = k1
        self.b = b
        self.seal_every = seal_every
        # Approximate search above this many documents (see ``search``); None: always exact.
        self.approx_above = approx_above
        self.approx_budget = BUDGET  # postings accumulated, candidates scored exactly
        self.approx_candidates = CANDIDATES
        self._lock = RWLock()
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []
        self._df = np.zeros(0, dtype=np.int64)  # live documents per term id
        self._slot_of: dict[int, int] | SlotMap = {}  # a SlotMap once loaded from a file
        self._slot_ids = np.zeros(0, dtype=np.int64)  # doc id per slot, -1 once removed
        self._doc_len = np.zeros(0, dtype=np.float32)
        self._used_slots = 0
        self._total_len = 0
        # sealed segment: slots below _sealed_slots
        self._sealed_slots = 0
        self._post_ptr = np.zeros(1, dtype=np.int64)
        self._post_slot = np.zeros(0, dtype=np.int32)
        self._post_tf = np.zeros(0, dtype=np.uint16)
        self._level_ptr = np.zeros((0, LEVELS + 1), dtype=np.int64)  # per term: impact level starts
        self._level_avgdl = 1.0  # the average length the levels were computed at
        self._fwd_ptr = np.zeros(1, dtype=np.int64)  # per sealed slot: start of its terms
        self._fwd_term = np.zeros(0, dtype=np.int32)
        self._fwd_tf = np.zeros(0, dtype=np.uint16)
        self._dead: list[int] = []  # sealed slots removed since the df was last corrected
        self._dead_count = 0  # sealed slots removed since the last seal
        # open segment: slot -> {term id: tf}, and term id -> {slot: tf}
        self._open_docs: dict[int, dict[int, int]] = {}
        self._open_postings: dict[int, dict[int, int]] = {}

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, (int, np.integer)) and int(doc_id) in self._slot_of

    # ---------------------------------------------------------------------- writes

    def add(self, doc_id: int, text: str) -> None:
        """Index a new document; ``ValueError`` if ``doc_id`` is already indexed."""
        terms = Counter(self.tokenizer.tokenize(text))
        with self._lock.write():
            if int(doc_id) in self._slot_of:
                raise ValueError(f"document {doc_id} is already indexed; use update()")
            self._insert(int(doc_id), terms)

    def update(self, doc_id: int, text: str) -> None:
        """Replace a document's text (adds it if absent)."""
        terms = Counter(self.tokenizer.tokenize(text))
        with self._lock.write():
            self._delete(int(doc_id))
            self._insert(int(doc_id), terms)

    def update_terms(self, doc_id: int, terms: Mapping[str, int]) -> None:
        """Replace a document by its term counts, tokenized earlier with this tokenizer
        (``terms_of``; stored by the process that indexed it): no segmentation here."""
        with self._lock.write():
            self._delete(int(doc_id))
            self._insert(int(doc_id), {str(term): int(tf) for term, tf in terms.items()})

    def remove(self, doc_id: int) -> bool:
        """Remove a document; returns False if it was not indexed."""
        with self._lock.write():
            return self._delete(int(doc_id))

    def add_counts(self, items: Iterable[tuple[int, Mapping[str, int]]]) -> int:
        """Index many new documents given as term counts (already tokenized), straight into the
        sealed matrix: the bulk path of a large build. Returns how many were added."""
        with self._lock.write():
            self.seal_locked()
            slots: list[np.ndarray] = []
            terms: list[np.ndarray] = []
            tfs: list[np.ndarray] = []
            chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
            added = 0
            for doc_id, counts in items:
                if len(slots) >= 10_000:  # a few big arrays, not three small ones per document
                    chunks.append((np.concatenate(slots), np.concatenate(terms), np.concatenate(tfs)))
                    slots, terms, tfs = [], [], []
                doc_id = int(doc_id)
                if doc_id in self._slot_of:
                    raise ValueError(f"document {doc_id} is already indexed; use update()")
                slot = self._grab_slot(doc_id, sum(counts.values()))
                ids = np.fromiter((self._term_id(t) for t in counts), dtype=np.int32, count=len(counts))
                terms.append(ids)
                tfs.append(np.minimum(np.fromiter(counts.values(), dtype=np.int64, count=len(counts)), 65535).astype(np.uint16))
                slots.append(np.full(len(counts), slot, dtype=np.int32))
                added += 1
            if slots:
                chunks.append((np.concatenate(slots), np.concatenate(terms), np.concatenate(tfs)))
            if added:
                self._merge_postings(*(np.concatenate([chunk[i] for chunk in chunks]) for i in range(3)))
                self._sealed_slots = self._used_slots
            return added

    def seal(self) -> None:
        """Move the open segment into the sealed matrix and drop dead postings."""
        with self._lock.write():
            self.seal_locked()

    def seal_locked(self) -> None:
        if not self._open_docs and not self._dead_count:
            return
        self._fix_df()
        slots, terms, tfs = [], [], []
        for slot, counts in self._open_docs.items():
            slots.append(np.full(len(counts), slot, dtype=np.int32))
            terms.append(np.fromiter(counts.keys(), dtype=np.int32, count=len(counts)))
            tfs.append(np.fromiter(counts.values(), dtype=np.int64, count=len(counts)))
        self._open_docs, self._open_postings = {}, {}
        self._sealed_slots = self._used_slots
        empty = np.zeros(0, dtype=np.int32)
        self._merge_postings(
            np.concatenate(slots) if slots else empty,
            np.concatenate(terms) if terms else empty,
            np.concatenate(tfs) if tfs else empty.astype(np.int64),
        )

    def _merge_postings(self, slots: np.ndarray, terms: np.ndarray, tfs: np.ndarray) -> None:
        """Rebuild the sealed matrix from its live postings plus the given ones."""
        old_terms = np.repeat(np.arange(len(self._post_ptr) - 1, dtype=np.int32), np.diff(self._post_ptr))
        old_slots, old_tfs = self._post_slot, self._post_tf
        if self._dead_count:
            alive = self._slot_ids[old_slots] >= 0
            old_terms, old_slots, old_tfs = old_terms[alive], old_slots[alive], old_tfs[alive]
            self._dead_count = 0
        all_terms = np.concatenate([old_terms, terms.astype(np.int32)])
        all_slots = np.concatenate([old_slots, slots.astype(np.int32)])
        all_tfs = np.concatenate([old_tfs, np.minimum(tfs, np.iinfo(np.uint16).max).astype(np.uint16)])
        self._set_postings(all_terms, all_slots, all_tfs)

    def _set_postings(self, terms: np.ndarray, slots: np.ndarray, tfs: np.ndarray) -> None:
        """Make the given postings (any order) the sealed matrix: grouped by term in impact
        order, the level starts, the forward index and the document frequencies."""
        vocabulary = len(self._terms)
        order = np.argsort(terms, kind="stable")
        slots, tfs = slots[order], tfs[order]
        counts = np.bincount(terms, minlength=vocabulary)
        post_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        avgdl = max(self._total_len / max(len(self._slot_of), 1), 1e-9)
        order, self._level_ptr = impact_layout(post_ptr, slots, tfs, self._doc_len, k1=self.k1, b=self.b, avgdl=avgdl)
        self._post_ptr, self._post_slot, self._post_tf = post_ptr, slots[order], tfs[order]
        self._level_avgdl = avgdl
        order, self._fwd_ptr = forward_layout(self._post_ptr, self._post_slot, self._used_slots)
        self._fwd_term = np.repeat(np.arange(vocabulary, dtype=np.int32), counts)[order]
        self._fwd_tf = self._post_tf[order]
        self._df = np.zeros(vocabulary, dtype=np.int64)
        self._df[: len(counts)] += counts
        for counts_of_doc in self._open_docs.values():
            for term in counts_of_doc:
                self._df[term] += 1

    def _term_id(self, term: str) -> int:
        term_id = self._vocab.get(term)
        if term_id is None:
            term_id = self._vocab[term] = len(self._terms)
            self._terms.append(term)
            if term_id >= len(self._df):
                self._df = np.concatenate([self._df, np.zeros(max(64, len(self._df)), dtype=np.int64)])
        return term_id

    def _grab_slot(self, doc_id: int, length: int) -> int:
        slot = self._used_slots
        if slot >= len(self._slot_ids):
            grow = max(64, len(self._slot_ids))
            self._slot_ids = np.concatenate([self._slot_ids, np.full(grow, -1, dtype=np.int64)])
            self._doc_len = np.concatenate([self._doc_len, np.zeros(grow, dtype=np.float32)])
        self._used_slots += 1
        self._slot_of[doc_id] = slot
        self._slot_ids[slot] = doc_id
        self._doc_len[slot] = length
        self._total_len += length
        return slot

    def _insert(self, doc_id: int, terms: Mapping[str, int]) -> None:
        slot = self._grab_slot(doc_id, sum(terms.values()))
        counts = {self._term_id(term): int(tf) for term, tf in terms.items()}
        self._open_docs[slot] = counts
        for term, tf in counts.items():
            self._open_postings.setdefault(term, {})[slot] = tf
            self._df[term] += 1
        if len(self._open_docs) >= self.seal_every:
            self.seal_locked()

    def _delete(self, doc_id: int) -> bool:
        slot = self._slot_of.pop(doc_id, None)
        if slot is None:
            return False
        counts = self._open_docs.pop(slot, None)
        if counts is not None:
            for term in counts:
                postings = self._open_postings[term]
                del postings[slot]
                if not postings:
                    del self._open_postings[term]
                self._df[term] -= 1
        else:
            self._dead.append(slot)
            self._dead_count += 1
        self._total_len -= int(self._doc_len[slot])
        self._doc_len[slot] = 0
        self._slot_ids[slot] = -1
        return True

    def _fix_df(self) -> None:
        """Take the removed sealed documents out of the document frequencies (one pass)."""
        if not self._dead:
            return
        dead = np.zeros(self._sealed_slots, dtype=bool)
        dead[np.asarray(self._dead, dtype=np.int64)] = True
        positions = np.flatnonzero(dead[self._post_slot])
        terms = np.searchsorted(self._post_ptr, positions, side="right") - 1
        self._df[: len(self._post_ptr) - 1] -= np.bincount(terms, minlength=len(self._post_ptr) - 1)
        self._dead = []

    # ---------------------------------------------------------------------- reads

    def _fresh_statistics(self) -> None:
        # Readers share the lock, and the pending df correction is a write: do it under the
        # write side, before reading (rare: only after removals of sealed documents).
        if self._dead:
            with self._lock.write():
                self._fix_df()

    def _postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Slots and term frequencies of a term, dead slots included (callers skip them)."""
        sealed_slots = sealed_tfs = np.zeros(0, dtype=np.int32)
        if term_id < len(self._post_ptr) - 1:
            start, stop = self._post_ptr[term_id], self._post_ptr[term_id + 1]
            sealed_slots, sealed_tfs = self._post_slot[start:stop], self._post_tf[start:stop]
        open_postings = self._open_postings.get(term_id)
        if not open_postings:
            return sealed_slots, sealed_tfs
        return (
            np.concatenate([sealed_slots, np.fromiter(open_postings.keys(), np.int32, len(open_postings))]),
            np.concatenate([sealed_tfs, np.fromiter(open_postings.values(), np.uint16, len(open_postings))]),
        )

    def _query_terms(self, query_text: str, term_weights: TermWeights | None) -> list[tuple[str, float]]:
        """Distinct query tokens with their IDF factors; computed before taking the lock,
        since ``term_weights`` may read this index itself (the lock is not reentrant)."""
        terms = dict.fromkeys(self.tokenizer.tokenize(query_text))
        return [(term, 1.0 if term_weights is None else float(term_weights(term))) for term in terms]

    def _score_all(self, query_terms: list[tuple[str, float]]) -> np.ndarray | None:
        """BM25 score of every slot (caller holds the read lock); None if nothing matches.
        Dead slots may get a score: callers keep only slots whose id is >= 0."""
        n_docs = len(self._slot_of)
        if n_docs == 0:
            return None
        avgdl = max(self._total_len / n_docs, 1e-9)
        scores: np.ndarray | None = None
        for term, factor in query_terms:
            term_id = self._vocab.get(term)
            if term_id is None or self._df[term_id] <= 0:
                continue
            slots, raw_tfs = self._postings(term_id)
            df = int(self._df[term_id])
            idf = factor * math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            if idf == 0:
                continue
            tfs = raw_tfs.astype(np.float64)
            norm = self.k1 * (1.0 - self.b) + (self.k1 * self.b / avgdl) * self._doc_len[slots].astype(np.float64)
            if scores is None:
                scores = np.zeros(self._used_slots, dtype=np.float64)
            scores[slots] += (idf * (self.k1 + 1.0)) * tfs / (tfs + norm)
        return scores

    def _score_slots(self, query_terms: list[tuple[str, float]], slots: np.ndarray) -> np.ndarray:
        """Exact BM25 of the given slots only (caller holds the read lock)."""
        scores = np.zeros(len(slots), dtype=np.float64)
        n_docs = len(self._slot_of)
        if n_docs == 0 or len(slots) == 0:
            return scores
        avgdl = max(self._total_len / n_docs, 1e-9)
        norm = self.k1 * (1.0 - self.b) + (self.k1 * self.b / avgdl) * self._doc_len[slots].astype(np.float64)
        found = [(self._vocab.get(term), factor) for term, factor in query_terms]
        found = [(term_id, factor) for term_id, factor in found if term_id is not None and self._df[term_id] > 0]
        if not found:
            return scores
        matrix = self._tf_matrix([term_id for term_id, _ in found], slots)
        scale = np.array([
            factor * math.log(1.0 + (n_docs - int(self._df[term_id]) + 0.5) / (int(self._df[term_id]) + 0.5)) * (self.k1 + 1.0)
            for term_id, factor in found
        ])
        # Each term's contribution as every path computes it, idf (k1 + 1) tf / (tf + norm),
        # added in the query's term order: equal documents get equal scores to the last bit.
        contributions = scale[:, None] * matrix / (matrix + norm)
        for row in contributions:
            scores += row
        return scores

    def search(
        self, query_text: str, k: int = 10, *, term_weights: TermWeights | None = None
    ) -> list[tuple[int, float]]:
        """Top-``k`` documents with a positive score, best first (ties by smaller id).

        Exact up to ``approx_above`` documents: every posting of every query term is scored.
        Above, approximate (``lexical_impact``): the ``approx_candidates`` documents with the
        best partial scores over the ``approx_budget`` highest-impact postings, plus the recent
        documents, are scored exactly and ranked, so returned scores are exact BM25 but a
        document outside the candidates is missed (recall@10 against the exact search in
        README, "Scale").
        """
        if k < 1:
            raise ValueError("k must be >= 1")
        query_terms = self._query_terms(query_text, term_weights)
        self._fresh_statistics()
        with self._lock.read():
            if self.approx_above is not None and len(self._slot_of) > self.approx_above:
                slots = approximate_candidates(
                    self, query_terms, budget=self.approx_budget, candidates=max(self.approx_candidates, k)
                )
                if slots is not None:
                    # Summed in the query's term order, as every other path sums: equal scores
                    # stay equal, so ties fall to the smaller id as in the exact search.
                    exact = self._score_slots(query_terms, slots)
                    ids = self._slot_ids[slots]
                    order = np.lexsort((ids, -exact))[:k]
                    return [(doc, score) for doc, score in zip(ids[order].tolist(), exact[order].tolist(), strict=True) if score > 0]
            scores = self._score_all(query_terms)
            if scores is None:
                return []
            hits = np.flatnonzero(scores > 0)
            hits = hits[self._slot_ids[hits] >= 0]
            if hits.size > k:
                # Keep everything tied with the k-th score so the id tie-break below is exact.
                kth_best = -np.partition(-scores[hits], k - 1)[k - 1]
                hits = hits[scores[hits] >= kth_best]
            ids = self._slot_ids[hits]
            hit_scores = scores[hits]
        order = np.lexsort((ids, -hit_scores))[:k]
        return [(int(ids[i]), float(hit_scores[i])) for i in order]

    def score(
        self, query_text: str, doc_ids: Iterable[int], *, term_weights: TermWeights | None = None
    ) -> dict[int, float]:
        """BM25 score of each given document (0.0 if it matches nothing; unknown ids skipped)."""
        query_terms = self._query_terms(query_text, term_weights)
        self._fresh_statistics()
        ids = np.fromiter((int(doc_id) for doc_id in doc_ids), dtype=np.int64)
        with self._lock.read():
            slots = self._slots_of(ids)
            held = slots >= 0
            ids, slots = ids[held], slots[held]
            scores = self._score_slots(query_terms, slots)
        return dict(zip(ids.tolist(), scores.tolist(), strict=True))

    def top_among(
        self, query_text: str, doc_ids: np.ndarray, k: int, *, term_weights: TermWeights | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best of the given documents with a positive score, best first (ties by
        smaller id): what sorting :meth:`score`'s answer gives, without a dict and a Python loop
        per id (a tight filter leaves thousands of eligible ids at a million solutions)."""
        query_terms = self._query_terms(query_text, term_weights)
        self._fresh_statistics()
        ids = np.unique(np.asarray(doc_ids, dtype=np.int64))
        with self._lock.read():
            slots = self._slots_of(ids)
            held = slots >= 0
            ids, slots = ids[held], slots[held]
            scores = self._score_slots(query_terms, slots)
        positive = scores > 0
        ids, scores = ids[positive], scores[positive]
        order = np.lexsort((ids, -scores))[:k]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def document_scores(
        self, query_tokens: Sequence[Sequence[str]], doc_ids: Sequence[int], *,
        term_weights: TermWeights | None = None, factors: Sequence[Mapping[str, float]] | None = None,
    ) -> np.ndarray:
        """BM25 scores of a few documents for many queries, given as their tokens (rows:
        queries, columns: documents; 0.0 for an unknown id), computed from those documents' own
        terms: the same numbers as :meth:`score`, without scoring the whole corpus per query."""
        queries = [
            [(term, (1.0 if term_weights is None else float(term_weights(term))) * extra.get(term, 1.0))
             for term in dict.fromkeys(tokens)]
            for tokens, extra in zip(query_tokens, factors or [{}] * len(query_tokens), strict=True)
        ]
        self._fresh_statistics()
        own_terms = {int(doc_id): self.terms_of(int(doc_id)) for doc_id in doc_ids if int(doc_id) in self}
        result = np.zeros((len(queries), len(doc_ids)), dtype=np.float64)
        with self._lock.read():
            n_docs = len(self._slot_of)
            avgdl = max(self._total_len / max(n_docs, 1), 1e-9)
            for column, doc_id in enumerate(doc_ids):
                terms, slot = own_terms.get(int(doc_id)), self._slot_of.get(int(doc_id))
                if terms is None or slot is None:
                    continue
                norm = self.k1 * (1.0 - self.b + self.b * float(self._doc_len[slot]) / avgdl)
                for row, query_terms in enumerate(queries):
                    total = 0.0
                    for term, factor in query_terms:
                        tf = terms.get(term)
                        if tf:
                            df = int(self._df[self._vocab[term]])
                            idf = factor * math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
                            total += idf * tf * (self.k1 + 1.0) / (tf + norm)
                    result[row, column] = total
        return result
