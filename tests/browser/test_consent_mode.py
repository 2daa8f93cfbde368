"""Google Consent Mode v2 in the browser, read from window.dataLayer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_consent
from tests.browser.test_consent import BANNER, SEED, visit

site = test_consent.site  # the live server with one fake tracker per category

DATA_LAYER = "window.dataLayer.map((entry) => Array.from(entry))"
DEFAULTS = {
    "ad_storage": "denied",
    "ad_user_data": "denied",
    "ad_personalization": "denied",
    "analytics_storage": "denied",
    "personalization_storage": "denied",
    "functionality_storage": "denied",
    "security_storage": "granted",
    "wait_for_update": 500,
}


@pytest.fixture
def tagged_site(site, settings):
    settings.CONSENT_GOOGLE_TAG_ID = "G-TEST1234"
    return site


def updates(page: Page) -> list[dict]:
    return [entry[2] for entry in page.evaluate(DATA_LAYER) if entry[:2] == ["consent", "update"]]


def test_defaults_first_then_the_visitors_choices(page: Page, tagged_site):
    visit(page, tagged_site + SEED)
    entries = page.evaluate(DATA_LAYER)
    assert entries[0] == ["consent", "default", DEFAULTS]
    assert entries[2][0] == "js" and entries[3] == ["config", "G-TEST1234"]
    denied = {
        "analytics_storage": "denied",
        "ad_storage": "denied",
        "ad_user_data": "denied",
        "ad_personalization": "denied",
        "personalization_storage": "denied",
    }
    expect(page.locator("html")).to_have_class("consent-js")
    assert updates(page) == [denied]

    page.get_by_role("link", name="Manage preferences").click()
    page.get_by_role("switch", name="Allow marketing cookies").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("[data-consent-status]")).to_be_visible()
    assert len(updates(page)) == 2  # on load, and after the decision
    assert updates(page)[-1] == {
        "analytics_storage": "denied",
        "ad_storage": "granted",
        "ad_user_data": "granted",
        "ad_personalization": "granted",
        "personalization_storage": "denied",
    }
    page.get_by_role("switch", name="Allow personalization cookies").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("html")).to_have_attribute("data-trackers", "marketing personalization")
    assert updates(page)[-1]["personalization_storage"] == "granted"
    assert updates(page)[-1]["analytics_storage"] == "denied"


def test_nothing_for_google_without_a_tag_id(page: Page, site):
    visit(page, site + SEED)
    page.locator(BANNER).get_by_role("button", name="Accept all").click()
    expect(page.locator("[data-consent-confirmation]")).to_be_visible()
    assert page.evaluate("typeof window.dataLayer") == "undefined"
