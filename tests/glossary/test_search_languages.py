"""Search and suggestions per language, on SQLite and PostgreSQL alike: a page searches its
own language's articles, with that language's stemming ("Krafttrainings" finds
"Krafttraining")."""

from __future__ import annotations

import pytest

from glossary import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def strength(make_term):
    english = make_term(
        "Strength training",
        slug="strength-training",
        summary="Exercise against resistance that builds muscle.",
        body="Regular strength training keeps muscles and bones strong.",
    )
    german = make_term(
        "Krafttraining",
        slug="krafttraining",
        language="de",
        translation_of=english,
        summary="Training gegen Widerstand, das die Muskulatur aufbaut.",
        body="Regelmäßiges Krafttraining stärkt Muskeln, Sehnen und Knochen.",
    )
    muscle = make_term(
        "Muskel",
        slug="muskel",
        language="de",
        summary="Kontraktiles Gewebe, das Bewegung ermöglicht.",
        body="Ein Muskel besteht aus Muskelfasern.",
    )
    french = make_term(
        "Musculation",
        slug="musculation",
        language="fr",
        translation_of=english,
        summary="Entraînement contre résistance qui développe les muscles.",
        body="La musculation régulière renforce les muscles et les os.",
    )
    return english, german, muscle, french


def titles(query: str, language: str) -> list[str]:
    return [hit.title for hit in search.search_terms(query, language)[:20]]


class TestSearchPerLanguage:
    def test_an_inflected_german_word_finds_the_german_article(self, strength):
        assert titles("Krafttrainings", "de") == ["Krafttraining"]
        assert "Muskel" in titles("Muskeln", "de")

    def test_diacritics_are_folded(self, strength):
        assert titles("regelmassiges", "de") == ["Krafttraining"]
        assert titles("entrainement", "fr") == ["Musculation"]

    def test_a_search_stays_within_the_pages_language(self, strength):
        assert titles("Krafttraining", "en-gb") == []
        assert titles("strength", "de") == []
        assert titles("strength", "en-gb") == ["Strength training"]
        assert titles("muscles", "fr") == ["Musculation"]

    def test_results_link_to_the_languages_address(self, strength):
        [hit] = search.search_terms("Krafttrainings", "de")[:1]
        assert hit.url == "/de/glossary/krafttraining/"

    def test_a_snippet_marks_the_word_as_written(self, strength):
        [hit] = search.search_terms("Sehne", "de")[:1]
        assert hit.title == "Krafttraining"
        assert "<mark>Sehnen</mark>" in hit.snippet

    def test_the_search_page_searches_its_language(self, client, strength):
        page = client.get("/de/search/", {"q": "Krafttrainings"}).content.decode()
        assert 'href="/de/glossary/krafttraining/"' in page
        assert "/glossary/strength-training/" not in page.replace("/de/glossary/", "")

    def test_did_you_mean_stays_within_the_language(self, strength):
        assert [t.title for t in search.close_titles("Krafttrainig", language="de")] == [
            "Krafttraining"
        ]
        assert search.close_titles("Krafttrainig", language="en-gb") == []


class TestSuggestionsPerLanguage:
    def test_suggestions_come_from_the_pages_language(self, strength):
        assert [s["title"] for s in search.suggest_titles("kraft", language="de")] == [
            "Krafttraining"
        ]
        assert search.suggest_titles("kraft", language="en-gb") == []
        assert [s["url"] for s in search.suggest_titles("mus", language="fr")] == [
            "/fr/glossary/musculation/"
        ]

    def test_polish_own_letters_are_typed_as_written(self, make_term):
        make_term("Łydka", slug="lydka", language="pl")
        make_term("Lipidy", slug="lipidy", language="pl")
        assert [s["title"] for s in search.suggest_titles("łyd", language="pl")] == ["Łydka"]
        assert [s["title"] for s in search.suggest_titles("lip", language="pl")] == ["Lipidy"]

    def test_the_suggest_endpoint_answers_in_the_urls_language(self, client, strength):
        response = client.get("/de/search/suggest/", {"q": "Muske"})
        assert [s["title"] for s in response.json()["suggestions"]] == ["Muskel"]


class TestTheLanguageTokenIsNoWord:
    """The index keeps each row's language as a token; typing it finds nothing."""

    @pytest.mark.parametrize("typed", ["xlangengb", "xlangde", "xlang"])
    def test_search_and_suggestions(self, client, make_term, typed):
        make_term("Autophagy", slug="autophagy")
        make_term("Autophagie", slug="autophagie", language="de")
        assert b'href="/glossary/autophagy/"' not in client.get(f"/search/?q={typed}").content
        assert client.get(f"/search/suggest/?q={typed}").json()["suggestions"] == []
