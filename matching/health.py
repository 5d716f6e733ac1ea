"""How far matching is behind the database, for the health endpoint: ``matching.status`` (the
same figures as ``python manage.py matching_status --json``), judged against a maximum lag."""
from __future__ import annotations

from datetime import datetime

from matching.status import matching_status

INDEX_NEVER_BUILT = "the matching index has never been built: run `python manage.py build_index`"
INDEX_BEHIND = (
    "{solutions} solution(s) not in the matching index and {needs} need(s) not matched against it, "
    "the oldest pending for {seconds} s"
)


def index_freshness(*, now: datetime | None = None) -> dict:
    """``matching_status``: index version and size, totals, pending counts and the age of the
    oldest pending item (None when nothing is pending)."""
    return matching_status(now=now)


def index_problem(freshness: dict, *, max_lag_seconds: int) -> str | None:
    """Why matching cannot be trusted, or None. A never-built index over no solutions is fine;
    pending work younger than ``max_lag_seconds`` is the normal delay of the background jobs."""
    if freshness["index_version"] == 0:
        return INDEX_NEVER_BUILT if freshness["solutions_total"] else None
    lag = freshness["oldest_pending_seconds"]
    if lag is not None and lag > max_lag_seconds:
        return INDEX_BEHIND.format(
            solutions=freshness["solutions_pending"], needs=freshness["needs_pending"], seconds=lag
        )
    return None
