"""Ranking retrieved solutions for a need: hard filters, score, order, explanation of the best."""

from __future__ import annotations

import pytest

from matching.engine import NeedQuery, RankingWeights, Reason, SolutionFacts, assess_fit, explain, rank
from matching.engine.fit import combine

from .helpers import make_facts, make_query


def test_over_budget_is_excluded_by_default_and_flagged_on_request() -> None:
    query = make_query(budget_max=100_000)
    cheap = make_facts(1, price_min=60_000, price_max=90_000)
    pricey = make_facts(2, price_min=150_000, price_max=200_000)
    candidates = [(pricey, 0.9, 1.0, 1.0), (cheap, 0.6, 0.2, 0.4)]
    default = rank(query, candidates)
    assert [r.solution.id for r in default] == [1]
    flagged = rank(query, candidates, include_over_budget=True)
    assert [r.solution.id for r in flagged] == [2, 1]
    assert flagged[0].over_budget is True and flagged[1].over_budget is False
    assert flagged[0].components["budget_fit"] == 0.0
    assert flagged[0].reasons[0] == Reason("over_budget")


def test_reasons_and_components_of_a_perfect_match() -> None:
    result = rank(make_query(), [(make_facts(), 0.71, 0.64, 1.0)])[0]
    assert result.rank == 1
    assert result.reasons == explain(make_query(), make_facts())  # the best are explained
    assert [r.code for r in result.reasons] == ["within_budget", "industry_cases", "serves_county", "weeks_to_live"]
    assert list(result.components) == [
        "semantic",
        "lexical",
        "relevance",
        "budget_fit",
        "industry_fit",
        "region_fit",
        "speed_fit",
        "track_record",
        "tier",
    ]
    assert result.components["semantic"] == 0.71
    assert result.score == round(result.score, 4)


def test_unserved_solutions_are_kept_and_explained_without_the_region_filter() -> None:
    facts = make_facts(provider_city="济南市", provider_county="历下区", regions={"青岛市"})
    soft = RankingWeights(hard_region_filter=False)
    result = rank(make_query(), [(facts, None, None, 0.5)], soft)[0]
    assert result.reasons[2] == Reason("region_not_served", {"city": "淄博市"})
    assert "semantic" not in result.components and "lexical" not in result.components


def test_unused_components_are_omitted() -> None:
    query = NeedQuery("窑炉节能")
    result = rank(query, [(make_facts(), 0.5, None, 0.5)])[0]
    assert set(result.components) == {"semantic", "relevance", "speed_fit", "track_record", "tier"}
    assert [r.code for r in result.reasons] == ["cases", "weeks_to_live"]


def _awful_facts(id: int) -> SolutionFacts:
    return make_facts(
        id,
        price_min=140_000,
        price_max=900_000,
        industries={"chemical"},
        case_industries=set(),
        cases=0,
        provider_city="济南市",
        provider_county="历下区",
        regions=set(),
        deployment_weeks=80,
        tier="other",
    )


def test_score_is_relevance_times_structure_by_default() -> None:
    weights = RankingWeights(hard_region_filter=False)  # keep the unserved candidate to compare
    assert weights.relevance_floor == 0.0
    perfect = make_facts(1, cases=30, tier="cross_industry")
    awful = _awful_facts(2)
    # A solution the enterprise can buy, in its trade and city, beats a twice as relevant one
    # that fails on every fact...
    results = rank(make_query(), [(perfect, None, None, 0.49), (awful, None, None, 1.0)], weights)
    assert [r.solution.id for r in results] == [1, 2]
    fit = assess_fit(make_query(), perfect, weights)
    assert results[0].score == pytest.approx(0.49 * fit.structured, abs=1e-4)
    # ... but structure never lifts an irrelevant candidate.
    assert combine(0.0, 1.0, weights) == 0.0
    assert combine(0.6, 0.5, weights) == pytest.approx(0.3)


def test_relevance_floor_reserves_a_share_from_structure() -> None:
    weights = RankingWeights(relevance_floor=0.5, hard_region_filter=False)
    perfect = make_facts(1, cases=30, tier="cross_industry")
    awful = _awful_facts(2)
    # With a floor of 0.5, less than half the relevance can never win, even with perfect facts.
    results = rank(make_query(), [(perfect, None, None, 0.49), (awful, None, None, 1.0)], weights)
    assert [r.solution.id for r in results] == [2, 1]
    # Among comparably relevant candidates, structure decides.
    results = rank(make_query(), [(perfect, None, None, 0.8), (awful, None, None, 1.0)], weights)
    assert [r.solution.id for r in results] == [1, 2]
    assert results[0].score == pytest.approx(0.8)
    assert combine(0.6, 0.5, weights) == pytest.approx(0.45)


def test_cheaper_equal_solution_wins_and_structured_false_ties() -> None:
    cheap = make_facts(1, price_min=80_000, price_max=120_000)
    pricey = make_facts(2, price_min=120_000, price_max=260_000)
    candidates = [(pricey, 0.9, 1.0, 1.0), (cheap, 0.9, 1.0, 1.0)]
    assert [r.solution.id for r in rank(make_query(), candidates)] == [1, 2]
    plain = rank(make_query(), candidates, structured=False)
    assert [r.score for r in plain] == [1.0, 1.0]
    assert set(plain[0].components) == {"semantic", "lexical", "relevance"}
    assert [r.solution.id for r in plain] == [1, 2]  # tie broken by lower price


def test_hard_region_filter_drops_unserved() -> None:
    unserved = make_facts(2, provider_city="济南市", provider_county="历下区", regions={"青岛市"})
    candidates = [(make_facts(1), None, None, 0.5), (unserved, None, None, 1.0)]
    soft = RankingWeights(hard_region_filter=False)
    assert [r.solution.id for r in rank(make_query(), candidates, soft)] == [2, 1]
    assert [r.solution.id for r in rank(make_query(), candidates)] == [1]  # on by default


def test_hard_industry_filter_drops_unsuited() -> None:
    other_trade = make_facts(2, industries={"chemical"}, case_industries=set())
    proven = make_facts(3, industries={"chemical"}, case_industries={"ceramics"}, cases=2)
    generic = make_facts(4, industries=set(), all_industries=True)
    candidates = [(make_facts(1), None, None, 0.5), (other_trade, None, None, 1.0), (proven, None, None, 0.4)]
    candidates.append((generic, None, None, 0.3))
    assert {r.solution.id for r in rank(make_query(), candidates)} == {1, 2, 3, 4}
    strict = RankingWeights(hard_industry_filter=True)
    assert {r.solution.id for r in rank(make_query(), candidates, strict)} == {1, 3, 4}


def test_top_k_truncates_after_sorting() -> None:
    candidates = [(make_facts(i), None, None, i / 10) for i in range(1, 8)]
    results = rank(make_query(), candidates, top_k=3)
    assert [r.solution.id for r in results] == [7, 6, 5]
    assert [r.rank for r in results] == [1, 2, 3]
    with pytest.raises(ValueError):
        rank(make_query(), candidates, top_k=0)
