"""A process prepared before it serves (core.warmup, run by config.wsgi under gunicorn's
preloading master) compiles no template on a reader's first pages; a worker prepared
before its first request (gunicorn's post_worker_init) has its database connection open
and has run the search statements, and starts even when the database does not answer."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError, connection
from django.template import engines
from django.test.utils import CaptureQueriesContext

from core import warmup


@pytest.fixture
def template_cache(settings):
    """The cached template loader, emptied; pages rendered every time (no page cache)."""
    settings.PAGE_CACHE_ENABLED = False
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    yield loader.get_template_cache
    loader.reset()


def test_public_templates_are_the_project_s_own_without_the_admin_s():
    names = warmup.public_templates()
    assert {"base.html", "glossary/term_detail.html", "glossary/search.html"} <= set(names)
    assert "consent/banner.html" in names
    assert not [name for name in names if name.startswith("admin/")]


def test_a_prepared_process_compiles_no_template_on_readers_first_pages(
    client, template_cache, seed
):
    warmup.prepare_process()
    compiled = set(template_cache)
    assert "glossary/search.html" in compiled

    term = next(iter(seed.values()))
    pages = {
        "/": 200,
        "/glossary/": 200,
        term.get_absolute_url(): 200,
        "/search/?q=autophagy": 200,
        "/search/?q=zzqxvw": 200,
        "/cookies/": 200,
        "/glossary/no-such-term/": 404,
    }
    for url, status in pages.items():
        assert client.get(url).status_code == status, url

    assert set(template_cache) == compiled


def test_an_unprepared_process_compiles_them_on_first_use(client, template_cache, seed):
    """The counterpart: the check above would notice templates compiled late."""
    assert client.get("/search/?q=autophagy").status_code == 200
    assert "glossary/search.html" in template_cache


@pytest.mark.django_db(transaction=True)
def test_a_prepared_worker_has_its_connection_open_and_the_search_statements_run(make_term):
    make_term("Warm-up exercise")
    connection.close()
    with CaptureQueriesContext(connection) as queries:
        warmup.prepare_worker()
    assert connection.connection is not None
    statements = " ".join(query["sql"] for query in queries.captured_queries)
    assert "warm" in statements
    # count, page, the suggestion statements, did-you-mean (a page without hits skips the
    # statement that fetches what it shows).
    assert len(queries.captured_queries) >= 5


def test_a_worker_starts_when_the_database_does_not_answer(db, monkeypatch, caplog):
    def refuse() -> None:
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch, caplog.at_level(logging.WARNING, logger="core.warmup"):
        patch.setattr(connection, "ensure_connection", refuse)
        warmup.prepare_worker()  # does not raise
    assert "database did not answer" in caplog.text
