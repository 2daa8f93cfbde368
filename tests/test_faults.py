"""Faults: Redis down or refusing → pages from the database; database down → a 503 page.

Redis is a real unreachable port (nothing listens on 127.0.0.1:1), or a private
``redis-server`` on a free port driven to ``maxmemory 1`` (every write refused with OOM)
or made a read-only replica: not a mock. The database outage replaces the connection's
``ensure_connection`` (what a refused connection looks like to Django), after the cache
has been warmed. The page cache keys pages on versions read from the database, so with
the database down even a page in the cache is a 503 page: nothing is served that the
database could not vouch for.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import threading

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client, override_settings

from core import cache as fail_soft

pytestmark = pytest.mark.django_db

SEED_TERM = "/glossary/resistance-training-neurological-benefits/"
REDIS_DOWN = {
    "default": {
        "BACKEND": "core.cache.FailSoftRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.fixture
def redis_down():
    fail_soft._down_until.clear()
    with override_settings(CACHES=REDIS_DOWN):
        yield
    fail_soft._down_until.clear()


@pytest.fixture
def database_down(monkeypatch):
    """Call to make every new query fail as if the server refused connections."""

    def refuse() -> None:
        raise OperationalError("connection refused")

    def apply() -> None:
        monkeypatch.setattr(connection, "ensure_connection", refuse)

    yield apply
    monkeypatch.undo()


class TestRedisDown:
    @pytest.mark.parametrize(
        "url", ["/", "/glossary/", "/glossary/letter/r/", SEED_TERM, "/feed/", "/cookies/"]
    )
    def test_pages_come_from_the_database(self, seed, redis_down, url, caplog):
        with caplog.at_level(logging.WARNING):
            for _ in range(2):
                response = Client().get(url)
                assert response.status_code == 200, url
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    def test_search_and_a_consent_decision_work(self, seed, redis_down):
        assert Client().get("/search/?q=exercise").status_code == 200
        response = Client(headers={"Sec-Fetch-Site": "same-origin"}).post(
            "/cookies/accept/", {"all": "1"}
        )
        assert response.status_code == 302

    def test_the_outage_is_logged_once_then_redis_is_left_alone(self, seed, redis_down, caplog):
        with caplog.at_level(logging.WARNING, logger="core.cache"):
            for _ in range(3):
                Client().get(SEED_TERM)
        assert len([r for r in caplog.records if r.name == "core.cache"]) == 1

    def test_healthz_still_says_503(self, seed, redis_down, caplog):
        with caplog.at_level(logging.WARNING):
            response = Client().get("/healthz")
        assert response.status_code == 503
        assert response.content == b"unavailable\n"
        assert "the cache does not answer" in caplog.text

    def test_healthz_says_503_while_redis_is_left_alone(self, seed, redis_down):
        Client().get(SEED_TERM)  # the breaker is open now
        assert Client().get("/healthz").status_code == 503


class TestDatabaseDown:
    def test_a_cached_page_is_a_503_page_too(self, seed, database_down):
        Client().get(SEED_TERM)
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "hit"
        database_down()
        response = Client().get(SEED_TERM)
        assert response.status_code == 503
        assert b"Temporarily unavailable" in response.content

    def test_an_uncached_page_is_a_503_page(self, seed, database_down, caplog):
        Client().get(SEED_TERM)  # this process has seen the stamps
        database_down()
        with caplog.at_level(logging.WARNING):
            response = Client().get("/glossary/letter/r/")
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert response["Cache-Control"] == "no-store"
        html = response.content.decode()
        assert "<h1>Temporarily unavailable</h1>" in html
        assert 'class="skip-link"' in html
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    @pytest.mark.parametrize(
        "url", ["/search/?q=exercise", SEED_TERM + "?utm_source=x", "/glossary/no-such-term/"]
    )
    def test_pages_never_cached_are_503_pages(self, seed, database_down, url):
        Client().get(SEED_TERM)
        database_down()
        response = Client().get(url)
        assert response.status_code == 503, url
        assert b"Temporarily unavailable" in response.content

    def test_a_failure_outside_any_view_is_a_503_page_too(self, seed, database_down, caplog):
        Client().get(SEED_TERM)
        database_down()
        cache.clear()  # the consent middleware must now read its catalog from the database
        client = Client(raise_request_exception=False)
        client.cookies[settings.SESSION_COOKIE_NAME] = "stale-session-key"
        with caplog.at_level(logging.WARNING):
            response = client.get(SEED_TERM)
        assert response.status_code == 503
        assert b"Temporarily unavailable" in response.content
        assert response["Retry-After"] == "30"

    def test_a_staff_visitor_gets_a_503_page(self, seed, admin_client, database_down):
        Client().get(SEED_TERM)
        Client().get(SEED_TERM)
        database_down()
        response = admin_client.get(SEED_TERM)
        assert response.status_code == 503
        assert b"Temporarily unavailable" in response.content

    def test_pages_are_back_with_the_database(self, seed, database_down, monkeypatch):
        Client().get(SEED_TERM)
        database_down()
        assert Client().get("/glossary/").status_code == 503
        monkeypatch.undo()
        assert Client().get("/glossary/").status_code == 200


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def private_redis():
    """A redis-server of this test's own on a free port (no snapshot, no persistence)."""
    server = shutil.which("redis-server")
    if server is None:
        message = "needs redis-server on PATH (apt-get install redis-server)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: the Redis fault tests {message}")
        pytest.skip(message)
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                threading.Event().wait(0.05)
        fail_soft._down_until.clear()
        caches = {
            "default": {
                "BACKEND": "core.cache.FailSoftRedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            }
        }
        with override_settings(CACHES=caches):
            yield client
    finally:
        fail_soft._down_until.clear()
        process.terminate()
        process.wait(timeout=10)


PAGES = ["/", "/glossary/", "/glossary/letter/r/", SEED_TERM, "/feed/", "/cookies/"]


class TestRedisRefusingWrites:
    """Redis answers, but with an error reply: as good as down, never a 500."""

    def test_out_of_memory_pages_come_from_the_database(self, seed, private_redis, caplog):
        private_redis.config_set("maxmemory", 1)
        with caplog.at_level(logging.WARNING):
            for url in PAGES:
                for _ in range(2):
                    assert Client().get(url).status_code == 200, url
            assert Client().get("/search/?q=exercise").status_code == 200
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert "ResponseError" in caplog.text or "OutOfMemoryError" in caplog.text

    def test_a_read_only_replica_pages_come_from_the_database(self, seed, private_redis):
        private_redis.execute_command("REPLICAOF", "127.0.0.1", str(_free_port()))
        for url in PAGES:
            for _ in range(2):
                assert Client().get(url).status_code == 200, url
        response = Client(headers={"Sec-Fetch-Site": "same-origin"}).post(
            "/cookies/accept/", {"all": "1"}
        )
        assert response.status_code == 302

    def test_pages_are_cached_again_once_redis_takes_writes(self, seed, private_redis):
        private_redis.config_set("maxmemory", 1)
        Client().get(SEED_TERM)
        private_redis.config_set("maxmemory", 0)
        fail_soft._down_until.clear()  # the breaker's pause is over
        Client().get(SEED_TERM)
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "hit"
