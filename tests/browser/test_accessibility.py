"""axe-core audit (WCAG 2.2 A and AA rules) of every kind of reader page, light and dark.

Colour contrast is computed by axe from the rendered colours, so each theme is audited
separately, with the term preview open and a link focused where the page has them.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": [*WCAG_22_AA, "best-practice"]},
    "resultTypes": ["violations"],
}
SEED = "/glossary/resistance-training-neurological-benefits/"
PAGES = {
    "home": "/",
    "index": "/glossary/",
    "letter": "/glossary/letter/r/",
    "term": SEED,
    "cite": SEED + "cite/",
    "category": "/categories/exercise-brain-health/",
    "search": "/search/?q=BDNF",
    "search-no-results": "/search/?q=zzzzqqq",
    "not-found": "/glossary/no-such-term/",
}

axe = Axe()


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary']}")
    return "\n".join(lines)


def audit(page: Page) -> list[dict]:
    """The whole page, skip link included (it is the first focusable element, before the
    cookie banner, so axe's "region" rule recognises it as a skip link)."""
    return axe.run(page, options=AXE_OPTIONS).response["violations"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_reader_page_has_no_axe_violations(browser, seeded_live_server, name, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        response = page.goto(seeded_live_server.url + PAGES[name])
        assert response.status == (404 if name == "not-found" else 200)
        violations = audit(page)
        assert violations == [], describe(violations)
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_open_term_preview_and_focused_link_pass_axe(browser, seeded_live_server, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(seeded_live_server.url + SEED)
        page.focus('.term-body a.term-link[data-term="myokines"]')
        page.locator("#term-preview").wait_for(state="visible")
        violations = audit(page)
        assert violations == [], describe(violations)
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_open_cite_block_and_a_followed_citation_pass_axe(browser, seeded_live_server, scheme):
    """The "Cite this page" block opened (no script needed) and a citation's target shown."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(seeded_live_server.url + SEED)
        page.get_by_text("Cite this page").click()
        expect(page.locator(".cite-this dd").first).to_be_visible()
        page.locator(".term-body sup.citation a").first.click()
        expect(page).to_have_url(seeded_live_server.url + SEED + "#ref-1")
        page.locator("#ref-1 .citation-backlink").first.click()
        expect(page).to_have_url(seeded_live_server.url + SEED + "#cite-1-1")
        violations = audit(page)
        assert violations == [], describe(violations)
    finally:
        context.close()


# (where, how many Tab presses from the top of a first visit reach it, what is focused)
FOCUS_STOPS = [
    ("banner button", 2, "[data-consent-banner] button.consent-button >> nth=0"),
    ("header link", 5, ".site-header a.site-name"),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    ("where", "tabs", "selector"), FOCUS_STOPS, ids=[s[0] for s in FOCUS_STOPS]
)
def test_focus_outline_contrasts_with_what_surrounds_it(
    browser, seeded_live_server, scheme, where, tabs, selector
):
    """WCAG 2.4.13/1.4.11: the focus indicator needs 3:1 against the background around it.

    On a first visit the second Tab (after the skip link) lands on the cookie banner's
    "Accept all" button, on the banner's surface; the fifth on the site name in the header.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(seeded_live_server.url + SEED)
        for _ in range(tabs):
            page.keyboard.press("Tab")
        expect(page.locator(selector)).to_be_focused(timeout=2_000)
        colours = page.evaluate(
            """() => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              let bgEl = el.parentElement;
              let bg = getComputedStyle(bgEl).backgroundColor;
              while (bg === 'rgba(0, 0, 0, 0)' && bgEl.parentElement) {
                bgEl = bgEl.parentElement;
                bg = getComputedStyle(bgEl).backgroundColor;
              }
              return {outline: style.outlineColor, width: style.outlineWidth,
                      outlineStyle: style.outlineStyle, background: bg};
            }"""
        )
        assert colours["outlineStyle"] == "solid", where
        assert float(colours["width"].removesuffix("px")) >= 2, where
        assert contrast(colours["outline"], colours["background"]) >= 3, (where, colours)
    finally:
        context.close()


def _luminance(rgb: str) -> float:
    channels = [int(part) for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two computed `rgb(...)` colours."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
