"""``/health/``: database, cache, broker (when used) and matching-index freshness.

django-health-check runs the checks concurrently and answers 200 when all pass, 500 otherwise;
``?format=json`` (or ``Accept: application/json``) gives one JSON object, check -> "OK" or the
failure. Load balancers and process managers poll it.
"""
from __future__ import annotations

import dataclasses
import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from health_check import checks
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from kombu import Connection
from redis.exceptions import RedisError

BROKER_UNREACHABLE = "the Celery broker does not answer"
CACHE_UNREACHABLE = "the cache's Redis does not answer"


@dataclasses.dataclass
class Cache(checks.Cache):
    """A write and a read; first a ping where the cache has one (the Redis cache fails open, so
    a write and a read alone would only say the value did not come back)."""

    async def run(self) -> None:
        ping = getattr(caches[self.alias], "ping", None)
        if ping is not None:
            try:
                await sync_to_async(ping)()
            except RedisError as error:
                raise ServiceUnavailable(CACHE_UNREACHABLE) from error
        await super().run()


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (workers are not asked: a busy one answers late)."""

    url: str = dataclasses.field(repr=False)
    timeout = datetime.timedelta(seconds=3)

    def run(self) -> None:
        try:
            with Connection(self.url, connect_timeout=2) as connection:
                connection.ensure_connection(max_retries=1)
        except Exception as error:  # kombu raises the transport's own errors
            raise ServiceUnavailable(BROKER_UNREACHABLE) from error


@dataclasses.dataclass
class MatchingIndex(HealthCheck):
    """The index has been built and no saved solution waits longer than the allowed lag."""

    async def run(self) -> None:
        from matching.health import index_freshness, index_problem

        # In the request's thread: the same database connection (and, in tests, transaction).
        freshness = await sync_to_async(index_freshness)()
        problem = index_problem(freshness, max_lag_seconds=settings.HEALTH_INDEX_MAX_LAG_SECONDS)
        if problem:
            raise ServiceUnavailable(problem)


class HealthView(HealthCheckView):
    def get_checks(self):
        yield Database()
        yield Cache()
        if settings.HEALTH_CHECK_BROKER:
            yield Broker(url=settings.CELERY_BROKER_URL)
        yield MatchingIndex()
