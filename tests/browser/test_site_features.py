"""The site's own features behind the consent categories, in a real browser.

Analytics: a term page read is counted (asserted through the database: the live server
shares it) only once analytics is granted. Personalization: "Recently viewed" lives in
the visitor's own localStorage, only with the grant, and goes with withdrawal.
Marketing: the partner slot appears only with marketing granted, a placeholder otherwise.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Page, expect

from consent import catalog
from glossary import pageviews, term_page
from glossary.models import PartnerSlot, Term, TermViews
from tests.helpers import decided_in_browser

SEED = "resistance-training-neurological-benefits"
BANNER = "[data-consent-banner]"
FLUSH_TASKS = """() => new Promise((done) =>
  setTimeout(() => setTimeout(() => setTimeout(done, 0), 0), 0))"""


@pytest.fixture
def site(seeded_live_server, settings) -> str:
    settings.PAGEVIEWS_STORE = "cache"  # counted in memory, written by the flush
    # The live server empties every table after each test: put back the glossary's own
    # declared localStorage key (its data migration), as on a real install.
    importlib.import_module("glossary.migrations.0008_recent_storage").declare(django_apps, None)
    catalog.invalidate()
    return seeded_live_server.url


def visit(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)consent-js(\s|$)"))
    page.evaluate(FLUSH_TASKS)  # consent.js has decided what runs on this page


def views_of(slug: str) -> int:
    pageviews.flush()
    term = Term.objects.get(slug=slug)
    return sum(TermViews.objects.filter(term=term).values_list("count", flat=True))


def beacons(page: Page) -> list[str]:
    sent: list[str] = []
    page.on(
        "request",
        lambda request: sent.append(request.url) if "/pageviews/" in request.url else None,
    )
    return sent


# Analytics ------------------------------------------------------------------------------


def test_no_view_is_counted_before_analytics_is_granted_then_accept_all_counts(page: Page, site):
    sent = beacons(page)
    visit(page, f"{site}/glossary/{SEED}/")
    expect(page.locator(BANNER)).to_be_visible()
    page.get_by_role("link", name="Glossary A–Z").first.click()
    visit(page, f"{site}/glossary/{SEED}/")
    assert sent == []
    assert views_of(SEED) == 0

    # A beacon forced from the page without consent is refused by the server too.
    with page.expect_response(re.compile(r"/pageviews/$")) as refused:
        page.evaluate(
            """slug => navigator.sendBeacon("/pageviews/", new URLSearchParams({term: slug}))""",
            SEED,
        )
    assert refused.value.status == 204
    assert views_of(SEED) == 0

    with page.expect_response(re.compile(r"/pageviews/$")) as counted:
        page.locator(BANNER).get_by_role("button", name="Accept all").click()
    assert counted.value.status == 204
    assert views_of(SEED) == 1

    with page.expect_response(re.compile(r"/pageviews/$")):
        visit(page, f"{site}/glossary/{SEED}/")
    assert views_of(SEED) == 1  # a visitor counts once per term per window


def test_reject_all_counts_nothing(page: Page, site):
    sent = beacons(page)
    visit(page, f"{site}/glossary/{SEED}/")
    page.locator(BANNER).get_by_role("button", name="Reject all").click()
    expect(page.locator("[data-consent-confirmation]")).to_be_visible()
    visit(page, f"{site}/glossary/{SEED}/")
    assert sent == []
    assert views_of(SEED) == 0


def test_analytics_alone_counts_a_view(page: Page, site):
    decided_in_browser(page.context, site, analytics=True, personalization=False, marketing=False)
    with page.expect_response(re.compile(r"/pageviews/$")):
        visit(page, f"{site}/glossary/{SEED}/")
    assert views_of(SEED) == 1


# Personalization ------------------------------------------------------------------------

RECENT = "[data-recent]"
MORE = "[data-recent-more]"
KEY = "glossary.recent"


def stored(page: Page):
    return page.evaluate("key => localStorage.getItem(key)", KEY)


def related_titles(slug: str) -> list[str]:
    return [other.title for other in term_page.surroundings(Term.objects.get(slug=slug)).related]


def test_without_personalization_nothing_is_stored_or_shown(page: Page, site):
    decided_in_browser(page.context, site, analytics=True, personalization=False, marketing=True)
    visit(page, f"{site}/glossary/{SEED}/")
    visit(page, f"{site}/")
    assert stored(page) is None
    expect(page.locator(RECENT)).to_be_hidden()
    expect(page.locator(MORE)).to_be_hidden()
    expect(page.get_by_role("heading", name="Recently viewed")).to_be_hidden()


def test_recently_viewed_with_personalization_then_gone_after_withdrawal(page: Page, site):
    title = Term.objects.get(slug=SEED).title
    visit(page, f"{site}/glossary/{SEED}/")
    page.locator(BANNER).get_by_role("button", name="Accept all").click()
    expect(page.locator("[data-consent-confirmation]")).to_be_visible()
    page.wait_for_function("key => localStorage.getItem(key) !== null", arg=KEY)

    visit(page, f"{site}/")
    recent = page.locator(RECENT)
    expect(recent).to_be_visible()
    expect(recent.get_by_role("heading", name="Recently viewed")).to_be_visible()
    expect(recent.get_by_role("link", name=title, exact=True)).to_have_attribute(
        "href", f"/glossary/{SEED}/"
    )
    related = related_titles(SEED)
    if related:
        more = page.locator(MORE)
        expect(more).to_be_visible()
        expect(more.get_by_role("link", name=related[0], exact=True)).to_be_visible()

    page.get_by_role("contentinfo").get_by_role("link", name="Cookie preferences").click()
    page.get_by_role("switch", name=re.compile("personalization", re.I)).uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("[data-consent-status]")).to_be_visible()
    assert stored(page) is None

    visit(page, f"{site}/")
    expect(page.locator(RECENT)).to_be_hidden()
    expect(page.locator(MORE)).to_be_hidden()
    assert stored(page) is None


def test_reject_all_after_reading_hides_the_sections_on_return(page: Page, site):
    decided_in_browser(page.context, site, analytics=False, personalization=True, marketing=False)
    visit(page, f"{site}/glossary/{SEED}/")
    # recent.js is loaded once consent.js allows it: wait until it has kept the visit.
    page.wait_for_function("key => localStorage.getItem(key) !== null", arg=KEY)
    visit(page, f"{site}/")
    expect(page.locator(RECENT)).to_be_visible()
    page.get_by_role("contentinfo").get_by_role("link", name="Cookie preferences").click()
    page.get_by_role("button", name="Reject all").click()
    expect(page.locator("[data-consent-status]")).to_be_visible()
    assert stored(page) is None
    page.go_back()
    expect(page.locator(RECENT)).to_be_hidden()


# Marketing ------------------------------------------------------------------------------

SLOT = "section.partner-slot"


@pytest.fixture
def partner(site) -> str:
    PartnerSlot.objects.create(
        title="The longevity letter",
        text="A *monthly* summary.",
        link_url="https://letter.example/subscribe",
        link_label="Subscribe",
    )
    return site


def test_the_partner_slot_shows_only_after_marketing_is_granted(page: Page, partner):
    visit(page, f"{partner}/glossary/{SEED}/")
    slot = page.locator(SLOT)
    expect(slot.get_by_text("only to visitors who allow marketing cookies")).to_be_visible()
    expect(page.get_by_role("heading", name="The longevity letter")).to_have_count(0)

    page.locator(BANNER).get_by_role("button", name="Reject all").click()
    expect(page.locator("[data-consent-confirmation]")).to_be_visible()
    visit(page, f"{partner}/glossary/{SEED}/")
    expect(slot.get_by_text("only to visitors who allow marketing cookies")).to_be_visible()
    expect(page.get_by_role("heading", name="The longevity letter")).to_have_count(0)

    page.get_by_role("contentinfo").get_by_role("link", name="Cookie preferences").click()
    page.get_by_role("switch", name=re.compile("marketing", re.I)).check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("[data-consent-status]")).to_be_visible()
    visit(page, f"{partner}/glossary/{SEED}/")
    expect(slot.get_by_role("heading", name="The longevity letter")).to_be_visible()
    expect(slot.get_by_role("link", name="Subscribe")).to_have_attribute(
        "href", "https://letter.example/subscribe"
    )
    expect(slot.get_by_text("only to visitors who allow marketing cookies")).to_have_count(0)


def test_accept_all_puts_the_slot_in_place_without_a_reload(page: Page, partner):
    visit(page, f"{partner}/glossary/{SEED}/")
    # Accepting analytics sends a page-view beacon: wait for its answer, so the server is
    # not still writing it while the test's database is flushed.
    with page.expect_response(re.compile(r"/pageviews/$")):
        page.locator(BANNER).get_by_role("button", name="Accept all").click()
    expect(page.locator(SLOT).get_by_role("heading", name="The longevity letter")).to_be_visible()


# Accessibility of what the features add ------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_features_pass_axe_when_shown(browser, partner, scheme):
    from tests.browser.test_accessibility import audit, describe

    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    try:
        decided_in_browser(
            page.context, partner, analytics=True, personalization=True, marketing=True
        )
        visit(page, f"{partner}/glossary/{SEED}/")
        expect(
            page.locator(SLOT).get_by_role("heading", name="The longevity letter")
        ).to_be_visible()
        violations = audit(page)
        assert violations == [], describe(violations)
        visit(page, f"{partner}/")
        expect(page.locator(RECENT)).to_be_visible()
        violations = audit(page)
        assert violations == [], describe(violations)
    finally:
        context.close()
