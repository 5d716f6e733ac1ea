"""Figures of the docking workflow for the administrators: the funnel from posted needs to
contracts, and how evenly leads spread over providers. They read matching's stored matches and
the workflow's leads and proposals, so they live here, above both."""
from __future__ import annotations

import statistics

from django.db import models
from django.db.models import Count, Exists, OuterRef

from marketplace.catalog.models import Need, Provider
from marketplace.docking.models import Lead, Proposal
from matching.engine.metrics import gini
from matching.models import Match


def funnel() -> list[dict]:
    """Needs at each step of the docking: posted, matched, offered as leads, answered by a
    proposal, a proposal accepted, closed with a contract. ``share`` is of the posted needs."""
    needs = Need.objects.all()
    live = Proposal.objects.exclude(status=Proposal.Status.WITHDRAWN)
    steps = [
        ("posted", needs.count()),
        ("matched", needs.filter(Exists(Match.objects.filter(need=OuterRef("pk"), over_budget=False))).count()),
        ("leads", needs.filter(Exists(Lead.objects.filter(need=OuterRef("pk")))).count()),
        ("interest", needs.filter(Exists(live.filter(need=OuterRef("pk")))).count()),
        ("accepted", needs.filter(Exists(live.filter(need=OuterRef("pk"), status=Proposal.Status.ACCEPTED))).count()),
        ("contracted", needs.filter(outcome=Need.Outcome.CONTRACTED).count()),
    ]
    posted = steps[0][1]
    return [{"key": key, "count": count, "share": count / posted if posted else 0.0} for key, count in steps]


def exposure() -> dict:
    """Leads per provider with active solutions: Gini, the Lorenz curve as SVG points in a
    100 x 100 box (y grows downwards), and the most exposed providers."""
    per_provider = dict(Lead.objects.values_list("provider").annotate(n=Count("pk")))
    listed = list(Provider.objects.filter(solutions__is_active=True).distinct().values_list("pk", "name"))
    counts = sorted(per_provider.get(pk, 0) for pk, _name in listed)
    total = sum(counts)
    points = [(0.0, 100.0)]
    running = 0
    for position, count in enumerate(counts, start=1):
        running += count
        points.append((100.0 * position / len(counts), 100.0 - (100.0 * running / total if total else 0.0)))
    names = dict(listed)
    top = sorted(((per_provider.get(pk, 0), names[pk]) for pk in names), reverse=True)[:5]
    return {
        "gini": gini(counts),
        "providers_listed": len(counts),
        "providers_with_leads": sum(1 for count in counts if count),
        "leads": total,
        "lorenz": " ".join(f"{x:.1f},{y:.1f}" for x, y in points) if total else "",
        "top": [{"name": name, "leads": leads, "share": leads / total if total else 0.0} for leads, name in top if leads],
    }


def online_metrics() -> dict:
    """How matching does with real users: the docking funnel, budget coverage and how evenly
    leads spread over providers (Gini 0 = even, 1 = one provider takes all)."""
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
