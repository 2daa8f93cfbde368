"""Faults: Redis down → pages from the database; database down → cached pages, else a 503 page.

Redis is a real unreachable port (nothing listens on 127.0.0.1:1), not a mock. The
database outage replaces the connection's ``ensure_connection`` (what a refused
connection looks like to Django), after the cache has been warmed.
"""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client, override_settings

from core import cache as fail_soft
from core.middleware import STALE_STAMPS_ATTR

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
    def test_a_cached_page_is_still_served(self, seed, database_down):
        fresh = Client().get(SEED_TERM)
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "hit"
        database_down()
        response = Client().get(SEED_TERM)
        assert response.status_code == 200
        assert response.content == fresh.content
        assert getattr(response.wsgi_request, STALE_STAMPS_ATTR, False)

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
