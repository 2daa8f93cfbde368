"""Stored term page renderings (glossary.term_page): kept per term, outdated precisely.

The page cache is off here, so every answer comes from the view: either its stored
rendering or a fresh one. Each change a term page shows must reach the very next reader.
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
from core import page_cache
from glossary import bulk, term_page
from glossary.models import PartnerSlot, Term

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    settings.PAGE_CACHE_ENABLED = False


def read(term: Term | str, client: Client | None = None) -> str:
    url = term if isinstance(term, str) else term.get_absolute_url()
    response = (client or Client()).get(url)
    assert response.status_code == 200
    return response.content.decode()


def stored_then_read(term: Term, change) -> str:
    """Read (so the rendering is stored), make the change, read again."""
    read(term)
    assert page_cache.RENDERINGS.entries, "the first read stored nothing"
    change()
    return read(term)


def related_titles(html: str) -> list[str]:
    section = re.search(r'<section class="related".*?</section>', html, re.S)
    return re.findall(r"<li><a [^>]*>([^<]+)</a></li>", section.group(0)) if section else []


def previews(html: str) -> str:
    found = re.search(r'id="term-previews">(.*?)</script>', html, re.S)
    return found.group(1) if found else ""


class TestStoring:
    def test_the_next_reader_gets_the_stored_rendering(self, make_term, django_assert_num_queries):
        term = make_term("Ketosis", slug="ketosis")
        read(make_term("Autophagy", slug="autophagy"))  # warms the schedule, the catalog
        with django_assert_num_queries(3):  # the stamps, the term, what surrounds it
            first = read(term)
        with django_assert_num_queries(2):  # the stamps, the term: nothing rendered
            second = read(term)
        assert second == first

    def test_the_stored_rendering_outlives_an_edit_of_another_term(
        self, make_term, django_assert_num_queries
    ):
        term = make_term("Ketosis", slug="ketosis")
        other = make_term("Autophagy", slug="autophagy")
        read(term)
        read(term)
        other.body += "\n\nOne more sentence."
        other.save()  # moves the content stamp: the page cache would miss everywhere
        with django_assert_num_queries(2 + 1):  # + the schedule, read again once
            read(term)

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
        read(term, admin_client)
        read(draft, admin_client)
        read(term.get_absolute_url() + "?utm_source=newsletter")
        assert page_cache.RENDERINGS.entries == {}


class TestWhatOutdatesAStoredPage:
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
        assert ">Nutrition</a>" in stored_then_read(term, lambda: nutrition.terms.add(term))
        assert ">Nutrition</a>" not in stored_then_read(term, nutrition.delete)
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

    def test_a_full_recount_outdates_every_page(self, make_term, django_assert_num_queries):
        term = make_term("Ketosis", slug="ketosis")
        read(term)
        read(term)
        bulk.recount_inbound(None)  # after a bulk load: every ranking may have moved
        with django_assert_num_queries(3):  # rendered again: + what surrounds the term
            read(term)

    def test_a_scheduled_neighbour_coming_due(self, make_term):
        term = make_term("Ketosis", slug="ketosis")
        due = timezone.now() + timezone.timedelta(seconds=2)
        make_term("Ketosis testing", slug="ketosis-testing", published_at=due)
        assert "ketosis-testing" not in read(term)

        def time_passes():
            time.sleep(max((due - timezone.now()).total_seconds(), 0) + 0.2)

        assert 'rel="next" href="/glossary/ketosis-testing/"' in stored_then_read(term, time_passes)


class TestReplay:
    def test_a_stored_page_lets_its_embeds_into_the_csp_again(self, rf):
        from consent.middleware import allow_frame_source, frame_sources

        rendering_request, reading_request = rf.get("/"), rf.get("/")
        allow_frame_source(rendering_request, "https://www.youtube-nocookie.com")
        rendered = page_cache.HttpResponse(b"<p>An embed</p>")
        page_cache.store_rendering("test:embed", rendering_request, rendered, 60)
        replayed = page_cache.fetch_rendering("test:embed", reading_request)
        assert replayed.content == b"<p>An embed</p>"
        assert frame_sources(reading_request) == ["https://www.youtube-nocookie.com"]


def test_the_public_term_is_read_as_the_orm_reads_it(make_term):
    """The stored page's path reads the term with raw SQL: every field must come back
    with the ORM's value and type (aware datetimes, UUIDs, the table of contents)."""
    term = make_term("Autophagy", body="## Origin\n\nSelf-eating.\n\n## Mechanism\n\nLysosomes.")
    loaded = term_page.public_term(term.slug)
    expected = Term.objects.get(pk=term.pk)
    assert expected.toc  # a JSON list, not text
    for field in Term._meta.concrete_fields:
        mine, theirs = getattr(loaded, field.attname), getattr(expected, field.attname)
        assert (mine, type(mine)) == (theirs, type(theirs)), field.name
    assert loaded._state.db == "default" and not loaded._state.adding
    assert term_page.public_term("no-such-term") is None
