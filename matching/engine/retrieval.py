"""The retrieval half of :class:`~matching.engine.pipeline.Matcher` (it inherits these): each
channel's candidate pool, over the whole index or, under tight hard filters, over the eligible
solutions only, and the other channel's score of every pooled candidate. The lexical channel reads
``lexical_text`` with its term weights: the need's words, expanded by the bilingual glossary.

Under hard filters (budget, the need's city) the pool is cut after filtering. When the filters
leave many solutions, each channel retrieves its best ``pool`` over the whole index and the
pool widens (x4) until at least ``top_k`` eligible candidates remain. When they leave few (fewer
than ``top_k * corpus / pool``: the first pool would hold fewer than ``top_k`` of them on
average, so the search would widen, at a million solutions up to most of the index), the eligible
ids come from :class:`~matching.engine.eligibility.FilterColumns` and each channel scores only
them, exactly (``VectorIndex.search_among``, ``BM25Index.score``), keeping its best ``pool``.
Where the widening search reached the whole catalog (few eligible solutions), both give the same
candidates; otherwise the pre-filtered pool is the exact best ``pool`` eligible solutions of each
channel, of which the widened search held a subset.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .lexical import TermWeights
from .types import NeedQuery, RankingWeights

__all__ = ["Retrieval", "prefilters"]


def prefilters(*, eligible: int, corpus: int, top_k: int, pool: int) -> bool:
    """Whether a search scores only the eligible solutions: when the first pool would hold fewer
    than ``top_k`` of them on average (so the widening search would widen)."""
    return eligible * pool < top_k * corpus


class Retrieval:
    """Candidate pools of both channels (see the module docstring)."""

    #: Score the eligible solutions only when the hard filters leave few (False: always widen).
    prefilter: bool = True

    def _prefilter(
        self, query: NeedQuery, keep_over_budget: bool, weights: RankingWeights, top_k: int, pool: int
    ) -> tuple[np.ndarray | None, dict | None]:
        """The eligible ids when the hard filters leave few enough to score them all (else None),
        and what that choice was made from (None when no filter applies): the number of eligible
        solutions, the catalog size, ``top_k`` and ``pool``, for the frontier (a change of the
        catalog may move the choice, and the pool with it)."""
        if not self.prefilter:
            return None, None
        eligible = self._filters.eligible(query, budget=not keep_over_budget, region=weights.hard_region_filter)
        if eligible is None:
            return None, None
        corpus = len(self._facts)
        choice = {"eligible": int(len(eligible)), "corpus": corpus, "top_k": top_k, "pool": pool}
        if corpus == 0 or not prefilters(**choice):
            return None, choice
        if weights.hard_industry_filter or not self._filters.exact:
            eligible = np.fromiter(
                (i for i in eligible.tolist() if i in self._facts and self._passes(query, self._facts[i], keep_over_budget, weights)),
                dtype=np.int64,
            )
        return eligible, choice

    def _retrieve_among(
        self,
        lexical_text: str,
        query_vector: np.ndarray | None,
        active: Sequence[str],
        pool: int,
        eligible: np.ndarray,
        term_weights: TermWeights | None = None,
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Each channel's best ``pool`` of the ``eligible`` ids, scored exactly."""
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        if "dense" in active and query_vector is not None and len(eligible):
            scores, ids = self.vectors.search_among(query_vector, eligible, pool)
            dense = {int(i): float(s) for i, s in zip(ids, scores, strict=True)}
        if "lexical" in active and len(eligible):
            lexical = dict(self.lexical.top_among(lexical_text, eligible, pool, term_weights=term_weights))
        return dense, lexical

    def _retrieve(
        self,
        lexical_text: str,
        query_vector: np.ndarray | None,
        active: Sequence[str],
        pool: int,
        term_weights: TermWeights | None = None,
    ) -> tuple[dict[int, float], dict[int, float]]:
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        if "dense" in active and query_vector is not None:
            scores, ids = self.vectors.search_one(query_vector, pool)
            dense = {int(i): float(s) for i, s in zip(ids, scores, strict=True)}
        if "lexical" in active:
            lexical = dict(self.lexical.search(lexical_text, pool, term_weights=term_weights))
        return dense, lexical

    def _complete_scores(
        self,
        lexical_text: str,
        query_vector: np.ndarray | None,
        active: Sequence[str],
        eligible: Sequence[int],
        dense: dict[int, float],
        lexical: dict[int, float],
        term_weights: TermWeights | None = None,
    ) -> None:
        """Score pooled candidates in the channel that did not retrieve them."""
        if "dense" in active and query_vector is not None:
            missing = [i for i in eligible if i not in dense and i in self.vectors]
            if missing:
                dense.update(zip(missing, map(float, self.vectors.score(query_vector, missing)), strict=True))
            for i in eligible:
                dense.setdefault(i, 0.0)
        if "lexical" in active:
            missing = [i for i in eligible if i not in lexical]
            if missing:
                lexical.update(self.lexical.score(lexical_text, missing, term_weights=term_weights))
            for i in eligible:
                lexical.setdefault(i, 0.0)

