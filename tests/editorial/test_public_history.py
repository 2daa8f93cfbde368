"""The public changelog, /glossary/<slug>/history/: every public version with its date,
note and review, each linking to its permanent page; nothing internal, nothing early."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from glossary.models import Publication
from tests.editorial.pages import reader_html

pytestmark = pytest.mark.django_db
URL = "/glossary/autophagy/history/"


def history_list(html: str) -> str:
    start = html.index('<ol class="history"')
    return html[start : html.index("</ol>", start)]


@pytest.fixture
def two_versions(published, publish_correction):
    """Version 1 reviewed (note "First version."), version 2 a non-medical change."""
    publish_correction(
        published, "The cell's recycling process, fixed.", "Internal: a typo only.", "Fixed a typo"
    )
    return published


def test_lists_each_version_with_date_note_and_reviewer(two_versions):
    html = reader_html(URL)
    today = timezone.localdate()
    versions = history_list(html)
    assert versions.index('href="/glossary/autophagy/v/2/"') < versions.index(
        'href="/glossary/autophagy/v/1/"'
    )
    assert "<dd><bdi>First version.</bdi></dd>" in versions
    assert "<dd><bdi>Fixed a typo</bdi></dd>" in versions
    reviewer = f'<bdi>Dr. Rita Review, MD, PhD</bdi>, <time datetime="{today:%Y-%m-%d}">'
    assert versions.count(reviewer) == 2  # a non-medical change keeps the last review
    assert versions.count("(non-medical change)") == 1
    assert '<link rel="canonical" href="http://testserver/glossary/autophagy/history/">' in html
    assert '<html lang="en-gb"' in html


def test_the_term_page_links_to_it(published):
    changelog = reader_html("/glossary/autophagy/")
    changelog = changelog[changelog.index('id="changelog-heading"') :]
    assert f'<a href="{URL}">Full history of this entry</a>' in changelog


def test_internal_comments_reasons_and_held_edits_never_appear(two_versions):
    two_versions.body += "\nAn unreviewed zebraword edit.\n"
    two_versions.save()
    html = reader_html(URL)
    for internal in ("Checked.", "Internal: a typo only.", "zebraword", "/v/3/"):
        assert internal not in html, internal


def test_a_scheduled_publication_appears_at_its_time_even_from_the_page_cache(published):
    later = Publication.objects.create(
        term=published,
        number=2,
        published_at=timezone.now() + datetime.timedelta(days=1),
        source_hash="x" * 64,
        title="Future",
        summary="Not yet.",
        note="Scheduled note.",
    )
    html = reader_html(URL)  # and now in the page cache
    assert "/glossary/autophagy/v/2/" not in html and "Scheduled note." not in html
    # Its time comes without a write that bumps any stamp or token.
    Publication.objects.filter(pk=later.pk).update(
        published_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert "Scheduled note." in reader_html(URL)


def test_a_draft_an_unpublished_term_and_one_without_versions_have_none(
    draft, make_term, publisher, as_user, step
):
    assert Client().get(URL).status_code == 404  # a draft, never published
    make_term("Legacy", slug="legacy")  # public, never through the workflow
    assert Client().get("/glossary/legacy/history/").status_code == 404
    assert "Full history" not in reader_html("/glossary/legacy/")
    step(as_user(publisher), draft, "publish", non_medical="1", non_medical_reason="Stub.")
    assert Client().get(URL).status_code == 200
    step(as_user(publisher), draft, "unpublish")
    assert Client().get(URL).status_code == 404
    assert Client().get("/glossary/no-such-term/history/").status_code == 404


def test_its_queries_are_bounded(two_versions, client, warm_caches, django_assert_max_num_queries):
    warm_caches()
    with django_assert_max_num_queries(3):
        assert client.get(URL, {"uncached": "1"}).status_code == 200
