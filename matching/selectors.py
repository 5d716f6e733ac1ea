"""Reads that turn marketplace rows into the engine's plain facts."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from marketplace.catalog.models import Category, Industry, Need, Solution
from matching.engine import Labels, NeedQuery, SolutionFacts, document_text


def labels() -> Labels:
    return Labels(
        industries={i.code: (i.name_zh, i.name_en) for i in Industry.objects.all()},
        categories={c.code: (c.name_zh, c.name_en) for c in Category.objects.all()},
    )


def indexable_solutions() -> QuerySet[Solution]:
    """Active solutions with everything the facts need, in one query plus prefetches."""
    return (
        Solution.objects.filter(is_active=True)
        .select_related("provider", "provider__county")
        .prefetch_related("industries", "regions_served", "case_industries")
        .order_by("pk")
    )


def solution_facts(solution: Solution) -> SolutionFacts:
    provider = solution.provider
    return SolutionFacts(
        id=solution.pk,
        ref=solution.ref,
        provider_ref=provider.ref,
        title=solution.title,
        provider_name=provider.name,
        price_min=solution.price_min,
        price_max=solution.price_max,
        deployment_weeks=solution.deployment_weeks,
        industries=frozenset(i.code for i in solution.industries.all()),
        all_industries=solution.all_industries,
        regions=frozenset(c.name for c in solution.regions_served.all()),
        all_regions=solution.all_regions,
        provider_city=provider.city_id,
        provider_county=provider.county.name if provider.county else None,
        cases=solution.cases,
        case_industries=frozenset(i.code for i in solution.case_industries.all()),
        cases_verified=solution.cases_verified,
        tier=provider.tier_id,
        category=solution.category_id,
    )


def documents(solutions: Iterable[Solution], names: Labels) -> Iterator[tuple[SolutionFacts, str]]:
    """(facts, indexed text) for each solution."""
    for solution in solutions:
        facts = solution_facts(solution)
        yield facts, document_text(facts, solution.description, names)


def need_text(title: str, description: str) -> str:
    """The text a need is searched with: stored needs, needs files and evaluation share it."""
    return f"{title}。{description}"


def need_query(need: Need) -> NeedQuery:
    enterprise = need.enterprise
    return NeedQuery(
        text=need_text(need.title, need.description),
        budget_max=need.budget_max,
        industry=enterprise.industry_id,
        city=enterprise.city_id,
        county=enterprise.county.name if enterprise.county else None,
        timeline_weeks=need.timeline_weeks,
    )


def open_needs() -> QuerySet[Need]:
    return Need.objects.filter(status=Need.Status.OPEN).select_related("enterprise", "enterprise__county")
