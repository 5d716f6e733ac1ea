"""Whether the deal can happen: the structured fit of one (need, solution) pair.

Retrieval (dense + lexical, fused) says *what the text is about*; the components here say
whether the enterprise can buy and use the solution: budget, industry, region, speed, track
record and provider tier. Each ``*_fit`` function returns a number in [0, 1], or None when the
need does not state the fact it compares (no budget given: no budget_fit).

They are combined into one structured score ``S`` with a weighted *geometric* mean::

    S = exp( sum_i w_i * ln(max(c_i, FLOOR)) / sum_i w_i )       over the components used

and the final score is::

    score = relevance * (relevance_floor + (1 - relevance_floor) * S)

* With the default ``relevance_floor = 0`` the score is ``relevance x S``: a good match needs
  both a solution to the stated problem and a deal that can happen (the development set's
  judges grade a solution fully relevant only if it also suits the industry, the budget and
  the city). An irrelevant candidate (relevance 0) still scores 0 whatever its facts, so
  structure reorders relevant candidates but never lifts an irrelevant one. A floor above 0
  reserves that share of the score from structure (0.5: structure can at most halve a score).
* The geometric mean is a soft AND: one badly failing component (provider does not serve
  the region: 0.1) pulls ``S`` down far more than an arithmetic mean would, while the small
  components (tier, track record) live in narrow ranges and only nudge.
* A component is *used* only when the need states the fact it compares, and only used
  components appear in ``RankedResult.components``.
* Cases are the provider's own word until staff verify them (``SolutionFacts.cases_verified``):
  unverified, they prove an industry no more than listing it for every industry does, and their
  number counts at half strength, so no count of unverified cases outweighs 12 verified ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .types import NeedQuery, RankingWeights, SolutionFacts

__all__ = [
    "COMPONENT_FLOOR",
    "FitAssessment",
    "assess_fit",
    "budget_fit",
    "combine",
    "components",
    "industry_fit",
    "is_over_budget",
    "proven_in",
    "region_case",
    "region_fit",
    "speed_fit",
    "tier_fit",
    "track_record",
]

# Component values, named so the tests and the documentation refer to the same numbers.
BUDGET_PARTIAL_MIN = 0.5  # price_min within budget but price_max above: 0.5 .. 0.9
BUDGET_PARTIAL_SPAN = 0.4
INDUSTRY_LISTED = 1.0
INDUSTRY_ALL = 0.6  # "*": generic solutions fit, but less than dedicated ones
INDUSTRY_OTHER = 0.15
REGION_SAME_COUNTY = 1.0
REGION_CITY = 0.8
REGION_PROVINCE = 0.6
REGION_NOT_SERVED = 0.1
SPEED_FLOOR = 0.1
SPEED_NO_TIMELINE_SPREAD = 0.3  # without a timeline, 0 weeks -> 1.0, 52+ weeks -> 0.7
TRACK_UNPROVEN = 0.3  # no cases yet: unproven, not disqualified
TRACK_SATURATION_CASES = 30  # log-scaled; 30+ cases count as a full record
TRACK_OTHER_INDUSTRY_WEIGHT = 0.6  # cases outside the need's industry count for less
TRACK_UNVERIFIED_WEIGHT = 0.5  # cases staff have not verified count half: 1,000,000 of them < 12 verified
TIER_SCORES: Mapping[str, float] = {"cross_industry": 1.0, "specialized": 0.9, "provincial": 0.8, "other": 0.7}
TIER_UNKNOWN = 0.7
COMPONENT_FLOOR = 0.05  # keeps ln() finite; an over-budget candidate (0.0) still ranks last-ish


def is_over_budget(query: NeedQuery, facts: SolutionFacts) -> bool:
    """Even the cheapest offer exceeds the budget."""
    return query.budget_max is not None and facts.price_min > query.budget_max


def budget_fit(query: NeedQuery, facts: SolutionFacts) -> float | None:
    """1.0 whole price range within budget; 0.5-0.9 by the share of the range within it
    when only the upper end exceeds it; 0.0 over budget; None without a budget."""
    budget = query.budget_max
    if budget is None:
        return None
    if facts.price_max <= budget:
        return 1.0
    if facts.price_min > budget:
        return 0.0
    within = (budget - facts.price_min) / (facts.price_max - facts.price_min)
    return BUDGET_PARTIAL_MIN + BUDGET_PARTIAL_SPAN * within


def proven_in(facts: SolutionFacts, industry: str) -> bool:
    """The solution runs at plants of this industry (by the provider's word, or verified)."""
    return facts.cases > 0 and industry in facts.case_industries


def industry_fit(query: NeedQuery, facts: SolutionFacts) -> float | None:
    """1.0 listed for the need's industry or running there (verified); 0.6 for ``*`` or running
    there by the provider's word only; 0.15 otherwise."""
    industry = query.industry
    if industry is None:
        return None
    proven = proven_in(facts, industry)
    if industry in facts.industries or (proven and facts.cases_verified):
        return INDUSTRY_LISTED
    if facts.all_industries or proven:
        return INDUSTRY_ALL
    return INDUSTRY_OTHER


def region_case(query: NeedQuery, facts: SolutionFacts) -> str | None:
    """How the provider covers the need's place: "county" (sits in its county), "city" (serves
    or sits in its city), "province" (serves every city), "none"; None without a city."""
    city = query.city
    if city is None:
        return None
    if query.county and facts.provider_city == city and facts.provider_county == query.county:
        return "county"
    if city in facts.regions or facts.provider_city == city:
        return "city"
    if facts.all_regions:
        return "province"
    return "none"


_REGION_VALUES = {
    "county": REGION_SAME_COUNTY,
    "city": REGION_CITY,
    "province": REGION_PROVINCE,
    "none": REGION_NOT_SERVED,
}


def region_fit(query: NeedQuery, facts: SolutionFacts) -> float | None:
    """1.0 provider in the need's county; 0.8 serves (or sits in) the city; 0.6 serves the
    whole province; 0.1 does not serve it; None without a city."""
    case = region_case(query, facts)
    return None if case is None else _REGION_VALUES[case]


def speed_fit(query: NeedQuery, facts: SolutionFacts) -> float:
    """1.0 within the timeline, halving every max(2, T/2) weeks beyond it (floor 0.1);
    without a timeline a mild linear preference for faster (1.0 at 0 weeks, 0.7 at 52+)."""
    weeks = facts.deployment_weeks
    timeline = query.timeline_weeks
    if timeline is None:
        return 1.0 - SPEED_NO_TIMELINE_SPREAD * min(weeks, 52) / 52
    if weeks <= timeline:
        return 1.0
    half_life = max(2.0, timeline / 2)
    return max(SPEED_FLOOR, float(0.5 ** ((weeks - timeline) / half_life)))


def track_record(query: NeedQuery, facts: SolutionFacts) -> float:
    """0.3 without cases, rising log-scaled to 1.0 at 30+ verified cases; unverified cases count
    half as much (at most 0.65), cases outside the need's industry 0.6 as much."""
    if facts.cases == 0:
        return TRACK_UNPROVEN
    strength = min(1.0, math.log1p(facts.cases) / math.log1p(TRACK_SATURATION_CASES))
    if not facts.cases_verified:
        strength *= TRACK_UNVERIFIED_WEIGHT
    if query.industry is not None and not proven_in(facts, query.industry):
        strength *= TRACK_OTHER_INDUSTRY_WEIGHT
    return TRACK_UNPROVEN + (1.0 - TRACK_UNPROVEN) * strength


def tier_fit(query: NeedQuery, facts: SolutionFacts) -> float:
    """Provider accreditation: 1.0 cross-industry platform ... 0.7 other."""
    return TIER_SCORES.get(facts.tier, TIER_UNKNOWN)


def components(query: NeedQuery, facts: SolutionFacts) -> dict[str, float | None]:
    """Every component of the pair by name, None where the need does not state the fact."""
    return {
        "budget_fit": budget_fit(query, facts),
        "industry_fit": industry_fit(query, facts),
        "region_fit": region_fit(query, facts),
        "speed_fit": speed_fit(query, facts),
        "track_record": track_record(query, facts),
        "tier": tier_fit(query, facts),
    }


@dataclass(frozen=True)
class FitAssessment:
    """Structured fit of one (need, solution) pair, independent of retrieval."""

    components: dict[str, float]
    structured: float
    over_budget: bool
    region_served: bool
    industry_suited: bool


def assess_fit(query: NeedQuery, facts: SolutionFacts, weights: RankingWeights) -> FitAssessment:
    """Every used component (weighted above 0) and the structured score ``S`` of one pair."""
    raw = components(query, facts)
    component_weights = weights.component_weights
    used = {name: value for name, value in raw.items() if value is not None and component_weights[name] > 0}
    total = sum(component_weights[name] for name in used)
    if total > 0:
        log_sum = sum(component_weights[n] * math.log(max(v, COMPONENT_FLOOR)) for n, v in used.items())
        structured = math.exp(log_sum / total)
    else:
        structured = 1.0
    return FitAssessment(
        components=used,
        structured=structured,
        over_budget=is_over_budget(query, facts),
        region_served=raw["region_fit"] is None or raw["region_fit"] > REGION_NOT_SERVED,
        industry_suited=raw["industry_fit"] is None or raw["industry_fit"] > INDUSTRY_OTHER,
    )


def combine(relevance: float, structured: float, weights: RankingWeights) -> float:
    """Final score: ``relevance * (floor + (1 - floor) * S)`` (see the module docstring)."""
    floor = weights.relevance_floor
    return relevance * (floor + (1.0 - floor) * structured)
