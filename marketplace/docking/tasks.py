"""The Celery tasks of the background jobs (``MATCHING_JOBS=celery``): thin wrappers named after
the job functions of ``services.sync`` (``matching.jobs.job_name``), found by Celery's
autodiscovery. The jobs are idempotent functions of ids that read the database, so the tasks are
acknowledged late (a killed worker's task is delivered again) and retried with backoff."""
from __future__ import annotations

from celery import shared_task

from matching import jobs

from .services import sync

RETRIED = jobs.RETRIED_TASK


@shared_task(name=jobs.job_name(sync.solutions_changed), **RETRIED)
def solutions_changed(ids: list[int]) -> None:
    sync.solutions_changed(ids=ids)


@shared_task(name=jobs.job_name(sync.needs_changed), **RETRIED)
def needs_changed(ids: list[int]) -> None:
    sync.needs_changed(ids=ids)


@shared_task(name="marketplace.docking.tasks.sweep", acks_late=True, ignore_result=True)
def sweep() -> dict:
    """Queue everything pending (worker start and beat)."""
    return sync.sweep()
