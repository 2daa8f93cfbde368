"""An editor writes a term in the admin: live preview with cross-links, save, view on site.

Runs under the site's strict Content-Security-Policy (script-src 'self'): the markdownx
editor, the admin's own scripts and ours must work without a single CSP violation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from glossary.models import Term
from tests.glossary.editor_helpers import PASSWORD, ensure_editors_group

CSP_WATCHER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def editor_account(seeded_live_server) -> User:
    user = User.objects.create_user("writer", password=PASSWORD, is_staff=True)
    user.groups.add(ensure_editors_group())
    return user


@pytest.fixture
def watched(page: Page) -> Iterator[tuple[Page, list[str]]]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: m.type == "error" and problems.append(f"{m.text} {m.location.get('url')}"),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.add_init_script(CSP_WATCHER)
    yield page, problems


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("writer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Terms")).to_be_visible()


def test_editor_writes_previews_saves_and_opens_a_term(
    watched, seeded_live_server, editor_account, artifacts_dir
):
    page, problems = watched
    base = seeded_live_server.url
    log_in(page, base)

    page.goto(f"{base}/admin/glossary/term/add/")
    page.get_by_label("Title:").press_sequentially("Exercise snacks")
    expect(page.locator("#id_slug")).to_have_value("exercise-snacks")
    page.locator("#id_summary").fill("Very short bouts of vigorous exercise spread over the day.")

    body = page.locator("#id_body")
    body.click()
    body.fill("## Why it works\n\nEven short bouts release myokines from working muscle.\n")
    preview = page.locator(".markdownx-preview")
    expect(preview.locator("h2#section-why-it-works")).to_have_text("Why it works")
    link = preview.locator('a.term-link[data-term="myokines"]')
    expect(link).to_have_attribute("href", "/glossary/myokines/")

    # The preview follows the text as it changes.
    body.press("End")
    body.type("\n## Origin\n\nCoined in 2019.\n")
    expect(preview.locator("h2#section-origin")).to_have_text("Origin")

    page.locator("#id_status").select_option("published")
    page.screenshot(path=str(artifacts_dir / "editor-add-term.png"), full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    term = Term.objects.get(slug="exercise-snacks")
    assert term.is_public
    page.goto(f"{base}/admin/glossary/term/{term.pk}/change/")
    page.get_by_role("link", name="View on site").click()
    expect(page.locator("h1")).to_have_text("Exercise snacks")
    expect(page.locator('.term-body a.term-link[data-term="myokines"]')).to_be_visible()
    expect(page.locator(".term-body h2#section-why-it-works")).to_be_visible()

    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


def test_refused_upload_shows_the_servers_message(watched, seeded_live_server, editor_account):
    page, _ = watched
    base = seeded_live_server.url
    log_in(page, base)
    page.goto(f"{base}/admin/glossary/term/add/")
    page.locator("#id_body").click()
    # Drop a fake "image" onto the editor the way a browser drag and drop does.
    page.evaluate(
        """() => {
        const transfer = new DataTransfer();
        const svg = "<svg onload='alert(1)'></svg>";
        transfer.items.add(new File([svg], "x.svg", {type: "image/svg+xml"}));
        const editor = document.querySelector("#id_body");
        editor.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
    }"""
    )
    expect(page.get_by_role("alert")).to_contain_text("SVG images are not accepted")
    assert page.evaluate("window.__cspViolations") == []
