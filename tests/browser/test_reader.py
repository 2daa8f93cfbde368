"""What a reader does in a real browser: search, read, follow links, preview terms.

Term previews (static/js/term-preview.js) are checked with a mouse, a keyboard and a touch
screen; the pages are checked without JavaScript, at 320 px, in print, and under the strict
Content-Security-Policy with no console errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

SEED = "/glossary/resistance-training-neurological-benefits/"
BDNF = "/glossary/brain-derived-neurotrophic-factor/"
MYOKINES_LINK = '.term-body a.term-link[data-term="myokines"]'
BBB_LINK = '.term-body a.term-link[data-term="blood-brain-barrier"]'

# Records every CSP violation the page reports; Playwright's init scripts are not subject
# to the page's CSP, so this watcher itself never causes one.
CSP_WATCHER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def watched_page(page: Page) -> Iterator[tuple[Page, list[str]]]:
    """A page that collects console errors and uncaught exceptions."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(CSP_WATCHER)
    yield page, errors


@pytest.fixture
def touch_page(browser) -> Iterator[Page]:
    """A phone-sized page with a touch screen and no mouse."""
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def csp_violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def test_reader_searches_for_bdnf_and_follows_a_cross_link(page, seeded_live_server):
    page.goto(seeded_live_server.url + "/")

    page.get_by_label("Search the glossary").last.fill("BDNF")
    page.get_by_label("Search the glossary").last.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=BDNF"))
    page.locator("main").get_by_role("link", name="Brain-derived neurotrophic factor").first.click()
    expect(page).to_have_url(seeded_live_server.url + BDNF)
    expect(page.locator("h1")).to_have_text("Brain-derived neurotrophic factor")

    cross_link = page.locator('.term-body a.term-link[data-term="synaptic-plasticity"]')
    cross_link.click()
    expect(page).to_have_url(seeded_live_server.url + "/glossary/synaptic-plasticity/")
    expect(page.locator("h1")).to_have_text("Synaptic plasticity")


def test_hovering_a_cross_link_shows_its_preview(page, seeded_live_server):
    page.goto(seeded_live_server.url + SEED)
    preview = page.locator("#term-preview")
    expect(preview).to_be_hidden()

    page.hover(MYOKINES_LINK)

    expect(preview).to_be_visible()
    expect(preview).to_have_attribute("role", "tooltip")
    expect(preview.locator(".term-preview-title")).to_have_text("Myokines")
    expect(preview).to_contain_text("signaling proteins and peptides that skeletal muscle")
    expect(page.locator(MYOKINES_LINK)).to_have_attribute("aria-describedby", "term-preview")
    expect(preview.get_by_role("link")).to_be_hidden()  # "read more" is for touch only


def test_preview_stays_open_while_the_pointer_is_over_it_and_closes_after(page, seeded_live_server):
    # The page's timers run on Playwright's clock, so "a while later" needs no real waiting.
    page.clock.install()
    page.goto(seeded_live_server.url + SEED)
    preview = page.locator("#term-preview")
    page.hover(MYOKINES_LINK)
    page.clock.run_for(1_000)
    expect(preview).to_be_visible(timeout=2_000)

    box = preview.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.clock.run_for(5_000)  # far past the hide delay (300 ms): it must still be open
    expect(preview).to_be_visible(timeout=2_000)

    page.hover("h1")
    page.clock.run_for(1_000)
    expect(preview).to_be_hidden(timeout=2_000)
    expect(page.locator(MYOKINES_LINK)).not_to_have_attribute("aria-describedby", "term-preview")


def test_escape_dismisses_a_hovered_preview(page, seeded_live_server):
    page.goto(seeded_live_server.url + SEED)
    page.hover(MYOKINES_LINK)
    expect(page.locator("#term-preview")).to_be_visible()

    page.keyboard.press("Escape")

    expect(page.locator("#term-preview")).to_be_hidden()


def test_keyboard_focus_shows_preview_and_escape_closes_it_keeping_focus(page, seeded_live_server):
    page.goto(seeded_live_server.url + SEED)
    preview = page.locator("#term-preview")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.term-body a.term-link')"):
            break
    else:
        pytest.fail("Tab never reached a cross-link in the article")
    focused_slug = page.evaluate("document.activeElement.dataset.term")
    assert focused_slug == "myokines"  # the first cross-link in the article

    expect(preview).to_be_visible()
    expect(preview.locator(".term-preview-title")).to_have_text("Myokines")

    page.keyboard.press("Escape")
    expect(preview).to_be_hidden()
    assert page.evaluate("document.activeElement.dataset.term") == "myokines"

    page.keyboard.press("Tab")
    expect(preview).to_be_visible()
    expect(preview.locator(".term-preview-title")).to_have_text("Blood-brain barrier")
    expect(page.locator(BBB_LINK)).to_have_attribute("aria-describedby", "term-preview")


def test_first_tap_shows_preview_and_second_tap_follows_the_link(touch_page, seeded_live_server):
    page = touch_page
    page.goto(seeded_live_server.url + SEED)
    preview = page.locator("#term-preview")

    page.tap(MYOKINES_LINK)

    expect(preview).to_be_visible()
    expect(preview.locator(".term-preview-title")).to_have_text("Myokines")
    expect(preview.get_by_role("link", name="Read the full entry")).to_be_visible()
    assert page.url == seeded_live_server.url + SEED

    page.tap(MYOKINES_LINK)
    expect(page).to_have_url(seeded_live_server.url + "/glossary/myokines/")
    expect(page.locator("h1")).to_have_text("Myokines")


def test_tapping_read_more_in_the_preview_follows_it(touch_page, seeded_live_server):
    page = touch_page
    page.goto(seeded_live_server.url + SEED)
    page.tap(BBB_LINK)

    page.locator("#term-preview").get_by_role("link", name="Read the full entry").tap()

    expect(page).to_have_url(seeded_live_server.url + "/glossary/blood-brain-barrier/")


def test_tapping_elsewhere_closes_the_preview(touch_page, seeded_live_server):
    page = touch_page
    page.goto(seeded_live_server.url + SEED)
    page.tap(MYOKINES_LINK)
    expect(page.locator("#term-preview")).to_be_visible()

    page.tap("h1")

    expect(page.locator("#term-preview")).to_be_hidden()
    assert page.url == seeded_live_server.url + SEED


def test_preview_stays_inside_a_narrow_viewport(touch_page, seeded_live_server):
    page = touch_page
    page.goto(seeded_live_server.url + SEED)
    page.tap('.term-body a.term-link[data-term="motor-unit-recruitment"]')

    box = page.locator("#term-preview").bounding_box()
    width = page.evaluate("document.documentElement.clientWidth")
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width


def test_skip_link_comes_first_then_the_cookie_banner_then_the_header(page, seeded_live_server):
    """The skip link is the first stop; the banner (until a choice) sits before the header."""
    page.goto(seeded_live_server.url + SEED)
    banner = page.locator("[data-consent-banner]")
    expect(banner).to_be_visible()
    stops = [
        page.locator("a.skip-link"),
        banner.get_by_role("button", name="Accept all"),
        banner.get_by_role("button", name="Reject all"),
        banner.get_by_role("link", name="Manage preferences"),
        page.locator(".site-header a.site-name"),
    ]
    for stop in stops:
        page.keyboard.press("Tab")
        expect(stop).to_be_focused(timeout=2_000)
        expect(stop).to_be_in_viewport(timeout=2_000)


def test_skip_link_moves_focus_to_the_main_content(page, seeded_live_server):
    page.goto(seeded_live_server.url + SEED)
    page.keyboard.press("Tab")
    expect(page.locator("a.skip-link")).to_be_focused(timeout=2_000)

    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused(timeout=2_000)
    page.keyboard.press("Tab")
    # The next stop is inside the main content, not back in the banner or the header.
    expect(page.locator("main#main-content :focus")).to_have_count(1, timeout=2_000)


def test_article_is_readable_without_javascript(browser, seeded_live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(seeded_live_server.url + SEED)
        expect(page.locator("h1")).to_have_text("Resistance training neurological benefits")
        expect(page.locator(".term-body")).to_contain_text("Resistance training stimulates")
        expect(page.locator(".toc")).to_be_visible()
        expect(page.locator("#term-preview")).to_have_count(0)

        page.click(MYOKINES_LINK)  # a cross-link is simply a link
        expect(page).to_have_url(seeded_live_server.url + "/glossary/myokines/")

        page.goto(seeded_live_server.url + "/")
        page.get_by_label("Search the glossary").last.fill("neurogenesis")
        page.get_by_label("Search the glossary").last.press("Enter")
        expect(page.locator("main").get_by_role("link", name="Neurogenesis").first).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize(
    "path", ["/", "/glossary/", "/glossary/letter/r/", SEED, "/search/?q=BDNF", "/nope/"]
)
def test_no_horizontal_scrolling_at_320_pixels(browser, seeded_live_server, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(seeded_live_server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
    finally:
        context.close()


def test_print_hides_site_chrome_and_keeps_the_article(page, seeded_live_server):
    page.goto(seeded_live_server.url + SEED)
    page.emulate_media(media="print", color_scheme="dark")

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    forms = page.locator("form[role=search]").all()
    assert forms
    for form in forms:
        expect(form).to_be_hidden()
    expect(page.locator(".skip-link")).to_be_hidden()
    expect(page.locator("article h1")).to_be_visible()
    expect(page.locator(".term-body")).to_be_visible()
    expect(page.locator(".references")).to_be_visible()
    # Paper is black on white even when the screen is in dark mode.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"


READER_PAGES = [
    "/",
    "/glossary/",
    "/glossary/letter/r/",
    SEED,
    BDNF,
    "/categories/exercise-brain-health/",
    "/search/?q=BDNF",
    "/search/?q=zzzzzz",
]


@pytest.mark.parametrize("path", READER_PAGES)
def test_reader_pages_have_no_console_errors_or_csp_violations(
    watched_page, seeded_live_server, path
):
    page, errors = watched_page
    response = page.goto(seeded_live_server.url + path)
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    if page.locator(MYOKINES_LINK).count():
        page.hover(MYOKINES_LINK)  # exercise the preview script too
        expect(page.locator("#term-preview")).to_be_visible()

    assert errors == []
    assert csp_violations(page) == []


def test_csp_watcher_reports_an_inline_style(watched_page, seeded_live_server):
    """The check above can fail: an inline style attribute is refused and reported."""
    page, _ = watched_page
    page.goto(seeded_live_server.url + "/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert any("style-src" in violation for violation in csp_violations(page))
