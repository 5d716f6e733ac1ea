"""What is pending: not yet reflected in the index (a solution whose stored vector was made from
another model, or from older text or facts, or is missing; a stored vector of a solution no
longer active) or in the stored matches (an open need never matched, matched against an older
index version, for an older query, or under other ranking weights). Read by ``matching_status``, the sweep and /health/.

Everything is judged from the database's content (``matching.store`` hashes), not from which
job ran, so a lost message, a killed worker or a crash between commit and enqueue only delays
work: the sweep finds it again."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from marketplace.catalog.models import Solution
from matching import selectors, services, store
from matching.models import IndexState, NeedVector, SolutionVector


@dataclass
class Pending:
    index_version: int = 0
    index_size: int = 0
    built_at: str | None = None
    solutions_total: int = 0
    needs_open: int = 0
    solution_ids: list[int] = field(default_factory=list)
    need_ids: list[int] = field(default_factory=list)
    oldest: datetime | None = None

    def as_dict(self, *, now: datetime | None = None) -> dict:
        now = now or timezone.now()
        return {
            "index_version": self.index_version,
            "index_size": self.index_size,
            "built_at": self.built_at,
            "solutions_total": self.solutions_total,
            "solutions_pending": len(self.solution_ids),
            "needs_open": self.needs_open,
            "needs_pending": len(self.need_ids),
            "oldest_pending_seconds": max(0, round((now - self.oldest).total_seconds())) if self.oldest else None,
        }


def pending() -> Pending:
    state = IndexState.objects.filter(name=IndexState.SOLUTIONS).first()
    version = state.version if state else 0
    result = Pending(
        index_version=version,
        index_size=state.size if state else 0,
        built_at=state.built_at.isoformat() if state and state.built_at else None,
    )
    identity = services.embedder().identity
    oldest: list[datetime] = []

    rows = {pk: (ident, state_hash, at) for pk, ident, state_hash, at in SolutionVector.objects.values_list(
        "solution_id", "identity", "state_hash", "updated_at")}
    names = selectors.labels()
    solutions = list(selectors.indexable_solutions())
    result.solutions_total = len(solutions)
    for solution, (facts, text) in zip(solutions, selectors.documents(solutions, names), strict=True):
        row = rows.get(solution.pk)
        if row is None or row[0] != identity or row[1] != store.state_hash(facts, text):
            result.solution_ids.append(solution.pk)
            oldest.append(max(solution.updated_at, row[2]) if row else solution.updated_at)
    gone = set(rows) - {s.pk for s in solutions}
    for pk, updated_at in Solution.objects.filter(pk__in=gone).values_list("pk", "updated_at"):
        result.solution_ids.append(pk)
        oldest.append(updated_at)

    changes = sorted(at for _, _, at in rows.values())  # when each stored vector last changed
    stamps = {pk: (v, h, at) for pk, v, h, at in NeedVector.objects.values_list(
        "need_id", "matched_version", "matched_hash", "matched_at")}
    needs = list(selectors.open_needs())
    result.needs_open = len(needs)
    ranking = services.weights().to_dict()
    for need in needs:
        stamp = stamps.get(need.pk)
        if stamp is None or stamp[2] is None or stamp[1] != store.query_hash(selectors.need_query(need), ranking):
            result.need_ids.append(need.pk)
            oldest.append(need.updated_at)
        elif stamp[0] < version:  # pending since the first change of the index after it was matched
            result.need_ids.append(need.pk)
            after = bisect.bisect_right(changes, stamp[2])
            oldest.append(changes[after] if after < len(changes) else (state.updated_at if state else stamp[2]))
    result.solution_ids.sort()
    result.need_ids.sort()
    result.oldest = min(oldest, default=None)
    return result


def matching_status(*, now: datetime | None = None) -> dict:
    """One JSON-able summary: ``index_version``, ``index_size``, ``built_at``,
    ``solutions_total``, ``solutions_pending``, ``needs_open``, ``needs_pending`` and
    ``oldest_pending_seconds`` (None when nothing is pending)."""
    return pending().as_dict(now=now)
