"""A process prepared before it serves (core.warmup, run by config.wsgi under gunicorn's
preloading master) compiles no template on a reader's first pages."""

from __future__ import annotations

import pytest
from django.template import engines

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
    pages = [
        "/",
        "/glossary/",
        term.get_absolute_url(),
        "/search/?q=autophagy",
        "/search/?q=zzqxvw",
        "/cookies/",
        "/glossary/no-such-term/",
    ]
    for url in pages:
        assert client.get(url).status_code in (200, 404), url

    assert set(template_cache) == compiled


def test_an_unprepared_process_compiles_them_on_first_use(client, template_cache, seed):
    """The counterpart: the check above would notice templates compiled late."""
    assert client.get("/search/?q=autophagy").status_code == 200
    assert "glossary/search.html" in template_cache
