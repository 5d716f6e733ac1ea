"""Background work, dispatched by ``MATCHING["JOBS"]``:

- ``"thread"`` (the embedded default): one in-process worker thread, plus a sweeper thread that
  runs the registered sweep shortly after the process starts serving and then every
  ``MATCHING["SWEEP_SECONDS"]``, so work lost with a previous process (or a failed job) is found
  again. Nothing else to run.
- ``"celery"``: each job is a Celery task named after its function (``job_name``; the tasks live
  in the apps' ``tasks.py``), queued on the broker (``CELERY_BROKER_URL``) and run by
  ``celery -A config worker``. If the broker cannot be reached the write has committed anyway:
  the job is logged as deferred and the sweep queues it once the broker is back.
- ``"sync"``: inline (tests).

``enqueue_ids`` coalesces bursts in the thread: while a job of a function waits in the queue,
later ids join it instead of queueing another, so a provider saving five solutions costs one
re-index, not five. Jobs are plain idempotent functions of ids that read the database; what is
pending is judged from the database (``matching.status``), never from the queue."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None
_waiting: dict[Callable[..., object], set[int]] = {}
_waiting_lock = threading.Lock()
_sweep: Callable[[], object] | None = None
_sweeper: threading.Thread | None = None

JOB_DEFERRED = "job %s for %d id(s) not queued (%s): the sweep will queue it once the broker answers"


def mode() -> str:
    return settings.MATCHING.get("JOBS", "thread")


def job_name(function: Callable[..., object]) -> str:
    """The Celery task name of a job: its function's dotted path."""
    return f"{function.__module__}.{function.__qualname__}"


#: Celery options of every job's task: the jobs are idempotent and read the database, so a task
#: is acknowledged late (a killed worker's task is delivered again) and retried with backoff.
RETRIED_TASK = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
    "ignore_result": True,
}


def enqueue(function: Callable[..., object], **kwargs: object) -> Future | None:
    if mode() == "sync":
        function(**kwargs)
        return None
    if mode() == "celery":
        _send(function, kwargs)
        return None
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matching-jobs")
        start_sweeper()
    return _executor.submit(_run, function, kwargs)


def enqueue_ids(function: Callable[..., object], ids: list[int]) -> None:
    """Run ``function(ids=...)`` as a job, joining a job of ``function`` that is still waiting."""
    if mode() == "sync":
        function(ids=sorted(ids))
        return
    if mode() == "celery":
        _send(function, {"ids": sorted(ids)})
        return
    with _waiting_lock:
        waiting = _waiting.get(function)
        if waiting is not None:
            waiting.update(ids)
            return
        _waiting[function] = set(ids)
    enqueue(_run_waiting, job=function)


def send(function: Callable[..., object], **kwargs: object) -> None:
    """Queue ``function(**kwargs)`` on the broker as its Celery task; raises if the broker cannot
    be reached (for a caller that waits for the work, such as the index build's fan-out)."""
    from celery import current_app

    current_app.send_task(job_name(function), kwargs=kwargs)  # by name: a web process need not import the tasks


def _send(function: Callable[..., object], kwargs: dict) -> None:
    name = job_name(function)
    try:
        send(function, **kwargs)
    except Exception as error:  # the broker is down: the data is committed, the sweep finds the work
        logger.warning(JOB_DEFERRED, name, len(kwargs.get("ids", ())), error.__class__.__name__)


def _run_waiting(*, job: Callable[..., object]) -> None:
    with _waiting_lock:
        ids = _waiting.pop(job, set())
    if ids:
        job(ids=sorted(ids))


def _run(function: Callable[..., object], kwargs: dict) -> None:
    close_old_connections()
    try:
        function(**kwargs)
    except Exception:  # a background job has no caller to raise to: log it loudly
        logger.exception("matching job %s failed", getattr(function, "__qualname__", function))
        raise
    finally:
        connections.close_all()


# ------------------------------------------------------------------------------- sweep


def register_sweep(function: Callable[[], object]) -> None:
    """The function that finds pending work and queues it (the docking app registers it)."""
    global _sweep
    _sweep = function


def sweep() -> object:
    """Run the registered sweep now (``matching_sweep``, the worker's start, beat, the thread)."""
    if _sweep is None:
        raise RuntimeError("no sweep registered: is the docking app installed?")
    return _sweep()


def start_sweeper(**_signal: object) -> None:
    """In the embedded mode, start (once per process) the thread that sweeps a few seconds after
    start and then periodically. Connected to ``request_started``, so a served process sweeps."""
    global _sweeper
    if mode() != "thread" or _sweeper is not None or _sweep is None:
        return
    with _waiting_lock:
        if _sweeper is not None:
            return
        _sweeper = threading.Thread(target=_sweep_forever, name="matching-sweeper", daemon=True)
    _sweeper.start()


def _sweep_forever() -> None:
    interval = settings.MATCHING.get("SWEEP_SECONDS", 60)
    time.sleep(min(interval, 5))
    while True:
        close_old_connections()
        try:
            _sweep()
        except Exception:
            logger.exception("matching sweep failed")
        finally:
            connections.close_all()
        time.sleep(interval)
