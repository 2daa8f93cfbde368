"""Full-text search: the same behaviour on SQLite FTS5 and PostgreSQL full-text search."""

from __future__ import annotations

import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.catalog import get_catalog
from core import deploy
from glossary import bulk, changes, search, search_index
from glossary.models import Term

SEARCH_URL = reverse("glossary:search")
SUGGEST_URL = reverse("glossary:search_suggest")

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL behaviour: runs when DATABASE_URL points at PostgreSQL (CI does)",
)
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite FTS5 behaviour: runs on the SQLite database"
)


def titles(query: str) -> list[str]:
    results = search.search_terms(query)
    return [hit.title for hit in results[: results.count()]]


def page_html(client, **params) -> str:
    response = client.get(SEARCH_URL, params)
    assert response.status_code == 200
    return response.content.decode()


# --- Ranking and matching ---------------------------------------------------------------


class TestRanking:
    def test_exact_title_ranks_first(self, make_term):
        make_term("Autophagy markers", summary="Autophagy, autophagy and more autophagy.")
        make_term("Mitophagy", body="Autophagy of mitochondria. Autophagy autophagy autophagy.")
        make_term("Autophagy", summary="Cells recycling their own parts.")
        assert titles("autophagy")[0] == "Autophagy"

    def test_exact_alias_ranks_first(self, make_term):
        make_term("Hormesis", summary="Mentions BDNF. BDNF rises, BDNF falls, BDNF again.")
        make_term("Brain-derived neurotrophic factor", aliases="BDNF", summary="A growth factor.")
        assert titles("bdnf")[0] == "Brain-derived neurotrophic factor"

    def test_title_outranks_summary_and_summary_outranks_body(self, make_term):
        make_term("Glycation", summary="Sugars binding proteins.", body="Nothing about fats.")
        make_term("Fasting", summary="Ketone bodies rise.", body="Plain body.")
        make_term("Ketone ester drinks", summary="A supplement.", body="Plain body.")
        make_term("Diet", summary="Eating.", body="Ketone metabolism in depth.")
        assert titles("ketone") == ["Ketone ester drinks", "Fasting", "Diet"]

    def test_name_matches_come_before_text_matches_on_every_page(self, client, make_term, settings):
        settings.GLOSSARY_SEARCH_PAGE_SIZE = 2
        for n in range(3):
            make_term(f"Telomere fact {n}", summary="Short.")
            make_term(f"Ageing note {n}", summary="Telomere telomere telomere, about telomere.")
        pages = [
            [
                hit.title
                for hit in client.get(SEARCH_URL, {"q": "telomere", "page": n}).context["page_obj"]
            ]
            for n in (1, 2, 3)
        ]
        seen = [title for page in pages for title in page]
        assert sorted(seen[:3]) == [f"Telomere fact {n}" for n in range(3)]
        assert sorted(seen[3:]) == [f"Ageing note {n}" for n in range(3)]

    def test_alias_match(self, make_term):
        make_term("Blood-brain barrier", aliases="BBB\nhaematoencephalic barrier")
        assert titles("haematoencephalic") == ["Blood-brain barrier"]

    def test_summary_match(self, make_term):
        make_term("Myokines", summary="Signalling proteins released by contracting muscle.")
        assert titles("contracting") == ["Myokines"]

    def test_body_match(self, make_term):
        make_term("Proprioception", body="## Mechanism\n\nMuscle spindles sense stretch.")
        assert titles("spindles") == ["Proprioception"]

    def test_word_forms_match(self, make_term):
        make_term("Neurogenesis", summary="New neurons are born in the hippocampus.")
        assert titles("neuron") == ["Neurogenesis"]

    def test_every_word_must_match(self, make_term):
        make_term("Sarcopenia", summary="Loss of muscle with age.")
        make_term("Hypertrophy", summary="Growth of muscle fibres.")
        assert titles("muscle age") == ["Sarcopenia"]

    def test_accents_do_not_matter(self, make_term):
        make_term("Café au lait spots", summary="Flat pigmented patches.")
        assert titles("cafe") == ["Café au lait spots"]

    def test_quoted_phrase_matches_words_in_order(self, make_term):
        make_term("Muscle protein synthesis", summary="Protein synthesis in muscle.")
        make_term("Protein turnover", summary="Synthesis balanced against protein breakdown.")
        assert titles('"protein synthesis"') == ["Muscle protein synthesis"]

    def test_minus_excludes_a_word(self, make_term):
        make_term("Aerobic exercise", summary="Exercise that trains the heart.")
        make_term("Resistance exercise", summary="Exercise that trains muscle.")
        assert titles("exercise -heart") == ["Resistance exercise"]

    def test_an_excluded_word_in_the_text_excludes_a_title_match(self, make_term):
        make_term("Exercise", summary="Training that is good for the heart.")
        make_term("Resistance exercise", summary="Training that builds muscle.")
        make_term("Sport", summary="Games.", body="Exercise with rules.")
        assert titles("exercise -heart") == ["Resistance exercise", "Sport"]

    def test_or_finds_either_word(self, make_term):
        make_term("Ketosis", summary="Burning fat.")
        make_term("Glycolysis", summary="Burning sugar.")
        make_term("Sleep", summary="Resting.")
        assert sorted(titles("ketosis or glycolysis")) == ["Glycolysis", "Ketosis"]


class TestVisibility:
    def test_hidden_terms_are_left_out_of_every_rank_and_count(self, make_term):
        make_term("Autophagy", status=Term.Status.DRAFT)  # would be the exact match
        make_term("Autophagy flux", published_at=timezone.now() + timezone.timedelta(days=1))
        make_term("Autophagy markers")
        make_term("Mitophagy", body="Autophagy of mitochondria.", status=Term.Status.DRAFT)
        make_term("Lysosome", body="Where autophagy ends.")
        results = search.search_terms("autophagy")
        assert results.count() == 2
        assert [hit.title for hit in results[0:10]] == ["Autophagy markers", "Lysosome"]

    def test_draft_terms_are_not_found(self, make_term):
        make_term("Senolytics", status=Term.Status.DRAFT)
        assert titles("senolytics") == []

    def test_scheduled_terms_are_not_found_until_their_time(self, make_term):
        due = timezone.now() + timezone.timedelta(seconds=1)
        make_term("Senolytics", published_at=due)
        assert titles("senolytics") == []  # and that answer is cached
        time.sleep(max((due - timezone.now()).total_seconds(), 0) + 0.1)
        assert titles("senolytics") == ["Senolytics"]

    def test_a_scheduled_term_is_suggested_when_its_time_comes(self, make_term):
        make_term("Senescence")
        due = timezone.now() + timezone.timedelta(seconds=1)
        make_term("Senolytics", published_at=due)
        assert [s["title"] for s in search.suggest_titles("sen")] == ["Senescence"]
        time.sleep(max((due - timezone.now()).total_seconds(), 0) + 0.1)
        # No stamp moved and no edit was made: the visibility rule is asked at each suggestion.
        assert [s["title"] for s in search.suggest_titles("sen")] == ["Senescence", "Senolytics"]

    def test_a_repeated_search_reads_no_index(self, make_term):
        make_term("Senolytics", summary="Drugs that clear senescent cells.")
        first = titles("senolytics")
        with CaptureQueriesContext(connection) as queries:
            assert titles("senolytics") == first == ["Senolytics"]
        read = [query["sql"] for query in queries.captured_queries]
        # The listings stamp and the schedule (the answer's key), no index.
        assert read and all("core_stamp" in sql or "max(published_at)" in sql for sql in read)

    def test_a_new_release_does_not_read_answers_an_earlier_one_cached(
        self, make_term, monkeypatch
    ):
        """A release may change what a cached answer holds: its answers have keys of their own."""
        make_term("Senolytics", summary="Drugs that clear senescent cells.")
        monkeypatch.setattr(deploy, "version", lambda: "release-a")
        assert titles("senolytics") == ["Senolytics"]
        monkeypatch.setattr(deploy, "version", lambda: "release-b")
        with CaptureQueriesContext(connection) as queries:
            assert titles("senolytics") == ["Senolytics"]
        read = [query["sql"] for query in queries.captured_queries]
        assert any("core_stamp" not in sql for sql in read)  # the index, read again

    def test_an_edit_shows_in_a_repeated_search_at_once(self, make_term):
        term = make_term("Senolytics")
        assert titles("senolytics") == ["Senolytics"]
        term.title = "Senolytic drugs"
        term.save()
        assert titles("senolytics") == ["Senolytic drugs"]

    def test_suggestions_skip_drafts(self, client, make_term):
        make_term("Senolytics", status=Term.Status.DRAFT)
        make_term("Senescence")
        data = client.get(SUGGEST_URL, {"q": "sen"}).json()
        assert [s["title"] for s in data["suggestions"]] == ["Senescence"]

    def test_close_titles_skip_drafts(self, make_term):
        make_term("Neurogenesis", status=Term.Status.DRAFT)
        assert search.close_titles("neurogenisis") == []


# --- The index follows every write ---------------------------------------------------------


class TestIndexFollowsWrites:
    def test_save_indexes_new_and_changed_text(self, make_term):
        term = make_term("Hormesis", summary="A little stress helps.")
        assert titles("stress") == ["Hormesis"]
        term.summary = "Small doses of a stressor strengthen."
        term.save()
        assert titles("helps") == []
        assert titles("doses") == ["Hormesis"]

    def test_rename_changes_what_is_found(self, make_term):
        term = make_term("Hormesis", summary="Small doses help.")
        term.title = "Adaptive stress response"
        term.save()
        assert titles("hormesis") == []
        assert titles("adaptive") == ["Adaptive stress response"]

    def test_queryset_update_is_indexed(self, make_term):
        term = make_term("Hormesis", body="Old words.")
        Term.objects.filter(pk=term.pk).update(body="Xenohormesis in plants.")
        assert titles("xenohormesis") == ["Hormesis"]
        assert titles("old") == []

    def test_bulk_create_is_indexed(self, db):
        now = timezone.now() - timezone.timedelta(minutes=1)
        Term.objects.bulk_create(
            Term(
                title=f"Bulk term {n}",
                slug=f"bulk-term-{n}",
                sort_title=f"bulk term {n}",
                letter="b",
                summary=f"Imported definition number{n}.",
                status=Term.Status.PUBLISHED,
                published_at=now,
            )
            for n in range(3)
        )
        assert titles("imported") == ["Bulk term 0", "Bulk term 1", "Bulk term 2"]
        assert titles("number1") == ["Bulk term 1"]

    def test_delete_removes_from_index(self, make_term):
        term = make_term("Hormesis")
        term.delete()
        assert titles("hormesis") == []

    def test_bulk_delete_removes_from_index(self, make_term):
        make_term("Hormesis one")
        make_term("Hormesis two")
        Term.objects.filter(title__startswith="Hormesis").delete()
        assert titles("hormesis") == []

    def test_unpublishing_hides_the_term(self, make_term):
        term = make_term("Hormesis")
        term.status = Term.Status.DRAFT
        term.save()
        assert titles("hormesis") == []


# --- Snippets -------------------------------------------------------------------------------


class TestSnippets:
    def test_snippet_highlights_the_matching_words(self, make_term):
        make_term("Myokines", summary="Signalling proteins released by contracting muscle.")
        [hit] = search.search_terms("contracting")[:1]
        assert "<mark>contracting</mark>" in hit.snippet

    def test_body_match_shows_a_passage_of_the_body(self, make_term):
        make_term(
            "Proprioception",
            summary="The sense of where the body is.",
            body="## Mechanism\n\nMuscle **spindles** sense stretch.",
        )
        [hit] = search.search_terms("spindles")[:1]
        assert "<mark>spindles</mark>" in hit.snippet
        assert "##" not in hit.snippet and "**" not in hit.snippet

    def test_title_only_match_shows_the_summary(self, make_term):
        make_term("Hormesis", summary="A little stress helps.", body="Nothing.")
        [hit] = search.search_terms("hormesis")[:1]
        assert hit.snippet == "A little stress helps."

    def test_snippet_escapes_markup_from_the_text(self, client, make_term):
        make_term(
            "Injection attempt",
            summary="Harmless <b>bold</b> & summary.",
            body="Payload <script>alert('x')</script> <img src=x onerror=alert(1)> payload.",
        )
        html = page_html(client, q="payload")
        assert "<mark>Payload</mark>" in html
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        html = page_html(client, q="harmless")
        assert "<mark>Harmless</mark>" in html
        assert "<b>bold</b>" not in html

    def test_highlight_keeps_only_its_own_markup(self):
        text = f"<i>{search.START}x{search.STOP}</i> {search.STOP}{search.START}open"
        assert search.highlight(text) == "&lt;i&gt;<mark>x</mark>&lt;/i&gt; <mark>open</mark>"


# --- The search page --------------------------------------------------------------------------


class TestSearchPage:
    def test_results_link_to_their_term_pages(self, client, make_term):
        term = make_term("Hormesis")
        html = page_html(client, q="hormesis")
        assert f'<a href="{term.get_absolute_url()}">Hormesis</a>' in html
        assert "1 result for “hormesis”" in html

    def test_bdnf_finds_brain_derived_neurotrophic_factor_first(self, client, seed):
        response = client.get(SEARCH_URL, {"q": "BDNF"})
        first = response.context["page_obj"].object_list[0]
        assert first.title == "Brain-derived neurotrophic factor"
        assert first.url == reverse(
            "glossary:term_detail", args=[seed_slug(seed, "Brain-derived neurotrophic factor")]
        )
        assert len(response.context["page_obj"].object_list) >= 2  # the seed article mentions it

    def test_results_are_paginated(self, client, make_term, settings):
        settings.GLOSSARY_SEARCH_PAGE_SIZE = 2
        for n in range(5):
            make_term(f"Telomere fact {n}")
        first = client.get(SEARCH_URL, {"q": "telomere"}).context["page_obj"]
        third = client.get(SEARCH_URL, {"q": "telomere", "page": 3}).context["page_obj"]
        assert first.paginator.count == 5 and first.paginator.num_pages == 3
        seen = [hit.title for hit in first] + [
            hit.title
            for page in (2, 3)
            for hit in client.get(SEARCH_URL, {"q": "telomere", "page": page}).context["page_obj"]
        ]
        assert sorted(seen) == [f"Telomere fact {n}" for n in range(5)]
        assert len(third.object_list) == 1
        assert "q=telomere&amp;page=2" in page_html(client, q="telomere")

    @pytest.mark.parametrize(
        ("page", "expected"), [("99", 3), ("-1", 3), ("abc", 1), ("", 1), ("2\x00", 1)]
    )
    def test_out_of_range_or_garbage_page_gives_last_or_first(
        self, client, make_term, settings, page, expected
    ):
        settings.GLOSSARY_SEARCH_PAGE_SIZE = 2
        for n in range(5):
            make_term(f"Telomere fact {n}")
        response = client.get(SEARCH_URL, {"q": "telomere", "page": page})
        assert response.status_code == 200
        assert response.context["page_obj"].number == expected

    def test_no_results_page_says_so_and_links_to_the_index(self, client, make_term):
        make_term("Hormesis")
        html = page_html(client, q="zebrafish")
        assert "No terms match “zebrafish”" in html
        assert f'href="{reverse("glossary:term_index")}"' in html

    def test_close_titles_are_cached_and_follow_an_edit(self, make_term, django_assert_num_queries):
        term = make_term("Neurogenesis")
        # The content stamp, then (on PostgreSQL one query) the words, the titles.
        queries = 2 if connection.vendor == "postgresql" else 3
        with django_assert_num_queries(queries):
            assert [t.title for t in search.close_titles("neurogenisis")] == ["Neurogenesis"]
        with django_assert_num_queries(1):  # the content stamp only
            [cached] = search.close_titles("neurogenisis")
        assert cached.get_absolute_url() == term.get_absolute_url()
        term.status = Term.Status.DRAFT
        term.save()
        assert search.close_titles("neurogenisis") == []

    def test_no_results_suggests_close_titles(self, client, make_term):
        term = make_term("Neurogenesis", summary="New neurons.")
        make_term("Hormesis")
        html = page_html(client, q="neurogenisis")
        assert "Did you mean" in html
        assert f'<a href="{term.get_absolute_url()}">Neurogenesis</a>' in html
        assert "Hormesis" not in html

    def test_empty_query_shows_the_form_only(self, client, make_term):
        make_term("Hormesis")
        html = page_html(client, q="")
        assert "No terms match" not in html
        assert 'role="search"' in html

    def test_search_page_query_budget(
        self, client, make_term, settings, warm_caches, django_assert_max_num_queries
    ):
        settings.GLOSSARY_SEARCH_PAGE_SIZE = 20
        for n in range(30):
            make_term(f"Telomere fact {n}", summary="Telomere telomere.")
        warm_caches()
        # + the version reads: the consent catalog's, the answers' (stamp and schedule).
        with django_assert_max_num_queries(4 + 5):
            response = client.get(SEARCH_URL, {"q": "telomere", "page": 2})
        assert len(response.context["page_obj"].object_list) == 10
        with django_assert_max_num_queries(4 + 5):
            response = client.get(SEARCH_URL, {"q": "telomeer"})
        assert response.context["did_you_mean"]

    def test_count_stops_at_a_cap_and_says_more_than(self, client, make_term, monkeypatch):
        monkeypatch.setattr(search, "MAX_COUNTED", 3)
        for n in range(5):
            make_term(f"Telomere fact {n}")
        html = page_html(client, q="telomere")
        assert "More than 3 results" in html

    def test_count_adds_text_matches_to_title_matches_below_the_cap(
        self, client, make_term, monkeypatch
    ):
        monkeypatch.setattr(search, "MAX_COUNTED", 3)
        make_term("Telomere fact")
        make_term("Ageing", summary="Telomere length shortens.")
        make_term("Senescence", body="Cells stop dividing when the telomere is short.")
        make_term("Hormesis", summary="Unrelated.")
        assert "3 results for" in page_html(client, q="telomere")
        make_term("Sirtuins", body="Also said of the telomere.")
        assert "More than 3 results" in page_html(client, q="telomere")

    def test_count_with_an_excluded_word_checks_the_whole_text(
        self, client, make_term, monkeypatch
    ):
        monkeypatch.setattr(search, "MAX_COUNTED", 3)
        for n in range(4):  # four title matches, each excluded by its body
            make_term(f"Telomere fact {n}", body="Measured in mice.")
        make_term("Telomere in people", body="Measured in people.")
        html = page_html(client, q="telomere -mice")
        assert "1 result for" in html
        assert "Telomere in people" in html


def seed_slug(seed: dict[str, Term], title: str) -> str:
    return next(slug for slug, term in seed.items() if term.title == title)


# --- Bad input ----------------------------------------------------------------------------------

BAD_QUERIES = [
    pytest.param("a" * 10_000, id="ten-thousand-characters"),
    pytest.param("neuro " * 2_000, id="two-thousand-words"),
    pytest.param('"', id="lone-quote"),
    pytest.param('"unclosed phrase', id="unclosed-quote"),
    pytest.param("*", id="star"),
    pytest.param("neuro*", id="prefix-star"),
    pytest.param("NEAR(brain muscle, 2)", id="near"),
    pytest.param("(brain", id="open-paren"),
    pytest.param("brain)", id="close-paren"),
    pytest.param("title:brain", id="column-filter"),
    pytest.param("{title aliases}: brain", id="column-set"),
    pytest.param("^brain", id="caret"),
    pytest.param("-", id="lone-minus"),
    pytest.param("-brain", id="only-negation"),
    pytest.param("brain AND OR NOT muscle", id="boolean-operators"),
    pytest.param("AND", id="only-and"),
    pytest.param("'; DROP TABLE glossary_term; --", id="sql-drop"),
    pytest.param("' OR 1=1 --", id="sql-or"),
    pytest.param("brain\x00muscle", id="null-byte"),
    pytest.param("\x00", id="only-null-byte"),
    pytest.param("brain\x01\x1b[31m\x7fmuscle", id="control-characters"),
    pytest.param("!@#$%^&*()_+-=[]{}|;:',.<>/?`~", id="only-punctuation"),
    pytest.param("🧠💪", id="emoji"),
    pytest.param("brain 🧠 muscle", id="words-and-emoji"),
    pytest.param("\ue000brain\ue001", id="our-own-markers"),
    pytest.param("a:* & !b | c <-> d", id="tsquery-operators"),
    pytest.param("\\", id="backslash"),
    pytest.param("%_%", id="like-wildcards"),
]


# The plain text a bad query's suggestions come from: operators, quotes, punctuation and
# control characters are not words; None where no title can match what is left (a word no
# title holds, or several words no single title holds together).
PLAIN_TEXT_OF_BAD_QUERY = {
    "prefix-star": "neuro",
    "open-paren": "brain",
    "close-paren": "brain",
    "caret": "brain",
    "only-negation": "brain",
    "our-own-markers": "brain",
}
# What the seed content suggests for those plain texts, in the order shown.
SEED_SUGGESTIONS = {
    "neuro": [
        "Neurogenesis",
        "Brain-derived neurotrophic factor",
        "Resistance training neurological benefits",
    ],
    "brain": [
        "Brain-derived neurotrophic factor",
        "Blood-brain barrier",
        "Resistance training neurological benefits",
    ],
}
BAD_QUERIES_WITH_PLAIN_TEXT = [
    pytest.param(param.values[0], PLAIN_TEXT_OF_BAD_QUERY.get(param.id), id=param.id)
    for param in BAD_QUERIES
]


class TestBadInput:
    @pytest.mark.parametrize("query", BAD_QUERIES)
    def test_bad_query_returns_a_normal_page(self, client, seed, query):
        response = client.get(SEARCH_URL, {"q": query})
        assert response.status_code == 200
        assert 'role="search"' in response.content.decode()
        assert Term.objects.count() == len(seed)

    @pytest.mark.parametrize(("query", "plain_text"), BAD_QUERIES_WITH_PLAIN_TEXT)
    def test_bad_query_suggests_what_its_plain_text_part_suggests(
        self, client, seed, query, plain_text
    ):
        response = client.get(SUGGEST_URL, {"q": query})
        assert response.status_code == 200
        suggested = [item["title"] for item in response.json()["suggestions"]]
        assert suggested == SEED_SUGGESTIONS.get(plain_text, [])
        if plain_text:
            plain = client.get(SUGGEST_URL, {"q": plain_text}).json()["suggestions"]
            assert suggested == [item["title"] for item in plain]

    def test_operator_characters_are_plain_text(self, make_term):
        make_term("Near infrared light", summary="Light therapy.")
        make_term("Brain", summary="Not about near infrared.", status=Term.Status.DRAFT)
        assert titles("NEAR") == ["Near infrared light"]
        assert titles("near*") == ["Near infrared light"]
        assert titles("(near)") == ["Near infrared light"]

    def test_sql_fragment_is_searched_as_words(self, make_term):
        make_term("Drop sets", summary="A resistance training table of drop sets.")
        assert titles("'; DROP TABLE glossary_term; --") == []
        assert titles("drop table") == ["Drop sets"]
        assert Term.objects.filter(title="Drop sets").exists()

    def test_null_bytes_and_controls_are_removed_from_the_query(self, client, make_term):
        make_term("Brain", summary="Muscle talks to the brain.")
        response = client.get(SEARCH_URL, {"q": "brain\x00\x07muscle"})
        assert response.context["query"] == "brain muscle"
        assert [hit.title for hit in response.context["page_obj"]] == ["Brain"]

    def test_long_query_is_cut_to_the_maximum(self, client, db):
        response = client.get(SEARCH_URL, {"q": "x" * 10_000})
        assert len(response.context["query"]) == search.MAX_QUERY_LENGTH

    def test_post_is_not_allowed(self, client, db):
        assert client.post(SEARCH_URL, {"q": "brain"}).status_code == 405


# --- Suggestions for the search box -------------------------------------------------------------


class TestSuggest:
    def test_suggests_titles_by_prefix(self, client, make_term):
        make_term("Neurogenesis")
        make_term("Neuroplasticity")
        make_term("Hormesis")
        data = client.get(SUGGEST_URL, {"q": "neur"}).json()
        assert [s["title"] for s in data["suggestions"]] == ["Neurogenesis", "Neuroplasticity"]
        assert (
            data["suggestions"][0]["url"]
            == Term.objects.get(title="Neurogenesis").get_absolute_url()
        )

    def test_title_starting_with_the_text_comes_first(self, client, make_term):
        make_term("Adult neurogenesis in mice")
        make_term("Neurogenesis")
        data = client.get(SUGGEST_URL, {"q": "neurogen"}).json()
        assert data["suggestions"][0]["title"] == "Neurogenesis"

    def test_suggests_by_alias_and_says_which(self, client, make_term):
        make_term("Brain-derived neurotrophic factor", aliases="BDNF")
        data = client.get(SUGGEST_URL, {"q": "bdn"}).json()
        assert data["suggestions"] == [
            {
                "title": "Brain-derived neurotrophic factor",
                "url": Term.objects.get().get_absolute_url(),
                "alias": "BDNF",
            }
        ]

    def test_several_words_all_match(self, client, make_term):
        make_term("Brain-derived neurotrophic factor")
        make_term("Brain fog")
        data = client.get(SUGGEST_URL, {"q": "brain neuro"}).json()
        assert [s["title"] for s in data["suggestions"]] == ["Brain-derived neurotrophic factor"]

    def test_the_last_word_is_the_beginning_of_a_word_as_written(self, make_term):
        """Not of its stem: "traini" begins "training", whose English stem is "train"."""
        make_term("Strength training")
        make_term("Train station")
        assert [s["title"] for s in search.suggest_titles("traini")] == ["Strength training"]
        assert [s["title"] for s in search.suggest_titles("strength trainin")] == [
            "Strength training"
        ]

    def test_common_words_typed_whole_match_as_written(self, make_term):
        """Words a stemmer's stop list drops ("with", "the") still have to be in the title."""
        make_term("Exercising with weights")
        make_term("Weights and measures")
        assert [s["title"] for s in search.suggest_titles("with wei")] == [
            "Exercising with weights"
        ]
        assert search.suggest_titles("the wei") == []

    def test_words_typed_whole_match_other_forms_of_the_word(self, client, make_term):
        make_term("Exercise training")
        make_term("Studying cell aging")
        make_term("Exercising the brain")
        make_term("Extra terms", aliases="Exercitation track")  # shares letters, not the stem
        data = client.get(SUGGEST_URL, {"q": "exercises tr"}).json()
        assert [s["title"] for s in data["suggestions"]] == ["Exercise training"]
        data = client.get(SUGGEST_URL, {"q": "study cell ag"}).json()
        assert [s["title"] for s in data["suggestions"]] == ["Studying cell aging"]
        data = client.get(SUGGEST_URL, {"q": "the brai"}).json()  # short words: as typed
        assert [s["title"] for s in data["suggestions"]] == ["Exercising the brain"]

    def test_at_most_eight_suggestions(self, client, make_term):
        for n in range(12):
            make_term(f"Telomere fact {n}")
        data = client.get(SUGGEST_URL, {"q": "telo"}).json()
        assert len(data["suggestions"]) == 8

    def test_titles_starting_with_the_text_come_shortest_first_hidden_ones_left_out(
        self, make_term
    ):
        # Longer titles sort earlier alphabetically: length must decide.
        names = [f"Telomere {chr(ord('j') - n)}{'x' * n}" for n in range(10)]
        for name in reversed(names):
            make_term(name)
        make_term("Short telomeres")  # the word, but not at the start
        make_term("Telomere", status=Term.Status.DRAFT)
        make_term("Telomeric", published_at=timezone.now() + timezone.timedelta(days=1))
        titles = [s["title"] for s in search.suggest_titles("telo")]
        assert titles == names[:8]

    def test_a_title_starting_with_the_text_stays_first_among_many_word_matches(self, make_term):
        # The word search orders only its first SUGGEST_CANDIDATES matches.
        many = [
            Term(
                title=f"Protein induced marker {n}",
                slug=f"protein-induced-marker-{n}",
                summary="A marker.",
                status=Term.Status.PUBLISHED,
                published_at=timezone.now() - timezone.timedelta(minutes=1),
            )
            for n in range(search.SUGGEST_CANDIDATES + 50)
        ]
        bulk.create_terms(many)
        changes.terms_loaded([term.pk for term in many])
        make_term("Indigo dye")  # the newest row: not among the word search's first matches
        titles = [s["title"] for s in search.suggest_titles("ind")]
        assert titles[0] == "Indigo dye"
        assert len(titles) == 8
        assert all(title.startswith("Protein induced marker") for title in titles[1:])

    def test_too_short_text_suggests_nothing(self, client, make_term):
        make_term("Neurogenesis")
        assert client.get(SUGGEST_URL, {"q": "n"}).json() == {"suggestions": []}
        assert client.get(SUGGEST_URL).json() == {"suggestions": []}

    def test_suggestions_are_cacheable_for_a_short_time(self, client, make_term):
        response = client.get(SUGGEST_URL, {"q": "neur"})
        assert response["Content-Type"] == "application/json"
        assert "max-age=300" in response["Cache-Control"]
        assert "public" in response["Cache-Control"]

    def test_a_suggestion_costs_a_few_index_reads(
        self, client, make_term, django_assert_max_num_queries
    ):
        for n in range(12):
            make_term(f"Telomere fact {n}", aliases=f"TF{n}")
        get_catalog()  # as on a running site: every response reads the consent catalog
        # The consent catalog's stamp, then the titles starting with the text: they fill
        # the list, so the word search is not asked.
        with django_assert_max_num_queries(2):
            first = client.get(SUGGEST_URL, {"q": "telo"}).json()["suggestions"]
        assert len(first) == 8
        # No title starts with it: the word search too.
        with django_assert_max_num_queries(3):
            assert len(client.get(SUGGEST_URL, {"q": "fact"}).json()["suggestions"]) == 8
        # A word typed whole: the words sharing its stem as well.
        with django_assert_max_num_queries(4):
            assert len(client.get(SUGGEST_URL, {"q": "facts tel"}).json()["suggestions"]) == 8

    def test_cached_suggestions_follow_an_edit_at_once(self, make_term):
        make_term("Neurogenesis")
        assert [s["title"] for s in search.suggest_titles("neur")] == ["Neurogenesis"]
        make_term("Neuron")
        renamed = Term.objects.get(title="Neurogenesis")
        renamed.title = "Adult neurogenesis"
        renamed.save()
        assert [s["title"] for s in search.suggest_titles("neur")] == [
            "Neuron",
            "Adult neurogenesis",
        ]

    def test_a_renamed_term_is_suggested_by_its_new_names_only(self, make_term):
        for n in range(5):
            make_term(f"Telomere fact {n}")
        term = make_term("Neurogenesis", aliases="Birth of neurons")
        make_term("Neuron")
        assert [s["title"] for s in search.suggest_titles("neur")] == ["Neuron", "Neurogenesis"]
        assert [s["title"] for s in search.suggest_titles("birth")] == ["Neurogenesis"]
        term.title = "Adult neurogenesis"
        term.aliases = "Newborn neurons"
        term.save()
        assert [s["title"] for s in search.suggest_titles("neur")] == [
            "Neuron",
            "Adult neurogenesis",
        ]
        assert search.suggest_titles("birth") == []
        assert search.suggest_titles("newborn") == [
            {
                "title": "Adult neurogenesis",
                "url": term.get_absolute_url(),
                "alias": "Newborn neurons",
            }
        ]
        assert len(search.suggest_titles("telo")) == 5

    def test_a_new_term_is_suggested_at_once_whatever_its_publication_time(self, make_term):
        make_term("Neurogenesis")
        assert [s["title"] for s in search.suggest_titles("neur")] == ["Neurogenesis"]
        make_term("Neuron")  # published now
        make_term("Neuroplasticity", published_at=timezone.now() - timezone.timedelta(days=9))
        assert [s["title"] for s in search.suggest_titles("neur")] == [
            "Neuron",
            "Neurogenesis",
            "Neuroplasticity",
        ]

    def test_an_unpublished_or_deleted_term_leaves_the_suggestions_at_once(self, make_term):
        draft_soon = make_term("Neurogenesis")
        gone_soon = make_term("Neuron")
        make_term("Neuroplasticity")
        assert len(search.suggest_titles("neur")) == 3
        draft_soon.status = Term.Status.DRAFT
        draft_soon.save()
        gone_soon.delete()
        assert [s["title"] for s in search.suggest_titles("neur")] == ["Neuroplasticity"]

    def test_suggestions_skip_scheduled_terms(self, make_term):
        make_term("Senolytics", published_at=timezone.now() + timezone.timedelta(days=1))
        make_term("Senescence")
        assert [s["title"] for s in search.suggest_titles("sen")] == ["Senescence"]

    def test_summary_and_body_words_are_not_suggested(self, client, make_term):
        make_term("Hormesis", summary="Neuro things.", body="Neuro words.")
        assert client.get(SUGGEST_URL, {"q": "neuro"}).json() == {"suggestions": []}


# --- The index objects, per database ---------------------------------------------------------


class TestDidYouMean:
    """Each typed word is corrected to a title or alias word, then the titles holding the
    corrected words are offered, closest to the typed text first."""

    def test_a_misspelled_word_finds_its_title(self, make_term):
        make_term("Neurogenesis")
        make_term("Neuroplasticity")
        assert search.close_titles("neurogenisis")[0].title == "Neurogenesis"

    def test_a_typo_in_the_first_letter_or_a_missing_first_letter_is_corrected(self, make_term):
        make_term("Neurogenesis")
        make_term("Autophagy")
        assert [t.title for t in search.close_titles("keurogenesis")] == ["Neurogenesis"]
        assert [t.title for t in search.close_titles("utophagy")] == ["Autophagy"]
        make_term("Hormesis")  # a new title's words are corrected to at once
        assert [t.title for t in search.close_titles("kormesis")] == ["Hormesis"]
        assert [t.title for t in search.close_titles("ormesis")] == ["Hormesis"]

    def test_each_word_is_corrected_and_correct_words_are_kept(self, make_term):
        make_term("Insulin resistance")
        make_term("Insulin sensitivity")
        make_term("Muscle resistance")
        assert [t.title for t in search.close_titles("insulin resistence")] == [
            "Insulin resistance"
        ]

    def test_the_title_nearest_the_text_is_found_among_many_holding_the_word(self, make_term):
        for n in range(60):  # more titles holding the word than candidates are kept
            make_term(f"Modulation of signalling pathway {n}")
        make_term("Modulation")
        assert search.close_titles("moudlation")[0].title == "Modulation"

    def test_misspelling_is_found_among_many_titles_sharing_its_letters(self, make_term):
        for n in range(60):
            make_term(f"Regulation station {n}")
        make_term("Inflammation")
        assert [t.title for t in search.close_titles("inflamation")] == ["Inflammation"]

    def test_a_misspelled_word_of_a_long_title_finds_it(self, make_term):
        make_term("Resistance training neurological benefits")
        make_term("Neurogenesis")
        assert [t.title for t in search.close_titles("neurologcal")] == [
            "Resistance training neurological benefits"
        ]

    def test_text_close_to_no_word_suggests_nothing(self, make_term):
        make_term("Neurogenesis")
        assert search.close_titles("zzqxvw") == []
        assert search.close_titles("ab") == []  # too short to correct


@sqlite_only
class TestSQLiteIndex:
    def test_fts5_tables_and_triggers_exist(self, db):
        tables = connection.introspection.table_names()
        assert search_index.FTS_TABLE in tables
        assert search_index.NAME_WORDS_TABLE in tables
        assert search_index.NAME_WORDS_VOCAB in tables
        assert search_index.ensure_search_index(connection) is False  # the layout is current
        assert search_index.sqlite_triggers_present(connection) == set(search_index.SQLITE_TRIGGERS)

    def test_updating_only_rendered_html_does_not_reindex(self, make_term):
        term = make_term("Hormesis")
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {search_index.FTS_TABLE}")
        Term.objects.filter(pk=term.pk).update(body_html="<p>changed</p>")
        assert titles("hormesis") == []  # the trigger fires only on indexed columns

    def test_lost_triggers_are_restored_and_index_rebuilt(self, make_term):
        """A later migration that rebuilds glossary_term drops its triggers: migrate repairs."""
        make_term("Hormesis")
        with connection.cursor() as cursor:
            for name in search_index.SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
        Term.objects.filter(title="Hormesis").update(summary="Unindexed words.")
        assert titles("unindexed") == []
        assert search_index.ensure_search_index(connection) is True
        assert titles("unindexed") == ["Hormesis"]
        assert search_index.ensure_search_index(connection) is False

    def test_bulk_inserted_terms_are_indexed_in_one_pass_and_later_edits_still_are(self, make_term):
        hormesis = make_term("Hormesis")
        with transaction.atomic():
            bulk.create_terms([Term(title="Autophagy", slug="autophagy", status="published")])
            assert titles("autophagy") == ["Autophagy"]  # indexed at the block's end
        assert search_index.sqlite_triggers_present(connection) == set(search_index.SQLITE_TRIGGERS)
        Term.objects.create(title="Mitophagy", slug="mitophagy", status="published")
        Term.objects.filter(pk=hormesis.pk).update(summary="Hormetic stress.")
        assert titles("mitophagy") == ["Mitophagy"]
        assert titles("hormetic") == ["Hormesis"]

    def test_a_failed_bulk_insert_leaves_the_insert_trigger_in_place(self, db):
        with pytest.raises(IntegrityError), transaction.atomic():
            bulk.create_terms([Term(title="A", slug="same"), Term(title="B", slug="same")])
        assert search_index.sqlite_triggers_present(connection) == set(search_index.SQLITE_TRIGGERS)
        Term.objects.create(title="Mitophagy", slug="mitophagy", status="published")
        assert titles("mitophagy") == ["Mitophagy"]

    def test_deferred_indexing_needs_a_transaction(self, transactional_db):
        with (
            pytest.raises(RuntimeError, match="transaction"),
            search_index.indexed_after_insert(connection),
        ):
            pass

    def test_an_index_of_the_earlier_layout_is_replaced_by_migrate(self, client, make_term):
        """Databases indexed before the title-words table had a trigram table instead."""
        make_term("Neurogenesis", aliases="Birth of neurons")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {search_index.NAME_WORDS_VOCAB}")
            cursor.execute(f"DROP TABLE {search_index.NAME_WORDS_TABLE}")
            cursor.execute(
                "CREATE VIRTUAL TABLE glossary_term_title_trgm USING fts5(title, tokenize=trigram)"
            )
        assert search_index.ensure_search_index(connection) is True
        assert "glossary_term_title_trgm" not in connection.introspection.table_names()
        assert [t.title for t in search.close_titles("neurogenisis")] == ["Neurogenesis"]
        suggestions = client.get(SUGGEST_URL, {"q": "neur"}).json()["suggestions"]
        assert [item["title"] for item in suggestions] == ["Neurogenesis"]
        assert search_index.ensure_search_index(connection) is False  # now current

    def test_a_lost_suggest_index_is_restored_by_migrate(self, make_term):
        """A later migration that rebuilds glossary_term drops it (Django does not know it)."""

        def indexes() -> set[str]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
                return {row[0] for row in cursor.fetchall()}

        make_term("Neurogenesis")
        assert search_index.SUGGEST_INDEX in indexes()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX {search_index.SUGGEST_INDEX}")
        search_index.ensure_search_index(connection)
        assert search_index.SUGGEST_INDEX in indexes()
        assert [s["title"] for s in search.suggest_titles("neur")] == ["Neurogenesis"]

    def test_titles_starting_with_the_text_are_read_from_the_suggest_index(self, make_term):
        for n in range(30):
            make_term(f"Telomere fact {n}")
        with CaptureQueriesContext(connection) as queries:
            search.get_backend().titles_starting_with("telo", 8)
        (sql,) = [query["sql"] for query in queries.captured_queries]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(row[-1] for row in cursor.fetchall())
        assert f"USING INDEX {search_index.SUGGEST_INDEX}" in plan

    def test_the_suggest_index_migration_creates_what_is_missing_and_its_reverse_drops_it(self, db):
        def present() -> bool:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = %s", [search_index.SUGGEST_INDEX]
                )
                return cursor.fetchone() is not None

        search_index.drop_suggest_indexes(connection)
        assert not present()
        search_index.create_suggest_indexes(connection)
        search_index.create_suggest_indexes(connection)  # again: nothing happens
        assert present()

    def test_match_expression_is_only_quoted_words(self):
        groups = search.parse_query('NEAR(a b) "x y" -z OR w* ^v title:u')
        assert search.fts5_expression(groups) == (
            '("NEAR a" AND "b" AND "x y" NOT "z") OR ("w" AND "v" AND "title u")'
        )


PG_SUGGEST_INDEXES = (
    search_index.PG_NAMES_SUGGEST_INDEX,
    search_index.PG_NAMES_WORDS_INDEX,
    search_index.PG_WORDS_PREFIX_INDEX,
)


def suggest_indexes() -> set[str]:
    """Which of the PostgreSQL suggestions' indexes exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [list(PG_SUGGEST_INDEXES)]
        )
        return {row[0] for row in cursor.fetchall()}


@postgres_only
class TestPostgresIndex:
    def test_title_and_alias_words_feed_the_misspelling_corrector(self, make_term):
        def words() -> set[str]:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT word FROM {search_index.PG_WORDS_TABLE}")
                return {row[0] for row in cursor.fetchall()}

        term = make_term("Ångström unit", aliases="AU\nLength of a wave")
        assert {"angstrom", "unit", "length", "wave"} <= words()
        assert "au" not in words()  # too short to correct
        term.title = "Photon flux"
        term.save()
        assert {"photon", "flux"} <= words()
        assert [t.title for t in search.close_titles("photom")] == ["Photon flux"]
        assert search.close_titles("angstrum") == []  # no title holds the word any more

    def test_a_lost_words_table_is_restored_by_migrate(self, make_term):
        make_term("Neurogenesis")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {search_index.PG_WORDS_TABLE}")
        assert search_index.ensure_search_index(connection) is True
        assert [t.title for t in search.close_titles("neurogenisis")] == ["Neurogenesis"]
        make_term("Hormesis")  # the trigger writes into the new table
        assert [t.title for t in search.close_titles("hormessis")] == ["Hormesis"]

    def test_lost_suggest_indexes_are_restored_by_migrate(self, make_term):
        make_term("Neurogenesis", aliases="Birth of neurons")
        assert suggest_indexes() == set(PG_SUGGEST_INDEXES)
        with connection.cursor() as cursor:
            for name in PG_SUGGEST_INDEXES:
                cursor.execute(f"DROP INDEX {name}")
        assert suggest_indexes() == set()
        assert search_index.ensure_search_index(connection) is False  # nothing a search reads
        assert suggest_indexes() == set(PG_SUGGEST_INDEXES)
        assert [s["title"] for s in search.suggest_titles("neur")] == ["Neurogenesis"]
        assert [s["title"] for s in search.suggest_titles("birth")] == ["Neurogenesis"]

    def test_the_suggest_index_migration_creates_what_is_missing_and_its_reverse_drops_it(self, db):
        search_index.drop_suggest_indexes(connection)
        assert suggest_indexes() == set()
        search_index.create_suggest_indexes(connection)
        search_index.create_suggest_indexes(connection)  # again: nothing happens
        assert suggest_indexes() == set(PG_SUGGEST_INDEXES)

    def test_suggestions_read_their_indexes(self, make_term):
        """The word search's condition must be the words index's own expression, or every
        title's words are computed again for each suggestion."""
        for n in range(30):
            make_term(f"Telomere fact {n}")
        with CaptureQueriesContext(connection) as queries:
            search.get_backend().titles_starting_with("telo", 8)
            search.get_backend().titles_with_words(["fact", "tel"], 8)
        starting, *_, with_words = [query["sql"] for query in queries.captured_queries]
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            plans = []
            for sql in (starting, with_words):
                cursor.execute(f"EXPLAIN {sql}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
            cursor.execute("SET enable_seqscan = on")
        assert search_index.PG_NAMES_SUGGEST_INDEX in plans[0]
        assert search_index.PG_NAMES_WORDS_INDEX in plans[1]

    def test_gin_and_trigram_indexes_exist(self, db):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'glossary_term'"
            )
            indexes = dict(cursor.fetchall())
        assert "USING gin (search_vector)" in indexes[search_index.PG_VECTOR_INDEX]
        assert "gin_trgm_ops" in indexes[search_index.PG_TITLE_TRIGRAM_INDEX]
        assert "USING gin (search_names)" in indexes[search_index.PG_NAMES_INDEX]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
                [search_index.PG_NAMES_TABLE],
            )
            names_indexes = dict(cursor.fetchall())
        assert "USING gin (names)" in names_indexes[search_index.PG_NAMES_TABLE_INDEX]
        assert "gin_trgm_ops" in names_indexes[search_index.PG_NAMES_TRIGRAM_INDEX]

    def test_names_table_follows_every_write(self, make_term):
        def names() -> list[tuple]:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT title, aliases, status FROM {search_index.PG_NAMES_TABLE} ORDER BY id"
                )
                return cursor.fetchall()

        term = make_term("Hormesis", aliases="Adaptive stress")
        other = make_term("Sirtuins")
        assert names() == [
            ("Hormesis", "Adaptive stress", "published"),
            ("Sirtuins", "", "published"),
        ]
        Term.objects.filter(pk=term.pk).update(
            title="Xenohormesis", sort_title="xenohormesis", status=Term.Status.DRAFT
        )
        other.delete()
        assert names() == [("Xenohormesis", "Adaptive stress", "draft")]
        assert search.suggest_titles("xeno") == []  # a draft
        Term.objects.filter(pk=term.pk).update(status=Term.Status.PUBLISHED)
        make_term("Hormesis curve")
        assert search_index.ensure_search_index(connection) is False  # already current
        assert [s["title"] for s in search.suggest_titles("horm")] == ["Hormesis curve"]

    def test_search_vector_is_weighted(self, make_term):
        term = make_term("Hormesis", aliases="Adaptive stress", summary="Dose.", body="Curve.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_vector::text FROM glossary_term WHERE id = %s", [term.pk])
            vector = cursor.fetchone()[0]
        assert "'hormesi':1A" in vector, vector
        assert "'adapt':2A" in vector
        assert "'dose':4B" in vector
        assert "C" in vector.split("'curv':")[1]

    def test_websearch_exact_phrase(self, make_term):
        make_term("Muscle protein synthesis", summary="Protein synthesis in muscle.")
        make_term("Protein turnover", summary="Synthesis balanced against protein breakdown.")
        assert titles('"protein synthesis"') == ["Muscle protein synthesis"]

    def test_websearch_excluded_word(self, make_term):
        make_term("Aerobic exercise", summary="Exercise that trains the heart.")
        make_term("Resistance exercise", summary="Exercise that trains muscle.")
        assert titles("exercise -heart") == ["Resistance exercise"]

    def test_trigram_fallback_for_misspelling(self, client, make_term):
        make_term("Neurogenesis")
        make_term("Hormesis")
        assert [t.title for t in search.close_titles("neurogenisis")] == ["Neurogenesis"]

    def test_search_uses_the_gin_index(self, make_term):
        for n in range(30):
            make_term(f"Telomere fact {n}")
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(
                "EXPLAIN SELECT id FROM glossary_term "
                "WHERE search_vector @@ websearch_to_tsquery('english', 'telomere')"
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET enable_seqscan = on")
        assert search_index.PG_VECTOR_INDEX in plan


def test_page_carries_no_private_markers(client, make_term):
    make_term("Hormesis", summary="A little stress helps.")
    html = page_html(client, q="stress")
    assert search.START not in html and search.STOP not in html
