"""Every reader URL answers, shows what a reader expects, and stays within its query budget."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from glossary.models import Term

pytestmark = pytest.mark.django_db

SEED_SLUG = "resistance-training-neurological-benefits"
SEED_URL = f"/glossary/{SEED_SLUG}/"


def _listed_terms(html: str) -> list[str]:
    """The term addresses in a page's term list, in order."""
    block = re.search(r'<ul class="term-list">(.*?)</ul>', html, re.S)
    assert block, "the page has no term list"
    return re.findall(r'<li><a href="([^"]+)">', block.group(1))


class TestHome:
    def test_shows_search_letters_recent_terms_and_categories(self, client, seed):
        html = client.get("/").content.decode()
        assert 'role="search"' in html
        assert 'aria-label="Browse by letter"' in html
        assert "Resistance training neurological benefits" in html
        assert "Exercise &amp; brain health" in html

    def test_query_budget(self, client, seed, django_assert_max_num_queries):
        # The page's versions, the consent catalog's stamp, then the page itself.
        with django_assert_max_num_queries(4 + 5):
            assert client.get("/").status_code == 200


class TestTermPage:
    def test_seed_article_is_complete(self, client, seed):
        response = client.get(SEED_URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("<h1") == 1
        assert "Resistance training neurological benefits refer to the specific" in html
        assert '<h2 id="section-origin">Origin</h2>' in html
        assert '<h2 id="section-mechanism">Mechanism</h2>' in html
        assert 'href="#section-origin"' in html
        assert "References" in html
        assert "Related terms" in html
        assert "Last updated" in html
        # The glossary seed alone carries no medical review (editorial's seed adds one).
        assert "Not yet medically reviewed." in html and "Last reviewed" not in html
        assert 'aria-label="Breadcrumb"' in html

    def test_seed_article_links_the_terms_it_mentions(self, client, seed):
        html = client.get(SEED_URL).content.decode()
        for slug in [
            "myokines",
            "blood-brain-barrier",
            "brain-derived-neurotrophic-factor",
            "neurogenesis",
            "synaptic-plasticity",
            "proprioception",
            "motor-unit-recruitment",
        ]:
            assert f'class="term-link" data-term="{slug}"' in html, slug

    def test_link_previews_travel_with_the_page(self, client, seed):
        html = client.get(SEED_URL).content.decode()
        data = re.search(r'<script type="application/json" id="term-previews">(.*?)</script>', html)
        previews = json.loads(data.group(1))
        assert previews["myokines"]["title"] == "Myokines"
        assert previews["myokines"]["summary"].startswith("Myokines are signaling proteins")

    def test_seo_metadata(self, client, seed):
        html = client.get(SEED_URL).content.decode()
        assert f'<link rel="canonical" href="http://testserver{SEED_URL}">' in html
        assert '<meta name="description" content="Resistance training neurological' in html
        assert (
            '<meta property="og:title" content="Resistance training neurological benefits">' in html
        )
        block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        graph = json.loads(block.group(1))["@graph"]
        types = {node["@type"]: node for node in graph}
        assert types["DefinedTerm"]["inDefinedTermSet"]["@type"] == "DefinedTermSet"
        assert "lastReviewed" not in types["MedicalWebPage"]  # no review to claim
        assert "dateModified" in types["MedicalWebPage"]

    def test_previous_and_next_terms_alphabetically(self, client, make_term):
        make_term("Alpha", slug="alpha")
        make_term("Beta", slug="beta")
        make_term("Gamma", slug="gamma")
        html = client.get("/glossary/beta/").content.decode()
        assert 'rel="prev" href="/glossary/alpha/"' in html
        assert 'rel="next" href="/glossary/gamma/"' in html

    def test_query_budget_does_not_grow_with_links(
        self, client, seed, warm_caches, django_assert_max_num_queries
    ):
        warm_caches()
        # The term, then what surrounds it (glossary.term_page); the versions the page
        # cache keys it on (its own, the stamps, the catalog's), the consent catalog and
        # the partner slot read their stamps, the next scheduled publication ends its life;
        # the term's authors (a term outside the workflow credits them as they are now).
        with django_assert_max_num_queries(2 + 7):
            assert client.get(SEED_URL).status_code == 200
        with django_assert_max_num_queries(3):  # then from the page cache: versions only
            assert client.get(SEED_URL).status_code == 200

    def test_unknown_slug_is_404_in_site_layout(self, client, db):
        response = client.get("/glossary/no-such-term/")
        assert response.status_code == 404
        assert b"Page not found" in response.content
        assert b'class="skip-link"' in response.content

    def test_draft_is_404_for_the_public(self, client, make_term):
        make_term("Secret", slug="secret", status=Term.Status.DRAFT)
        assert client.get("/glossary/secret/").status_code == 404

    def test_scheduled_term_is_404_until_its_time(self, client, make_term):
        term = make_term(
            "Later", slug="later", published_at=timezone.now() + timezone.timedelta(hours=1)
        )
        assert client.get("/glossary/later/").status_code == 404
        Term.objects.filter(pk=term.pk).update(
            published_at=timezone.now() - timezone.timedelta(seconds=1)
        )
        assert client.get("/glossary/later/").status_code == 200

    def test_staff_see_drafts_with_a_notice_and_no_caching(self, client, make_term):
        make_term("Secret", slug="secret", status=Term.Status.DRAFT)
        staff = User.objects.create_user("editor", password="pw-Example-123", is_staff=True)
        client.force_login(staff)
        response = client.get("/glossary/secret/")
        assert response.status_code == 200
        assert b"Draft \xe2\x80\x94 not public" in response.content
        assert "no-cache" in response["Cache-Control"]


class TestIndexAndLetters:
    def test_index_groups_terms_by_letter(self, client, make_term):
        make_term("Apple", slug="apple")
        make_term("Banana", slug="banana")
        make_term("5-HTP", slug="5-htp")
        make_term("Ωmega", slug="omega")
        html = client.get("/glossary/").content.decode()
        assert 'id="letter-a"' in html and 'id="letter-b"' in html
        assert 'id="letter-0-9"' in html and 'id="letter-other"' in html
        assert '"@type": "DefinedTermSet"' in html

    def test_letters_without_terms_are_shown_but_not_linked(self, client, make_term):
        make_term("Apple", slug="apple")
        html = client.get("/glossary/").content.decode()
        assert 'href="/glossary/letter/a/"' in html
        assert 'href="/glossary/letter/z/"' not in html
        assert '<span class="letter-empty">Z<span class="visually-hidden">: no terms</span>' in html

    def test_letter_page_paginates(self, client, make_term, settings):
        settings.GLOSSARY_LETTER_PAGE_SIZE = 2
        for name in ["Aa", "Ab", "Ac"]:
            make_term(name, slug=name.lower())
        first = client.get("/glossary/letter/a/").content.decode()
        second = client.get("/glossary/letter/a/?page=2").content.decode()
        assert _listed_terms(first) == ["/glossary/aa/", "/glossary/ab/"]
        assert _listed_terms(second) == ["/glossary/ac/"]
        assert "Page 1 of 2" in first and "Page 2 of 2" in second
        assert 'href="?page=2" rel="next"' in first and 'rel="next"' not in second
        assert 'href="?" rel="prev"' in second  # page 1 is the bare address

    @pytest.mark.parametrize("page", ["999", "abc", "-1", "0", "1", "01", "1e9", "%00"])
    def test_page_numbers_other_than_a_real_page_written_canonically_are_404(
        self, client, make_term, page
    ):
        make_term("Apple", slug="apple")
        assert client.get(f"/glossary/letter/a/?page={page}").status_code == 404

    @pytest.mark.parametrize("letter", ["aa", "1", "%C3%A9", "-"])
    def test_unknown_letters_are_404(self, client, db, letter):
        assert client.get(f"/glossary/letter/{letter}/").status_code == 404

    def test_query_budgets(self, client, make_term, warm_caches, django_assert_max_num_queries):
        for number in range(30):
            make_term(f"Term {number:02d}", slug=f"t-{number}")
        warm_caches()
        # What the page shows, + the version reads (page cache, catalog, navigation) and
        # the next scheduled publication.
        with django_assert_max_num_queries(2 + 7):
            assert client.get("/glossary/").status_code == 200
        with django_assert_max_num_queries(4 + 7):
            assert client.get("/glossary/letter/t/").status_code == 200


class TestCategories:
    def test_lists_published_terms(self, client, make_term, make_category):
        category = make_category("Sleep", slug="sleep")
        make_term("Melatonin", slug="melatonin", categories=[category])
        make_term("Hidden", slug="hidden", categories=[category], status=Term.Status.DRAFT)
        html = client.get("/categories/sleep/").content.decode()
        assert "Melatonin" in html and "Hidden" not in html

    def test_unknown_category_is_404(self, client, db):
        assert client.get("/categories/nope/").status_code == 404


class TestFeedsSitemapRobots:
    def test_atom_feed(self, client, seed):
        response = client.get("/feed/")
        assert response["Content-Type"].startswith("application/atom+xml")
        assert b"Resistance training neurological benefits" in response.content

    def test_sitemap_lists_published_terms(self, client, seed, make_term):
        make_term("Secret", slug="secret", status=Term.Status.DRAFT)
        index = client.get("/sitemap.xml")
        assert index.status_code == 200
        terms = client.get("/sitemap-terms.xml").content.decode()
        assert SEED_URL in terms
        assert "/glossary/secret/" not in terms

    def test_robots_points_at_the_sitemap(self, client, db):
        body = client.get("/robots.txt").content.decode()
        assert "Sitemap: http://testserver/sitemap.xml" in body


class TestMethods:
    @pytest.mark.parametrize("url", ["/", "/glossary/", SEED_URL, "/search/?q=bdnf", "/feed/"])
    def test_head_is_answered_for_monitors_and_crawlers(self, client, seed, url):
        assert client.head(url).status_code == 200

    @pytest.mark.parametrize("url", ["/", SEED_URL, "/search/?q=bdnf"])
    def test_post_to_a_reading_page_is_405(self, client, seed, url):
        assert client.post(url).status_code == 405


class TestNavigationCache:
    def test_index_and_letter_bar_are_cached_between_requests(
        self, client, make_term, settings, django_assert_max_num_queries
    ):
        settings.PAGE_CACHE_ENABLED = False  # the view itself, every time
        make_term("Apple", slug="apple")
        client.get("/glossary/")
        with django_assert_max_num_queries(6) as second:
            client.get("/glossary/")
        aggregates = [q["sql"] for q in second.captured_queries if "COUNT(" in q["sql"].upper()]
        assert aggregates == []

    def test_a_new_term_shows_in_the_index_at_once(self, client, make_term):
        make_term("Apple", slug="apple")
        client.get("/glossary/")
        make_term("Banana", slug="banana")
        assert 'href="/glossary/banana/"' in client.get("/glossary/").content.decode()

    def test_an_unpublished_term_leaves_the_index_at_once(self, client, make_term):
        term = make_term("Apple", slug="apple")
        client.get("/glossary/")
        term.status = Term.Status.DRAFT
        term.save()
        html = client.get("/glossary/").content.decode()
        assert 'href="/glossary/apple/"' not in html
        assert 'href="/glossary/letter/a/"' not in html

    def test_a_scheduled_term_joins_the_index_and_letter_bar_when_its_time_comes(
        self, client, make_term, settings
    ):
        settings.PAGE_CACHE_ENABLED = False  # the navigation cache alone
        make_term("Apple", slug="apple")
        # Far enough ahead that the first reading is surely before it, on a busy machine too.
        due = timezone.now() + timezone.timedelta(seconds=3)
        make_term("Banana", slug="banana", published_at=due)
        html = client.get("/glossary/").content.decode()
        assert 'href="/glossary/banana/"' not in html
        assert 'href="/glossary/letter/b/"' not in html
        time.sleep(max((due - timezone.now()).total_seconds(), 0) + 0.1)  # no write announces it
        html = client.get("/glossary/").content.decode()
        assert 'href="/glossary/banana/"' in html
        assert 'href="/glossary/letter/b/"' in html

    def test_a_deleted_term_leaves_the_index_at_once(self, client, make_term):
        term = make_term("Apple", slug="apple")
        client.get("/glossary/")
        Term.objects.filter(pk=term.pk).delete()
        assert 'href="/glossary/apple/"' not in client.get("/glossary/").content.decode()
