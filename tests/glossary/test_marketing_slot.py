# ruff: noqa: F811  (pytest fixtures imported from tests.glossary.editor_helpers)
"""The partner slot: edited in the admin, in every term page only inert (marketing)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from consent.state import cookie_value
from glossary import marketing
from glossary.models import PartnerSlot
from tests.glossary.editor_helpers import admin_user_client  # noqa: F401

pytestmark = pytest.mark.django_db

SEED = "/glossary/resistance-training-neurological-benefits/"
HEADER = '<header class="site-header">'


def without_banner(html: str) -> tuple[str, str]:
    """The page before the banner (or header) and from the header on."""
    banner = html.find('<div class="consent-banner"')
    header = html.index(HEADER)
    return html[: banner if banner > -1 else header].rstrip(), html[header:]


@pytest.fixture
def slot(db) -> PartnerSlot:
    return PartnerSlot.objects.create(
        title="The longevity letter",
        text="A **monthly** summary. <script>alert(1)</script>",
        link_url="https://letter.example/subscribe",
        link_label="Subscribe",
    )


def page(path: str, **decisions: bool) -> str:
    client = Client()
    if decisions:
        client.cookies[settings.COOKIE_CONSENT_NAME] = cookie_value(decisions, timezone.now())
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def slot_markup(html: str) -> str:
    found = re.search(r'<section class="consent-embed partner-slot".*?</section>', html, re.S)
    assert found, "no partner slot"
    return found.group(0)


def test_the_slot_is_in_the_page_only_inside_a_template(seed, slot):
    aside = slot_markup(page(SEED))
    assert 'data-consent-embed="marketing"' in aside
    template = re.search(r"<template>(.*)</template>", aside, re.S).group(1)
    assert "The longevity letter" in template
    assert "<strong>monthly</strong>" in template
    assert "<script" not in aside
    assert 'href="https://letter.example/subscribe" rel="noopener noreferrer sponsored"' in template
    outside = aside.replace(template, "")
    assert "The longevity letter" not in outside
    assert "only to visitors who allow marketing cookies" in outside


@pytest.mark.parametrize("path", [SEED, "/"])
def test_pages_are_identical_whatever_the_visitor_decided(seed, slot, path):
    everything = page(path, analytics=True, personalization=True, marketing=True)
    nothing = page(path, analytics=False, personalization=False, marketing=False)
    marketing_only = page(path, analytics=False, personalization=False, marketing=True)
    assert everything == nothing == marketing_only
    undecided = page(path)
    assert "data-consent-banner" in undecided
    assert without_banner(undecided) == without_banner(everything)


def test_no_enabled_slot_renders_nothing(seed, slot):
    slot.enabled = False
    slot.save()
    assert "partner-slot" not in page(SEED)


def test_saving_a_slot_shows_the_change_on_the_next_request(seed, slot):
    assert "The longevity letter" in page(SEED)
    slot.title = "Partner of the month"
    slot.save()
    html = page(SEED)
    assert "Partner of the month" in html and "The longevity letter" not in html
    slot.delete()
    assert "partner-slot" not in page(SEED)


def test_the_newest_enabled_slot_wins(slot):
    PartnerSlot.objects.create(title="Older but off", link_url="https://a.example/", enabled=False)
    newer = PartnerSlot.objects.create(title="Newer", link_url="https://b.example/")
    assert marketing.current().title == newer.title


def test_the_slot_is_cached_under_the_content_stamp(seed, slot, django_assert_num_queries):
    marketing.current()
    with django_assert_num_queries(1):  # the stamp only (no snapshot outside a request)
        assert marketing.current().title == "The longevity letter"


@pytest.mark.parametrize(
    "url",
    ["http://letter.example/", "javascript:alert(1)", "//letter.example/", "ftp://x.example/"],
)
def test_the_link_must_be_https(url):
    with pytest.raises(ValidationError):
        PartnerSlot(title="T", link_url=url).full_clean()


def test_the_admin_adds_and_refuses_a_plain_http_link(admin_user_client):
    response = admin_user_client.get("/admin/glossary/partnerslot/add/")
    assert response.status_code == 200
    data = {
        "title": "Letter",
        "text": "Hello",
        "link_url": "http://letter.example/",
        "link_label": "Go",
        "enabled": "on",
    }
    refused = admin_user_client.post("/admin/glossary/partnerslot/add/", data)
    assert refused.status_code == 200 and "Use an https:// address." in refused.content.decode()
    data["link_url"] = "https://letter.example/"
    saved = admin_user_client.post("/admin/glossary/partnerslot/add/", data)
    assert saved.status_code == 302
    assert PartnerSlot.objects.get().link_url == "https://letter.example/"


def test_readers_cannot_reach_the_slot_admin(client):
    response = client.get("/admin/glossary/partnerslot/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# Heading ids ----------------------------------------------------------------------------


def test_the_slot_keeps_no_raw_heading_id(seed, db):
    PartnerSlot.objects.create(
        title="Letter",
        text='<h2 id="related-heading">Related</h2>\n\n# Big news\n\n## Recently viewed\n',
        link_url="https://letter.example/",
    )
    html = page(SEED)
    template = re.search(r"<template>(.*)</template>", slot_markup(html), re.S).group(1)
    ids = re.findall(r'<h[1-6] id="([^"]+)"', template)
    assert ids == ["partner-related-heading", "partner-big-news", "partner-recently-viewed"]
    assert html.count('id="related-heading"') == 1  # the page's own "Related terms"
    assert "<h1" not in template  # demoted, as in articles


def test_slot_headings_never_take_an_article_heading_id():
    html = marketing.render_text('## Origin\n\n<h3 id="section-origin">Again</h3>\n\n## Origin')
    assert re.findall(r'id="([^"]+)"', html) == [
        "partner-origin",
        "partner-origin-2",
        "partner-origin-3",
    ]
    assert "section-" not in html


def test_text_that_looks_like_an_id_is_left_alone():
    html = marketing.render_text('A sentence with id="section-x" in it.\n\n## Title')
    assert 'id="section-x" in it.' in html
    assert '<h2 id="partner-title">Title</h2>' in html
