"""Reads of one document or a few (``BM25Index`` inherits these): term frequencies, the share
of a document that is a query's words, statistics; the scoring itself is in ``lexical``."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

import numpy as np

from .slotmap import SlotMap

__all__ = ["BM25Reads"]

_SHARE_CHUNK = 50_000  # documents per pass of ``marked_shares``


class BM25Reads:
    """Per-document reads of :class:`~matching.engine.lexical.BM25Index`."""

    def _slots_of(self, doc_ids: np.ndarray) -> np.ndarray:
        """The slot of each id, -1 if not indexed (caller holds the read lock): one binary search
        for all of them in a loaded index's ``SlotMap``, a dict look-up each otherwise."""
        if isinstance(self._slot_of, SlotMap):
            return self._slot_of.slots_of(doc_ids)
        return np.fromiter(
            map(self._slot_of.get, doc_ids.tolist(), itertools.repeat(-1)), dtype=np.int64, count=len(doc_ids)
        )

    def _tf_matrix(self, term_ids: list[int], slots: np.ndarray) -> np.ndarray:
        """Frequencies of the given terms (rows, distinct ids) in the given slots (columns), as
        float64 (caller holds the read lock): sealed slots from the forward index, recent ones
        from the open segment."""
        slots = np.asarray(slots, dtype=np.int64)
        matrix = np.zeros((len(term_ids), len(slots)), dtype=np.float64)
        if not term_ids or not len(slots):
            return matrix
        sealed_terms = len(self._post_ptr) - 1
        columns = np.flatnonzero(slots < self._sealed_slots)
        if columns.size:
            starts = self._fwd_ptr[slots[columns]]
            lengths = self._fwd_ptr[slots[columns] + 1] - starts
            total = int(lengths.sum())
            ends = np.cumsum(lengths)
            positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(total)
            row_of = np.full(sealed_terms, -1, dtype=np.int32)
            for row, term_id in enumerate(term_ids):
                if term_id < sealed_terms:
                    row_of[term_id] = row
            rows = row_of[self._fwd_term[positions]]
            hit = np.flatnonzero(rows >= 0)
            matrix[rows[hit], columns[np.searchsorted(ends, hit, side="right")]] = self._fwd_tf[positions[hit]]
        if self._open_postings:
            recent = [(column, slot) for column, slot in enumerate(slots.tolist()) if slot >= self._sealed_slots]
            for row, term_id in enumerate(term_ids):
                postings = self._open_postings.get(term_id)
                if postings:
                    for column, slot in recent:
                        matrix[row, column] = postings.get(slot, 0)
        return matrix

    def _slot_tfs(self, term_id: int, slots: np.ndarray) -> np.ndarray:
        """Frequencies of one term in the given slots (caller holds the read lock)."""
        return self._tf_matrix([term_id], slots)[0]

    def query_share(self, query_text: str, doc_ids: Iterable[int]) -> dict[int, float]:
        """Share of each given document's tokens that are words of the query, 0-1 (unknown ids
        skipped): near 1 for a text that is a copy of the query."""
        terms = dict.fromkeys(self.tokenizer.tokenize(query_text))
        self._fresh_statistics()
        ids = np.fromiter((int(i) for i in doc_ids), dtype=np.int64)
        with self._lock.read():
            slots = self._slots_of(ids)
            held = slots >= 0
            ids, slots = ids[held], slots[held]
            term_ids = [self._vocab[term] for term in terms if term in self._vocab]
            hits = self._tf_matrix(term_ids, slots).sum(axis=0) if term_ids else np.zeros(len(slots))
            shares = hits / np.maximum(self._doc_len[slots].astype(np.float64), 1.0)
        return dict(zip(ids.tolist(), shares.tolist(), strict=True))

    def statistics(self, terms: Iterable[str]) -> tuple[int, int, dict[str, int]]:
        """Document count, total length and the document frequency of each of ``terms``."""
        self._fresh_statistics()
        with self._lock.read():
            frequencies = {t: int(self._df[self._vocab[t]]) if t in self._vocab else 0 for t in terms}
            return len(self._slot_of), self._total_len, frequencies

    def documents_with(self, term: str) -> list[int]:
        """Ids of the documents containing ``term`` (a token as the tokenizer emits it)."""
        with self._lock.read():
            term_id = self._vocab.get(term)
            if term_id is None:
                return []
            ids = self._slot_ids[np.sort(self._postings(term_id)[0])]
            return [int(i) for i in ids[ids >= 0]]

    def terms_of(self, doc_id: int) -> dict[str, int]:
        """Term frequencies stored for a document (for explanations and debugging)."""
        with self._lock.read():
            slot = self._slot_of[int(doc_id)]
            counts = self._open_docs.get(slot)
            if counts is not None:
                return {self._terms[t]: tf for t, tf in counts.items()}
            start, stop = int(self._fwd_ptr[slot]), int(self._fwd_ptr[slot + 1])
            return {
                self._terms[int(t)]: int(tf)
                for t, tf in zip(self._fwd_term[start:stop].tolist(), self._fwd_tf[start:stop].tolist(), strict=True)
            }

    def marked_shares(self, doc_ids: Iterable[int], marked: Callable[[str], bool]) -> dict[int, tuple[int, int]]:
        """For each indexed one of ``doc_ids``: its term occurrences and how many of them are of
        terms that ``marked`` accepts, as ``terms_of`` would add them up, in vectorised passes
        over the forward index (a loaded catalog's languages are read this way at once)."""
        ids = np.fromiter((int(i) for i in doc_ids), dtype=np.int64)
        with self._lock.read():
            flags = np.fromiter((bool(marked(term)) for term in self._terms), dtype=bool, count=len(self._terms))
            slots = self._slots_of(ids)
            held = slots >= 0
            ids, slots = ids[held], slots[held]
            totals = np.zeros(len(ids), dtype=np.int64)
            hits = np.zeros(len(ids), dtype=np.int64)
            sealed = np.flatnonzero(slots < self._sealed_slots)
            for start in range(0, len(sealed), _SHARE_CHUNK):  # bounded temporaries at a million
                rows = sealed[start : start + _SHARE_CHUNK]
                starts = self._fwd_ptr[slots[rows]]
                lengths = self._fwd_ptr[slots[rows] + 1] - starts
                ends = np.cumsum(lengths)
                positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(int(ends[-1]) if len(ends) else 0)
                owner = np.repeat(np.arange(len(rows)), lengths)
                tfs = self._fwd_tf[positions].astype(np.int64)
                totals[rows] = np.bincount(owner, weights=tfs, minlength=len(rows)).astype(np.int64)
                hits[rows] = np.bincount(owner, weights=tfs * flags[self._fwd_term[positions]], minlength=len(rows)).astype(np.int64)
            for row in np.flatnonzero(slots >= self._sealed_slots).tolist():
                counts = self._open_docs.get(int(slots[row]), {})
                totals[row] = sum(counts.values())
                hits[row] = sum(tf for term, tf in counts.items() if flags[term])
        return {int(i): (int(t), int(h)) for i, t, h in zip(ids.tolist(), totals.tolist(), hits.tolist(), strict=True)}

    def memory_bytes(self) -> int:
        """Bytes of the numpy arrays (postings, forward index, levels; mapped or not); dict
        overhead not included."""
        arrays = (
            self._post_ptr, self._post_slot, self._post_tf, self._level_ptr, self._fwd_ptr, self._fwd_term,
            self._fwd_tf, self._df, self._slot_ids, self._doc_len,
        )
        return int(sum(a.nbytes for a in arrays))
