"""Terms in several languages: each version its own article, linked as one concept; pages,
links, listings, feeds and the sitemap stay within a language and name every version."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from glossary import changes
from glossary.models import Term, letter_group, letter_groups, sort_key

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


class _Alternates(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self.html_lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_lang = found.get("lang") or ""
        if tag == "link" and found.get("rel") == "alternate" and found.get("hreflang"):
            assert found["hreflang"] not in self.links, "a language listed twice"
            self.links[found["hreflang"]] = found["href"] or ""


def alternates_of(html: str) -> _Alternates:
    parser = _Alternates()
    parser.feed(html)
    return parser


@pytest.fixture
def insulin(make_term):
    """One concept in three languages: English source, German and French translations."""
    english = make_term("Insulin", slug="insulin", summary="A hormone that lowers blood sugar.")
    german = make_term(
        "Insulin",
        slug="insulin",
        language="de",
        translation_of=english,
        summary="Ein Hormon der Bauchspeicheldrüse, das den Blutzucker senkt.",
    )
    french = make_term(
        "Insuline",
        slug="insuline",
        language="fr",
        translation_of=english,
        summary="Hormone pancréatique qui abaisse la glycémie.",
    )
    return english, german, french


class TestOneConcept:
    def test_translations_share_the_concept_of_their_source(self, insulin):
        english, german, french = insulin
        assert german.concept == english.concept == french.concept
        assert set(english.versions()) == {english, german, french}
        assert german.get_absolute_url() == "/de/glossary/insulin/"
        assert english.get_absolute_url() == "/glossary/insulin/"

    def test_a_language_not_enabled_is_a_validation_error(self, make_term):
        term = Term(title="Insulina", slug="insulina", summary="x", language="pt")
        with pytest.raises(ValidationError) as error:
            term.full_clean()
        assert "language" in error.value.message_dict

    def test_a_second_version_in_one_language_is_a_validation_error(self, insulin):
        english, german, _ = insulin
        twin = Term(
            title="Insulinhormon",
            slug="insulinhormon",
            summary="x",
            language="de",
            translation_of=english,
        )
        with pytest.raises(ValidationError) as error:
            twin.full_clean()
        assert "already has a version in this language" in str(error.value.message_dict)
        assert german.get_absolute_url() in str(error.value.message_dict)

    def test_a_translation_into_its_sources_language_is_refused(self, insulin):
        english, _, _ = insulin
        same = Term(title="Insulin 2", slug="insulin-2", summary="x", translation_of=english)
        with pytest.raises(ValidationError) as error:
            same.full_clean()
        assert "translation_of" in error.value.message_dict

    def test_names_and_slugs_are_unique_per_language_only(self, insulin):
        _, german, _ = insulin
        clash = Term(title="insulin", slug="insulin-de", summary="x", language="de")
        with pytest.raises(ValidationError) as error:
            clash.full_clean(exclude=["concept"])
        assert "title" in error.value.message_dict
        assert german.title == "Insulin"  # the same title as the English term: allowed


class TestOutdated:
    def test_a_translation_is_outdated_once_its_source_text_changes(self, insulin):
        english, german, _ = insulin
        assert not german.is_outdated
        english.status = Term.Status.DRAFT  # not its text: still up to date
        english.save()
        german.refresh_from_db()
        assert not german.is_outdated
        english.body += "\n\nNew findings on insulin resistance."
        english.save()
        german.refresh_from_db()
        assert german.is_outdated

    def test_the_translator_marks_it_up_to_date(self, insulin):
        english, german, _ = insulin
        english.summary = "The hormone that lowers blood glucose."
        english.save()
        german.refresh_from_db()
        assert german.is_outdated
        changes.mark_translated(german)
        german.save()
        german.refresh_from_db()
        assert not german.is_outdated


class TestPages:
    def test_each_language_has_its_own_article_at_its_own_address(self, client, insulin):
        page = client.get("/de/glossary/insulin/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Bauchspeicheldrüse" in html
        assert alternates_of(html).html_lang == "de"
        assert "Bauchspeicheldrüse" not in client.get("/glossary/insulin/").content.decode()

    def test_another_languages_slug_redirects_to_this_languages_version(self, client, insulin):
        response = client.get("/de/glossary/insuline/")  # the French slug under /de/
        assert response.status_code == 301
        assert response["Location"] == "/de/glossary/insulin/"

    def test_a_slug_with_no_version_in_the_language_is_404(self, client, insulin, make_term):
        make_term("Ketosis", slug="ketosis")
        assert client.get("/de/glossary/ketosis/").status_code == 404
        assert client.get("/es/glossary/insulin/").status_code == 404

    def test_every_version_lists_every_version_reciprocally_with_x_default(self, client, insulin):
        expected = {
            "en-gb": f"{HOST}/glossary/insulin/",
            "de": f"{HOST}/de/glossary/insulin/",
            "fr": f"{HOST}/fr/glossary/insuline/",
            "x-default": f"{HOST}/glossary/insulin/",
        }
        for term in insulin:
            html = client.get(term.get_absolute_url()).content.decode()
            assert alternates_of(html).links == expected, term.language

    def test_an_unpublished_version_is_not_listed(self, client, insulin):
        english, _, french = insulin
        french.status = Term.Status.DRAFT
        french.save()
        links = alternates_of(client.get(english.get_absolute_url()).content.decode()).links
        assert set(links) == {"en-gb", "de", "x-default"}

    def test_without_a_default_language_version_x_default_is_the_source(self, client, make_term):
        german = make_term("Muskel", slug="muskel", language="de")
        make_term("Muscle", slug="muscle", language="fr", translation_of=german)
        for url in ("/de/glossary/muskel/", "/fr/glossary/muscle/"):
            links = alternates_of(Client().get(url).content.decode()).links
            assert links["x-default"] == f"{HOST}/de/glossary/muskel/"

    def test_the_views_alternates_follow_the_contract(self, client, insulin):
        response = client.get("/fr/glossary/insuline/")
        alternates = response.context["alternates"]
        assert [(a.language, a.url) for a in alternates] == [
            ("en-gb", "/glossary/insulin/"),
            ("de", "/de/glossary/insulin/"),
            ("fr", "/fr/glossary/insuline/"),
        ]

    def test_json_ld_names_the_language(self, client, insulin):
        html = client.get("/de/glossary/insulin/").content.decode()
        assert '"inLanguage": "de"' in html

    def test_a_page_in_the_cache_is_renewed_when_a_translation_is_added(self, make_term):
        english = make_term("Ketosis", slug="ketosis")
        Client().get(english.get_absolute_url())
        assert Client().get(english.get_absolute_url())["X-Page-Cache"] == "hit"
        make_term("Ketose", slug="ketose", language="de", translation_of=english)
        response = Client().get(english.get_absolute_url())
        assert response["X-Page-Cache"] == "miss"
        assert "de" in alternates_of(response.content.decode()).links

    def test_german_term_pages_are_kept_by_the_page_cache(self, insulin):
        Client().get("/de/glossary/insulin/")
        assert Client().get("/de/glossary/insulin/")["X-Page-Cache"] == "hit"

    def test_the_term_page_costs_no_more_queries_with_translations(
        self, client, insulin, warm_caches, django_assert_max_num_queries
    ):
        warm_caches()
        client.get("/de/glossary/insulin/", {"warm": "1"})  # the German consent catalog
        with django_assert_max_num_queries(2 + 6):
            assert client.get("/de/glossary/insulin/", {"q": "1"}).status_code == 200


class TestWithinALanguage:
    def test_cross_links_point_to_terms_of_the_articles_language(self, insulin, make_term):
        english_article = make_term("Diabetes", slug="diabetes", body="Insulin is lacking.")
        german_article = make_term(
            "Diabetes", slug="diabetes", language="de", body="Es fehlt an Insulin."
        )
        assert 'href="/glossary/insulin/"' in english_article.body_html
        assert 'href="/de/glossary/insulin/"' in german_article.body_html
        french_article = make_term(
            "Diabète", slug="diabete", language="fr", body="Insulin und Insuline."
        )
        assert french_article.body_html.count('class="term-link"') == 1
        assert 'href="/fr/glossary/insuline/"' in french_article.body_html

    def test_inflected_mentions_link_by_the_articles_language(self, make_term):
        make_term("Myokin", slug="myokin", language="de")
        german = make_term(
            "Sport", slug="sport", language="de", body="Muskeln setzen Myokine frei."
        )
        assert (
            'href="/de/glossary/myokin/" class="term-link" data-term="myokin">Myokine</a>'
            in german.body_html
        )
        make_term("Myokin", slug="myokin", language="pl")
        polish = make_term("Sport", slug="sport", language="pl", body="Mięśnie uwalniają myokine.")
        assert "term-link" not in polish.body_html  # Polish links the name as written

    def test_a_new_term_links_inflected_mentions_already_written(self, make_term):
        article = make_term("Muskel", slug="muskel", language="it", body="I recettori del muscolo.")
        make_term("Recettore", slug="recettore", language="it")
        article.refresh_from_db()
        assert 'data-term="recettore">recettori</a>' in article.body_html

    def test_a_new_term_links_the_articles_of_its_language_only(self, make_term):
        english = make_term("Fasting", slug="fasting", body="Ketose happens.")
        german = make_term("Fasten", slug="fasten", language="de", body="Es kommt zur Ketose.")
        make_term("Ketose", slug="ketose", language="de")
        english.refresh_from_db()
        german.refresh_from_db()
        assert "term-link" not in english.body_html
        assert 'href="/de/glossary/ketose/"' in german.body_html

    def test_home_index_and_feed_list_the_languages_terms(self, client, insulin, make_term):
        make_term("Ketosis", slug="ketosis")
        german_home = client.get("/de/").content.decode()
        assert "/de/glossary/insulin/" in german_home
        assert "/glossary/ketosis/" not in german_home
        feed = ET.fromstring(client.get("/de/feed/").content)
        atom = "{http://www.w3.org/2005/Atom}"
        assert [entry.find(f"{atom}title").text for entry in feed.iter(f"{atom}entry")] == [
            "Insulin"
        ]
        assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
        english_feed = ET.fromstring(client.get("/feed/").content)
        titles = {entry.find(f"{atom}title").text for entry in english_feed.iter(f"{atom}entry")}
        assert titles == {"Insulin", "Ketosis"}

    def test_neighbours_and_related_terms_stay_within_the_language(self, client, make_term):
        english = make_term("Beta cell", slug="beta-cell")
        german = make_term("Betazelle", slug="betazelle", language="de")
        make_term("Betablocker", slug="betablocker", language="de")
        german.related_terms.add(english)
        response = client.get(german.get_absolute_url())
        assert response.context["related"] == []
        assert response.context["previous"].slug == "betablocker"
        assert response.context["next"] is None


class TestAlphabets:
    def test_german_umlauts_file_under_their_letter(self):
        assert letter_group("Ärztliche Leitlinie", "de") == "a"
        assert letter_group("Übergewicht", "de") == "u"
        assert sort_key("Ärztliche", "de") < sort_key("Azidose", "de")
        assert sort_key("Straße", "de") == "strasse"

    def test_polish_has_its_own_letters_after_the_latin_ones(self):
        letters = letter_groups("pl")
        assert letters.index("l") + 1 == letters.index("ł")
        assert letters.index("z") + 1 == letters.index("ź")
        assert letters.index("ź") + 1 == letters.index("ż")
        assert letter_group("Łydka", "pl") == "ł"
        assert letter_group("Żołądek", "pl") == "ż"
        assert letter_group("Źrenica", "pl") == "ź"
        assert letter_group("Łydka", "de") == "l"  # in German, Ł is an L
        ordered = sorted(["Mózg", "Łydka", "Lipidy", "Luteina"], key=lambda t: sort_key(t, "pl"))
        assert ordered == ["Lipidy", "Luteina", "Łydka", "Mózg"]

    def test_arabic_titles_file_under_arabic_letters(self):
        assert letter_groups("ar")[0] == "ا"
        assert letter_group("أنسولين", "ar") == "ا"  # alif with hamza files under alif
        assert letter_group("سكري", "ar") == "س"

    def test_the_polish_index_lists_its_letters_in_order(self, client, make_term):
        make_term("Łydka", slug="lydka", language="pl")
        make_term("Lipidy", slug="lipidy", language="pl")
        page = client.get("/pl/glossary/letter/ł/")
        assert page.status_code == 200
        assert [t.title for t in page.context["page_obj"]] == ["Łydka"]
        bar = [letter.key for letter in client.get("/pl/glossary/").context["letters"]]
        assert bar[bar.index("l") + 1] == "ł"
        assert client.get("/glossary/letter/ł/").status_code == 404  # not an English letter

    def test_the_german_letter_page_holds_umlaut_titles(self, client, make_term):
        make_term("Ärztlicher Befund", slug="aerztlicher-befund", language="de")
        make_term("Azidose", slug="azidose", language="de")
        make_term("Acidosis", slug="acidosis")
        page = client.get("/de/glossary/letter/a/")
        assert [t.title for t in page.context["page_obj"]] == ["Ärztlicher Befund", "Azidose"]


class TestSitemap:
    def test_every_version_carries_every_alternate(self, client, insulin, make_term):
        make_term("Ketosis", slug="ketosis")
        xml = client.get("/sitemap-terms.xml").content
        root = ET.fromstring(xml)
        ns = {
            "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
            "x": "http://www.w3.org/1999/xhtml",
        }
        by_location = {
            url.find("s:loc", ns).text: {
                link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)
            }
            for url in root.findall("s:url", ns)
        }
        expected = {
            "en-gb": f"{HOST}/glossary/insulin/",
            "de": f"{HOST}/de/glossary/insulin/",
            "fr": f"{HOST}/fr/glossary/insuline/",
            "x-default": f"{HOST}/glossary/insulin/",
        }
        for location in expected.values():
            assert by_location[location] == expected
        assert by_location[f"{HOST}/glossary/ketosis/"] == {
            "en-gb": f"{HOST}/glossary/ketosis/",
            "x-default": f"{HOST}/glossary/ketosis/",
        }


class TestSeedAndDemo:
    def test_the_seed_article_reads_in_german_and_french(self, client, seed_translations):
        german = seed_translations["de"]["resistance-training-neurological-benefits"]
        french = seed_translations["fr"]["resistance-training-neurological-benefits"]
        assert german.title == "Neurologische Effekte des Krafttrainings"
        html = client.get(german.get_absolute_url()).content.decode()
        assert "Blut-Hirn-Schranke" in html
        assert 'href="/de/glossary/blut-hirn-schranke/"' in html  # linked within German
        assert "/glossary/blood-brain-barrier/" not in html.replace('hreflang="en-gb"', "")
        assert set(alternates_of(html).links) == {"en-gb", "de", "fr", "x-default"}
        assert 'href="/fr/glossary/barriere-hemato-encephalique/"' in french.body_html
        assert [t.slug for t in german.related_terms.all()] != []
        assert {t.language for t in german.related_terms.all()} == {"de"}

    def test_loading_the_seed_twice_creates_nothing_the_second_time(self, seed_translations):
        from glossary.seed import load_seed_content

        assert load_seed_content() == 0

    def test_demo_terms_come_with_translations(self, db):
        from django.core.management import call_command

        call_command("generate_demo_terms", count=20, seed=5, languages="de,fr")
        english = Term.objects.in_language("en-gb")
        assert english.count() == 20
        for language in ("de", "fr"):
            versions = Term.objects.in_language(language)
            assert versions.count() == 20
            version = versions.filter(body_html__contains="term-link").first()
            assert version is not None
            assert f'href="/{language}/glossary/' in version.body_html
            assert version.translation_of.language == "en-gb"
            assert version.concept == version.translation_of.concept
            assert not version.is_outdated

    def test_an_unknown_demo_language_is_a_clear_error(self, db):
        from django.core.management import CommandError, call_command

        with pytest.raises(CommandError, match="not among the site's other languages"):
            call_command("generate_demo_terms", count=5, languages="de,xx")


class TestStoredHtmlIsInTheArticlesLanguage:
    """The words a save writes into the article's HTML follow the article, not the
    language the saving editor reads the admin in."""

    def test_an_english_article_saved_from_the_german_admin(self, make_term):
        with translation.override("de"):
            term = make_term("Autophagy", slug="autophagy", body="Cells recycle [@nokey].")
        assert "citation needed" in term.body_html and "Beleg fehlt" not in term.body_html

    def test_a_german_article_saved_from_the_english_admin(self, make_term):
        with translation.override("en-gb"):
            term = make_term(
                "Autophagie", slug="autophagie", language="de", body="Zellen [@nokey]."
            )
        assert "Beleg fehlt" in term.body_html and "citation needed" not in term.body_html
