"""Term pages in the page cache (glossary.versions): kept per term, invalidated precisely.

Each change a term page shows must reach the very next reader; a change it does not
show leaves the page in the cache.
"""

from __future__ import annotations

import re
import time

import pytest
from cookie_consent.models import CookieGroup
from django.conf import settings
from django.test import Client
from django.utils import timezone

from consent.models import TrackingScript
from consent.state import cookie_value
from glossary import bulk
from glossary.models import PartnerSlot, Term

pytestmark = pytest.mark.django_db


def get(term: Term | str, client: Client | None = None):
    url = term if isinstance(term, str) else term.get_absolute_url()
    response = (client or Client()).get(url)
    assert response.status_code == 200
    return response


def read(term: Term | str, client: Client | None = None) -> str:
    return get(term, client).content.decode()


def stored_then_read(term: Term, change) -> str:
    """Read until the page is in the cache, make the change, read again: rendered anew."""
    read(term)
    assert get(term)["X-Page-Cache"] == "hit", "the first read stored nothing"
    change()
    response = get(term)
    assert response["X-Page-Cache"] == "miss", "the change did not reach the page"
    return response.content.decode()


def related_titles(html: str) -> list[str]:
    section = re.search(r'<section class="related".*?</section>', html, re.S)
    return re.findall(r"<li><a [^>]*>([^<]+)</a></li>", section.group(0)) if section else []


def previews(html: str) -> str:
    found = re.search(r'id="term-previews">(.*?)</script>', html, re.S)
    return found.group(1) if found else ""


class TestStoring:
    def test_the_next_reader_gets_the_page_from_the_cache(self, make_term):
        term = make_term("Ketosis", slug="ketosis")
        first = get(term)
        second = get(term)
        assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
        assert second.content == first.content

    def test_the_page_outlives_an_edit_of_another_term(self, make_term):
        term = make_term("Ketosis", slug="ketosis")
        other = make_term("Autophagy", slug="autophagy")
        read(term)
        other.body += "\n\nOne more sentence."
        other.save()
        assert get(term)["X-Page-Cache"] == "hit"

    def test_banner_and_decided_readers_each_get_their_own_page(self, make_term):
        term = make_term("Ketosis", slug="ketosis")
        decided = Client()
        decided.cookies[settings.COOKIE_CONSENT_NAME] = cookie_value(
            {"analytics": False, "personalization": False, "marketing": False}, timezone.now()
        )
        undecided_page, decided_page = read(term), read(term, decided)
        assert 'class="consent-banner' in undecided_page
        assert 'class="consent-banner' not in decided_page
        assert read(term) == undecided_page
        assert read(term, decided) == decided_page

    def test_staff_query_strings_and_drafts_are_rendered_every_time(self, make_term, admin_client):
        term = make_term("Ketosis", slug="ketosis")
        draft = make_term("Unfinished", slug="unfinished", status=Term.Status.DRAFT)
        for _ in range(2):
            assert "X-Page-Cache" not in get(term, admin_client)
            assert "X-Page-Cache" not in get(draft, admin_client)
            assert "X-Page-Cache" not in get(term.get_absolute_url() + "?utm_source=newsletter")


class TestWhatInvalidatesATermPage:
    def test_an_edit_of_the_term(self, make_term):
        term = make_term("Ketosis", slug="ketosis")

        def edit():
            term.summary = "A metabolic state, edited."
            term.save()

        assert "A metabolic state, edited." in stored_then_read(term, edit)

    def test_a_linked_term_s_summary(self, make_term):
        fasting = make_term("Fasting", slug="fasting")
        term = make_term("Ketosis", slug="ketosis", body="Often follows Fasting.")
        assert "Fasting" in previews(read(term))

        def edit():
            fasting.summary = "Going without food, newly worded."
            fasting.save()

        assert "newly worded" in previews(stored_then_read(term, edit))

    def test_a_linked_term_s_new_name(self, make_term):
        fasting = make_term("Fasting", slug="fasting")
        term = make_term("Ketosis", slug="ketosis", body="Often follows Fasting.")

        def rename():
            fasting.aliases = "Fasting"  # the article still names it
            fasting.title = "Intermittent fasting"
            fasting.save()

        assert "Intermittent fasting" in previews(stored_then_read(term, rename))

    def test_a_new_neighbour(self, make_term):
        term = make_term("Ketosis", slug="ketosis")
        make_term("Lipolysis", slug="lipolysis")

        def add_between():
            make_term("Ketosis testing", slug="ketosis-testing")

        html = stored_then_read(term, add_between)
        assert 'rel="next" href="/glossary/ketosis-testing/"' in html

    def test_a_related_term_added_from_either_side_and_removed(self, make_term):
        term = make_term("Ketosis", slug="ketosis")
        fasting = make_term("Fasting", slug="fasting")
        assert related_titles(stored_then_read(term, lambda: term.related_terms.add(fasting))) == [
            "Fasting"
        ]
        diet = make_term("Ketogenic diet", slug="ketogenic-diet")
        assert "Ketogenic diet" in related_titles(
            stored_then_read(term, lambda: diet.related_terms.add(term))
        )
        assert "Fasting" not in related_titles(
            stored_then_read(term, lambda: fasting.related_terms.remove(term))
        )
        assert related_titles(stored_then_read(term, lambda: term.related_terms.clear())) == []

    def test_a_related_term_s_rank(self, make_term):
        term = make_term("Ketosis", slug="ketosis")
        alpha, beta = make_term("Alpha cells", slug="alpha"), make_term("Beta cells", slug="beta")
        insulin = make_term("Insulin", slug="insulin", body="A hormone.")
        term.related_terms.add(alpha, beta)
        assert related_titles(read(term)) == ["Alpha cells", "Beta cells"]

        def link_to_beta():  # the most linked-to related terms come first
            insulin.body = "Made by Beta cells."
            insulin.save()

        assert related_titles(stored_then_read(term, link_to_beta)) == ["Beta cells", "Alpha cells"]

    def test_a_category_renamed_joined_and_deleted(self, make_term, make_category):
        metabolism, nutrition = make_category("Metabolism"), make_category("Nutrition")
        term = make_term("Ketosis", slug="ketosis", categories=[metabolism])

        def rename():
            metabolism.name = "Energy metabolism"
            metabolism.save()

        assert "Energy metabolism" in stored_then_read(term, rename)
        assert ">Nutrition</bdi></a>" in stored_then_read(term, lambda: nutrition.terms.add(term))
        assert ">Nutrition</bdi></a>" not in stored_then_read(term, nutrition.delete)
        assert "Energy metabolism" not in stored_then_read(term, lambda: metabolism.terms.clear())

    def test_the_partner_slot(self, make_term):
        term = make_term("Ketosis", slug="ketosis")

        def add_slot():
            PartnerSlot.objects.create(title="The longevity letter", link_url="https://l.example/")

        assert "The longevity letter" in stored_then_read(term, add_slot)

    def test_a_tracking_script(self, seed):
        term = Term.objects.published().first()

        def add_script():
            analytics = CookieGroup.objects.get(varname="analytics")
            TrackingScript.objects.create(name="Stats", category=analytics, src="/stats.js")

        assert 'data-consent-src="/stats.js"' in stored_then_read(term, add_script)

    def test_a_full_recount_invalidates_every_page(self, make_term):
        term = make_term("Ketosis", slug="ketosis")
        # After a bulk load: every ranking may have moved.
        assert "Ketosis" in stored_then_read(term, lambda: bulk.recount_inbound(None))

    def test_a_scheduled_neighbour_coming_due(self, make_term):
        term = make_term("Ketosis", slug="ketosis")
        due = timezone.now() + timezone.timedelta(seconds=8)  # after the first reads, surely
        make_term("Ketosis testing", slug="ketosis-testing", published_at=due)
        assert "ketosis-testing" not in read(term)
        assert get(term)["X-Page-Cache"] == "hit"
        deadline = time.monotonic() + 30  # the entry ends when the neighbour comes due
        while 'rel="next" href="/glossary/ketosis-testing/"' not in read(term):
            assert time.monotonic() < deadline, "the neighbour never appeared"
            time.sleep(0.05)
