"""/healthz under concurrent probes: each probe writes, reads and deletes its own cache
key, so probes sharing a cache (Redis, several app servers) never fail each other; a 503
is logged once, as a warning."""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections
from django.test import RequestFactory, override_settings

from core import views

PROBES = 200


class InterleavingCache(LocMemCache):
    """A real local-memory cache that lets one other probe run to the end between a
    probe's write and its read: the worst timing concurrent probes can have. It also
    keeps the probe keys it saw written."""

    written: list[str] = []
    _inside = threading.local()

    def set(self, key, value, timeout=None, version=None):
        super().set(key, value, timeout, version)
        if key.startswith("healthz:"):
            self.written.append(key)

    def get(self, key, default=None, version=None):
        if key.startswith("healthz:") and not getattr(self._inside, "yes", False):
            self._inside.yes = True
            try:
                other = views.healthz(RequestFactory().get("/healthz"))
                assert other.status_code == 200
            finally:
                self._inside.yes = False
        return super().get(key, default, version)


INTERLEAVING = {
    "default": {"BACKEND": f"{__name__}.InterleavingCache", "LOCATION": "healthz-interleaving"}
}


@pytest.fixture
def interleaving_cache():
    InterleavingCache.written = []
    with override_settings(CACHES=INTERLEAVING):
        caches["default"].clear()
        yield caches["default"]


@pytest.mark.django_db
def test_a_probe_interleaved_with_another_still_finds_its_value(interleaving_cache):
    response = views.healthz(RequestFactory().get("/healthz"))
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert len(set(InterleavingCache.written)) == 2  # one key per probe


@pytest.mark.django_db
def test_a_probe_leaves_no_key_behind(interleaving_cache):
    for _ in range(3):
        assert views.healthz(RequestFactory().get("/healthz")).status_code == 200
    assert len(InterleavingCache.written) == 6
    assert not [key for key in InterleavingCache.written if interleaving_cache.has_key(key)]


def _probe(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_concurrent_probes_against_a_live_server_all_answer_ok(live_server):
    """Through the configured cache: Redis when REDIS_URL is set, shared by every thread."""
    url = f"{live_server.url}/healthz"
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(_probe, [url] * PROBES))
    assert statuses == [200] * PROBES


@pytest.mark.django_db
def test_repeated_threaded_probes_on_the_shared_cache_all_answer_ok():
    def probe(_: int) -> int:
        try:
            return views.healthz(RequestFactory().get("/healthz")).status_code
        finally:
            connections.close_all()  # this thread's own database connection

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(probe, range(PROBES)))
    assert statuses == [200] * PROBES


@pytest.mark.django_db
def test_a_503_is_one_warning_and_no_server_error(client, caplog):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with caplog.at_level(logging.WARNING), override_settings(CACHES=unreachable):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert [r.getMessage() for r in caplog.records] == [
        "healthz: the cache does not answer (ConnectionError)"
    ]
