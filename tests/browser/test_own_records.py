"""A visitor decides, finds their record on /cookies/, and has it forgotten by keyboard."""

from __future__ import annotations

from django.conf import settings
from playwright.sync_api import Page, expect

from consent.models import ConsentRecord
from tests.browser.test_accessibility import audit, describe


def consent_cookie(page: Page) -> dict | None:
    cookies = page.context.cookies()
    return next((c for c in cookies if c["name"] == settings.COOKIE_CONSENT_NAME), None)


def test_a_visitor_sees_their_history_and_forgets_it_by_keyboard(page: Page, seeded_live_server):
    cookies_page = seeded_live_server.url + "/cookies/"
    page.goto(cookies_page)
    expect(page.locator("[data-consent-no-records]")).to_be_visible()
    page.get_by_role("button", name="Reject all").click()
    expect(page.locator("[data-consent-status]")).to_be_visible()  # consent.js saved it

    page.goto(cookies_page)
    [record] = ConsentRecord.objects.all()
    expect(page.locator("[data-consent-own-id]")).to_have_text(record.consent_id)
    history = page.locator("[data-consent-history] tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Reject all")
    expect(history.first).to_contain_text(record.policy_version)
    violations = audit(page)
    assert violations == [], describe(violations)

    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-consent-forget')"):
            break
    else:
        raise AssertionError("60 presses of Tab never reached the Forget me button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cookies/?forgotten=1")

    expect(page.locator("[data-consent-forgotten]")).to_be_visible()
    expect(page.locator("[data-consent-own-id]")).to_have_count(0)
    assert consent_cookie(page) is None
    assert list(ConsentRecord.objects.values_list("action", flat=True)) == [
        ConsentRecord.Action.ERASED
    ]
    violations = audit(page)
    assert violations == [], describe(violations)
