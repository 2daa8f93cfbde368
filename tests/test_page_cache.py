"""The whole-response cache of public pages, and HTTP caching: through the real stack.

Every change that a public page shows reaches the very next request, made in this
process or (queryset update + stamp bump, no cache touched) in another one.
"""

from __future__ import annotations

import dataclasses
import gzip
import time

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django.utils.http import http_date

from consent.models import TrackingScript
from consent.state import cookie_value
from core import page_cache, stamps
from glossary.models import Category, RetiredSlug, Term

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


def decided(**choices: bool) -> Client:
    client = Client()
    client.cookies[settings.COOKIE_CONSENT_NAME] = cookie_value(choices, timezone.now())
    return client


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
    def test_a_hit_costs_the_stamps_query_and_renders_nothing(
        self, seed, url, django_assert_max_num_queries
    ):
        warm(url)
        with django_assert_max_num_queries(1):
            response = Client().get(url)
        assert response["X-Page-Cache"] == "hit"
        assert response.templates == []

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
            "Last-Modified",
            "Cache-Control",
            "Content-Type",
        ):
            assert hit[name] == miss[name], name

    def test_head_is_answered_from_the_entry_a_get_made(self, seed, django_assert_max_num_queries):
        warm(SEED_TERM)
        with django_assert_max_num_queries(1):  # the stamps: no view ran
            head = Client().head(SEED_TERM)
        assert head.status_code == 200
        assert head["X-Page-Cache"] == "hit"
        assert head.content == b""
        assert head["ETag"] == Client().get(SEED_TERM)["ETag"]

    def test_each_process_keeps_copies_that_a_change_still_leaves_behind(self, seed):
        first = warm(SEED_TERM)
        cache.clear()  # the shared cache (Redis) emptied or restarted: this process's copy
        again = Client().get(SEED_TERM)
        assert again["X-Page-Cache"] == "hit"
        assert again.content == first
        term = Term.objects.get(slug=SEED_TERM.split("/")[2])
        term.summary = "Changed lead."
        term.save()  # as another process's edit would: it moves stamps, touches no cache
        changed = Client().get(SEED_TERM)
        assert changed["X-Page-Cache"] == "miss"
        assert b"Changed lead." in changed.content

    def test_a_copy_is_never_served_past_its_entry_s_expiry(self, seed):
        warm(SEED_TERM)
        for key, entry in list(page_cache.PROCESS_COPIES.entries.items()):
            page_cache.PROCESS_COPIES.entries[key] = dataclasses.replace(
                entry, expires_at=time.time() - 1
            )
        cache.clear()
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "miss"


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

    def test_term_edit_in_another_process(self, seed):
        warm(SEED_TERM)
        # Another process saves: rows and stamps move in the database, no cache here does.
        term = Term.objects.get(slug=SEED_TERM.split("/")[2])
        term.summary = "Edited by a command elsewhere."
        term.save()
        response = Client().get(SEED_TERM)
        assert "Edited by a command elsewhere." in response.content.decode()

    def test_category_rename(self, seed):
        term = Term.objects.get(slug=SEED_TERM.split("/")[2])
        category = term.categories.first()
        warm(SEED_TERM)
        category.name = "Renamed category"
        category.save()
        assert "Renamed category" in Client().get(SEED_TERM).content.decode()

    def test_retired_slug_added(self, seed):
        term = Term.objects.get(slug=SEED_TERM.split("/")[2])
        warm(SEED_TERM)
        RetiredSlug.objects.create(slug="old-address", term=term, title=term.title)
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "miss"
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
        time.sleep(1.1)  # consent given before the new cookie (versions have 1 s steps)
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
        due = timezone.now() + timezone.timedelta(seconds=2)
        make_term("Scheduled senolytics", slug="scheduled-senolytics", published_at=due)
        warm("/")
        assert page_cache.lifetime(timezone.now()) <= 2
        assert "scheduled-senolytics" not in Client().get("/").content.decode()
        time.sleep(max((due - timezone.now()).total_seconds(), 0) + 0.2)
        assert "scheduled-senolytics" in Client().get("/").content.decode()

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
        page_cache.PROCESS_COPIES.clear()
        cache.clear()
        response = Client().get(SEED_TERM, headers={"If-None-Match": etag})
        assert response.status_code == 304
        assert response["ETag"] == etag
        assert Client().get(SEED_TERM)["X-Page-Cache"] == "hit"  # and stored as a 200

    def test_a_stale_validator_gets_the_page(self, seed):
        Client().get(SEED_TERM)
        response = Client().get(SEED_TERM, headers={"If-None-Match": '"an-older-version"'})
        assert response.status_code == 200 and response["X-Page-Cache"] == "hit"

    def test_304_on_if_modified_since_and_200_after_a_change(self, seed):
        first = Client().get(SEED_TERM)
        since = first["Last-Modified"]
        assert Client().get(SEED_TERM, headers={"If-Modified-Since": since}).status_code == 304
        time.sleep(1.05)  # HTTP dates have 1 s steps
        Category.objects.create(name="Brand new", slug="brand-new")
        later = Client().get(SEED_TERM, headers={"If-Modified-Since": since})
        assert later.status_code == 200
        assert later["Last-Modified"] != since

    def test_last_modified_is_the_newest_stamp(self, seed):
        stamps.bump(stamps.CONSENT)
        _, changed_at = stamps.token(stamps.CONSENT)
        response = Client().get(SEED_TERM)
        assert response["Last-Modified"] == http_date(changed_at.timestamp())

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
        "url", [SEED_TERM, SEED_TERM + "related/", "/glossary/unknown/", "/glossary/moved-away/"]
    )
    def test_anonymous_pages_do_not_load_the_session(self, seed, settings, make_term, url):
        settings.PAGE_CACHE_ENABLED = False  # the views themselves
        draft = make_term("Draft", slug="draft", status=Term.Status.DRAFT)
        RetiredSlug.objects.create(slug="moved-away", term=draft, title="Old")
        response = Client().get(url)
        assert response.status_code in (200, 404)
        assert response.wsgi_request.session.accessed is False


def test_static_files_read_no_stamps_and_skip_the_page_cache(
    seed, settings, django_assert_num_queries
):
    """WhiteNoise answers them below the stamps and the page cache: no read for either."""
    settings.WHITENOISE_USE_FINDERS = True  # the suite runs without collectstatic
    with django_assert_num_queries(0):
        response = Client().get(f"{settings.STATIC_URL}css/site.css")
    assert response.status_code == 200
    assert "X-Page-Cache" not in response
