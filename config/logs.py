"""Log records as one JSON object per line on stdout, for a log collector to read.

Django's request errors carry the request object (``record.request``); it is replaced by the
fields an operator searches for (method, path, status). Tracebacks stay in ``exc_info`` as one
string, so a 500 is one line.
"""
from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

FIELDS = ("levelname", "name", "message")
RENAMED = {"levelname": "level", "name": "logger"}


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", RENAMED)
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("timestamp", "time")  # ISO 8601 in UTC
        super().__init__(list(FIELDS), *args, **kwargs)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        request = log_data.pop("request", None)
        if request is not None and hasattr(request, "path"):
            log_data["method"] = request.method
            log_data["path"] = request.path
        log_data.pop("server_time", None)  # runserver's own timestamp


def logging_config(*, format: str, stream: str = "stdout", level: str = "WARNING", matching_level: str = "INFO") -> dict:
    """``LOGGING`` for settings: every logger to one stream (``stdout`` or ``stderr``), as ``json``
    objects or ``plain`` text lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "stream": f"ext://sys.{stream}", "formatter": format},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Request errors (django.request: 5xx with the traceback) reach the root's handler once.
            "django": {"handlers": [], "level": level, "propagate": True},
            "matching": {"level": matching_level},
            "celery": {"level": "INFO"},  # the worker's start and task failures
            "jieba": {"level": "WARNING"},
        },
    }
