"""The interface in another language in a real browser: the switcher works by keyboard and
without JavaScript, the scripts speak the page's language (their sentences come from the
page), and Arabic reader pages pass axe right to left, light and dark (docs/languages.md)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import PAGES, audit, describe

SEED = "/glossary/resistance-training-neurological-benefits/"


def arabic_seed_article() -> None:
    """A published Arabic version of the seed article, at its English slug (the seed ships
    German and French versions only; a term without an Arabic version is 404 under /ar/)."""
    from glossary import translations
    from glossary.models import Term

    source = Term.objects.get(language="en-gb", slug=SEED.split("/")[2])
    version = translations.start_translation(source, "ar")
    version.title = "الفوائد العصبية لتمارين المقاومة"
    version.status = Term.Status.PUBLISHED
    version.save()


def decide_rejecting(page: Page) -> None:
    """Answer the banner once, so the pages below are the returning visitor's."""
    banner = page.locator("[data-consent-banner]")
    banner.locator("form[action$='/cookies/decline/'] button").click()
    expect(banner.locator("[data-consent-confirmation]")).to_be_visible(timeout=5_000)


def test_consent_script_confirms_in_the_pages_language(new_page, seeded_live_server):
    page = new_page()
    page.goto(f"{seeded_live_server.url}/de{SEED}")
    banner = page.locator("[data-consent-banner]")
    banner.get_by_role("button", name="Alle akzeptieren").click()
    confirmation = banner.locator("[data-consent-confirmation-text]")
    expect(confirmation).to_have_text("Sie haben alle Cookies akzeptiert.", timeout=5_000)
    expect(banner.get_by_role("button", name="Diese Meldung ausblenden")).to_be_visible()


def test_search_suggestions_are_announced_in_the_pages_language(new_page, seeded_live_server):
    page = new_page()
    page.goto(f"{seeded_live_server.url}/fr/search/")
    box = page.locator("#search-page-q")
    box.press_sequentially("neuro", delay=30)
    expect(page.get_by_role("listbox", name="Termes suggérés")).to_be_visible(timeout=5_000)
    status = page.locator(".search-form [role='status']")
    expect(status).to_contain_text("Suggestions : 3.")
    expect(status).not_to_contain_text("{count}")


def test_the_switcher_leads_to_the_same_page_without_javascript(new_page, seeded_live_server):
    page = new_page()
    page.route("**/*.js", lambda route: route.abort())
    page.goto(seeded_live_server.url + "/glossary/")
    switcher = page.get_by_role("navigation", name="Language")
    switcher.get_by_role("link", name="Polski").click()
    page.wait_for_url(seeded_live_server.url + "/pl/glossary/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Słownik od A do Z")
    current = page.get_by_role("navigation", name="Język").locator("[aria-current='true']")
    expect(current).to_have_text("Polski")
    expect(current).to_have_attribute("hreflang", "pl")


def test_the_switcher_is_reached_by_keyboard_after_the_header(new_page, seeded_live_server):
    page = new_page()
    page.goto(seeded_live_server.url + "/de/glossary/")
    decide_rejecting(page)
    page.goto(seeded_live_server.url + "/de/glossary/")
    page.locator(".site-header .search-form button").focus()
    page.keyboard.press("Tab")
    first = page.get_by_role("navigation", name="Sprache").get_by_role("link").first
    expect(first).to_be_focused()
    expect(first).to_have_attribute("lang", "en-gb")
    page.keyboard.press("Enter")
    page.wait_for_url(seeded_live_server.url + "/glossary/")
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["home", "index", "term", "search", "not-found"])
def test_arabic_pages_pass_axe_right_to_left(new_page, seeded_live_server, name, scheme):
    arabic_seed_article()
    page = new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page.goto(f"{seeded_live_server.url}/ar{SEED}")
    decide_rejecting(page)
    page.goto(f"{seeded_live_server.url}/ar{PAGES[name]}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    violations = audit(page)
    assert violations == [], describe(violations)
