"""Staff verification of a solution's cases: it vouches for the claim as it stood when checked.

Whoever changes ``cases`` or ``case_industries`` afterwards (the provider through the API or the
workspace, an import, an administrator's edit) changes a claim nobody has checked, so every
writer asks ``lapse`` to clear the verification of the solutions whose claim moved.
"""
from __future__ import annotations

from collections.abc import Iterable

from marketplace.catalog.models import Solution

Claims = dict[int, tuple[int, frozenset[str]]]


def verified_claims(solution_ids: Iterable[int]) -> Claims:
    """``(cases, case industry codes)`` of each verified solution among ``solution_ids``."""
    ids = list(solution_ids)
    rows = Solution.case_industries.through.objects.filter(
        solution__in=ids, solution__cases_verified_at__isnull=False
    ).values_list("solution_id", "industry_id")
    industries: dict[int, set] = {}
    for solution_id, industry_id in rows:
        industries.setdefault(solution_id, set()).add(industry_id)
    return {
        pk: (cases, frozenset(industries.get(pk, ())))
        for pk, cases in Solution.objects.filter(pk__in=ids, cases_verified_at__isnull=False).values_list("pk", "cases")
    }


def lapse(before: Claims) -> list[int]:
    """Clear the verification of the solutions of ``before`` (from :func:`verified_claims`, read
    before a write) whose cases or case industries differ now; returns their ids."""
    if not before:
        return []
    moved = [pk for pk, claim in verified_claims(before).items() if claim != before[pk]]
    Solution.objects.filter(pk__in=moved).update(cases_verified_at=None, cases_verified_by=None)
    return moved
