"""Policy versions and expiry in the browser: asked again, earlier choices pre-filled,
nothing runs until the visitor answers; the consent:change event for the site's features."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from consent.models import ConsentRecord, ConsentText
from tests.browser import consent_urls, test_consent
from tests.browser.test_consent import BANNER, SEED, activated, expect_trackers, settled, visit
from tests.helpers import decided_in_browser

site = test_consent.site  # the live server with one fake tracker per category

EVENTS = """
window.__consentEvents = [];
document.addEventListener("consent:change", (event) => {
  window.__consentEvents.push(event.detail);
  document.documentElement.setAttribute("data-consent-events", window.__consentEvents.length);
});
"""


def test_a_policy_change_asks_again_with_earlier_choices_and_runs_nothing_until_answered(
    page: Page, site
):
    decided_in_browser(page.context, site, analytics=True, personalization=False, marketing=True)
    visit(page, site + SEED)
    expect_trackers(page, "analytics", "marketing")

    texts = ConsentText.objects.get(language="en-gb")  # a material change of the English texts
    texts.banner_text = "We changed what we do with cookies."
    texts.record_material_change()
    texts.save()
    hits = len(consent_urls.HITS)
    visit(page, site + SEED)
    banner = page.locator(BANNER)
    expect(banner).to_contain_text("We changed what we do with cookies.")
    notice = banner.locator("[data-consent-asked-again]")
    expect(notice).to_contain_text("Our cookie policy has changed since you last chose")
    expect(notice).to_contain_text("Analytics on, Personalization off, Marketing on")
    settled(page)
    assert activated(page) == set()
    assert len(consent_urls.HITS) == hits

    # The preferences page shows the earlier choices switched on, nothing saved yet.
    page.get_by_role("link", name="Manage preferences").click()
    expect(page.get_by_role("switch", name="Allow analytics cookies")).to_be_checked()
    expect(page.get_by_role("switch", name="Allow personalization cookies")).not_to_be_checked()
    expect(page.get_by_role("switch", name="Allow marketing cookies")).to_be_checked()
    assert ConsentRecord.objects.count() == 0

    page.go_back()
    page.locator(BANNER).get_by_role("button", name="Keep my earlier choices").click()
    expect(page.locator("[data-consent-confirmation]")).to_contain_text("kept your earlier")
    expect_trackers(page, "analytics", "marketing")
    record = ConsentRecord.objects.get()
    assert (record.reason, record.method, record.action) == ("policy", "preferences", "save")
    assert record.choices == {"analytics": True, "personalization": False, "marketing": True}


def test_an_expired_decision_is_asked_again(page: Page, site):
    decided_in_browser(
        page.context, site, days_ago=181, analytics=True, personalization=True, marketing=True
    )
    visit(page, site + SEED)
    expect(page.locator(f"{BANNER} [data-consent-asked-again]")).to_contain_text(
        "more than 180 days old"
    )
    settled(page)
    assert activated(page) == set()
    assert consent_urls.HITS == []


def test_consent_change_is_announced_on_load_and_after_each_decision(page: Page, site):
    page.add_init_script(EVENTS)
    visit(page, site + SEED)
    expect(page.locator("html")).to_have_attribute("data-consent-events", "1")
    assert page.evaluate("window.__consentEvents[0]") == {
        "granted": [],
        "refused": ["analytics", "personalization", "marketing"],
        "undecided": ["analytics", "personalization", "marketing"],
    }
    page.locator(BANNER).get_by_role("button", name="Accept all").click()
    expect(page.locator("html")).to_have_attribute("data-consent-events", "2")
    assert page.evaluate("window.__consentEvents[1]") == {
        "granted": ["analytics", "personalization", "marketing"],
        "refused": [],
        "undecided": [],
    }
