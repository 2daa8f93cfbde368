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
        expect(page.locator("h1")).to_have_text(heading)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == BACKGROUNDS[scheme]

        target = screenshots_dir(artifacts_dir) / f"{page_name}-{width_name}-{scheme}.png"
        page.screenshot(path=str(target), full_page=False)
        assert target.stat().st_size > 0
    finally:
        context.close()
