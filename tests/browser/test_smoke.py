"""The browser stack itself works: the live server serves the seed term to Chromium."""

from __future__ import annotations

from playwright.sync_api import expect


def test_seed_term_renders_in_a_real_browser(page, seeded_live_server):
    page.goto(f"{seeded_live_server.url}/glossary/resistance-training-neurological-benefits/")
    expect(page.locator("h1")).to_have_text("Resistance training neurological benefits")


def test_a_fresh_install_asks_for_consent_on_the_first_visit(page, seeded_live_server):
    """The migrations' cookie categories are present in live-server tests, as in production."""
    page.goto(f"{seeded_live_server.url}/")
    expect(page.get_by_role("region", name="Cookies on Longevity Glossary")).to_be_visible()
