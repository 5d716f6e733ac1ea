"""Keep the index and the stored matches in step with the marketplace.

Changes are coalesced: while a job for a kind of change is waiting in the queue, later changes
join it instead of queueing another, so a burst of edits (a provider saving five solutions)
costs one re-index and one re-match, not five."""
from __future__ import annotations

import threading
from collections.abc import Callable

from django.dispatch import receiver

from marketplace import signals
from matching import jobs, services
from matching.models import IndexState


def _index_built() -> bool:
    return IndexState.objects.filter(name=IndexState.SOLUTIONS, version__gt=0).exists()


class _Coalescer:
    """Ids waiting for one queued job of ``work``; the job takes all that arrived meanwhile."""

    def __init__(self, work: Callable[[set[int]], None]):
        self.work = work
        self.lock = threading.Lock()
        self.waiting: set[int] = set()

    def add(self, ids: list[int]) -> None:
        with self.lock:
            queue_job = not self.waiting
            self.waiting.update(ids)
        if queue_job:
            jobs.enqueue(self.run)

    def run(self) -> None:
        with self.lock:
            ids, self.waiting = self.waiting, set()
        if ids:
            self.work(ids)


catalog_updates = _Coalescer(lambda ids: services.catalog_changed(solution_ids=ids))
need_updates = _Coalescer(lambda ids: services.needs_changed(need_ids=ids))


@receiver(signals.solutions_changed)
def on_solutions_changed(sender, ids: list[int], **kwargs) -> None:
    if _index_built():  # before the first build there is nothing to update: build_index reads all
        catalog_updates.add(ids)


@receiver(signals.needs_changed)
def on_needs_changed(sender, ids: list[int], **kwargs) -> None:
    if _index_built():
        need_updates.add(ids)
