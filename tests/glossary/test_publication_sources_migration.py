"""Migration 0019: publications written before it get their cited sources from their term,
only where the term's references list is the one the publication shows."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from glossary.models import Publication
from tests.glossary.test_reference_migration import latest, migrate

BEFORE = [("glossary", "0018_languages")]
SOURCES = [{"key": "first2020", "kind": "article", "title": "The first source"}]


@pytest.fixture
def old_publications(transactional_db):
    """Two publications as stored before 0019: one showing its term's list, one older."""
    apps = migrate(BEFORE)
    OldTerm = apps.get_model("glossary", "Term")
    OldPublication = apps.get_model("glossary", "Publication")
    term = OldTerm.objects.create(
        title="Autophagy",
        slug="autophagy",
        summary="Recycling.",
        status="published",
        concept=uuid.uuid4(),
        references_html="<li>The first source</li>",
        cited_sources=SOURCES,
    )
    now = timezone.now()
    older, current = (
        OldPublication.objects.create(
            term=term,
            number=number,
            published_at=now,
            source_hash="x" * 64,
            title="Autophagy",
            summary="Recycling.",
            references_html=references_html,
        )
        for number, references_html in [(1, "<li>An earlier list</li>"), (2, term.references_html)]
    )
    yield older.pk, current.pk
    migrate(latest())


def test_a_publication_showing_its_terms_list_gets_its_sources(old_publications):
    older, current = old_publications
    migrate(latest())
    assert Publication.objects.get(pk=current).cited_sources == SOURCES
    assert Publication.objects.get(pk=older).cited_sources == []
