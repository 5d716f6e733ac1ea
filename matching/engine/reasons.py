"""Why a solution fits a need, as data: reason codes with parameters, in no language.

One reason per fact the need states (budget, industry, region) plus the solution's speed, in
that order; a reason citing cases is followed by a caveat when staff have not verified them. Parameters name things as the catalog stores them (industry codes, city and county
names) so the application can render each reason in the reader's language.

============================  =====================  ==========================================
code                          params                 meaning
============================  =====================  ==========================================
``within_budget``                                    whole price range within the budget
``partly_over_budget``        price_max              cheapest offer fits, the upper end does not
``over_budget``                                      even the cheapest offer exceeds the budget
``industry_cases``            industry, count        running at ``count`` plants, all of them
                                                     in the need's industry
``industry_proven``           industry, count        cases in the need's industry among
                                                     ``count`` in all
``industry_listed``           industry               listed for the need's industry, no cases
``all_industries``                                   listed for every industry
``industry_not_listed``       industry               neither listed for nor proven in it
``cases``                     count                  the need names no industry: cases in all
``cases_unverified``                                 follows a reason citing cases: they are
                                                     the provider's own word, not verified
``serves_county``             city, county           provider sits in the need's county
``serves_city``               city                   serves (or sits in) the need's city
``serves_province``                                  serves every city of the province
``region_not_served``         city                   does not serve the need's city
``weeks_over_timeline``       weeks, timeline        takes longer than the need allows
``ready_now``                                        ready to use immediately (0 weeks)
``weeks_to_live``             weeks                  weeks from order to running
============================  =====================  ==========================================
"""

from __future__ import annotations

from .fit import budget_fit, proven_in, region_case
from .types import NeedQuery, Reason, SolutionFacts

__all__ = ["CODES", "explain"]

WITHIN_BUDGET = "within_budget"
PARTLY_OVER_BUDGET = "partly_over_budget"
OVER_BUDGET = "over_budget"
INDUSTRY_CASES = "industry_cases"
INDUSTRY_PROVEN = "industry_proven"
INDUSTRY_LISTED = "industry_listed"
ALL_INDUSTRIES = "all_industries"
INDUSTRY_NOT_LISTED = "industry_not_listed"
CASES = "cases"
CASES_UNVERIFIED = "cases_unverified"
SERVES_COUNTY = "serves_county"
SERVES_CITY = "serves_city"
SERVES_PROVINCE = "serves_province"
REGION_NOT_SERVED = "region_not_served"
WEEKS_OVER_TIMELINE = "weeks_over_timeline"
READY_NOW = "ready_now"
WEEKS_TO_LIVE = "weeks_to_live"

CODES = (
    WITHIN_BUDGET, PARTLY_OVER_BUDGET, OVER_BUDGET,
    INDUSTRY_CASES, INDUSTRY_PROVEN, INDUSTRY_LISTED, ALL_INDUSTRIES, INDUSTRY_NOT_LISTED, CASES,
    CASES_UNVERIFIED,
    SERVES_COUNTY, SERVES_CITY, SERVES_PROVINCE, REGION_NOT_SERVED,
    WEEKS_OVER_TIMELINE, READY_NOW, WEEKS_TO_LIVE,
)  # fmt: skip


def explain(query: NeedQuery, facts: SolutionFacts) -> tuple[Reason, ...]:
    """The reasons of one (need, solution) pair, best read in order."""
    industry = _industry(query, facts)
    return tuple(
        reason
        for reason in (
            _budget(query, facts), industry, _checked(industry, facts), _region(query, facts), _speed(query, facts)
        )
        if reason is not None
    )


def _checked(industry: Reason | None, facts: SolutionFacts) -> Reason | None:
    """After a reason that cites the cases: that nobody verified them (verified cases are shown
    by the pages as a badge of the solution)."""
    if facts.cases_verified or industry is None or industry.code not in (INDUSTRY_CASES, INDUSTRY_PROVEN, CASES):
        return None
    return Reason(CASES_UNVERIFIED)


def _budget(query: NeedQuery, facts: SolutionFacts) -> Reason | None:
    fit = budget_fit(query, facts)
    if fit is None:
        return None
    if fit == 0.0:
        return Reason(OVER_BUDGET)
    if fit < 1.0:
        return Reason(PARTLY_OVER_BUDGET, {"price_max": facts.price_max})
    return Reason(WITHIN_BUDGET)


def _industry(query: NeedQuery, facts: SolutionFacts) -> Reason | None:
    industry = query.industry
    if industry is None:
        return Reason(CASES, {"count": facts.cases}) if facts.cases > 0 else None
    if proven_in(facts, industry):
        code = INDUSTRY_CASES if facts.case_industries == {industry} else INDUSTRY_PROVEN
        return Reason(code, {"industry": industry, "count": facts.cases})
    if industry in facts.industries:
        return Reason(INDUSTRY_LISTED, {"industry": industry})
    if facts.all_industries:
        return Reason(ALL_INDUSTRIES)
    return Reason(INDUSTRY_NOT_LISTED, {"industry": industry})


def _region(query: NeedQuery, facts: SolutionFacts) -> Reason | None:
    case = region_case(query, facts)
    if case == "county":
        return Reason(SERVES_COUNTY, {"city": query.city, "county": query.county})
    if case == "city":
        return Reason(SERVES_CITY, {"city": query.city})
    if case == "province":
        return Reason(SERVES_PROVINCE)
    if case == "none":
        return Reason(REGION_NOT_SERVED, {"city": query.city})
    return None


def _speed(query: NeedQuery, facts: SolutionFacts) -> Reason:
    weeks = facts.deployment_weeks
    if query.timeline_weeks is not None and weeks > query.timeline_weeks:
        return Reason(WEEKS_OVER_TIMELINE, {"weeks": weeks, "timeline": query.timeline_weeks})
    if weeks == 0:
        return Reason(READY_NOW)
    return Reason(WEEKS_TO_LIVE, {"weeks": weeks})
