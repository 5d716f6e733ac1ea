"""How far the matching index is behind the database: read by the health endpoint (and meant to
grow into ``matching_status``).

The index is behind by every solution saved after ``IndexState.updated_at`` (the last write of
the index); imports and services keep ``Solution.updated_at``. A save racing with a re-index can
be counted as done too early; stored text hashes per solution will make this exact.
"""
from __future__ import annotations

from datetime import datetime

from django.db.models import Min
from django.utils import timezone

from marketplace.catalog.models import Solution
from matching.models import IndexState

INDEX_NEVER_BUILT = "the matching index has never been built: run `python manage.py build_index`"
INDEX_BEHIND = "{pending} solution(s) not in the matching index, the oldest saved {seconds} s ago"


def index_freshness(*, now: datetime | None = None) -> dict:
    """``index_version``, ``index_size``, ``built_at``, ``solutions_pending`` and
    ``oldest_pending_seconds`` (None when nothing is pending)."""
    now = now or timezone.now()
    state = IndexState.objects.filter(name=IndexState.SOLUTIONS).first()
    built = state is not None and state.version > 0
    pending = Solution.objects.filter(updated_at__gt=state.updated_at) if built else Solution.objects.filter(is_active=True)
    summary = pending.aggregate(oldest=Min("updated_at"))
    oldest = summary["oldest"]
    return {
        "index_version": state.version if state else 0,
        "index_size": state.size if state else 0,
        "built_at": state.built_at.isoformat() if state and state.built_at else None,
        "solutions_pending": pending.count(),
        "oldest_pending_seconds": round((now - oldest).total_seconds()) if oldest else None,
    }


def index_problem(freshness: dict, *, max_lag_seconds: int) -> str | None:
    """Why the index cannot be trusted, or None. A never-built index over no solutions is fine."""
    if freshness["index_version"] == 0:
        return INDEX_NEVER_BUILT if freshness["solutions_pending"] else None
    lag = freshness["oldest_pending_seconds"]
    if lag is not None and lag > max_lag_seconds:
        return INDEX_BEHIND.format(pending=freshness["solutions_pending"], seconds=lag)
    return None
