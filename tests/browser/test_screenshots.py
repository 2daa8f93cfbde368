"""Screenshots of the home page and the seed term, light and dark, desktop and phone width.

They land in test-artifacts/screenshots/ (ignored by git). `make screenshots` sets
SCREENSHOTS_DIR=docs/screenshots so the same tests refresh the images the README shows.
Each test also checks that the colour scheme really applied, so a screenshot of a page
stuck in the wrong theme fails instead of being saved.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect

from tests.browser.test_languages import arabic_seed_article

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


def rgb(css: str) -> tuple[int, int, int]:
    """`rgb(1, 2, 3)` as a tuple."""
    return tuple(int(part) for part in css[css.index("(") + 1 : css.index(")")].split(","))[:3]


def region(image: Image.Image, box: dict) -> Image.Image:
    """The part of a screenshot under an element's bounding box (CSS pixels, scale 1)."""
    left, top = max(0, round(box["x"])), max(0, round(box["y"]))
    right = min(image.width, round(box["x"] + box["width"]))
    bottom = min(image.height, round(box["y"] + box["height"]))
    assert right > left and bottom > top, f"{box} is outside the {image.size} screenshot"
    return image.crop((left, top, right, bottom))


def colours(image: Image.Image) -> list[tuple[int, tuple[int, int, int]]]:
    """(count, colour) pairs, most frequent first."""
    found = image.convert("RGB").getcolors(maxcolors=image.width * image.height)
    return sorted(found, reverse=True)


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
        # banner (which a first visit shows until a choice is made).
        banner = page.locator("[data-consent-banner]")
        expect(banner).to_be_visible(timeout=5_000)
        banner.get_by_role("button", name="Reject all").click()
        expect(banner.get_by_role("button", name="Reject all")).to_be_hidden(timeout=5_000)
        page.goto(seeded_live_server.url + path)
        expect(banner).to_have_count(0, timeout=5_000)
        h1 = page.locator("h1")
        expect(h1).to_have_text(heading, timeout=5_000)
        expect(h1).to_be_in_viewport(timeout=5_000)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == BACKGROUNDS[scheme]
        text_colour = rgb(h1.evaluate("element => getComputedStyle(element).color"))

        target = screenshots_dir(artifacts_dir) / f"{page_name}-{width_name}-{scheme}.png"
        page.screenshot(path=str(target), full_page=False)

        with Image.open(target) as image:
            assert image.format == "PNG"
            assert image.size == (width, height)
            # The theme's background fills most of the picture: a light page is mostly
            # white, a dark one mostly near-black, so the two pictures really differ.
            count, dominant = colours(image)[0]
            assert dominant == rgb(BACKGROUNDS[scheme])
            assert count > width * height // 4
            # The heading is drawn: its box holds pixels of the text colour, not only
            # background (a blank or half-loaded page fails here).
            heading_colours = dict(
                (colour, n) for n, colour in colours(region(image, h1.bounding_box()))
            )
            assert heading_colours.get(text_colour, 0) > 50, (
                text_colour,
                list(heading_colours)[:5],
            )
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
        preview = page.locator("#term-preview")
        before = page.screenshot()
        link.hover()
        expect(preview).to_be_visible(timeout=5_000)
        expect(preview).to_contain_text("Myokines")
        expect(preview).to_be_in_viewport(timeout=5_000)
        box = preview.bounding_box()

        target = screenshots_dir(artifacts_dir) / "term-preview-desktop-light.png"
        page.screenshot(path=str(target))

        with Image.open(target) as image, Image.open(io.BytesIO(before)) as without:
            assert image.format == "PNG" and image.size == (1280, 900)
            shown, hidden = region(image, box).convert("RGB"), region(without, box).convert("RGB")
            # The popover is in the picture: its area changed from the page without it.
            changed = ImageChops.difference(shown, hidden).convert("L").point(lambda v: v > 32)
            assert changed.histogram()[1] > shown.width * shown.height // 10
            assert len(colours(shown)) > 10  # its title and summary are drawn, not a blank box
    finally:
        context.close()


@pytest.mark.parametrize("scheme", sorted(BACKGROUNDS))
def test_screenshot_of_an_arabic_term_page(browser, seeded_live_server, artifacts_dir, scheme):
    """Right to left: the page mirrors (logical CSS properties), in both themes."""
    arabic_seed_article()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=scheme, device_scale_factor=1
    )
    page = context.new_page()
    try:
        page.goto(seeded_live_server.url + "/ar" + PAGES["term"][0])
        banner = page.locator("[data-consent-banner]")
        banner.get_by_role("button", name="رفض الكل").click()
        expect(banner.get_by_role("button", name="رفض الكل")).to_be_hidden(timeout=5_000)
        page.reload()
        assert page.evaluate("document.documentElement.dir") == "rtl"
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == BACKGROUNDS[scheme]
        # Mirrored: the site name starts at the right edge, the contents' accent bar is on
        # the right of the box, the breadcrumbs run from the right.
        name = page.locator(".site-name").bounding_box()
        assert name["x"] + name["width"] > 1280 / 2
        toc = page.locator(".toc")
        assert toc.evaluate("e => getComputedStyle(e).borderRightWidth") == "4px"
        assert toc.evaluate("e => getComputedStyle(e).borderLeftWidth") == "0px"
        crumbs = page.locator(".breadcrumbs li").first.bounding_box()
        assert crumbs["x"] > 1280 / 2

        target = screenshots_dir(artifacts_dir) / f"term-ar-desktop-{scheme}.png"
        page.screenshot(path=str(target), full_page=False)
        with Image.open(target) as image:
            count, dominant = colours(image)[0]
            assert dominant == rgb(BACKGROUNDS[scheme])
            assert count > 1280 * 900 // 4
    finally:
        context.close()
