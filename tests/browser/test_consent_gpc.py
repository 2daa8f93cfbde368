"""Global Privacy Control in the browser: navigator.globalPrivacyControl refuses marketing
and personalization, is recorded once, and yields to an explicit grant on /cookies/."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from consent.models import ConsentRecord
from tests.browser import test_consent
from tests.browser.test_consent import BANNER, SEED, expect_trackers, settled, visit

site = test_consent.site  # the live server with one fake tracker per category

SIGNAL = """
Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true });
window.__consentEvents = 0;
document.addEventListener("consent:change", () => {
  document.documentElement.setAttribute("data-consent-events", ++window.__consentEvents);
});
"""


def test_the_signal_is_honoured_recorded_once_and_yields_to_an_explicit_grant(page: Page, site):
    page.add_init_script(SIGNAL)
    visit(page, site + SEED)
    expect(page.locator(f"{BANNER} [data-consent-gpc-notice]")).to_be_visible()
    # On load, then once the signal's refusal is written and recorded.
    expect(page.locator("html")).to_have_attribute("data-consent-events", "2")
    record = ConsentRecord.objects.get()
    assert (record.action, record.method, record.gpc) == ("gpc", "gpc", True)
    assert record.choices == {"personalization": False, "marketing": False}

    visit(page, site + SEED)  # the cookie holds the refusal: nothing more to record
    expect(page.locator("html")).to_have_attribute("data-consent-events", "1")
    settled(page)
    assert ConsentRecord.objects.count() == 1

    page.locator(BANNER).get_by_role("button", name="Accept all").click()
    expect(page.locator("[data-consent-confirmation]")).to_contain_text(
        "marketing and personalization stay off"
    )
    expect_trackers(page, "analytics")
    accepted = ConsentRecord.objects.exclude(pk=record.pk).get()
    assert accepted.choices == {"analytics": True, "personalization": False, "marketing": False}
    assert accepted.gpc

    page.goto(site + "/cookies/")
    expect(page.locator("[data-consent-gpc-page]")).to_be_visible()
    page.get_by_role("switch", name="Allow marketing cookies").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("[data-consent-status]")).to_be_visible()
    expect_trackers(page, "analytics", "marketing")
    assert ConsentRecord.objects.count() == 3
    visit(page, site + SEED)
    expect_trackers(page, "analytics", "marketing")
