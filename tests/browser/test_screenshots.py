"""Screenshots of the home page and the seed term, light and dark, desktop and phone width.

They land in test-artifacts/screenshots/ (ignored by git). `make screenshots` sets
SCREENSHOTS_DIR=docs/screenshots so the same tests refresh the images the README shows.
Each test also checks that the colour scheme really applied, so a screenshot of a page
stuck in the wrong theme fails instead of being saved.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
PAGES = {
    "home": ("/", "Longevity Glossary"),
    "term": (
        "/glossary/resistance-training-neurological-benefits/",
        "Resistance training neurological benefits",
    ),
}
WIDTHS = {"desktop": (1280, 900), "mobile": (375, 812)}
BACKGROUNDS = {"light": "rgb(255, 255, 255)", "dark": "rgb(18, 20, 23)"}


def screenshots_dir(artifacts_dir: Path) -> Path:
    configured = os.environ.get("SCREENSHOTS_DIR")
    target = (ROOT / configured) if configured else artifacts_dir / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.mark.parametrize("scheme", sorted(BACKGROUNDS))
@pytest.mark.parametrize("width_name", sorted(WIDTHS))
@pytest.mark.parametrize("page_name", sorted(PAGES))
def test_screenshot(browser, seeded_live_server, artifacts_dir, page_name, width_name, scheme):
    path, heading = PAGES[page_name]
    width, height = WIDTHS[width_name]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme=scheme,
        device_scale_factor=1,
    )
    page = context.new_page()
    try:
        page.goto(seeded_live_server.url + path)
        # The README shows the site as a returning visitor sees it: without the cookie
        # banner (which appears only while the consent categories need a decision).
        banner = page.locator("[data-consent-banner]")
        if banner.is_visible():
            reject = banner.get_by_role("button", name="Reject all")
            reject.click()
            expect(reject).to_be_hidden()  # the choice is recorded
            page.goto(seeded_live_server.url + path)
            expect(banner).to_be_hidden()
        expect(page.locator("h1")).to_have_text(heading)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == BACKGROUNDS[scheme]

        target = screenshots_dir(artifacts_dir) / f"{page_name}-{width_name}-{scheme}.png"
        page.screenshot(path=str(target), full_page=False)
        assert target.stat().st_size > 0
    finally:
        context.close()


def test_screenshot_of_an_open_term_preview(browser, seeded_live_server, artifacts_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    try:
        page.goto(seeded_live_server.url + PAGES["term"][0])
        link = page.locator('.term-body a.term-link[data-term="myokines"]')
        link.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, 250)")
        link.hover()
        preview = page.locator("#term-preview")
        expect(preview).to_be_visible()
        expect(preview).to_contain_text("Myokines")

        target = screenshots_dir(artifacts_dir) / "term-preview-desktop-light.png"
        page.screenshot(path=str(target))
        assert target.stat().st_size > 0
    finally:
        context.close()
