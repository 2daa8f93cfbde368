"""“Cite this term” names the people who wrote the version a reader sees: the shown
publication's authors as published, else the live term's authors, else the site. Over
HTTP with the page cache on: a change of authors reaches the next request."""

from __future__ import annotations

import re

import bibtexparser
import extruct
import pytest
import rispy
from django.test import Client

from editorial.models import Authorship, Person
from glossary.models import Term
from tests.editorial.pages import reader_html
from tests.glossary.editor_helpers import term_form_data

pytestmark = pytest.mark.django_db

SITE = "Longevity Glossary"
PAGE = "/glossary/autophagy/"
CITE = "/glossary/autophagy/cite/"


def cite_block(html: str) -> str:
    """The term page's "Cite this page" block."""
    return re.search(r'<details class="cite-this">(.*?)</details>', html, re.S).group(1)


def styles_of(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'<div><dt>(AMA|APA|MLA)</dt><dd dir="ltr">(.*?)</dd></div>', html, re.S)
    )


def bibtex_authors(path: str = CITE) -> str:
    (entry,) = bibtexparser.loads(reader_download(path, "bibtex")).entries
    return entry["author"]


def ris_record(path: str = CITE) -> dict:
    (record,) = rispy.loads(reader_download(path, "ris"))
    return record


def reader_download(path: str, format_name: str) -> str:
    response = Client().get(path, {"format": format_name})
    assert response.status_code == 200
    return response.content.decode()


def person(name: str, slug: str, **fields) -> Person:
    return Person.objects.create(name=name, slug=slug, **fields)


def post_authors(admin_client, term: Term, people: list[Person]) -> None:
    """Set the term's authors through its admin change form (the authors inline)."""
    term = Term.objects.get(pk=term.pk)
    current = list(Authorship.objects.filter(term=term))
    data = term_form_data(term)
    rows = [(row.pk, row.person_id, row.person_id not in {p.pk for p in people}) for row in current]
    rows += [(None, p.pk, False) for p in people if p.pk not in {r.person_id for r in current}]
    data["authorships-TOTAL_FORMS"] = str(len(rows))
    data["authorships-INITIAL_FORMS"] = str(len(current))
    for index, (pk, person_id, delete) in enumerate(rows):
        prefix = f"authorships-{index}-"
        data[prefix + "id"] = pk or ""
        data[prefix + "term"] = term.pk
        data[prefix + "person"] = person_id
        data[prefix + "position"] = index
        if delete:
            data[prefix + "DELETE"] = "on"
    response = admin_client.post(f"/admin/glossary/term/{term.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(Authorship.objects.filter(term=term).values_list("person", flat=True)) == {
        p.pk for p in people
    }


def warm(path: str) -> None:
    """Request twice: the second answer comes from the page cache."""
    assert Client().get(path)["X-Page-Cache"] == "miss"
    assert Client().get(path)["X-Page-Cache"] == "hit"


@pytest.fixture
def live_term(make_term) -> Term:
    """A term outside the workflow (no publication), written by two people."""
    term = make_term("Autophagy", slug="autophagy")
    for position, (name, slug) in enumerate([("Wendy Writer", "ww"), ("Sam Sample", "ss")]):
        Authorship.objects.create(term=term, person=person(name, slug), position=position)
    return term


class TestATermWithoutPublications:
    def test_every_style_names_its_authors_and_the_site_as_publisher(self, live_term):
        url = f"http://testserver{PAGE}"
        for html in (reader_html(CITE), cite_block(reader_html(PAGE))):
            styles = styles_of(html)
            assert styles["AMA"].startswith("Wendy Writer, Sam Sample. Autophagy. Longevity")
            assert styles["APA"].startswith("Wendy Writer &amp; Sam Sample. (")
            assert styles["APA"].endswith(f"). Autophagy. {SITE}. {url}")
            assert styles["MLA"].startswith(f"Wendy Writer and Sam Sample. “Autophagy.” {SITE}, ")
            assert SITE + "." not in styles["AMA"].split("Autophagy")[0]

    def test_bibtex_and_ris_name_each_author(self, live_term):
        assert bibtex_authors() == "{Wendy Writer} and {Sam Sample}"
        record = ris_record()
        assert record["authors"] == ["Wendy Writer", "Sam Sample"]
        assert record["publisher"] == SITE and record["urls"] == [f"http://testserver{PAGE}"]

    def test_the_page_and_its_json_ld_credit_them_too(self, live_term):
        html = reader_html(PAGE)
        assert 'Written by <a href="/people/ww/">Wendy Writer</a>; ' in html
        data = extruct.extract(html, base_url="http://testserver/", syntaxes=["json-ld"])
        (page,) = [
            node
            for block in data["json-ld"]
            for node in block["@graph"]
            if node["@type"] == "MedicalWebPage"
        ]
        assert [author["name"] for author in page["author"]] == ["Wendy Writer", "Sam Sample"]
        assert page["author"][0]["url"] == "http://testserver/people/ww/"

    def test_three_or_more_authors_follow_each_style(self, live_term):
        Authorship.objects.create(term=live_term, person=person("Ann Third", "at"), position=2)
        styles = styles_of(reader_html(CITE))
        assert styles["APA"].startswith("Wendy Writer, Sam Sample, &amp; Ann Third. (")
        assert styles["MLA"].startswith("Wendy Writer, et al. “Autophagy.”")
        assert styles["AMA"].startswith("Wendy Writer, Sam Sample, Ann Third. Autophagy.")

    def test_without_authors_the_site_is_the_author(self, make_term):
        make_term("Autophagy", slug="autophagy")
        assert styles_of(reader_html(CITE))["AMA"].startswith(f"{SITE}. Autophagy. {SITE}.")
        assert bibtex_authors() == "{Longevity Glossary}"
        assert ris_record()["authors"] == [SITE]

    @pytest.mark.parametrize("path", [PAGE, CITE])
    def test_authors_changed_in_the_admin_renew_the_cached_page(
        self, live_term, admin_client, path
    ):
        warm(path)
        wendy = Person.objects.get(slug="ww")
        post_authors(admin_client, live_term, [wendy, person("Nina New", "nn")])
        response = Client().get(path)
        assert response["X-Page-Cache"] == "miss"
        html = response.content.decode()
        assert "Wendy Writer, Nina New. Autophagy." in html and "Sam Sample" not in html

    @pytest.mark.parametrize("path", [PAGE, CITE])
    def test_an_author_added_outside_the_term_form_renews_the_cached_page(self, live_term, path):
        warm(path)
        Authorship.objects.create(term=live_term, person=person("Ann Third", "at"), position=2)
        assert "Wendy Writer, Sam Sample, Ann Third." in reader_html(path)
        Authorship.objects.filter(person__slug="ss").delete()
        assert "Wendy Writer, Ann Third." in reader_html(path)

    def test_an_authors_renamed_profile_renews_the_cached_page(self, live_term):
        warm(CITE)
        sam = Person.objects.get(slug="ss")
        sam.name = "Samuel Sample"
        sam.save()
        assert "Wendy Writer, Samuel Sample." in reader_html(CITE)


class TestAPublishedTerm:
    """The shown publication's authors as published: a later change of authors waits for
    the next publication, like every other change to a reviewed text."""

    def test_it_names_the_publications_authors_and_its_permanent_address(self, published):
        version = "http://testserver/glossary/autophagy/v/1/"
        for html in (reader_html(CITE), cite_block(reader_html(PAGE))):
            styles = styles_of(html)
            assert styles["AMA"].startswith("Wendy Writer. Autophagy. Longevity Glossary.")
            assert styles["AMA"].endswith(version)
        assert f'<a href="{version}" dir="ltr">{version}</a>' in reader_html(CITE)
        assert bibtex_authors() == "{Wendy Writer}"
        assert ris_record()["authors"] == ["Wendy Writer"]
        assert ris_record()["urls"] == [version]

    def test_new_authors_show_after_the_next_publication(
        self, published, admin_client, publisher, as_user, step
    ):
        warm(PAGE)
        warm(CITE)
        post_authors(admin_client, published, [person("Nina New", "nn")])
        for path in (PAGE, CITE):
            html = reader_html(path)
            assert "Wendy Writer. Autophagy." in html and "Nina New" not in html
        assert bibtex_authors() == "{Wendy Writer}"

        step(as_user(publisher), published, "publish", non_medical="1", non_medical_reason="x")
        for path in (PAGE, CITE):
            html = reader_html(path)
            assert "Nina New. Autophagy." in html and "Wendy Writer" not in html
        assert ris_record()["urls"] == ["http://testserver/glossary/autophagy/v/2/"]

    def test_while_an_edit_is_held_it_cites_the_published_version(self, published):
        published.title = "Autophagy (unreviewed title)"
        published.save()
        Authorship.objects.create(term=published, person=person("Nina New", "nn"), position=1)
        html = reader_html(CITE)
        assert "unreviewed" not in html and "Nina New" not in html
        assert styles_of(html)["AMA"].startswith("Wendy Writer. Autophagy. Longevity Glossary.")
        (entry,) = bibtexparser.loads(reader_download(CITE, "bibtex")).entries
        assert entry["title"] == "Autophagy" and entry["author"] == "{Wendy Writer}"
        assert entry["url"] == "http://testserver/glossary/autophagy/v/1/"
