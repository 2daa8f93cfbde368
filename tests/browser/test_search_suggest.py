"""The search box's title suggestions (static/js/search-suggest.js) in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BDNF = "/glossary/brain-derived-neurotrophic-factor/"


def search_box(page):
    return page.locator("#search-page-q")


def test_typing_shows_suggestions_as_an_aria_combobox(page, seeded_live_server):
    page.goto(seeded_live_server.url + "/search/")
    box = search_box(page)
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press_sequentially("neuro", delay=30)

    listbox = page.get_by_role("listbox", name="Suggested terms")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", listbox.get_attribute("id"))
    expect(listbox.get_by_role("option")).to_have_text(
        [
            "Neurogenesis",
            "Brain-derived neurotrophic factor",
            "Resistance training neurological benefits",
        ]
    )


def test_arrow_keys_choose_and_enter_opens_the_term(page, seeded_live_server):
    page.goto(seeded_live_server.url + "/search/")
    box = search_box(page)
    box.press_sequentially("bdn", delay=30)
    option = page.get_by_role("option", name=re.compile("Brain-derived neurotrophic factor"))
    expect(option).to_contain_text("(BDNF)")

    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    expect(box).to_be_focused()

    box.press("Enter")
    expect(page).to_have_url(seeded_live_server.url + BDNF)


def test_escape_closes_the_list_then_clears_the_box(page, seeded_live_server):
    page.goto(seeded_live_server.url + "/search/")
    box = search_box(page)
    box.press_sequentially("neuro", delay=30)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()

    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("neuro")
    box.press("Escape")
    expect(box).to_have_value("")


def test_clicking_a_suggestion_opens_the_term(page, seeded_live_server):
    page.goto(seeded_live_server.url + "/search/")
    search_box(page).press_sequentially("brain-der", delay=30)
    page.get_by_role("option", name="Brain-derived neurotrophic factor").click()
    expect(page).to_have_url(seeded_live_server.url + BDNF)


def test_one_request_per_pause_in_typing(page, seeded_live_server):
    requests: list[str] = []
    page.on("request", lambda r: "/search/suggest/" in r.url and requests.append(r.url))
    page.goto(seeded_live_server.url + "/search/")
    search_box(page).press_sequentially("neurogenesis", delay=20)
    expect(page.get_by_role("option", name="Neurogenesis")).to_be_visible()
    assert len(requests) == 1
    assert requests[0].endswith("?q=neurogenesis")


def test_enter_without_a_chosen_suggestion_submits_the_search(page, seeded_live_server):
    page.goto(seeded_live_server.url + "/search/")
    box = search_box(page)
    box.press_sequentially("neurogenesis", delay=30)
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=neurogenesis$"))
    expect(page.locator(".search-results")).to_contain_text("Neurogenesis")
