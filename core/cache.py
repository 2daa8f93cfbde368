"""A Redis cache that fails soft: any Redis error is a miss or a skipped write.

Pages are then built from the database (slower) instead of failing with a 500. That
covers Redis not answering (refused, timed out, dropped) and Redis answering with an
error (out of memory under ``maxmemory``, a read-only replica, a failed snapshot
refusing writes). After a failure the backend stops calling Redis for
``RETRY_SECONDS`` (per process and server), so an outage costs one attempt every few
seconds, not one per cache call. ``/healthz`` still reports the outage: its probe writes
a value and reads it back, and a cache that keeps nothing fails that check.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 2.0
# Used when OPTIONS does not say: a cache that is slower than this is treated as down.
DEFAULT_OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.5}
# django-redis wraps redis-py's errors (error replies included) in ConnectionInterrupted.
FAILURES = (ConnectionInterrupted, RedisError, OSError)

_down_until: dict[str, float] = {}
_lock = threading.Lock()


class FailSoftRedisCache(RedisCache):
    """django-redis's cache (one client per process, reused: Django's own builds one per
    call), with Redis errors turned into misses and no-ops, logged once per outage."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self.breaker_key = server if isinstance(server, str) else ",".join(server)

    @property
    def is_down(self) -> bool:
        """True while a recent failure keeps this process from calling Redis."""
        return time.monotonic() < _down_until.get(self.breaker_key, 0.0)

    def _failed(self, operation: str, error: Exception) -> None:
        with _lock:
            already = self.is_down
            _down_until[self.breaker_key] = time.monotonic() + RETRY_SECONDS
        if not already:
            logger.warning(
                "cache: Redis does not answer (%s on %s); serving without it for %.0f s",
                type(error.__cause__ or error).__name__,
                operation,
                RETRY_SECONDS,
            )

    def _soft(self, operation: str, call, fallback):
        if self.is_down:
            return fallback
        try:
            return call()
        except FAILURES as error:
            self._failed(operation, error)
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(
            "add", lambda: super(FailSoftRedisCache, self).add(key, value, timeout, version), False
        )

    def get(self, key, default=None, version=None):
        return self._soft(
            "get", lambda: super(FailSoftRedisCache, self).get(key, default, version), default
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._soft(
            "set", lambda: super(FailSoftRedisCache, self).set(key, value, timeout, version), None
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(
            "touch", lambda: super(FailSoftRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key, version=None):
        return self._soft(
            "delete", lambda: super(FailSoftRedisCache, self).delete(key, version), False
        )

    def get_many(self, keys, version=None):
        return self._soft(
            "get_many", lambda: super(FailSoftRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key, version=None):
        return self._soft(
            "has_key", lambda: super(FailSoftRedisCache, self).has_key(key, version), False
        )

    def incr(self, key, delta=1, version=None):
        result = self._soft(
            "incr", lambda: super(FailSoftRedisCache, self).incr(key, delta, version), None
        )
        if result is None:
            raise ValueError(f"Key '{key}' not found (the cache does not answer)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        keys = list(data)
        return self._soft(
            "set_many",
            lambda: super(FailSoftRedisCache, self).set_many(data, timeout, version),
            keys,
        )

    def delete_many(self, keys, version=None):
        self._soft(
            "delete_many", lambda: super(FailSoftRedisCache, self).delete_many(keys, version), None
        )

    def clear(self):
        return self._soft("clear", lambda: super(FailSoftRedisCache, self).clear(), False)
