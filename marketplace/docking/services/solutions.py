"""A provider's own solutions: list one, edit it, take it off the shelf; staff verify cases.

Saving a solution re-indexes it after the commit (``sync.solutions_changed``), so a change is
searchable without a rebuild."""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalog import models, verification
from marketplace.docking.services import sync

SCALAR_FIELDS = ("title", "category", "description", "price_min", "price_max", "deployment_weeks", "delivery_mode",
                 "all_industries", "all_regions", "cases", "is_active")  # fmt: skip
LINK_FIELDS = ("industries", "regions_served", "case_industries")
NOT_YOUR_SOLUTION = _("只能修改本服务商的解决方案")
STAFF_ONLY = _("只有平台管理员可以核实案例")


def _may_edit(actor: models.User, provider: models.Provider) -> None:
    if not (actor.is_staff or (actor.provider_id and actor.provider_id == provider.pk)):
        raise PermissionDenied(NOT_YOUR_SOLUTION)


def _apply(solution: models.Solution, changes: dict) -> dict[str, Iterable]:
    unknown = set(changes) - set(SCALAR_FIELDS) - set(LINK_FIELDS)
    if unknown:
        raise TypeError(f"cannot set {', '.join(sorted(unknown))} on a solution")
    links = {name: list(changes.pop(name)) for name in LINK_FIELDS if name in changes}
    claims = verification.verified_claims([solution.pk]) if solution.pk else {}
    for name, value in changes.items():
        setattr(solution, name, value.strip() if isinstance(value, str) else value)
    solution.full_clean()
    solution.save()
    for name, values in links.items():
        getattr(solution, name).set(values)
    if verification.lapse(claims):
        solution.cases_verified_at = solution.cases_verified_by = None
    sync.solutions_saved([solution.pk])
    return links


@transaction.atomic
def solution_create(*, actor: models.User, provider: models.Provider, **fields) -> models.Solution:
    """List a new solution for the provider; raises ``ValidationError`` and writes nothing if it is invalid."""
    _may_edit(actor, provider)
    solution = models.Solution(ref=f"S-W{uuid.uuid4().hex[:10].upper()}", provider=provider)
    _apply(solution, dict(fields))
    return solution


@transaction.atomic
def solution_update(*, actor: models.User, solution: models.Solution, **changes) -> models.Solution:
    """Edit a solution of the actor's provider (``is_active=False`` takes it off the shelf)."""
    solution = models.Solution.objects.select_for_update().get(pk=solution.pk)
    _may_edit(actor, solution.provider)
    _apply(solution, dict(changes))
    return solution


@transaction.atomic
def solution_cases_verify(*, actor: models.User, solutions: Iterable[models.Solution], verified: bool = True) -> int:
    """Staff vouch for the cases and case industries of ``solutions`` as they now stand (or, with
    ``verified=False``, withdraw that); the ranking weighs verified cases fully. Returns how many
    changed."""
    if not actor.is_staff:
        raise PermissionDenied(STAFF_ONLY)
    ids = [solution.pk for solution in solutions]
    if verified:
        changed = models.Solution.objects.filter(pk__in=ids, cases_verified_at__isnull=True).update(
            cases_verified_at=timezone.now(), cases_verified_by=actor
        )
    else:
        changed = models.Solution.objects.filter(pk__in=ids, cases_verified_at__isnull=False).update(
            cases_verified_at=None, cases_verified_by=None
        )
    models.AuditEvent.objects.create(
        actor=actor, action="solution.cases_verified" if verified else "solution.cases_unverified", data={"solutions": ids}
    )
    sync.solutions_saved(ids)
    return changed
