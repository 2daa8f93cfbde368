"""Errors are shown in the site's layout, never as Django's debug or bare pages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_server_error_page_uses_the_site_layout(client, settings):
    settings.ROOT_URLCONF = "tests.error_urls"
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/__broken__/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert 'class="skip-link"' in html
    assert "Deliberate failure" not in html


def test_not_found_page_offers_search_and_the_index(client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'role="search"' in html
    assert 'href="/glossary/"' in html
