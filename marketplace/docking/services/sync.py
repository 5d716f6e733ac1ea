"""What follows a write of the catalog, once it commits: the matcher's index and stored matches
are brought in step, then new leads are offered.

The services that save a solution, a need, a provider or an enterprise (and the imports and the
admin, through them) call ``solutions_saved`` or ``needs_saved`` inside their transaction. The
jobs below run after the commit, in the background (``matching.jobs``); they are plain,
idempotent functions of ids that read the database, the source of truth, so running one twice
or late only repeats work."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from marketplace.docking.services.leads import leads_allocate
from matching import jobs, selectors, status, targeting
from matching import services as matching


def solutions_changed(*, ids: list[int]) -> None:
    """Job: re-index these solutions, re-match the open needs they can reach (their stored
    matches may change; ``matching.targeting``), offer leads."""
    if not matching.index_built():  # before the first build there is nothing to update: build_index reads all
        return
    before = targeting.channel_scores(matcher=matching.get_matcher(), solution_ids=ids)
    version = matching.index_version()
    matching.solutions_sync(solution_ids=ids)
    reached = targeting.needs_reached(matcher=matching.get_matcher(), before=before)
    matching.need_matches_update(needs=reached)
    matching.needs_advance(since=version, keep=reached)  # the rest are up to date as they are
    leads_allocate()


def needs_changed(*, ids: list[int]) -> None:
    """Job: re-match these needs (open ones; closed ones keep their history), offer leads."""
    if not matching.index_built():
        return
    matching.need_matches_update(needs=selectors.open_needs().filter(pk__in=ids))
    leads_allocate()


def sweep() -> dict:
    """Find everything not yet reflected in the index or the stored matches (``matching.status``)
    and queue its job: run when a worker starts, periodically (beat, or the embedded sweeper
    thread) and by ``python manage.py matching_sweep``. Queuing work twice only repeats it."""
    if not matching.index_built():
        return {"solutions": 0, "needs": 0}
    pending = status.pending()
    if pending.solution_ids:
        jobs.enqueue_ids(solutions_changed, pending.solution_ids)
    if pending.need_ids:
        jobs.enqueue_ids(needs_changed, pending.need_ids)
    return {"solutions": len(pending.solution_ids), "needs": len(pending.need_ids)}


def solutions_saved(ids: Iterable[int]) -> None:
    """Schedule ``solutions_changed`` for after the current transaction commits."""
    _after_commit(solutions_changed, ids)


def needs_saved(ids: Iterable[int]) -> None:
    """Schedule ``needs_changed`` for after the current transaction commits."""
    _after_commit(needs_changed, ids)


def _after_commit(job, ids: Iterable[int]) -> None:
    ids = sorted(set(ids))
    if ids:
        transaction.on_commit(lambda: jobs.enqueue_ids(job, ids), robust=True)
