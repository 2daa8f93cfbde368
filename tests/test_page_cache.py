"""The whole-response cache of public pages, and HTTP caching: through the real stack.

Every change that a public page shows reaches the very next request; a change that a
page does not show leaves it in the cache. (Changes made by another process are the
multiserver check's: tests/multiserver/run.py.)
"""

from __future__ import annotations

import gzip
import time

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from consent.models import TrackingScript
from core import page_cache
from glossary.models import RetiredSlug, Term
from tests.helpers import decided

pytestmark = pytest.mark.django_db

SEED_TERM = "/glossary/resistance-training-neurological-benefits/"
PUBLIC_URLS = [
    "/",
    "/glossary/",
    "/glossary/letter/r/",
    SEED_TERM,
    SEED_TERM + "related/",
    "/feed/",
    "/sitemap.xml",
    "/robots.txt",
]
NOT_HTML = {"/feed/", "/sitemap.xml", "/robots.txt"}


def warm(url: str, client: Client | None = None) -> bytes:
    """Request twice: the second answer must come from the cache."""
    client = client or Client()
    first = client.get(url)
    assert first.status_code == 200, url
    assert first["X-Page-Cache"] == "miss", url
    second = client.get(url)
    assert second["X-Page-Cache"] == "hit", url
    assert second.content == first.content, url
    return second.content


class TestHits:
    @pytest.mark.parametrize("url", PUBLIC_URLS)
    def test_a_hit_reads_only_versions_and_renders_nothing(
        self, seed, url, django_assert_max_num_queries
    ):
        warm(url)
        # The stamps (the consent catalog's among them) in one query, and a term page's
        # own version.
        with django_assert_max_num_queries(2):
            response = Client().get(url)
        assert response["X-Page-Cache"] == "hit"
        assert response.templates == []

    def test_a_decided_visitors_hit_reads_the_catalog_stamp_once(
        self, seed, django_assert_max_num_queries
    ):
        visitor = decided(analytics=True, personalization=False, marketing=False)
        visitor.get(SEED_TERM)
        with django_assert_max_num_queries(2):
            response = visitor.get(SEED_TERM)
        assert response["X-Page-Cache"] == "hit"

    def test_first_time_visitors_get_byte_identical_bodies_from_the_cache(self, seed):
        miss = Client().get(SEED_TERM)
        hits = [Client().get(SEED_TERM) for _ in range(2)]
        assert [hit["X-Page-Cache"] for hit in hits] == ["hit", "hit"]
        assert miss.content == hits[0].content == hits[1].content
        assert 'id="consent-banner"' in hits[0].content.decode()

    def test_decided_and_undecided_visitors_get_their_own_entries(self, seed):
        warm(SEED_TERM)
        everything = decided(analytics=True, personalization=True, marketing=True)
        nothing = decided(analytics=False, personalization=False, marketing=False)
        first = everything.get(SEED_TERM)
        assert first["X-Page-Cache"] == "miss"
        assert 'id="consent-banner"' not in first.content.decode()
        second = nothing.get(SEED_TERM)
        assert second["X-Page-Cache"] == "hit"
        assert second.content == first.content

    def test_a_hit_keeps_every_header_of_the_page(self, seed):
        miss = Client().get(SEED_TERM)
        hit = Client().get(SEED_TERM)
        for name in (
            "Content-Security-Policy",
            "X-Frame-Options",
            "X-Content-Type-Options",
            "Referrer-Policy",
            "Permissions-Policy",
            "Vary",
            "ETag",
            "Cache-Control",
            "Content-Type",
        ):
            assert hit[name] == miss[name], name

    def test_head_is_answered_from_the_entry_a_get_made(self, seed, django_assert_max_num_queries):
        warm(SEED_TERM)
        with django_assert_max_num_queries(2):  # versions only: no view ran
            head = Client().head(SEED_TERM)
        assert head.status_code == 200
        assert head["X-Page-Cache"] == "hit"
        assert head.content == b""
        assert head["ETag"] == Client().get(SEED_TERM)["ETag"]

    def test_an_emptied_cache_renders_the_page_again(self, seed):
        first = warm(SEED_TERM)
        cache.clear()  # the shared cache (Redis) emptied or restarted …
        page_cache.local_copies.forget()  # … as another process, without a copy, sees it
        again = Client().get(SEED_TERM)
        assert again["X-Page-Cache"] == "miss"
        assert again.content == first


class TestLocalCopies:
    """Each process keeps copies of the entries it served, under the same keys."""

    def test_a_process_serves_its_copy_while_the_shared_cache_is_empty(self, seed):
        first = warm(SEED_TERM)
        cache.clear()
        again = Client().get(SEED_TERM)
        assert again["X-Page-Cache"] == "hit"
        assert again.content == first

    def test_an_edit_moves_the_key_past_every_copy(self, seed):
        warm(SEED_TERM)
        term = Term.objects.get(slug=SEED_TERM.split("/")[2])
        term.summary = "A summary no copy has seen."
        term.save()
        after = Client().get(SEED_TERM)
        assert after["X-Page-Cache"] == "miss"
        assert b"A summary no copy has seen." in after.content

    def test_no_copy_outlives_its_lease(self, seed, settings):
        settings.PAGE_CACHE_LOCAL_SECONDS = 0  # every copy's lease over at once
        warm(SEED_TERM)
        cache.clear()
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "miss"

    def test_copies_stay_within_their_byte_budget(self, seed, settings):
        settings.PAGE_CACHE_LOCAL_BYTES = len(warm(SEED_TERM)) + 100  # room for one page
        warm("/glossary/")
        cache.clear()
        assert Client().get("/glossary/")["X-Page-Cache"] == "hit"  # the newest kept
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "miss"  # the oldest dropped


class TestWhatIsNeverStored:
    @pytest.mark.parametrize("url", ["/search/", "/search/?q=exercise", "/search/suggest/"])
    def test_search(self, seed, url):
        for _ in range(2):
            response = Client().get(url)
            assert response.status_code == 200
            assert "X-Page-Cache" not in response

    def test_other_query_strings(self, seed):
        for _ in range(2):
            response = Client().get(SEED_TERM + "?utm_source=mail")
            assert response.status_code == 200
            assert "X-Page-Cache" not in response

    def test_the_preferences_page_and_404s(self, seed):
        for _ in range(2):
            assert "X-Page-Cache" not in Client().get("/cookies/")
            assert "X-Page-Cache" not in Client().get("/glossary/no-such-term/")

    def test_staff_get_uncached_private_pages(self, seed, admin_client):
        warm(SEED_TERM)
        for _ in range(2):
            response = admin_client.get(SEED_TERM)
            assert response.status_code == 200
            assert "X-Page-Cache" not in response
            assert "private" in response["Cache-Control"]
            assert "no-store" in response["Cache-Control"]

    def test_a_draft_seen_by_staff_never_enters_the_cache(self, seed, admin_client, make_term):
        draft = make_term("Secret draft", slug="secret-draft", status=Term.Status.DRAFT)
        response = admin_client.get(draft.get_absolute_url())
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert Client().get(draft.get_absolute_url()).status_code == 404
        assert Client().get(draft.get_absolute_url()).status_code == 404

    def test_a_response_that_sets_a_cookie(self, seed):
        analytics = CookieGroup.objects.get(varname="analytics")
        Cookie.objects.create(cookiegroup=analytics, name="_tracker")
        client = decided(analytics=False, personalization=False, marketing=False)
        client.cookies["_tracker"] = "x"
        first = client.get(SEED_TERM)
        assert "_tracker" in first.cookies  # expired: analytics is refused
        assert "X-Page-Cache" not in first

    def test_a_hit_still_expires_cookies_that_are_not_granted(self, seed):
        analytics = CookieGroup.objects.get(varname="analytics")
        Cookie.objects.create(cookiegroup=analytics, name="_tracker")
        refused = {"analytics": False, "personalization": False, "marketing": False}
        warm(SEED_TERM, decided(**refused))
        client = decided(**refused)
        client.cookies["_tracker"] = "x"
        response = client.get(SEED_TERM)
        assert response["X-Page-Cache"] == "hit"
        assert response.cookies["_tracker"]["max-age"] == 0


class TestInvalidation:
    """A cached term page shows each kind of change on the very next request."""

    def test_term_edit(self, seed):
        warm(SEED_TERM)
        term = Term.objects.get(slug=SEED_TERM.split("/")[2])
        term.summary = "A freshly edited summary."
        term.save()
        response = Client().get(SEED_TERM)
        assert "A freshly edited summary." in response.content.decode()

    def test_an_edit_of_another_term_leaves_this_page_in_the_cache(self, seed, make_term):
        other = make_term("Unrelated sirtuins", slug="unrelated-sirtuins")
        warm(SEED_TERM)
        warm("/glossary/")
        other.summary = "A new lead for a term this page does not show."
        other.save()
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "hit"
        assert Client().get("/glossary/")["X-Page-Cache"] == "miss"  # listings show it

    def test_an_edit_renders_the_pages_that_link_to_the_term(self, seed):
        term = Term.objects.get(slug=SEED_TERM.split("/")[2])
        linked = term.linked_terms.first()
        warm(SEED_TERM)
        linked.summary = "A preview that changed."
        linked.save()
        response = Client().get(SEED_TERM)
        assert response["X-Page-Cache"] == "miss"
        assert "A preview that changed." in response.content.decode()

    @pytest.mark.parametrize("url", [url for url in PUBLIC_URLS if url not in NOT_HTML])
    def test_every_html_page_says_it_varies_on_the_cookie_miss_or_hit(self, seed, url):
        for expected in ("miss", "hit"):
            response = Client().get(url)
            assert response["X-Page-Cache"] == expected, url
            assert "Cookie" in response["Vary"], url

    def test_a_page_kept_after_an_edit_elsewhere_still_varies_on_the_cookie(self, seed, make_term):
        other = make_term("Unrelated sirtuins", slug="unrelated-sirtuins")
        warm(SEED_TERM)
        other.summary = "Changed."
        other.save()
        for client in (Client(), decided(analytics=False, personalization=False)):
            response = client.get(SEED_TERM)
            assert "Cookie" in response["Vary"], response.get("X-Page-Cache")

    def test_category_rename(self, seed):
        term = Term.objects.get(slug=SEED_TERM.split("/")[2])
        category = term.categories.first()
        warm(SEED_TERM)
        category.name = "Renamed category"
        category.save()
        assert "Renamed category" in Client().get(SEED_TERM).content.decode()

    def test_retired_slug_added(self, seed):
        term = Term.objects.get(slug=SEED_TERM.split("/")[2])
        assert Client().get("/glossary/old-address/").status_code == 404
        RetiredSlug.objects.create(slug="old-address", term=term, title=term.title)
        assert Client().get("/glossary/old-address/").status_code == 301

    def test_related_term_added(self, seed, make_term):
        term = Term.objects.get(slug=SEED_TERM.split("/")[2])
        other = make_term("Zebrafish regeneration", slug="zebrafish-regeneration")
        warm(SEED_TERM)
        term.related_terms.add(other)
        assert (
            'href="/glossary/zebrafish-regeneration/"' in Client().get(SEED_TERM).content.decode()
        )

    def test_consent_category_text_change(self, seed):
        warm(SEED_TERM)
        analytics = CookieGroup.objects.get(varname="analytics")
        analytics.description = "Counts visits, nothing more."
        analytics.save()
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "miss"

    def test_declared_cookie_added(self, seed):
        client = decided(analytics=True, personalization=True, marketing=True)
        assert 'id="consent-banner"' not in warm(SEED_TERM, client).decode()
        analytics = CookieGroup.objects.get(varname="analytics")
        Cookie.objects.create(cookiegroup=analytics, name="_new_counter")
        html = client.get(SEED_TERM).content.decode()
        assert "_new_counter" in html  # consent.js learns about it
        assert 'id="consent-banner"' in html  # and the visitor is asked again

    def test_tracking_script_added_then_disabled(self, seed):
        warm(SEED_TERM)
        analytics = CookieGroup.objects.get(varname="analytics")
        TrackingScript.objects.create(name="Stats", category=analytics, src="/stats.js")
        assert 'data-consent-src="/stats.js"' in Client().get(SEED_TERM).content.decode()
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "hit"
        TrackingScript.objects.filter(name="Stats").update(enabled=False)
        assert 'data-consent-src="/stats.js"' not in Client().get(SEED_TERM).content.decode()

    def test_a_scheduled_term_appears_when_its_time_comes(self, seed, make_term):
        # Far enough ahead that the first readings are surely before it on a busy machine.
        due = timezone.now() + timezone.timedelta(seconds=8)
        make_term("Scheduled senolytics", slug="scheduled-senolytics", published_at=due)
        assert page_cache.lifetime(timezone.now()) <= 8  # the entry ends when it comes due
        assert "scheduled-senolytics" not in Client().get("/").content.decode()
        assert "scheduled-senolytics" not in Client().get("/").content.decode()  # kept
        deadline = time.monotonic() + 30
        while "scheduled-senolytics" not in Client().get("/").content.decode():
            assert time.monotonic() < deadline, "the term never appeared"
            time.sleep(0.05)

    def test_lifetime_is_the_ceiling_without_scheduled_terms(self, seed):
        assert page_cache.lifetime(timezone.now()) == settings.PAGE_CACHE_SECONDS


class TestHttp:
    def test_public_pages_are_shareable_for_a_short_while(self, seed):
        response = Client().get(SEED_TERM)
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"public", "max-age=0", "s-maxage=60"} <= control

    def test_304_on_if_none_match(self, seed):
        etag = Client().get(SEED_TERM)["ETag"]
        assert etag.startswith('"')  # strong
        response = Client().get(SEED_TERM, headers={"If-None-Match": etag})
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == etag

    def test_304_when_the_page_is_built_afresh_with_the_same_bytes(self, seed):
        etag = Client().get(SEED_TERM)["ETag"]
        cache.clear()
        page_cache.local_copies.forget()
        response = Client().get(SEED_TERM, headers={"If-None-Match": etag})
        assert response.status_code == 304
        assert response["ETag"] == etag
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "hit"  # and stored as a 200

    def test_a_stale_validator_gets_the_page(self, seed):
        Client().get(SEED_TERM)
        response = Client().get(SEED_TERM, headers={"If-None-Match": '"an-older-version"'})
        assert response.status_code == 200 and response["X-Page-Cache"] == "hit"

    def test_gzip_when_accepted(self, seed):
        plain = Client().get(SEED_TERM)
        for _ in range(2):  # the miss, then the hit
            packed = Client().get(SEED_TERM, headers={"Accept-Encoding": "gzip, br"})
            assert packed["Content-Encoding"] == "gzip"
            assert gzip.decompress(packed.content) == plain.content
            assert len(packed.content) < len(plain.content) / 2
        assert packed["ETag"] != plain["ETag"]  # other bytes, other strong ETag

    def test_gzip_bodies_are_identical_for_every_reader(self, seed, settings):
        settings.PAGE_CACHE_ENABLED = False  # each body compressed afresh
        bodies = {
            Client().get(SEED_TERM, headers={"Accept-Encoding": "gzip"}).content for _ in range(2)
        }
        assert len(bodies) == 1  # no random padding: nothing secret to protect

    def test_vary_only_on_what_matters(self, seed):
        response = Client().get(SEED_TERM)
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert vary == {"Accept-Encoding", "Cookie"}
        robots = Client().get("/robots.txt")
        assert "Cookie" not in robots.get("Vary", "")

    @pytest.mark.parametrize(
        ("url", "status"),
        [
            (SEED_TERM, 200),
            (SEED_TERM + "related/", 200),
            ("/glossary/unknown/", 404),
            ("/glossary/moved-away/", 404),  # retired towards a draft: nothing public there
        ],
    )
    def test_anonymous_pages_do_not_load_the_session(self, seed, settings, make_term, url, status):
        settings.PAGE_CACHE_ENABLED = False  # the views themselves
        draft = make_term("Draft", slug="draft", status=Term.Status.DRAFT)
        RetiredSlug.objects.create(slug="moved-away", term=draft, title="Old")
        response = Client().get(url)
        assert response.status_code == status
        assert response.wsgi_request.session.accessed is False


class TestCanonicalKeysOnly:
    """No client can fill the cache with variants of one page."""

    @pytest.fixture(autouse=True)
    def named_host(self, settings):
        settings.ALLOWED_HOSTS = ["glossary.example", ".wildcard.example", "testserver"]

    @pytest.mark.parametrize(
        "host",
        ["GLOSSARY.example", "glossary.example.", "glossary.example:8081", "a.wildcard.example"],
    )
    def test_another_spelling_of_the_host_is_served_but_not_kept(self, seed, host):
        for _ in range(2):
            response = Client().get(SEED_TERM, headers={"Host": host})
            assert response.status_code == 200
            assert "X-Page-Cache" not in response

    def test_the_host_as_named_is_kept(self, seed):
        for expected in ("miss", "hit"):
            response = Client().get(SEED_TERM, headers={"Host": "glossary.example"})
            assert response["X-Page-Cache"] == expected

    @pytest.mark.parametrize("query", ["page=x", "page=2", "pag%65=1", "page=01"])
    def test_a_page_number_on_a_page_that_does_not_paginate_is_not_kept(self, seed, query):
        for _ in range(2):
            response = Client().get(f"{SEED_TERM}?{query}")
            assert response.status_code == 200
            assert "X-Page-Cache" not in response

    @pytest.mark.parametrize("value", ["x", "01", "1", "0", "-1", "999", "2&page=3", "1e3"])
    def test_a_listing_answers_only_its_canonical_page_numbers(self, seed, value):
        response = Client().get(f"/glossary/letter/r/?page={value}")
        assert response.status_code == 404
        assert "X-Page-Cache" not in response

    def test_a_listing_keeps_its_real_pages(self, seed, settings, make_term):
        settings.GLOSSARY_LETTER_PAGE_SIZE = 1
        make_term("Rapamycin", slug="rapamycin")
        for expected in ("miss", "hit"):
            assert Client().get("/glossary/letter/r/?page=2")["X-Page-Cache"] == expected


def test_static_files_read_no_stamps_and_skip_the_page_cache(
    seed, settings, django_assert_num_queries
):
    """WhiteNoise answers them below the stamps and the page cache: no read for either."""
    settings.WHITENOISE_USE_FINDERS = True  # the suite runs without collectstatic
    with django_assert_num_queries(0):
        response = Client().get(f"{settings.STATIC_URL}css/site.css")
    assert response.status_code == 200
    assert "X-Page-Cache" not in response
