"""Why a solution fits a need, as reason codes with parameters (no language in the engine)."""

from __future__ import annotations

from matching.engine.reasons import CODES, explain
from matching.engine.types import NeedQuery, Reason

from .helpers import make_facts, make_query


def codes(reasons: tuple[Reason, ...]) -> list[str]:
    return [r.code for r in reasons]


def test_reasons_of_a_perfect_match() -> None:
    assert explain(make_query(), make_facts()) == (
        Reason("within_budget"),
        Reason("industry_cases", {"industry": "ceramics", "count": 11}),
        Reason("serves_county", {"city": "淄博市", "county": "博山区"}),
        Reason("weeks_to_live", {"weeks": 6}),
    )


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
    assert explain(make_query(), facts) == (
        Reason("partly_over_budget", {"price_max": 200_000}),
        Reason("industry_not_listed", {"industry": "ceramics"}),
        Reason("region_not_served", {"city": "淄博市"}),
        Reason("weeks_over_timeline", {"weeks": 12, "timeline": 8}),
    )
    generic = make_facts(
        industries=set(), all_industries=True, case_industries=set(), cases=0,
        all_regions=True, regions=set(), provider_city="济南市", provider_county=None,
    )  # fmt: skip
    assert codes(explain(make_query(), generic))[1:3] == ["all_industries", "serves_province"]
    over = make_facts(price_min=200_000, price_max=300_000)
    assert codes(explain(make_query(), over))[0] == "over_budget"


def test_industry_and_city_reasons_by_case() -> None:
    proven_more_widely = make_facts(case_industries={"ceramics", "chemical"}, cases=12)
    assert explain(make_query(), proven_more_widely)[1] == Reason("industry_proven", {"industry": "ceramics", "count": 12})
    listed_without_cases = make_facts(cases=0, case_industries=set())
    assert explain(make_query(), listed_without_cases)[1] == Reason("industry_listed", {"industry": "ceramics"})
    other_county = make_facts(provider_county="张店区")
    assert explain(make_query(), other_county)[2] == Reason("serves_city", {"city": "淄博市"})
    assert explain(make_query(), make_facts(deployment_weeks=0))[3] == Reason("ready_now")


def test_a_need_that_states_nothing_gets_cases_and_speed() -> None:
    assert explain(NeedQuery("窑炉节能"), make_facts()) == (Reason("cases", {"count": 11}), Reason("weeks_to_live", {"weeks": 6}))
    assert explain(NeedQuery("窑炉节能"), make_facts(cases=0, case_industries=set())) == (Reason("weeks_to_live", {"weeks": 6}),)


def test_every_code_is_listed_once() -> None:
    assert len(CODES) == len(set(CODES)) == 17


def test_cases_nobody_verified_are_said_to_be_the_provider_s_word() -> None:
    unverified = make_facts(cases_verified=False)
    assert codes(explain(make_query(), unverified)) == [
        "within_budget", "industry_cases", "cases_unverified", "serves_county", "weeks_to_live",
    ]  # fmt: skip
    assert "cases_unverified" in codes(explain(make_query(industry=None), unverified))  # after "cases"
    no_cases = make_facts(cases=0, case_industries=set(), cases_verified=False)
    assert "cases_unverified" not in codes(explain(make_query(), no_cases))
