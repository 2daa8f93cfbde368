"""`generate_demo_terms`: realistic, cross-linked, reproducible demo terms, written in bulk."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from glossary import demo, name_index, planner, references, rendering
from glossary.models import Term, letter_group, sort_key

pytestmark = pytest.mark.django_db


def snapshot(exclude: Iterable[str] = ()) -> list[tuple]:
    return [
        (
            term.title,
            term.slug,
            term.aliases,
            term.summary,
            term.body,
            term.references_html,
            term.published_at,
            term.last_reviewed,
            term.body_html,
            sorted(c.slug for c in term.categories.all()),
            sorted(t.slug for t in term.related_terms.all()),
        )
        for term in Term.objects.in_language("en-gb")
        .exclude(slug__in=list(exclude))
        .order_by("slug")
        .prefetch_related("categories", "related_terms")
    ]


def linked_slugs(html: str) -> set[str]:
    return set(re.findall(r'class="term-link" data-term="([^"]+)"', html))


class TestDeterminism:
    def test_same_seed_gives_the_same_terms(self, seed):
        call_command("generate_demo_terms", count=60, seed=7)
        first = snapshot(exclude=seed)
        Term.objects.all().delete()
        call_command("load_seed_content")
        call_command("generate_demo_terms", count=60, seed=7)
        assert snapshot(exclude=seed) == first

    def test_another_seed_gives_other_terms(self, db):
        call_command("generate_demo_terms", count=300, seed=1)
        first = [row[0] for row in snapshot()]
        Term.objects.all().delete()
        call_command("generate_demo_terms", count=300, seed=2)
        assert [row[0] for row in snapshot()] != first


class TestContent:
    def test_terms_are_published_with_sections_summary_and_references(self, seed):
        call_command("generate_demo_terms", count=120, seed=3)
        terms = Term.objects.exclude(slug__in=list(seed))
        assert terms.count() == 120
        for term in terms:
            assert term.is_public
            assert term.summary.startswith(term.title)
            assert "## Origin" in term.body and "## Mechanism" in term.body
            assert [entry["id"] for entry in term.toc][:2] == [
                "section-origin",
                "section-mechanism",
            ]
            # Each cites one to three references of the shared demo library.
            assert term.references_html.startswith('<li id="ref-1">')
            assert 1 <= len(term.cited_sources) <= 3
            assert "Evidence: " in term.references_html
            assert term.categories.exists()

    def test_derived_fields_match_what_save_would_store(self, seed):
        call_command("generate_demo_terms", count=150, seed=4)
        index = name_index.current()
        for term in Term.objects.exclude(slug__in=list(seed)):
            assert term.sort_title == sort_key(term.title)
            assert term.letter == letter_group(term.title)
            sources = references.sources_for(term.pk, term.body)
            rendered = rendering.render_body(
                term.title, term.aliases, term.body, index, term.pk, sources
            )
            assert term.body_html == rendered.body_html
            assert term.references_html == rendered.references_html
            assert term.cited_sources == rendered.cited_sources
            assert term.toc == rendered.toc
            assert set(term.linked_terms.values_list("pk", flat=True)) == set(
                rendered.linked_term_ids
            )

    def test_bodies_link_to_other_demo_terms_and_to_seed_terms(self, seed):
        call_command("generate_demo_terms", count=150, seed=5)
        demo_terms = list(Term.objects.exclude(slug__in=list(seed)))
        demo_slugs = {t.slug for t in demo_terms}
        targets: set[str] = set()
        for term in demo_terms:
            targets |= linked_slugs(term.body_html)
        assert targets & demo_slugs
        assert targets & set(seed)
        linked_rows = Term.linked_terms.through.objects.filter(from_term__in=demo_terms).count()
        assert linked_rows >= len(demo_terms)

    def test_related_terms_are_symmetrical(self, seed):
        call_command("generate_demo_terms", count=80, seed=6)
        term = Term.objects.filter(related_terms__isnull=False).exclude(slug__in=list(seed))[0]
        other = term.related_terms.first()
        assert term in other.related_terms.all()

    def test_titles_cover_digit_and_non_latin_groups(self, db):
        call_command("generate_demo_terms", count=len(demo.CORES), seed=1)
        letters = set(Term.objects.values_list("letter", flat=True))
        assert {"0-9", "other"} <= letters


class TestRerunning:
    def test_running_again_adds_terms_without_clashing(self, seed):
        call_command("generate_demo_terms", count=200, seed=8)
        call_command("generate_demo_terms", count=200, seed=8)
        assert Term.objects.count() == len(seed) + 400
        titles = [t.lower() for t in Term.objects.values_list("title", flat=True)]
        assert len(titles) == len(set(titles))

    def test_older_articles_link_to_new_names(self, make_term):
        older = make_term("Sauna habits", body="Regular saunas may support autophagy.")
        assert "term-link" not in older.body_html
        call_command("generate_demo_terms", count=len(demo.CORES), seed=1)
        older.refresh_from_db()
        assert linked_slugs(older.body_html) == {"autophagy"}
        assert older.linked_terms.filter(slug="autophagy").exists()


class TestBadInput:
    @pytest.mark.parametrize("count", [0, -5, "many", "1.5", 10**9])
    def test_bad_count_is_refused_with_a_clear_message(self, db, count):
        with pytest.raises(CommandError, match="--count must be a whole number"):
            call_command("generate_demo_terms", count=count)
        assert not Term.objects.exists()


def test_pages_stay_within_query_budget_with_2000_terms(
    client, seed, warm_caches, django_assert_max_num_queries
):
    call_command("generate_demo_terms", count=2000, seed=9)
    warm_caches()
    term = Term.objects.filter(linked_terms__isnull=False, related_terms__isnull=False).first()
    # What the page shows (4), + the versions it and its caches read (core.page_cache).
    for url in [term.get_absolute_url(), "/glossary/", "/glossary/letter/m/", "/?page=2"]:
        with django_assert_max_num_queries(4 + 6):
            response = client.get(url)
        assert response.status_code == 200, url
    with django_assert_max_num_queries(4 + 6):
        assert client.get("/glossary/letter/m/?page=2").status_code == 200


def test_cached_letter_counts_include_generated_terms(client, seed):
    client.get("/glossary/")  # caches the letter counts
    call_command("generate_demo_terms", count=len(demo.CORES), seed=1)
    html = client.get("/glossary/").content.decode()
    assert "Autophagy" in html


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL behaviour: runs when DATABASE_URL points at PostgreSQL (CI does)",
)
def test_a_committed_bulk_load_vacuums_the_terms_on_postgresql(transactional_db):
    """The terms and the side tables search reads (their GIN pending lists, statistics)."""

    def last_vacuum():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, last_vacuum FROM pg_stat_user_tables WHERE relname = ANY(%s)",
                [list(planner.PG_TABLES)],
            )
            vacuumed = dict(cursor.fetchall())
        assert set(vacuumed) == set(planner.PG_TABLES)
        return vacuumed

    before = last_vacuum()
    demo.generate_terms(20, seed=1)
    after = last_vacuum()
    for table in planner.PG_TABLES:
        assert after[table] is not None and after[table] != before[table], table
    with transaction.atomic():  # inside a transaction VACUUM cannot run: left to autovacuum
        demo.generate_terms(5, seed=2)
    assert last_vacuum() == after
