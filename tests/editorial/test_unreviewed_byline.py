"""A term without a medical review recorded by the workflow (published directly, imported,
a seed translation before the editorial seed) says so plainly, in every language: no
review date it does not have, in the page or in its JSON-LD; the policy says the same."""

from __future__ import annotations

import datetime
import re

import pytest

from tests.editorial.pages import jsonld_nodes, reader_html

pytestmark = pytest.mark.django_db
# A date on the row that no review stands behind (the seed's, an import's, a hand-entered one).
BARE_DATE = datetime.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("language", "path", "unreviewed", "review_words"),
    [
        (
            "en-gb",
            "/glossary/autophagy/",
            "Not yet medically reviewed.",
            ["Last reviewed", "Medically reviewed by", "Next review due"],
        ),
        (
            "de",
            "/de/glossary/autophagie/",
            "Noch nicht medizinisch geprüft.",
            ["Zuletzt fachlich geprüft", "Medizinisch geprüft von", "Nächste Prüfung fällig"],
        ),
        (
            "fr",
            "/fr/glossary/autophagie/",
            "Pas encore relu médicalement.",
            ["Dernière relecture", "Prochaine relecture prévue"],
        ),
    ],
)
def test_a_term_published_outside_the_workflow_says_it_is_not_reviewed(
    make_term, language, path, unreviewed, review_words
):
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    make_term("Autophagy", slug=slug, language=language, last_reviewed=BARE_DATE)
    html = reader_html(path)
    assert f'<p class="review-badge review-badge-none">{unreviewed}</p>' in html
    assert re.search(r'href="(/[a-z]{2})?/editorial-policy/"', html)
    for words in review_words:
        assert words not in html, words
    assert 'datetime="2026-11-01"' not in html
    page = jsonld_nodes(html)["MedicalWebPage"]
    assert "lastReviewed" not in page and "reviewedBy" not in page


def test_a_non_medical_publication_of_a_never_reviewed_term_shows_no_next_review(
    draft, publisher, as_user, step
):
    type(draft).objects.filter(pk=draft.pk).update(
        last_reviewed=BARE_DATE, review_due=datetime.date(2027, 11, 1)
    )
    step(as_user(publisher), draft, "publish", non_medical="1", non_medical_reason="Stub.")
    html = reader_html("/glossary/autophagy/")
    assert "Not yet medically reviewed." in html and "Next review due" not in html
    page = jsonld_nodes(html)["MedicalWebPage"]
    assert "lastReviewed" not in page and "reviewedBy" not in page


def test_the_policy_says_some_articles_are_not_yet_reviewed(db):
    html = reader_html("/editorial-policy/")
    assert "checked by a qualified medical reviewer before it is published" not in html
    assert "<strong>Not yet medically reviewed</strong>" in html
    assert "articles our editors published directly" in html
