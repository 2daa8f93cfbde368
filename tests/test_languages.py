"""The visitor's language: every reader page in every language, the switcher, the one
redirect from / by browser preference, and the page cache keeping languages apart
(docs/languages.md)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core import languages

CODES = [code for code, _ in settings.LANGUAGES]
GERMAN_BROWSER = "de-DE,de;q=0.9,en;q=0.5"


def prefixed(code: str, path: str) -> str:
    """``path`` (English, unprefixed) in language ``code``."""
    return path if code == settings.LANGUAGE_CODE else f"/{code}{path}"


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def switcher(response) -> str:
    html = response.content.decode()
    return re.search(r'<nav class="language-switcher.*?</nav>', html, re.S).group(0)


@pytest.fixture
def reader_paths(make_term, make_category) -> dict[str, str]:
    """The English addresses of one page of each kind (the term has a version in every
    language, at the same slug: a language without one answers 404, docs/translations.md)."""
    category = make_category("Metabolism", slug="metabolism")
    term = make_term("Ketosis", slug="ketosis", categories=[category])
    for code in CODES:
        if code != settings.LANGUAGE_CODE:
            make_term(
                "Ketosis", slug="ketosis", language=code, translation_of=term, categories=[category]
            )
    return {
        "home": "/",
        "index": "/glossary/",
        "letter": f"/glossary/letter/{term.letter}/",
        "term": term.get_absolute_url(),
        "category": category.get_absolute_url(),
        "search": "/search/?q=ketosis",
        "cookies": "/cookies/",
    }


class TestEveryReaderPageInEveryLanguage:
    @pytest.mark.parametrize("code", CODES)
    def test_answers_200_with_its_language_and_direction(self, client, reader_paths, code):
        direction = "rtl" if code == "ar" else "ltr"
        for name, path in reader_paths.items():
            response = client.get(prefixed(code, path))
            assert response.status_code == 200, (name, code)
            assert html_tag(response) == f'<html lang="{code}" dir="{direction}">', name
            assert response["Content-Language"] == code

    @pytest.mark.parametrize("code", CODES)
    def test_the_404_page_is_in_the_language_of_its_address(self, client, db, code):
        response = client.get(prefixed(code, "/glossary/no-such-term/"))
        assert response.status_code == 404
        assert html_tag(response).startswith(f'<html lang="{code}"')
        with translation.override(code):
            assert translation.gettext("Page not found") in response.content.decode()

    def test_pages_are_translated(self, client, reader_paths):
        german = client.get("/de/glossary/").content.decode()
        assert "Glossar A–Z" in german and "Zum Hauptinhalt springen" in german
        arabic = client.get("/ar/cookies/").content.decode()
        assert "ملفات تعريف الارتباط" in arabic and "Save preferences" not in arabic

    def test_plurals_follow_the_language(self, client, make_term):
        for number in range(3):
            for code in ("pl", "ar"):  # each index counts its own language's terms
                make_term(f"Kinase {number}", slug=f"kinase-{number}", language=code)
        polish = client.get("/pl/glossary/").content.decode()
        assert "3 hasła" in polish  # 2–4: the "few" form
        arabic = client.get("/ar/glossary/").content.decode()
        assert "3 مصطلحات" in arabic  # 3–10


class TestLanguageSwitcher:
    def test_every_language_links_to_the_same_page_in_that_language(self, client, reader_paths):
        nav = switcher(client.get("/fr/glossary/"))
        for code, name in settings.LANGUAGES:
            href = prefixed(code, "/glossary/")
            assert f'href="{href}" lang="{code}" hreflang="{code}"' in nav
            assert f">{name}</a>" in nav
        assert nav.count("aria-current") == 1
        assert 'hreflang="fr" aria-current="true"' in nav

    def test_it_is_on_every_page(self, client, reader_paths):
        for path in reader_paths.values():
            assert 'hreflang="ar"' in switcher(client.get(prefixed("de", path)))

    def test_the_visitors_query_is_not_echoed(self, client, db):
        nav = switcher(client.get("/cookies/?next=https://evil.example/"))
        assert "evil.example" not in nav
        assert 'href="/de/cookies/"' in nav

    def test_an_address_naming_no_page_leads_to_each_languages_home(self, client, db):
        nav = switcher(client.get("/de/no/such/page/"))
        assert 'href="/fr/" lang="fr"' in nav
        assert 'href="/" lang="en-gb"' in nav

    def test_a_pages_alternates_decide_and_missing_ones_lead_to_the_index(self, db):
        alternates = [
            {"language": "en-gb", "url": "/glossary/ketosis/"},
            {"language": "de", "url": "/de/glossary/ketose/"},
        ]
        with translation.override("de"):
            links = {
                link.code: link
                for link in languages.language_links(
                    "/de/glossary/ketose/", alternates, "glossary:term_index"
                )
            }
        assert links["de"].url == "/de/glossary/ketose/" and links["de"].current
        assert links["en-gb"].url == "/glossary/ketosis/"
        assert links["fr"].url == "/fr/glossary/"
        assert links["ar"].url == "/ar/glossary/"


class TestRedirectFromTheRootByBrowserLanguage:
    def test_a_german_browser_arriving_from_elsewhere_goes_to_the_german_home(self, client, db):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=GERMAN_BROWSER, HTTP_SEC_FETCH_SITE="none")
        assert response.status_code == 302
        assert response["Location"] == "/de/"
        assert "Accept-Language" in response["Vary"]
        assert response["Cache-Control"] == "private"

    def test_the_query_travels_with_the_redirect(self, client, db):
        response = client.get("/?utm_source=x", HTTP_ACCEPT_LANGUAGE="fr")
        assert response["Location"] == "/fr/?utm_source=x"

    def test_a_visitor_sent_by_the_site_itself_stays_on_english(self, client, db):
        for headers in (
            {"HTTP_SEC_FETCH_SITE": "same-origin"},
            {"HTTP_SEC_FETCH_SITE": "same-site"},
            {"HTTP_REFERER": "http://testserver/de/glossary/"},
        ):
            response = client.get("/", HTTP_ACCEPT_LANGUAGE=GERMAN_BROWSER, **headers)
            assert response.status_code == 200, headers
            assert html_tag(response).startswith('<html lang="en-gb"')

    def test_another_sites_referer_does_not_count_as_the_site(self, client, db):
        response = client.get(
            "/", HTTP_ACCEPT_LANGUAGE=GERMAN_BROWSER, HTTP_REFERER="https://search.example/"
        )
        assert response.status_code == 302

    @pytest.mark.parametrize("header", [None, "en-US,en;q=0.9", "ja", "xx-invalid;;q=abc"])
    def test_no_redirect_without_another_available_language(self, client, db, header):
        extra = {} if header is None else {"HTTP_ACCEPT_LANGUAGE": header}
        response = client.get("/", **extra)
        assert response.status_code == 200
        assert "Accept-Language" in response["Vary"]

    def test_articles_and_other_pages_are_never_redirected(self, client, reader_paths):
        for name, path in reader_paths.items():
            if name == "home":
                continue
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=GERMAN_BROWSER)
            assert response.status_code == 200, name
            assert "Accept-Language" not in response.get("Vary", ""), name

    def test_the_redirect_is_never_stored_by_the_page_cache(self, client, db):
        assert client.get("/", HTTP_ACCEPT_LANGUAGE=GERMAN_BROWSER).status_code == 302
        english = client.get("/")
        assert english.status_code == 200
        assert english["X-Page-Cache"] == "miss"
        assert client.get("/")["X-Page-Cache"] == "hit"
        # The English page now in the cache is never what a German browser gets.
        again = client.get("/", HTTP_ACCEPT_LANGUAGE=GERMAN_BROWSER)
        assert again.status_code == 302
        assert "X-Page-Cache" not in again


class TestPageCachePerLanguage:
    def test_each_language_prefix_is_its_own_entry(self, client, reader_paths):
        term = reader_paths["term"]
        german = client.get(prefixed("de", term))
        assert german["X-Page-Cache"] == "miss"
        english = client.get(term)
        assert english["X-Page-Cache"] == "miss"  # not the German entry
        assert html_tag(english).startswith('<html lang="en-gb"')
        assert client.get(prefixed("de", term))["X-Page-Cache"] == "hit"
        hit = client.get(term)
        assert hit["X-Page-Cache"] == "hit"
        assert html_tag(hit).startswith('<html lang="en-gb"')
        assert "Zum Hauptinhalt springen" not in hit.content.decode()


class TestErrorPagesWithoutARequest:
    @pytest.mark.parametrize("template", ["500.html", "503.html"])
    def test_render_in_the_active_language_without_a_request(self, template):
        from django.template import loader

        with translation.override("ar"):
            html = loader.render_to_string(template, {})
        assert '<html lang="ar" dir="rtl">' in html
        assert f'href="{reverse("glossary:home")}"' in html or 'href="/ar/"' in html


class TestTheAdminFollowsTheStaffMembersBrowser:
    @pytest.fixture
    def staff_client(self, client, django_user_model):
        user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
        client.force_login(user)
        return client

    def test_german_browser_gets_the_german_admin(self, staff_client, make_term):
        make_term()
        response = staff_client.get("/admin/glossary/term/", HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Ausgewählte Begriffe veröffentlichen" in html
        assert "Longevity Glossary: Redaktion" in html
        assert "Accept-Language" in response["Vary"]
        english = staff_client.get("/admin/glossary/term/").content.decode()
        assert "Publish selected terms" in english

    def test_charts_keep_plain_numbers_in_a_comma_language(self, staff_client, make_term):
        import datetime

        from django.utils import timezone

        from glossary.models import TermViews

        term = make_term()
        today = timezone.localdate()
        for back, count in ((0, 3), (1, 7), (2, 1)):
            TermViews.objects.create(
                term=term, day=today - datetime.timedelta(days=back), count=count
            )
        html = staff_client.get("/admin/glossary/termviews/", HTTP_ACCEPT_LANGUAGE="de").content
        svg = re.search(rb"<svg[^>]*data-pageview-chart.*?</svg>", html, re.S).group(0).decode()
        assert "Aufrufe von Begriffsseiten pro Tag" in svg
        assert not re.search(r'="[0-9.]*,[0-9]', svg), "a localized number in an SVG attribute"

    def test_reader_pages_ignore_the_browser_language(self, client, reader_paths):
        response = client.get("/glossary/", HTTP_ACCEPT_LANGUAGE="de")
        assert html_tag(response).startswith('<html lang="en-gb"')


class TestNamesInsideSentences:
    def test_lower_case_except_where_every_noun_is_capitalized(self):
        with translation.override("fr"):
            assert languages.in_sentence("Analytics") == "analytics"
        with translation.override("de"):
            assert languages.in_sentence("Statistik") == "Statistik"


class TestNumbersFollowTheLanguage:
    @pytest.mark.parametrize(("code", "shown"), [("en-gb", "12,500"), ("de", "12.500")])
    def test_counts_are_grouped_the_languages_way(self, code, shown):
        from core.templatetags.languages import grouped

        with translation.override(code):
            assert grouped(12500) == shown

    def test_dates_use_the_languages_format(self, client, make_term):
        import datetime

        from django.utils import timezone

        moment = timezone.make_aware(datetime.datetime(2026, 3, 5, 12, 0))
        term = make_term("Ketosis", slug="ketosis")
        german = make_term("Ketose", slug="ketose", language="de", translation_of=term)
        type(term).objects.filter(pk__in=[term.pk, german.pk]).update(updated_at=moment)
        assert "5 Mar 2026" in client.get(term.get_absolute_url()).content.decode()
        assert "5. März 2026" in client.get(german.get_absolute_url()).content.decode()


class TestTheOutagePageSpeaksTheAddressesLanguage:
    def test_a_503_from_the_page_cache_lookup_is_in_the_urls_language(
        self, client, make_term, monkeypatch
    ):
        from django.db import OperationalError, connection

        term = make_term("Ketosis", slug="ketosis")

        def refuse() -> None:
            raise OperationalError("connection refused")

        monkeypatch.setattr(connection, "ensure_connection", refuse)
        try:
            response = client.get(f"/fr{term.get_absolute_url()}")
        finally:
            monkeypatch.undo()  # the test database needs its connection back
        assert response.status_code == 503
        html = response.content.decode()
        assert '<html lang="fr" dir="ltr">' in html
        assert "Temporairement indisponible" in html
        assert 'href="/fr/glossary/"' in html  # its links stay in the language
