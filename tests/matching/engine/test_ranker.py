from __future__ import annotations

import math

import pytest

from matching.engine.ranker import (
    Labels,
    LeadCandidate,
    NeedCandidate,
    NeedQuery,
    RankingWeights,
    SolutionFacts,
    allocate_leads,
    assess_fit,
    budget_fit,
    combine,
    industry_fit,
    rank,
    rank_needs,
    region_fit,
    speed_fit,
    tier_fit,
    track_record,
)

from .helpers import LABELS, make_facts, make_query

# ---------------------------------------------------------------- components


def test_budget_fit_edges() -> None:
    query = make_query(budget_max=100_000)
    assert budget_fit(query, make_facts(price_min=50_000, price_max=100_000)) == 1.0  # max == budget
    assert budget_fit(query, make_facts(price_min=100_000, price_max=200_000)) == pytest.approx(0.5)
    assert budget_fit(query, make_facts(price_min=50_000, price_max=150_000)) == pytest.approx(0.7)
    assert budget_fit(query, make_facts(price_min=100_001, price_max=150_000)) == 0.0
    assert budget_fit(make_query(budget_max=None), make_facts()) is None


def test_industry_fit_edges() -> None:
    query = make_query(industry="ceramics")
    assert industry_fit(query, make_facts(industries={"ceramics"}, case_industries=set(), cases=0)) == 1.0
    proven_elsewhere_listed = make_facts(industries={"chemical"}, case_industries={"ceramics"}, cases=3)
    assert industry_fit(query, proven_elsewhere_listed) == 1.0  # running at ceramics plants counts
    generic = make_facts(industries=set(), all_industries=True, case_industries=set(), cases=0)
    assert industry_fit(query, generic) == 0.6
    other = make_facts(industries={"chemical"}, case_industries={"chemical"})
    assert industry_fit(query, other) == 0.15
    # Cases listed for the industry but zero cases is no proof.
    assert industry_fit(query, make_facts(industries={"chemical"}, case_industries={"ceramics"}, cases=0)) == 0.15
    assert industry_fit(make_query(industry=None), other) is None


def test_region_fit_edges() -> None:
    query = make_query(city="淄博", county="博山区")  # city suffix added
    assert query.city == "淄博市"
    assert region_fit(query, make_facts(provider_city="淄博市", provider_county="博山区")) == 1.0
    assert region_fit(query, make_facts(provider_city="淄博市", provider_county="张店区", regions=set())) == 0.8
    served = make_facts(provider_city="济南市", provider_county="历下区", regions={"淄博"})
    assert region_fit(query, served) == 0.8
    province = make_facts(provider_city="济南市", provider_county="历下区", regions=set(), all_regions=True)
    assert region_fit(query, province) == 0.6
    elsewhere = make_facts(provider_city="济南市", provider_county="历下区", regions={"青岛市"})
    assert region_fit(query, elsewhere) == 0.1
    # 市中区 exists in both 济南 and 枣庄: the county only counts within the same city.
    same_name = make_facts(provider_city="枣庄市", provider_county="市中区", regions={"枣庄市"})
    assert region_fit(make_query(city="济南市", county="市中区"), same_name) == 0.1
    assert region_fit(make_query(city=None, county=None), elsewhere) is None


def test_speed_fit_edges() -> None:
    query = make_query(timeline_weeks=8)
    assert speed_fit(query, make_facts(deployment_weeks=8)) == 1.0
    assert speed_fit(query, make_facts(deployment_weeks=12)) == pytest.approx(0.5)  # one half-life of 4 weeks
    assert speed_fit(query, make_facts(deployment_weeks=16)) == pytest.approx(0.25)
    assert speed_fit(query, make_facts(deployment_weeks=60)) == 0.1
    short = make_query(timeline_weeks=2)
    assert speed_fit(short, make_facts(deployment_weeks=4)) == pytest.approx(0.5)  # half-life floor of 2 weeks
    open_ended = make_query(timeline_weeks=None)
    assert speed_fit(open_ended, make_facts(deployment_weeks=0)) == 1.0
    assert speed_fit(open_ended, make_facts(deployment_weeks=26)) == pytest.approx(0.85)
    assert speed_fit(open_ended, make_facts(deployment_weeks=100)) == pytest.approx(0.7)


def test_track_record_edges() -> None:
    query = make_query(industry="ceramics")
    assert track_record(query, make_facts(cases=0, case_industries=set())) == 0.3
    full = make_facts(cases=30, case_industries={"ceramics"})
    assert track_record(query, full) == pytest.approx(1.0)
    eleven = make_facts(cases=11, case_industries={"ceramics"})
    assert track_record(query, eleven) == pytest.approx(0.3 + 0.7 * math.log(12) / math.log(31))
    elsewhere = make_facts(cases=11, case_industries={"chemical"})
    assert track_record(query, elsewhere) == pytest.approx(0.3 + 0.7 * 0.6 * math.log(12) / math.log(31))
    assert track_record(query, make_facts(cases=500)) == pytest.approx(1.0)


def test_tier_fit() -> None:
    query = make_query()
    assert tier_fit(query, make_facts(tier="cross_industry")) == 1.0
    assert tier_fit(query, make_facts(tier="other")) == 0.7
    assert tier_fit(query, make_facts(tier="unknown")) == 0.7


def test_structured_score_is_weighted_geometric_mean() -> None:
    weights = RankingWeights()
    perfect = assess_fit(make_query(), make_facts(cases=30, tier="cross_industry"), weights)
    assert perfect.structured == pytest.approx(1.0)
    unserved = make_facts(
        cases=30, tier="cross_industry", provider_city="济南市", provider_county="历下区", regions=set()
    )
    fit = assess_fit(make_query(), unserved, weights)
    assert fit.structured == pytest.approx(0.1 ** (0.20 / 1.0))
    assert fit.region_served is False
    no_facts = assess_fit(NeedQuery("窑炉"), make_facts(), weights)
    assert set(no_facts.components) == {"speed_fit", "track_record", "tier"}


# --------------------------------------------------------------------- ranking


def test_over_budget_is_excluded_by_default_and_flagged_on_request() -> None:
    query = make_query(budget_max=100_000)
    cheap = make_facts(1, price_min=60_000, price_max=90_000)
    pricey = make_facts(2, price_min=150_000, price_max=200_000)
    candidates = [(pricey, 0.9, 1.0, 1.0), (cheap, 0.6, 0.2, 0.4)]
    default = rank(query, candidates, names=LABELS)
    assert [r.solution.id for r in default] == [1]
    flagged = rank(query, candidates, include_over_budget=True, names=LABELS)
    assert [r.solution.id for r in flagged] == [2, 1]
    assert flagged[0].over_budget is True and flagged[1].over_budget is False
    assert flagged[0].components["budget_fit"] == 0.0
    assert flagged[0].reasons_zh[0] == "超出预算"
    assert flagged[0].reasons_en[0] == "Over budget"


def test_reasons_and_components_of_a_perfect_match() -> None:
    result = rank(make_query(), [(make_facts(), 0.71, 0.64, 1.0)], names=LABELS)[0]
    assert result.rank == 1
    assert result.reasons_zh == ["报价在预算内", "已在陶瓷行业落地11家", "服务淄博市博山区", "6周上线"]
    assert result.reasons_en == [
        "Priced within budget",
        "Running at 11 ceramics plants",
        "Serves 博山区, 淄博市",
        "Live in 6 weeks",
    ]
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


def test_reasons_of_weaker_matches() -> None:
    facts = make_facts(
        price_min=100_000,
        price_max=200_000,
        industries={"chemical"},
        case_industries={"chemical"},
        provider_city="济南市",
        provider_county="历下区",
        regions={"青岛市"},
        deployment_weeks=12,
    )
    soft = RankingWeights(hard_region_filter=False)  # unserved solutions are kept, and explained
    result = rank(make_query(), [(facts, None, None, 0.5)], soft, names=LABELS)[0]
    assert result.reasons_zh == [
        "报价部分超出预算（最高20万元）",
        "未列出陶瓷行业",
        "未覆盖本地区",
        "需12周上线，超出期望8周",
    ]
    assert result.reasons_en == [
        "Upper price range exceeds budget",
        "Not listed for ceramics",
        "Does not serve 淄博市",
        "Needs 12 weeks (target 8)",
    ]
    assert "semantic" not in result.components and "lexical" not in result.components
    generic = make_facts(
        industries=set(),
        all_industries=True,
        case_industries=set(),
        cases=0,
        all_regions=True,
        regions=set(),
        provider_city="济南市",
        provider_county=None,
    )
    generic_result = rank(make_query(), [(generic, None, None, 0.5)], names=LABELS)[0]
    assert generic_result.reasons_zh[1:3] == ["通用于各行业", "全省服务"]
    assert generic_result.reasons_en[1:3] == ["Works across industries", "Serves the whole province"]


def test_unused_components_are_omitted() -> None:
    query = NeedQuery("窑炉节能")
    result = rank(query, [(make_facts(), 0.5, None, 0.5)])[0]
    assert set(result.components) == {"semantic", "relevance", "speed_fit", "track_record", "tier"}
    assert result.reasons_zh == ["已落地11家", "6周上线"]


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


def test_weights_from_dict() -> None:
    weights = RankingWeights.from_dict({"budget": 0.5, "hard_region_filter": True})
    assert weights.budget == 0.5 and weights.hard_region_filter is True and weights.industry == 0.25
    assert RankingWeights.from_dict(None) == RankingWeights()
    assert RankingWeights.from_dict(weights.to_dict()) == weights
    with pytest.raises(ValueError, match="unknown ranking weights"):
        RankingWeights.from_dict({"budgett": 0.5})
    with pytest.raises(ValueError, match=">= 0"):
        RankingWeights.from_dict({"region": -1})
    with pytest.raises(ValueError, match="relevance_floor"):
        RankingWeights(relevance_floor=1.5)


def test_labels_from_taxonomy() -> None:
    taxonomy = {"industries": [{"code": "glass", "zh": "玻璃", "en": "Glass"}], "categories": []}
    labels = Labels.from_taxonomy(taxonomy)
    assert labels.industry("glass") == ("玻璃", "Glass")
    assert labels.industry("unknown") == ("unknown", "unknown")


# --------------------------------------------------------------- reverse side


def test_rank_needs_uses_the_same_components() -> None:
    solution = make_facts(price_min=80_000, price_max=120_000)
    local = NeedCandidate(1, "N1", make_query(budget_max=150_000))
    poor = NeedCandidate(2, "N2", make_query(budget_max=50_000))
    far = NeedCandidate(3, "N3", make_query(city="青岛市", county="黄岛区"))
    candidates = [(far, None, None, 1.0), (local, None, None, 0.9), (poor, None, None, 1.0)]
    assert [r.need.id for r in rank_needs(solution, candidates)] == [1]  # a city it does not serve: no lead
    ranked = rank_needs(solution, candidates, RankingWeights(hard_region_filter=False))
    assert [r.need.id for r in ranked] == [1, 3]
    forward = rank(local.query, [(solution, None, None, 0.9)])[0]
    assert ranked[0].score == forward.score
    assert ranked[0].components == forward.components
    assert ranked[0].reasons_zh == forward.reasons_zh
    with_poor = rank_needs(solution, [(poor, None, None, 1.0)], include_over_budget=True)
    assert with_poor[0].over_budget is True


# ------------------------------------------------------------------------ leads


def test_allocation_honours_capacity() -> None:
    needs = {n: [LeadCandidate("A", 1, 0.9), LeadCandidate("B", 2, 0.7)] for n in (1, 2, 3, 4)}
    result = allocate_leads(needs, {"A": 2, "B": 10}, leads_per_need=1)
    assert [result.assignments[n][0].provider_ref for n in (1, 2, 3, 4)] == ["A", "A", "B", "B"]
    assert result.load == {"A": 2, "B": 2}
    assert result.capacity_skips == {"A": 2}


def test_allocation_counts_leads_already_given_this_month() -> None:
    needs = {1: [LeadCandidate("A", 1, 0.9), LeadCandidate("B", 2, 0.5)]}
    result = allocate_leads(needs, {"A": 5, "B": 5}, already_assigned={"A": 5}, leads_per_need=1)
    assert result.assignments[1][0].provider_ref == "B"
    zero = allocate_leads({1: [LeadCandidate("A", 1, 0.9)]}, {"A": 0})
    assert zero.assignments[1] == []


def test_allocation_breaks_ties_toward_less_exposed_providers() -> None:
    tied = {1: [LeadCandidate("A", 1, 0.90), LeadCandidate("B", 2, 0.89)]}
    result = allocate_leads(tied, {"A": 10, "B": 10}, already_assigned={"A": 5, "B": 1}, leads_per_need=1)
    assert result.assignments[1][0].provider_ref == "B"
    clear = {1: [LeadCandidate("A", 1, 0.90), LeadCandidate("B", 2, 0.80)]}
    result = allocate_leads(clear, {"A": 10, "B": 10}, already_assigned={"A": 5, "B": 1}, leads_per_need=1)
    assert result.assignments[1][0].provider_ref == "A"


def test_allocation_rounds_share_scarce_capacity_between_needs() -> None:
    candidates = [
        LeadCandidate("A", 1, 0.9),
        LeadCandidate("A", 9, 0.95),
        LeadCandidate("B", 2, 0.8),
        LeadCandidate("C", 3, 0.7),
    ]
    needs = {1: candidates, 2: candidates}
    result = allocate_leads(needs, {"A": 1, "B": 1, "C": 5}, leads_per_need=3)
    first, second = result.assignments[1], result.assignments[2]
    assert [(a.provider_ref, a.solution_id, a.round) for a in first] == [("A", 9, 1), ("C", 3, 2)]
    assert [(a.provider_ref, a.round) for a in second] == [("B", 1), ("C", 2)]
    assert result.load == {"A": 1, "B": 1, "C": 2}
    for leads in result.assignments.values():
        providers = [a.provider_ref for a in leads]
        assert len(providers) == len(set(providers))


def test_solution_facts_normalise_file_notation() -> None:
    facts = make_facts(industries={"*"}, regions={"*"}, provider_city="淄博")
    assert facts.all_industries is True and facts.industries == frozenset()
    assert facts.all_regions is True and facts.regions == frozenset()
    assert facts.provider_city == "淄博市"
    assert make_facts(regions={"青岛", "济南市"}).regions == {"青岛市", "济南市"}
    with pytest.raises(ValueError):
        make_facts(price_min=10, price_max=5)
