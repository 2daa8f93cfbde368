"""Recently viewed: nothing about it on the server but an empty section and static data."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.apps import apps

from consent.catalog import get_catalog, invalidate

pytestmark = pytest.mark.django_db

SEED = "/glossary/resistance-training-neurological-benefits/"


def test_the_key_is_declared_as_personalization_local_storage(db):
    cookie = Cookie.objects.get(name="glossary.recent")
    assert cookie.cookiegroup.varname == "personalization"
    assert cookie.details.storage == "localStorage"
    invalidate()
    category = get_catalog().category("personalization")
    assert "glossary.recent" in [c.name for c in category.cookies if c.storage == "localStorage"]


def test_declaring_again_changes_nothing_and_needs_the_category(db):
    migration = importlib.import_module("glossary.migrations.0008_recent_storage")
    migration.declare(apps, None)
    assert Cookie.objects.filter(name="glossary.recent").count() == 1
    Cookie.objects.filter(cookiegroup__varname="personalization").delete()
    CookieGroup.objects.filter(varname="personalization").delete()
    migration.declare(apps, None)
    assert not Cookie.objects.filter(name="glossary.recent").exists()


def test_the_home_page_has_only_empty_hidden_sections(client, seed):
    html = client.get("/").content.decode()
    for marker, heading in (
        ("data-recent", "Recently viewed"),
        ("data-recent-more", "Continue exploring"),
    ):
        section = re.search(rf"<section {marker} hidden [^>]*>(.*?)</section>", html, re.S)
        assert section, marker
        assert heading in section.group(1)
        assert re.search(r'<ul class="term-list"></ul>', section.group(1))
    assert (
        '<script type="text/plain" data-consent-category="personalization" '
        'data-consent-src="/static/js/recent.js"></script>' in html
    )


def test_the_term_page_carries_its_entry_as_data_and_the_script_inert(client, seed):
    html = client.get(SEED).content.decode()
    block = re.search(r'<script type="application/json" id="recent-term">(.*?)</script>', html)
    entry = json.loads(block.group(1))
    assert entry["url"] == SEED
    assert entry["title"] == seed["resistance-training-neurological-benefits"].title
    assert all(other["url"].startswith("/glossary/") for other in entry["related"])
    assert 'data-consent-category="personalization" data-consent-src="/static/js/recent.js"' in html
    assert '<script src="/static/js/recent.js"' not in html


def test_a_draft_page_seen_by_staff_is_not_remembered(admin_client, make_term):
    from glossary.models import Term

    draft = make_term("Unpublished", status=Term.Status.DRAFT)
    html = admin_client.get(draft.get_absolute_url()).content.decode()
    assert 'id="recent-term"' not in html and "recent.js" not in html
