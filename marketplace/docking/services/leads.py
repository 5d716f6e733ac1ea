"""Leads: open needs offered to providers, best stored match first, within every provider's
monthly lead capacity. The choice itself is the engine's pure ``allocate_leads``.

Allocation is safe when several workers run it at once: each run holds one database lock for
its whole transaction (a PostgreSQL transaction-level advisory lock), and reads the needs still
waiting and every provider's count of leads this month *inside* it, so two runs never offer the
same need twice nor count the same free capacity twice. Only the leads this run wrote are
announced, after its commit."""
from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone

from marketplace.catalog.models import Need, Provider
from marketplace.docking.models import Lead
from marketplace.docking.services import notifications
from matching import selectors
from matching.engine import LeadCandidate, allocate_leads
from matching.models import Match
from matching.services import config

# pg_advisory_xact_lock key: "leads" in ASCII, so other advisory locks are unlikely to collide.
ALLOCATION_LOCK = 0x6C65616473


def _allocation_lock() -> None:
    """Serialise allocations until the end of the current transaction. PostgreSQL only: SQLite
    (the embedded default) runs one writer at a time, and its jobs run in one worker thread."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ALLOCATION_LOCK])


def leads_allocate(*, month: datetime.date | None = None) -> int:
    """Offer open needs that have no leads yet to up to ``LEADS_PER_NEED`` providers each,
    best match first, within every provider's monthly lead capacity (so the best-known providers
    do not take every lead). Returns the number of leads created."""
    month = (month or timezone.localdate()).replace(day=1)
    with transaction.atomic():
        _allocation_lock()
        leads = _allocation(month)
        Lead.objects.bulk_create(leads)  # no conflict can arise: the needs had no lead, under the lock
    needs = Need.objects.select_related("enterprise__county").in_bulk([lead.need_id for lead in leads])
    for lead in leads:
        lead.need = needs[lead.need_id]
    notifications.leads_announce(leads=leads)
    return len(leads)


def _allocation(month: datetime.date) -> list[Lead]:
    """The leads to write, from what the database says now (call it holding the lock)."""
    waiting = selectors.open_needs().filter(leads__isnull=True).order_by("created_at", "pk")
    candidates: dict[int, list[LeadCandidate]] = {}
    matches = Match.objects.filter(need__in=waiting).order_by("need", "rank")
    # Plain rows, not model instances: every stored match of every waiting need is read here
    # (36,000 at the fixture catalog's first build).
    for need_id, solution_id, provider_ref, score in matches.values_list(
        "need_id", "solution_id", "solution__provider__ref", "score"
    ):
        best = candidates.setdefault(need_id, [])
        if all(c.provider_ref != provider_ref for c in best):
            best.append(LeadCandidate(provider_ref, solution_id, score))
    if not candidates:
        return []
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
    return [
        Lead(need_id=need_id, provider=providers[a.provider_ref], solution_id=a.solution_id, score=a.score, month=month)
        for need_id, assignments in allocation.assignments.items()
        for a in assignments
    ]
