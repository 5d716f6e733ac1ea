"""Reads that turn marketplace rows into the engine's plain facts."""
from __future__ import annotations

import statistics
from collections.abc import Iterable, Iterator

from django.db import models
from django.db.models import QuerySet

from marketplace.models import Category, Industry, Need, Solution
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


def online_metrics() -> dict:
    """How matching does with real users: the docking funnel, budget coverage and how evenly
    leads spread over providers (Gini 0 = even, 1 = one provider takes all)."""
    from marketplace.models import Proposal, Provider
    from matching.engine.metrics import gini
    from matching.models import Lead, Match

    open_needs_count = Need.objects.filter(status=Need.Status.OPEN).count()
    covered = (
        Match.objects.filter(need__status=Need.Status.OPEN, over_budget=False).values("need").distinct().count()
    )
    leads = Lead.objects.count()
    answered_leads = Lead.objects.filter(
        need__proposals__provider=models.F("provider"), need__proposals__status__in=Proposal.LIVE + (Proposal.Status.DECLINED,)
    ).values("pk").distinct().count()
    proposals = Proposal.objects.exclude(status=Proposal.Status.WITHDRAWN)
    decided = proposals.filter(status__in=[Proposal.Status.ACCEPTED, Proposal.Status.DECLINED]).count()
    accepted = proposals.filter(status=Proposal.Status.ACCEPTED).count()
    first_interest = (
        Need.objects.annotate(first=models.Min("proposals__created_at")).filter(first__isnull=False)
        .values_list("created_at", "first")
    )
    waits = sorted((first - created).total_seconds() / 3600 for created, first in first_interest)
    closed = Need.objects.filter(status=Need.Status.CLOSED)
    per_provider = dict(Lead.objects.values_list("provider").annotate(n=models.Count("pk")))
    listed = Provider.objects.filter(solutions__is_active=True).distinct().values_list("pk", flat=True)
    exposure = [per_provider.get(pk, 0) for pk in listed]
    return {
        "open_needs": open_needs_count,
        "in_budget_coverage": covered / open_needs_count if open_needs_count else None,
        "leads": leads,
        "interest_rate": answered_leads / leads if leads else None,
        "proposals": proposals.count(),
        "acceptance_rate": accepted / decided if decided else None,
        "median_hours_to_first_interest": statistics.median(waits) if waits else None,
        "closed_needs": closed.count(),
        "contracted_rate": (
            closed.filter(outcome=Need.Outcome.CONTRACTED).count() / closed.count() if closed.exists() else None
        ),
        "providers_with_leads": sum(1 for n in exposure if n),
        "providers_listed": len(exposure),
        "exposure_gini": gini(exposure),
    }
