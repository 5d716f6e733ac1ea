"""The structured fit components of one (need, solution) pair and the structured score."""

from __future__ import annotations

import math

import pytest

from matching.engine.fit import (
    assess_fit,
    budget_fit,
    industry_fit,
    region_fit,
    speed_fit,
    tier_fit,
    track_record,
)
from matching.engine.types import NeedQuery, RankingWeights

from .helpers import make_facts, make_query


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


def test_unverified_cases_prove_an_industry_no_more_than_listing_every_industry() -> None:
    query = make_query(industry="ceramics")
    claimed = make_facts(industries={"chemical"}, case_industries={"ceramics"}, cases=3, cases_verified=False)
    assert industry_fit(query, claimed) == 0.6
    everything = make_facts(industries=set(), all_industries=True, case_industries={"ceramics", "textile"}, cases=5_000,
                            cases_verified=False)  # fmt: skip
    assert industry_fit(query, everything) == 0.6
    assert industry_fit(query, make_facts(case_industries={"ceramics"}, cases_verified=False)) == 1.0  # listed for it


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


def test_unverified_cases_count_half_so_no_number_of_them_beats_twelve_verified() -> None:
    query = make_query(industry="ceramics")
    twelve = track_record(query, make_facts(cases=12))
    million = track_record(query, make_facts(cases=100_000, cases_verified=False))
    assert million == pytest.approx(0.3 + 0.7 * 0.5)
    assert million < twelve
    unverified_twelve = track_record(query, make_facts(cases=12, cases_verified=False))
    assert unverified_twelve == pytest.approx(0.3 + 0.7 * 0.5 * math.log(13) / math.log(31))
    assert track_record(query, make_facts(cases=0, case_industries=set(), cases_verified=False)) == 0.3


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

