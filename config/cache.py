"""The shared cache on Redis, failing open: while Redis is down it behaves as an empty cache that
forgets every write, so pages and the API keep answering (throttles count nothing meanwhile and
cached evaluations are recomputed). The outage is logged at most once a minute, and ``/health/``
reports it through ``ping``."""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
REDIS_DOWN = "Redis cache unavailable, answering as an empty cache: %s"
_last_warning = 0.0


def _fail_open(name: str, fallback: Callable) -> Callable:
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RedisError as error:
            global _last_warning
            if time.monotonic() - _last_warning > 60:
                _last_warning = time.monotonic()
                logger.warning(REDIS_DOWN, error)
            return fallback(*args, **kwargs)

    return call


class FailOpenRedisCache(RedisCache):
    def ping(self) -> None:
        """Raise ``RedisError`` when Redis does not answer."""
        self._cache.get_client(write=True).ping()


for _name, _fallback in {
    "get": lambda key, default=None, version=None: default,
    "get_many": lambda *args, **kwargs: {},
    "has_key": lambda *args, **kwargs: False,
    "add": lambda *args, **kwargs: False,
    "set": lambda *args, **kwargs: None,
    "set_many": lambda data, *args, **kwargs: list(data),  # the keys that were not stored
    "touch": lambda *args, **kwargs: False,
    "delete": lambda *args, **kwargs: False,
    "delete_many": lambda *args, **kwargs: None,
    "clear": lambda *args, **kwargs: False,
}.items():
    setattr(FailOpenRedisCache, _name, _fail_open(_name, _fallback))
