"""The banner works without a CSRF token, with and without JavaScript, and a decision
posted from another site is refused (the browser's own Sec-Fetch-Site and Origin)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

SEED = "/glossary/resistance-training-neurological-benefits/"
BANNER = "[data-consent-banner]"
CONSENT = settings.COOKIE_CONSENT_NAME


def cookie_names(page: Page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


@pytest.fixture
def no_js_page(browser) -> Page:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_banner_without_javascript(no_js_page: Page, seeded_live_server):
    page = no_js_page
    page.goto(seeded_live_server.url + SEED)
    assert cookie_names(page) == set()  # no csrftoken, nothing
    page.locator(BANNER).get_by_role("button", name="Accept all").click()
    expect(page).to_have_url(seeded_live_server.url + SEED)
    expect(page.locator(BANNER)).to_have_count(0)
    assert cookie_names(page) == {CONSENT}


def test_banner_with_javascript(page: Page, seeded_live_server):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(seeded_live_server.url + SEED)
    expect(page.locator("html")).to_have_class(re.compile(r"\bconsent-js\b"))
    with page.expect_response("**/cookies/decline/") as answer:
        page.locator(BANNER).get_by_role("button", name="Reject all").click()
    assert answer.value.status == 200  # fetch, answered with JSON: no reload
    expect(page.locator("[data-consent-confirmation]")).to_contain_text("rejected")
    assert page.url == seeded_live_server.url + SEED
    assert cookie_names(page) == {CONSENT}
    assert not [text for text in console if "Permissions-Policy" in text], console


def _refused(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cookie choice was not saved")
    assert CONSENT not in cookie_names(page)
    page.get_by_role("link", name="Choose your cookie preferences on this site").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cookies")


def test_form_posted_from_another_site_is_refused(page: Page, seeded_live_server):
    target = seeded_live_server.url + "/cookies/accept/"
    page.route(
        "http://other-site.test/",
        lambda route: route.fulfill(
            content_type="text/html",
            body=(
                f'<!doctype html><title>Other site</title><form method="post" action="{target}">'
                '<input type="hidden" name="all" value="1"><button>Win a prize</button></form>'
            ),
        ),
    )
    page.goto("http://other-site.test/")
    with page.expect_response(target) as answer:
        page.get_by_role("button", name="Win a prize").click()
    assert answer.value.status == 403
    _refused(page)


def test_form_posted_from_a_data_url_is_refused(page: Page, seeded_live_server):
    target = seeded_live_server.url + "/cookies/decline/"
    page.goto(
        "data:text/html,<!doctype html><title>x</title>"
        f'<form method="post" action="{target}"><input type="hidden" name="all" value="1">'
        "<button>Send</button></form>"
    )
    with page.expect_response(target) as answer:
        page.get_by_role("button", name="Send").click()
    assert answer.value.status == 403  # Origin: null
    _refused(page)


def test_the_same_server_under_another_host_name_is_another_site(page: Page, seeded_live_server):
    """A page of 127.0.0.1:port posting to localhost:port: same server, other origin."""
    other = seeded_live_server.url.replace("localhost", "127.0.0.1")
    assert other != seeded_live_server.url
    target = seeded_live_server.url + "/cookies/accept/"
    page.route(
        other + "/elsewhere",
        lambda route: route.fulfill(
            content_type="text/html",
            body=(
                f'<!doctype html><title>x</title><form method="post" action="{target}">'
                '<input type="hidden" name="all" value="1"><button>Send</button></form>'
            ),
        ),
    )
    page.goto(other + "/elsewhere")
    with page.expect_response(target) as answer:
        page.get_by_role("button", name="Send").click()
    assert answer.value.status == 403  # Sec-Fetch-Site: same-site, Origin: 127.0.0.1
    _refused(page)
