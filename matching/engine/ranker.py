"""Order retrieved solutions for a need: filter, score with the structured fit, explain the best.

The score of a candidate is its fused relevance combined with its structured fit
(:func:`fit.combine`, described in ``fit.py``); the best ``top_k`` carry their reasons
(``reasons.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .fit import FitAssessment, assess_fit, combine
from .reasons import explain
from .types import NeedQuery, RankedResult, RankingWeights, SolutionFacts

__all__ = ["rank"]


@dataclass(frozen=True)
class _Scored:
    facts: SolutionFacts
    score: float
    relevance: float
    components: dict[str, float]
    fit: FitAssessment


def _score(
    query: NeedQuery,
    facts: SolutionFacts,
    semantic: float | None,
    lexical: float | None,
    relevance: float,
    weights: RankingWeights,
    include_over_budget: bool,
    structured: bool,
) -> _Scored | None:
    """The candidate's score and shown components, or None when a hard filter drops it."""
    fit = assess_fit(query, facts, weights)
    if fit.over_budget and not include_over_budget:
        return None
    if weights.hard_region_filter and not fit.region_served:
        return None
    if weights.hard_industry_filter and not fit.industry_suited:
        return None
    shown: dict[str, float] = {}
    if semantic is not None:
        shown["semantic"] = round(float(semantic), 4)
    if lexical is not None:
        shown["lexical"] = round(float(lexical), 4)
    shown["relevance"] = round(float(relevance), 4)
    if structured:
        shown.update({name: round(value, 4) for name, value in fit.components.items()})
        score = combine(relevance, fit.structured, weights)
    else:
        score = relevance
    return _Scored(facts=facts, score=score, relevance=relevance, components=shown, fit=fit)


def rank(
    query: NeedQuery,
    candidates: Sequence[tuple[SolutionFacts, float | None, float | None, float]],
    weights: RankingWeights | None = None,
    include_over_budget: bool = False,
    top_k: int = 10,
    *,
    structured: bool = True,
) -> list[RankedResult]:
    """Order solutions for a need.

    ``candidates`` are ``(facts, semantic, lexical, fused)``: the channel scores for the
    explanation (None if the channel was not run) and the fused relevance in [0, 1].
    Over-budget solutions (cheapest offer above ``budget_max``) are dropped unless
    ``include_over_budget``, in which case they are kept, scored with budget_fit 0 and
    flagged. With ``structured=False`` the score is the relevance alone (ablation).
    Ties are broken by relevance, then lower price, then id, so output is deterministic.
    """
    if top_k < 1:
        raise ValueError("top_k must be >= 1")
    weights = weights or RankingWeights()
    scored = [
        result
        for facts, semantic, lexical, relevance in candidates
        if (result := _score(query, facts, semantic, lexical, relevance, weights, include_over_budget, structured))
        is not None
    ]
    scored.sort(key=lambda s: (-s.score, -s.relevance, s.facts.price_min, s.facts.id))
    return [
        RankedResult(
            rank=position,
            solution=s.facts,
            score=round(s.score, 4),
            components=s.components,
            reasons=explain(query, s.facts),
            over_budget=s.fit.over_budget,
        )
        for position, s in enumerate(scored[:top_k], start=1)
    ]
