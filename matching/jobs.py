"""Background work. The embedded default runs jobs in one in-process worker thread
(``MATCHING["JOBS"] = "thread"``); tests run them inline (``"sync"``). A queue such as Celery can
take over by replacing ``enqueue``.

``enqueue_ids`` coalesces bursts: while a job of a function waits in the queue, later ids join it
instead of queueing another, so a provider saving five solutions costs one re-index, not five."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None
_waiting: dict[Callable[..., object], set[int]] = {}
_waiting_lock = threading.Lock()


def enqueue(function: Callable[..., object], **kwargs: object) -> Future | None:
    mode = settings.MATCHING.get("JOBS", "thread")
    if mode == "sync":
        function(**kwargs)
        return None
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matching-jobs")
    return _executor.submit(_run, function, kwargs)


def enqueue_ids(function: Callable[..., object], ids: list[int]) -> None:
    """Run ``function(ids=...)`` as a job, joining a job of ``function`` that is still waiting."""
    if settings.MATCHING.get("JOBS", "thread") == "sync":
        function(ids=sorted(ids))
        return
    with _waiting_lock:
        waiting = _waiting.get(function)
        if waiting is not None:
            waiting.update(ids)
            return
        _waiting[function] = set(ids)
    enqueue(_run_waiting, job=function)


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
