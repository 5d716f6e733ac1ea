"""Leads: open needs offered to providers, best stored match first, within every provider's
monthly lead capacity. The choice itself is the engine's pure ``allocate_leads``."""
from __future__ import annotations

import datetime

from django.utils import timezone

from marketplace.catalog.models import Need, Provider
from marketplace.docking.models import Lead
from marketplace.docking.services import notifications
from matching import selectors
from matching.engine import LeadCandidate, allocate_leads
from matching.models import Match
from matching.services import config


def leads_allocate(*, month: datetime.date | None = None) -> int:
    """Offer open needs that have no leads yet to up to ``LEADS_PER_NEED`` providers each,
    best match first, within every provider's monthly lead capacity (so the best-known providers
    do not take every lead). Returns the number of leads created."""
    month = (month or timezone.localdate()).replace(day=1)
    waiting = selectors.open_needs().filter(leads__isnull=True).order_by("created_at", "pk")
    candidates: dict[int, list[LeadCandidate]] = {}
    for match in Match.objects.filter(need__in=waiting).select_related("solution__provider").order_by("need", "rank"):
        best = candidates.setdefault(match.need_id, [])
        if all(c.provider_ref != match.solution.provider.ref for c in best):
            best.append(LeadCandidate(match.solution.provider.ref, match.solution_id, match.score))
    providers = {p.ref: p for p in Provider.objects.all()}
    already: dict[str, int] = {}
    for ref in Lead.objects.filter(month=month).values_list("provider__ref", flat=True):
        already[ref] = already.get(ref, 0) + 1
    allocation = allocate_leads(
        candidates,
        {ref: p.lead_capacity for ref, p in providers.items()},
        already_assigned=already,
        leads_per_need=config()["LEADS_PER_NEED"],
    )
    leads = [
        Lead(need_id=need_id, provider=providers[a.provider_ref], solution_id=a.solution_id, score=a.score, month=month)
        for need_id, assignments in allocation.assignments.items()
        for a in assignments
    ]
    Lead.objects.bulk_create(leads, ignore_conflicts=True)
    needs = Need.objects.select_related("enterprise__county").in_bulk([lead.need_id for lead in leads])
    for lead in leads:
        lead.need = needs[lead.need_id]
    notifications.leads_announce(leads=leads)
    return len(leads)
