"""Reads of one document or a few (``BM25Index`` inherits these): term frequencies, the share
of a document that is a query's words, statistics; the scoring itself is in ``lexical``."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["BM25Reads"]


class BM25Reads:
    """Per-document reads of :class:`~matching.engine.lexical.BM25Index`."""

    def _slot_tfs(self, term_id: int, slots: np.ndarray) -> np.ndarray:
        """Frequencies of one term in the given slots (caller holds the read lock): each term's
        sealed postings are in slot order, so a binary search finds them."""
        tfs = np.zeros(len(slots), dtype=np.float64)
        if term_id < len(self._post_ptr) - 1:
            start, stop = self._post_ptr[term_id], self._post_ptr[term_id + 1]
            posted = self._post_slot[start:stop]
            where = np.minimum(np.searchsorted(posted, slots), max(len(posted) - 1, 0))
            if len(posted):
                found = posted[where] == slots
                tfs[found] = self._post_tf[start:stop][where[found]]
        open_postings = self._open_postings.get(term_id)
        if open_postings:
            for row, slot in enumerate(slots.tolist()):
                tfs[row] += open_postings.get(slot, 0)
        return tfs

    def query_share(self, query_text: str, doc_ids: Iterable[int]) -> dict[int, float]:
        """Share of each given document's tokens that are words of the query, 0-1 (unknown ids
        skipped): near 1 for a text that is a copy of the query."""
        terms = dict.fromkeys(self.tokenizer.tokenize(query_text))
        self._fresh_statistics()
        with self._lock.read():
            known = [(int(i), self._slot_of.get(int(i))) for i in doc_ids]
            known = [(doc_id, slot) for doc_id, slot in known if slot is not None]
            slots = np.fromiter((slot for _, slot in known), dtype=np.int64, count=len(known))
            hits = np.zeros(len(slots), dtype=np.float64)
            for term in terms:
                term_id = self._vocab.get(term)
                if term_id is not None:
                    hits += self._slot_tfs(term_id, slots)
            shares = hits / np.maximum(self._doc_len[slots].astype(np.float64), 1.0)
        return {doc_id: float(share) for (doc_id, _), share in zip(known, shares, strict=True)}

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
            ids = self._slot_ids[self._postings(term_id)[0]]
            return [int(i) for i in ids[ids >= 0]]

    def terms_of(self, doc_id: int) -> dict[str, int]:
        """Term frequencies stored for a document (for explanations and debugging)."""
        with self._lock.read():
            slot = self._slot_of[int(doc_id)]
            counts = self._open_docs.get(slot)
            if counts is not None:
                return {self._terms[t]: tf for t, tf in counts.items()}
            positions = np.flatnonzero(self._post_slot == slot)
            terms = np.searchsorted(self._post_ptr, positions, side="right") - 1
            return {self._terms[int(t)]: int(self._post_tf[p]) for t, p in zip(terms, positions, strict=True)}

    def memory_bytes(self) -> int:
        """Bytes held by the numpy arrays (the postings); dict overhead not included."""
        arrays = (self._post_ptr, self._post_slot, self._post_tf, self._df, self._slot_ids, self._doc_len)
        return int(sum(a.nbytes for a in arrays))
