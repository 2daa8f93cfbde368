"""The data migration of free-text references (0015), run against rows written before it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from glossary.models import Reference, Term, TermReference

BEFORE = [("glossary", "0014_references")]
SHARED = "Pedersen BK, Febbraio MA. *Nature Reviews Endocrinology*. 2012;8(8):457–465."
LINES = [
    "- [A paper](https://doi.org/10.1/x) with a link",
    "*Starred* book, 1999  ",  # trailing spaces and markdown kept as written
    SHARED,
]


def migrate(targets: list[tuple[str, str]]):
    """As `manage.py migrate` does (its post_migrate repairs the search index after the
    table rebuilds); returns the models as they were at that point."""
    for app, name in targets:
        call_command("migrate", app, name, verbosity=0)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes("glossary")


@pytest.fixture
def old_rows(transactional_db):
    """Two terms as they were stored before 0015: free text, and its rendered list."""
    apps = migrate(BEFORE)
    OldTerm = apps.get_model("glossary", "Term")
    first = OldTerm.objects.create(
        title="First",
        slug="first",
        summary="One.",
        status="published",
        references="\n".join([LINES[0], "", LINES[1], LINES[2]]),
        references_html="<li>stored list</li>",
    )
    second = OldTerm.objects.create(
        title="Second", slug="second", summary="Two.", status="published", references=SHARED
    )
    OldTerm.objects.create(title="Third", slug="third", summary="None.", references="")
    yield first.pk, second.pk
    migrate(latest())


def test_each_line_becomes_an_unstructured_reference_kept_exactly(old_rows):
    first, second = old_rows
    migrate(latest())
    listed = list(
        TermReference.objects.filter(term_id=first).order_by("position").select_related("reference")
    )
    assert [row.reference.text for row in listed] == LINES
    assert {row.reference.kind for row in listed} == {"unstructured"}
    assert [row.reference.key for row in listed] == ["ref-first-1", "ref-first-2", "ref-first-3"]
    # The page keeps showing its stored list until the term is rendered again.
    assert Term.objects.get(pk=first).references_html == "<li>stored list</li>"
    # The same line on two terms is one reference in the library, listed on both.
    shared = Reference.objects.get(text=SHARED)
    assert set(
        TermReference.objects.filter(reference=shared).values_list("term_id", flat=True)
    ) == {
        first,
        second,
    }
    assert Reference.objects.count() == 3
    assert not TermReference.objects.filter(term__slug="third").exists()


def test_the_migrated_references_render_as_the_free_text_did(old_rows, client):
    first, _ = old_rows
    migrate(latest())
    term = Term.objects.get(pk=first)
    term.save()
    html = client.get("/glossary/first/").content.decode()
    assert (
        '<li id="ref-1"><a href="https://doi.org/10.1/x" rel="noopener noreferrer">A paper</a>'
        " with a link</li>"
    ) in html
    assert '<li id="ref-2"><em>Starred</em> book, 1999</li>' in html
    assert "<em>Nature Reviews Endocrinology</em>. 2012;8(8):457–465.</li>" in html
    assert [source["text"] for source in term.cited_sources] == LINES


def test_going_back_writes_the_lines_back(old_rows):
    first, _ = old_rows
    migrate(latest())
    apps = migrate(BEFORE)
    restored = apps.get_model("glossary", "Term").objects.get(pk=first).references
    assert restored == "\n".join(LINES)
