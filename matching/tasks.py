"""The Celery tasks of matching's own jobs (``MATCHING_JOBS=celery``): re-matching every open need
after the ranking weights changed, the staff dashboard's evaluation, and one chunk of a build's
encoding (``matching.fanout``). Named after their
functions (``jobs.job_name``), with the options of every job (``jobs.RETRIED_TASK``)."""
from __future__ import annotations

from celery import shared_task

from matching import fanout, jobs, quality, services


@shared_task(name=jobs.job_name(services.need_matches_update), **jobs.RETRIED_TASK)
def need_matches_update() -> None:
    services.need_matches_update()


@shared_task(name=jobs.job_name(quality.evaluation_compute), **jobs.RETRIED_TASK)
def evaluation_compute() -> None:
    """The staff dashboard's offline evaluation, computed off the request path."""
    quality.evaluation_compute()


@shared_task(name=jobs.job_name(fanout.solution_vectors_encode), **jobs.RETRIED_TASK)
def solution_vectors_encode(ids: list[int]) -> None:
    """One chunk of a build's encoding: idempotent (stored vectors of the same text are kept)."""
    fanout.solution_vectors_encode(ids=ids)
