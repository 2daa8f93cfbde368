"""A Redis cache that fails soft: when Redis does not answer, every read is a miss.

Pages are then built from the database (slower) instead of failing with a 500. After a
failure the backend stops calling Redis for ``RETRY_SECONDS`` (per process and server),
so an outage costs one connection attempt every few seconds, not one per cache call.
``/healthz`` still reports the outage: its probe writes a value and reads it back, and a
cache that keeps nothing fails that check.

It also holds the mirror of the version stamps (``core.stamps``): ``mirror_get``,
``mirror_offer`` (a number only ever replaces a smaller one) and ``mirror_drop``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 2.0
# Used when OPTIONS does not say: a cache that is slower than this is treated as down.
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)

_down_until: dict[str, float] = {}

# Each pair of ARGV after the first (the lifetime): a number and its text. A key is set
# only when it holds no number or a smaller one, so a reader that read the database
# before a writer committed can never put back the number the writer replaced.
_OFFER_IF_NEWER = """
local seconds = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local number = tonumber(ARGV[2 * i])
  local held = redis.call('GET', key)
  local held_number = held and tonumber(string.match(held, '^(%d+)|')) or -1
  if number > held_number then
    redis.call('SET', key, ARGV[2 * i + 1], 'EX', seconds)
  end
end
return 0
"""
_lock = threading.Lock()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` for every call, which fills a table of
    some 170 response callbacks each time: half the CPU of a cached page. One client per
    connection pool is enough (clients are thread-safe; the pool holds the sockets)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class FailSoftRedisCache(RedisCache):
    """django's RedisCache, with Redis errors turned into misses and no-ops (logged once)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._breaker_key = ",".join(self._servers)
        self._held = threading.local()

    @property
    def is_down(self) -> bool:
        """True while a recent failure keeps this process from calling Redis."""
        return time.monotonic() < _down_until.get(self._breaker_key, 0.0)

    def _failed(self, operation: str, error: Exception) -> None:
        with _lock:
            already = self.is_down
            _down_until[self._breaker_key] = time.monotonic() + RETRY_SECONDS
        if not already:
            logger.warning(
                "cache: Redis does not answer (%s on %s); serving without it for %.0f s",
                type(error).__name__,
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

    # The version-stamp mirror: raw Redis strings under this cache's key prefix.

    def mirror_get(self, keys: list[str]) -> list[str | None] | None:
        """The mirrored texts of these keys (None for a missing one), or None when Redis
        does not answer.

        Every request makes this read, so it goes over a connection this process and
        thread hold for it alone, with the command packed once: redis-py's client
        (connection pool checkout and its health poll, retries, reply callbacks) cost
        three times the CPU of the round trip itself.
        """
        keys = tuple(keys)
        return self._soft("mirror_get", lambda: self._held_read(keys), None)

    def _held_read(self, keys: tuple[str, ...]) -> list[str | None]:
        held = self._held
        if getattr(held, "pid", None) != os.getpid():  # new thread, or a forked worker
            pool = self._cache._get_connection_pool(False)
            held.connection = pool.connection_class(**pool.connection_kwargs)
            held.pid = os.getpid()
            held.packed = {}
        packed = held.packed.get(keys)
        if packed is None:
            packed = held.connection.pack_command("MGET", *[self.make_key(key) for key in keys])
            held.packed[keys] = packed
        connection = held.connection
        # A socket Redis closed while idle (a restart, an idle timeout) fails at once:
        # one more try on a new connection, as redis-py's client would retry.
        for attempt in (1, 2):
            was_open = connection._sock is not None
            try:
                connection.send_packed_command(packed, check_health=False)
                replies = connection.read_response()
            except BaseException as error:
                connection.disconnect()  # a reply may be half read: start afresh
                if attempt == 1 and was_open and isinstance(error, RedisConnectionError):
                    continue
                raise
            return [value.decode() if value is not None else None for value in replies]
        raise AssertionError("unreachable")

    def mirror_offer(self, entries: list[tuple[str, int, str]], seconds: int) -> None:
        """Set each key to its text unless it already holds this number or a larger one."""
        if not entries:
            return

        def call():
            client = self._cache.get_client(write=True)
            arguments: list[object] = [seconds]
            for _, number, text in entries:
                arguments += [number, text]
            client.eval(
                _OFFER_IF_NEWER,
                len(entries),
                *[self.make_key(key) for key, _, _ in entries],
                *arguments,
            )

        self._soft("mirror_offer", call, None)

    def mirror_drop(self, keys: list[str]) -> None:
        self._soft(
            "mirror_drop",
            lambda: self._cache.get_client(write=True).delete(
                *[self.make_key(key) for key in keys]
            ),
            None,
        )
