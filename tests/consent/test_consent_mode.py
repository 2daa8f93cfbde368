"""Google Consent Mode v2: defaults from a static file, only when a tag id is set."""

from __future__ import annotations

import pytest

from consent import conf

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_url(make_term) -> str:
    return make_term("Autophagy", slug="autophagy").get_absolute_url()


def test_nothing_is_emitted_without_a_tag_id(client, page_url):
    html = client.get(page_url).content.decode()
    assert "consent-mode.js" not in html
    assert "data-google-tag-id" not in html
    assert '"googleConsentMode": false' in html


def test_defaults_load_first_without_inline_code(client, page_url, settings):
    settings.CONSENT_GOOGLE_TAG_ID = "G-TEST1234"
    html = client.get(page_url).content.decode()
    tag = '<script src="/static/js/consent-mode.js" data-google-tag-id="G-TEST1234"></script>'
    assert tag in html
    head = html[: html.index("</head>")]
    assert head.index(tag) < head.index("consent-config") < head.index("js/consent.js")
    # The first script that runs: before it only data blocks (JSON-LD), never code.
    before = head[: head.index(tag)].split("<script")[1:]
    assert all(block.lstrip().startswith('type="application/ld+json"') for block in before)
    assert '"googleConsentMode": true' in html


@pytest.mark.parametrize("value", ["G-TEST1234", "AW-123456789", "GT-ABCD1234"])
def test_tag_ids_that_look_right_pass(settings, value):
    settings.CONSENT_GOOGLE_TAG_ID = value
    assert conf.check_settings() == []


@pytest.mark.parametrize("value", ['G-1"><script>', "UA 123", "g-lower"])
def test_other_tag_ids_are_refused(settings, value):
    settings.CONSENT_GOOGLE_TAG_ID = value
    assert [error.id for error in conf.check_settings()] == ["consent.E012"]
