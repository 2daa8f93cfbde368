"""Fixtures shared by every test: factories for terms and categories, the seed content."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.utils import timezone

from consent import catalog
from core import page_cache
from glossary import name_index
from glossary.models import Category, Term

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with empty caches (also the shared Redis cache under CI)."""
    cache.clear()
    page_cache.local_copies.forget()
    name_index.forget()
    catalog.forget_process_copy()
    yield
    cache.clear()
    page_cache.local_copies.forget()
    name_index.forget()
    catalog.forget_process_copy()


@pytest.fixture
def warm_caches(client):
    """Warm what a running site keeps warm: after a content change, the first page also
    reads the publication schedule, the partner slot and the consent catalog (once per
    change, for every page). Budgets are asserted on the pages after that."""

    def warm() -> None:
        assert client.get("/robots.txt").status_code == 200
        assert client.get("/").status_code == 200
        term = Term.objects.published().first()
        if term is not None:  # a query string the page cache never keeps
            assert client.get(term.get_absolute_url(), {"warm": "1"}).status_code == 200

    return warm


@pytest.fixture
def make_term(db) -> Callable[..., Term]:
    def factory(title: str | None = None, **fields) -> Term:
        number = next(_counter)
        title = title or f"Example term {number}"
        defaults = {
            "slug": fields.pop("slug", None) or f"{title.lower().replace(' ', '-')[:180]}-{number}",
            "summary": f"A short definition of {title}.",
            "body": "## Origin\n\nWhere it comes from.\n\n## Mechanism\n\nHow it works.\n",
            "status": Term.Status.PUBLISHED,
            "published_at": timezone.now() - timezone.timedelta(minutes=1),
        }
        defaults.update(fields)
        categories = defaults.pop("categories", [])
        term = Term.objects.create(title=title, **defaults)
        if categories:
            term.categories.set(categories)
        return term

    return factory


@pytest.fixture
def make_category(db) -> Callable[..., Category]:
    def factory(name: str | None = None, **fields) -> Category:
        number = next(_counter)
        name = name or f"Category {number}"
        fields.setdefault("slug", f"category-{number}")
        return Category.objects.create(name=name, **fields)

    return factory


@pytest.fixture
def seed(db) -> dict[str, Term]:
    from glossary.seed import load_seed_content

    load_seed_content(translations=None)  # English only: `seed_translations` adds them
    # Every page reads the consent catalog from the cache; warm it as on a running site
    # (a cold cache costs two queries once: tests/consent/test_catalog.py).
    from consent.catalog import get_catalog

    get_catalog()
    return {term.slug: term for term in Term.objects.all()}


@pytest.fixture
def seed_translations(seed) -> dict[str, dict[str, Term]]:
    """The seed terms' German and French versions too: {language: {source slug: term}}."""
    from glossary.seed import SEED_FILE, TRANSLATIONS_FILE, _load_translations

    _load_translations(SEED_FILE, TRANSLATIONS_FILE)
    return {
        language: {t.translation_of.slug: t for t in Term.objects.in_language(language)}
        for language in ("de", "fr")
    }


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = getattr(config, "_browser_tests_skipped", 0)
    if skipped:
        terminalreporter.write_line("")
        terminalreporter.write_line(
            f"NOTE: {skipped} browser tests were SKIPPED because Chromium was not found. "
            "Install it with `sudo apt-get install chromium` (or set CHROMIUM_PATH) "
            "and run `make test` again.",
            yellow=True,
            bold=True,
        )
