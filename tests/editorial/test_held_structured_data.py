"""The term page's JSON-LD describes the version readers see: while an edit waits for
review, its name, description, authors and citations are the publication's, as the
visible article is. Read with extruct, over HTTP with the page cache on."""

from __future__ import annotations

import pytest

from editorial.models import Authorship, Person
from glossary.models import Reference, Term
from tests.editorial.pages import jsonld_nodes, reader_html

pytestmark = pytest.mark.django_db
URL = "/glossary/autophagy/"


def cited_titles(page: dict) -> list[str]:
    return [work["name"] for work in page.get("citation", [])]


@pytest.fixture
def draft(draft: Term) -> Term:
    """The workflow's draft, citing one structured reference of two in the library."""
    for key, title, doi in [
        ("first2020", "The first source", "10.1000/first"),
        ("second2021", "The second source", "10.1000/second"),
    ]:
        Reference.objects.create(
            key=key, authors="Author A", title=title, container="J", year=2020, doi=doi
        )
    draft.body = "## Mechanism\n\nLysosomes digest worn-out parts [@first2020].\n"
    draft.save()
    return draft


@pytest.fixture
def held(published: Term) -> Term:
    """The published term edited since (title, summary, citation, authors), unreviewed."""
    assert cited_titles(jsonld_nodes(reader_html(URL))["MedicalWebPage"]) == ["The first source"]
    published.title = "Autophagy (held title)"
    published.summary = "A held summary."
    published.body = "## Mechanism\n\nLysosomes digest worn-out parts [@second2021].\n"
    published.save()
    nina = Person.objects.create(name="Nina New", slug="nina-new")
    Authorship.objects.create(term=published, person=nina, position=1)
    return published


def test_while_an_edit_is_held_the_json_ld_is_the_publications(held):
    html = reader_html(URL)
    assert "The second source" not in html and "held" not in html  # the article, as shown
    nodes = jsonld_nodes(html)
    page, term = nodes["MedicalWebPage"], nodes["DefinedTerm"]
    assert cited_titles(page) == ["The first source"]
    assert page["citation"][0]["sameAs"] == "https://doi.org/10.1000/first"
    assert page["name"] == term["name"] == "Autophagy"
    assert page["description"] == term["description"] == "The cell's recycling process."
    assert [author["name"] for author in page["author"]] == ["Wendy Writer"]
    assert page["reviewedBy"]["name"] == "Dr. Rita Review"
    assert page["about"] == {"@id": "http://testserver/glossary/autophagy/#term"}


def test_the_next_publication_brings_the_edit_into_the_json_ld(
    held, writer, reviewer, publisher, as_user, step
):
    reader_html(URL)  # the held version, now in the page cache
    step(as_user(writer), held, "submit")
    step(as_user(reviewer), held, "approve")
    step(as_user(publisher), held, "publish")
    page = jsonld_nodes(reader_html(URL))["MedicalWebPage"]
    assert cited_titles(page) == ["The second source"]
    assert page["name"] == "Autophagy (held title)" and page["description"] == "A held summary."
    assert [author["name"] for author in page["author"]] == ["Wendy Writer", "Nina New"]
    # Each version page names the sources that version cited.
    first = jsonld_nodes(reader_html("/glossary/autophagy/v/1/"))["MedicalWebPage"]
    assert cited_titles(first) == ["The first source"]


def test_a_corrected_reference_waits_with_the_list_readers_see(published):
    """Correcting a cited reference changes what was approved: the page keeps the
    published list, and its JSON-LD keeps naming the sources that list shows."""
    reader_html(URL)
    reference = Reference.objects.get(key="first2020")
    reference.title = "The first source, corrected"
    reference.save()
    html = reader_html(URL)
    assert "corrected" not in html
    assert cited_titles(jsonld_nodes(html)["MedicalWebPage"]) == ["The first source"]


def test_a_term_outside_the_workflow_describes_its_live_row(make_term):
    Reference.objects.create(key="live2022", authors="Author A", title="A live source", year=2022)
    make_term("Legacy", slug="legacy", body="Live words [@live2022].\n")
    page = jsonld_nodes(reader_html("/glossary/legacy/"))["MedicalWebPage"]
    assert cited_titles(page) == ["A live source"] and page["name"] == "Legacy"
    assert "author" not in page
