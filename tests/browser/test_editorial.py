"""The editorial workflow in a real browser: a writer drafts and submits, a reviewer asks
for changes and then approves, a publisher publishes, a reader sees the reviewed page.
The new reader pages pass axe (WCAG 2.2 AA), light and dark."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from editorial.models import Person
from tests.browser.test_accessibility import audit, describe

PASSWORD = "A-long-Editorial-pass-123"


@pytest.fixture
def editorial_live_server(seeded_live_server):
    """The seeded site with what the editorial migrations and seed add (flushed tables)."""
    from editorial.seed import load_editorial_seed

    importlib.import_module("editorial.migrations.0002_editorial_groups").create_roles(apps, None)
    importlib.import_module("editorial.migrations.0003_default_policy").create_policy(apps, None)
    load_editorial_seed()
    return seeded_live_server


def account(username: str, group: str, person: dict | None = None) -> User:
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    if person:
        Person.objects.create(user=user, **person)
    return user


def log_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()


def take_step(page: Page, button: str, comment: str = "") -> None:
    if comment:
        page.locator("#workflow-comment").fill(comment)
    page.get_by_role("button", name=button, exact=True).click()


def test_draft_review_publish_and_read(page: Page, editorial_live_server):
    base = editorial_live_server.url
    account("wendy", "Writers", {"name": "Wendy Writer", "slug": "wendy-writer"})
    account(
        "rita",
        "Medical reviewers",
        {"name": "Dr. Rita Review", "slug": "rita-review", "credentials": "MD"},
    )
    account("paul", "Publishers")

    log_in(page, base, "wendy")
    page.goto(f"{base}/admin/glossary/term/add/")
    page.get_by_label("Title:").press_sequentially("Exercise snacks")
    page.locator("#id_summary").fill("Very short bouts of vigorous exercise.")
    page.locator("#id_body").fill("## Why\n\nShort bouts add up.\n")
    # The author field is the admin's autocomplete (select2): type, then pick.
    page.locator("#id_authorships-0-person + .select2").click()
    page.locator(".select2-dropdown .select2-search__field").fill("Wendy")
    page.get_by_role("option", name="Wendy Writer").click()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.get_by_role("heading", name="Editorial workflow: Draft")).to_be_visible()
    take_step(page, "Submit for review", "Please check.")
    expect(page.get_by_role("heading", name="Editorial workflow: In review")).to_be_visible()
    term_admin = page.url

    log_in(page, base, "rita")
    page.goto(f"{base}/admin/editorial/termworkflow/?queue=my_reviews")
    page.get_by_role("link", name="Exercise snacks").click()
    take_step(page, "Request changes", "Name the study.")
    expect(
        page.get_by_role("heading", name="Editorial workflow: Changes requested")
    ).to_be_visible()

    log_in(page, base, "wendy")
    page.goto(f"{base}/admin/editorial/termworkflow/?queue=my_changes")
    page.get_by_role("link", name="Exercise snacks").click()
    page.locator("#id_body").fill("## Why\n\nShort bouts add up (a 2019 trial).\n")
    page.get_by_role("button", name="Save and continue editing").click()
    take_step(page, "Submit for review")

    log_in(page, base, "rita")
    page.goto(term_admin)
    take_step(page, "Approve", "Accurate.")
    expect(page.get_by_role("heading", name="Editorial workflow: Approved")).to_be_visible()

    log_in(page, base, "paul")
    page.goto(term_admin)
    page.locator("#workflow-note").fill("First version.")
    take_step(page, "Publish")
    expect(page.get_by_role("heading", name="Editorial workflow: Published")).to_be_visible()

    page.context.clear_cookies()
    page.goto(f"{base}/glossary/exercise-snacks/")
    expect(page.locator(".review-badge")).to_contain_text(
        "Medically reviewed by Dr. Rita Review, MD"
    )
    expect(page.locator(".byline-authors")).to_contain_text("Written by Wendy Writer")
    expect(page.locator(".term-body")).to_contain_text("a 2019 trial")
    page.get_by_role("link", name="Version 1").click()
    expect(page).to_have_url(f"{base}/glossary/exercise-snacks/v/1/")


PAGES = {
    "reviewed-term": "/glossary/myokines/",
    "version": "/glossary/myokines/v/1/",
    "history": "/glossary/myokines/history/",
    "version-fr": "/fr/glossary/myokines/v/1/",
    "history-fr": "/fr/glossary/myokines/history/",
    "person": "/people/jane-example/",
    "policy": "/editorial-policy/",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_editorial_pages_have_no_axe_violations(browser, editorial_live_server, name, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        assert page.goto(editorial_live_server.url + PAGES[name]).status == 200
        violations = audit(page)
        assert violations == [], describe(violations)
    finally:
        context.close()
