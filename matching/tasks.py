"""The Celery task of matching's own job (``MATCHING_JOBS=celery``): re-matching every open need
after the ranking weights changed. Named after its function (``jobs.job_name``)."""
from __future__ import annotations

from celery import shared_task

from matching import jobs, quality, services


@shared_task(
    name=jobs.job_name(services.need_matches_update),
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
    ignore_result=True,
)
def need_matches_update() -> None:
    services.need_matches_update()


@shared_task(
    name=jobs.job_name(quality.evaluation_compute),
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=3,
    ignore_result=True,
)
def evaluation_compute() -> None:
    """The staff dashboard's offline evaluation, computed off the request path."""
    quality.evaluation_compute()
