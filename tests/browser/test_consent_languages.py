"""Consent in German and Arabic in a real browser: the banner and /cookies/ show that
language's texts from the database, with the page's ``lang`` and ``dir``; deciding, with
and without JavaScript, records that language and its text version; axe finds nothing,
in light and dark; the buttons carry the labels of the language's gettext catalog."""

from __future__ import annotations

import pytest
from cookie_consent.models import Cookie
from django.utils import translation
from playwright.sync_api import Page, expect

from consent.models import CategoryText, ConsentRecord, ConsentText, CookieText
from tests.browser.test_accessibility import audit, describe

SEED = "/glossary/resistance-training-neurological-benefits/"
BANNER = "[data-consent-banner]"
DIRECTION = {"de": "ltr", "ar": "rtl"}
LANGUAGES = sorted(DIRECTION)
SCHEMES = ["light", "dark"]


def first_paragraph(text: str) -> str:
    return text.split("\n\n")[0].strip()


def label(text: str, language: str) -> str:
    """An interface string in ``language`` (from its gettext catalog): never the English."""
    with translation.override(language):
        translated = translation.gettext(text)
    assert translated != text, f"{text!r} has no {language} translation"
    return translated


def expect_language(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", DIRECTION[language])


def expect_clean(page: Page) -> None:
    violations = audit(page)
    assert violations == [], describe(violations)


def expect_cookies_page_in(page: Page, language: str) -> None:
    """/xx/cookies/: the policy introduction, every category's name and description, and
    the declared cookies' purposes as stored in that language."""
    expect_language(page, language)
    for text in ("Save preferences", "Accept all", "Reject all"):
        expect(page.get_by_role("button", name=label(text, language))).to_be_visible()
    stored = ConsentText.objects.get(language=language)
    expect(page.locator("[data-consent-page-text]")).to_contain_text(
        first_paragraph(stored.page_text)
    )
    for text in CategoryText.objects.filter(texts=stored).select_related("category"):
        section = page.locator(f"section[aria-labelledby='category-{text.category.varname}']")
        expect(section.locator("h2")).to_have_text(text.name)
        expect(section).to_contain_text(text.description)
    purposes = CookieText.objects.filter(texts=stored)
    assert purposes.count() == Cookie.objects.count() > 0  # every declared cookie has one
    for text in purposes:
        expect(page.get_by_role("cell", name=text.purpose, exact=True)).to_be_visible()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_banner_and_cookies_page_in_the_language_with_javascript(
    new_page, seeded_live_server, language, scheme
):
    page = new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    banner_text = ConsentText.objects.get(language=language).banner_text
    page.goto(f"{seeded_live_server.url}/{language}{SEED}")
    expect_language(page, language)
    banner = page.locator(BANNER)
    expect(banner).to_contain_text(first_paragraph(banner_text))
    expect_clean(page)

    expect(banner.get_by_role("link", name=label("Manage preferences", language))).to_be_visible()
    banner.get_by_role("button", name=label("Accept all", language)).click()
    expect(page.locator("[data-consent-confirmation]")).to_be_visible()  # saved by consent.js
    record = ConsentRecord.objects.get()
    assert (record.language, record.text_version, record.method) == (language, 1, "banner")

    page.goto(f"{seeded_live_server.url}/{language}/cookies/")
    expect_cookies_page_in(page, language)
    history = page.locator("[data-consent-history] tbody tr")
    expect(history).to_have_count(1)
    expect(history.first.locator(f"[data-consent-history-language='{language}']")).to_be_visible()
    expect_clean(page)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_no_javascript_consent_path_in_the_language(
    new_page, seeded_live_server, language, scheme
):
    # The site's scripts never load, so the page works as it does without JavaScript; the
    # browser still runs axe (java_script_enabled=False would stop axe too).
    page = new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page.route("**/*.js", lambda route: route.abort())
    banner_text = ConsentText.objects.get(language=language).banner_text
    page.goto(f"{seeded_live_server.url}/{language}{SEED}")
    url = page.url  # the article in that language, at its own slug (a 301 from the English one)
    expect_language(page, language)
    banner = page.locator(BANNER)
    expect(banner).to_contain_text(first_paragraph(banner_text))
    expect_clean(page)

    banner.get_by_role("button", name=label("Reject all", language)).click()
    page.wait_for_url(url)
    expect(page.locator(BANNER)).to_have_count(0)  # the server rendered the page without it
    expect_language(page, language)
    record = ConsentRecord.objects.get()
    assert (record.language, record.text_version) == (language, 1)
    assert (record.action, record.method) == ("reject_all", "banner_no_js")

    page.goto(f"{seeded_live_server.url}/{language}/cookies/")
    expect_cookies_page_in(page, language)
    expect(page.locator(f"[data-consent-history-language='{language}']")).to_have_count(1)
    expect_clean(page)
