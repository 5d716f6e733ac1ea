"""Background work of the matcher. The embedded default runs jobs in one in-process worker
thread (``MATCHING["JOBS"] = "thread"``); tests run them inline (``"sync"``). A queue such as
Celery can take over by replacing ``enqueue``."""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None


def enqueue(function: Callable[..., object], **kwargs: object) -> Future | None:
    mode = settings.MATCHING.get("JOBS", "thread")
    if mode == "sync":
        function(**kwargs)
        return None
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matching-jobs")
    return _executor.submit(_run, function, kwargs)


def _run(function: Callable[..., object], kwargs: dict) -> None:
    close_old_connections()
    try:
        function(**kwargs)
    except Exception:  # a background job has no caller to raise to: log it loudly
        logger.exception("matching job %s failed", getattr(function, "__qualname__", function))
        raise
    finally:
        connections.close_all()
