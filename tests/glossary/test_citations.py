# ruff: noqa: F811  (pytest fixtures imported from tests.glossary.editor_helpers)
"""Structured references: the library, [@key] citations, the AMA list, editors' checks."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError

from glossary import citations
from glossary.citations import ArticleSources, Source
from glossary.models import Reference, Term, TermReference
from glossary.rendering import ALLOWED_TAGS, TermIndex, render_body
from tests.glossary.editor_helpers import editor, editor_client, term_form_data  # noqa: F401

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/glossary/term/add/"
REFERENCE_ADD_URL = "/admin/glossary/reference/add/"

LIU = Source(
    key="liu2010",
    authors=("Liu-Ambrose T", "Nagamatsu LS", "Graf P", "Beattie BL", "Ashe MC", "Handy TC"),
    title="Resistance training and executive functions: a 12-month randomized controlled trial",
    container="Archives of Internal Medicine",
    year=2010,
    volume="170",
    issue="2",
    pages="170-178",
    doi="10.1001/archinternmed.2009.494",
    pmid="20101012",
    evidence="rct",
)
NORTHEY = Source(
    key="northey2018",
    authors=("Northey JM", "Cherbuin N"),
    title="Exercise interventions for cognitive function in adults older than 50",
    container="British Journal of Sports Medicine",
    year=2018,
    evidence="meta-analysis",
)


def render(body: str, *sources: Source, listed: tuple[Source, ...] = ()):
    library = {source.key: source for source in sources}
    return render_body("Article", "", body, TermIndex(), None, ArticleSources(library, listed))


def make_reference(**fields) -> Reference:
    values = {
        "key": "pedersen2012",
        "authors": "Pedersen BK\nFebbraio MA",
        "title": "Muscles, exercise and obesity: skeletal muscle as a secretory organ",
        "container": "Nature Reviews Endocrinology",
        "year": 2012,
        "volume": "8",
        "issue": "8",
        "pages": "457-465",
        "doi": "10.1038/nrendo.2012.49",
        "evidence": "expert",
    }
    values.update(fields)
    return Reference.objects.create(**values)


def list_items(references_html: str) -> list[str]:
    return re.findall(r"<li id=\"ref-\d+\">(.*?)</li>", references_html, re.S)


class TestValidation:
    def test_a_doi_address_is_stored_as_the_bare_doi(self):
        reference = Reference(key="x1", title="T", doi=" https://doi.org/10.1038/nrendo.2012.49 ")
        reference.full_clean()
        assert reference.doi == "10.1038/nrendo.2012.49"

    @pytest.mark.parametrize("doi", ["11.1038/x", "10.12/x", "10.1038", "doi 10.1038/x y"])
    def test_a_malformed_doi_is_refused_with_an_example(self, doi):
        with pytest.raises(ValidationError) as error:
            Reference(key="x1", title="T", doi=doi).full_clean()
        message = " ".join(error.value.message_dict["doi"])
        assert "is not a DOI" in message and "10.1038/nrendo.2012.49" in message

    @pytest.mark.parametrize("pmid", ["PMID: 20101012", "0123", "12a", "1234567890"])
    def test_a_malformed_pmid_is_refused(self, pmid):
        with pytest.raises(ValidationError) as error:
            Reference(key="x1", title="T", pmid=pmid).full_clean()
        assert "is not a PubMed ID" in " ".join(error.value.message_dict["pmid"])

    def test_a_key_must_be_citable(self):
        with pytest.raises(ValidationError) as error:
            Reference(key="has space", title="T").full_clean()
        assert "[@key]" in " ".join(error.value.message_dict["key"])

    def test_structured_needs_a_title_and_unstructured_its_text(self):
        with pytest.raises(ValidationError) as error:
            Reference(key="a", kind="article").full_clean()
        assert "title" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            Reference(key="b", kind="unstructured").full_clean()
        assert "text" in error.value.message_dict

    def test_the_admin_shows_the_doi_message_and_saves_nothing(self, editor_client):
        response = editor_client.post(
            REFERENCE_ADD_URL,
            {"key": "bad", "kind": "article", "title": "A title", "doi": "doi:11.1/x"},
        )
        assert response.status_code == 200
        assert "is not a DOI" in response.content.decode()
        assert not Reference.objects.filter(key="bad").exists()


class TestNumbering:
    def test_sources_are_numbered_in_order_of_first_citation(self):
        rendered = render("Later [@northey2018]. First [@liu2010].", LIU, NORTHEY)
        assert re.findall(r'href="#ref-(\d)" id="cite-(\d-\d)"', rendered.body_html) == [
            ("1", "1-1"),
            ("2", "2-1"),
        ]
        items = list_items(rendered.references_html)
        assert items[0].startswith("Northey JM") and items[1].startswith("Liu-Ambrose T")

    def test_a_source_cited_again_keeps_its_number_and_gets_two_back_links(self):
        rendered = render("One [@liu2010]. Two [@northey2018]. Again [@liu2010].", LIU, NORTHEY)
        assert re.findall(r">(\d)</a></sup>", rendered.body_html) == ["1", "2", "1"]
        first = list_items(rendered.references_html)[0]
        assert 'href="#cite-1-1"' in first and 'href="#cite-1-2"' in first
        assert len(list_items(rendered.references_html)) == 2

    def test_a_group_cites_several_in_one_superscript(self):
        rendered = render("Both [@liu2010; @northey2018].", LIU, NORTHEY)
        assert (
            '<sup class="citation"><a href="#ref-1" id="cite-1-1">1</a>,'
            '<a href="#ref-2" id="cite-2-1">2</a></sup>'
        ) in rendered.body_html

    def test_an_unknown_key_renders_citation_needed_and_is_reported(self):
        rendered = render("Claim [@nobody2020]. Known [@liu2010].", LIU)
        assert '<sup class="citation citation-missing">[citation needed]</sup>' in (
            rendered.body_html
        )
        assert rendered.unknown_keys == ["nobody2020"]
        assert re.findall(r'href="#ref-(\d)"', rendered.body_html) == ["1"]

    def test_citations_in_code_stay_literal(self):
        rendered = render("Write `[@liu2010]` to cite.", LIU)
        assert "<code>[@liu2010]</code>" in rendered.body_html
        assert rendered.references_html == ""

    def test_listed_references_follow_the_cited_ones(self):
        free = Source(key="ref-x-1", kind="unstructured", text="Smith J. *Old notes*. 1999.")
        rendered = render("Cited [@liu2010].", LIU, listed=(free, LIU))
        items = list_items(rendered.references_html)
        assert len(items) == 2  # the cited one is not listed twice
        assert items[1].startswith("Smith J. <em>Old notes</em>. 1999.")


class TestAmaList:
    def test_a_journal_article_in_ama_style_with_its_links_and_evidence(self):
        item = list_items(render("[@liu2010]", LIU).references_html)[0]
        assert item.startswith(
            "Liu-Ambrose T, Nagamatsu LS, Graf P, Beattie BL, Ashe MC, Handy TC. "
            "Resistance training and executive functions: a 12-month randomized controlled "
            "trial. <i>Archives of Internal Medicine</i>. 2010;170(2):170-178. "
        )
        assert (
            '<a href="https://doi.org/10.1001/archinternmed.2009.494" rel="noopener noreferrer">'
            "doi:10.1001/archinternmed.2009.494</a>"
        ) in item
        assert 'href="https://pubmed.ncbi.nlm.nih.gov/20101012/"' in item
        assert (
            '<span class="evidence evidence-rct">Evidence: Randomized controlled trial</span>'
            in (item)
        )

    def test_more_than_six_authors_lists_three_then_et_al(self):
        seven = Source(key="k", title="T", authors=tuple(f"Author{n} A" for n in range(1, 8)))
        item = list_items(render("[@k]", seven).references_html)[0]
        assert item.startswith("Author1 A, Author2 A, Author3 A, et al. T.")

    @pytest.mark.parametrize(
        ("parts", "expected"),
        [
            ({"year": 2018}, "2018."),
            ({"year": 2018, "volume": "52"}, "2018;52."),
            ({"year": 2018, "volume": "52", "issue": "3"}, "2018;52(3)."),
            ({"year": 2018, "volume": "52", "pages": "154-160"}, "2018;52:154-160."),
        ],
    )
    def test_the_locator_has_the_parts_the_reference_has(self, parts, expected):
        source = Source(key="k", title="T", container="J", **parts)
        assert citations.ama_html(source).endswith(f"<i>J</i>. {expected}")

    def test_every_evidence_level_has_a_visible_label(self):
        for code, label in citations.EVIDENCE_CHOICES:
            html = render("[@k]", Source(key="k", title="T", evidence=code)).references_html
            assert f"Evidence: {label}</span>" in html

    def test_a_web_page_shows_its_site_year_and_access_date(self):
        page = Source(
            key="w",
            kind="webpage",
            authors=("World Health Organization",),
            title="Physical activity",
            container="WHO",
            year=2022,
            url="https://www.who.int/news-room/fact-sheets/detail/physical-activity",
            accessed=datetime.date(2026, 1, 15),
        )
        item = list_items(render("[@w]", page).references_html)[0]
        assert item.startswith(
            "World Health Organization. Physical activity. WHO. Published 2022. "
            "Accessed January 15, 2026. "
        )
        assert 'href="https://www.who.int/news-room/fact-sheets/detail/physical-activity"' in item


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_hostile_metadata_cannot_inject_markup_or_scripts():
    hostile = Source(
        key="evil",
        authors=('"><img src=x onerror=alert(1)>',),
        title="<script>alert(1)</script> Title",
        container='<a href="javascript:alert(2)">J</a>',
        pages='1"><svg onload=alert(3)>',
        doi='10.1234/x"onmouseover="alert(4)',
        pmid="1<b>",
        url="javascript:alert(5)",
        evidence='rct" onclick="x',
        kind="webpage",
    )
    free = Source(
        key="free", kind="unstructured", text="[x](javascript:alert(6)) <iframe src=//e></iframe>"
    )
    rendered = render("Cite [@evil].", hostile, listed=(free,))
    parser = _Tags()
    parser.feed(rendered.references_html + rendered.body_html)
    for tag, attributes in parser.found:
        assert tag in ALLOWED_TAGS | {"span"}, tag
        assert not any(name.startswith("on") for name in attributes), attributes
        assert not (attributes.get("href") or "").lower().startswith("javascript"), attributes
    assert "&lt;script&gt;" in rendered.references_html
    assert "alert(5)" not in rendered.references_html  # an unsafe address is left out


class TestOnThePage:
    def test_the_term_page_shows_superscripts_and_the_numbered_list(self, client, make_term):
        make_reference()
        term = make_term(body="## Mechanism\n\nMuscle talks to fat [@pedersen2012].\n")
        html = client.get(term.get_absolute_url()).content.decode()
        assert '<a href="#ref-1" id="cite-1-1">1</a>' in html
        section = re.search(r'<section class="references".*?</section>', html, re.S).group(0)
        assert '<li id="ref-1">Pedersen BK, Febbraio MA. Muscles, exercise and obesity' in section
        assert "Evidence: Expert opinion or guideline" in section

    def test_a_corrected_reference_shows_on_every_citing_page_through_the_cache(
        self, client, make_term
    ):
        reference = make_reference()
        citing = make_term(body="Claim [@pedersen2012].")
        listing = make_term(body="No citation in the text.")
        TermReference.objects.create(term=listing, reference=reference, position=1)
        other = make_term(body="Cites nothing.")
        for term in (citing, listing):  # read once: their pages are in the page cache now
            assert "Muscles, exercise" in client.get(term.get_absolute_url()).content.decode()
        untouched_token = Term.objects.get(pk=other.pk).page_token

        reference.title = "Skeletal muscle as a secretory organ (corrected)"
        reference.save()

        for term in (citing, listing):
            html = client.get(term.get_absolute_url()).content.decode()
            assert "Skeletal muscle as a secretory organ (corrected)" in html
            assert "Muscles, exercise and obesity" not in html
        assert Term.objects.get(pk=other.pk).page_token == untouched_token

    def test_a_reference_added_for_an_unknown_key_turns_citation_needed_into_a_number(
        self, client, make_term
    ):
        term = make_term(body="Claim [@pedersen2012].")
        assert "[citation needed]" in client.get(term.get_absolute_url()).content.decode()
        make_reference()
        html = client.get(term.get_absolute_url()).content.decode()
        assert "[citation needed]" not in html
        assert '<a href="#ref-1" id="cite-1-1">1</a>' in html

    def test_renaming_a_key_leaves_the_old_citations_harmless(self, client, make_term):
        reference = make_reference()
        term = make_term(body="Claim [@pedersen2012].")
        reference.key = "pedersen2012a"
        reference.save()
        term.refresh_from_db()
        assert "[citation needed]" in term.body_html
        assert term.references_html == ""

    def test_removing_a_listed_reference_takes_it_off_the_page(self, client, make_term):
        reference = make_reference()
        term = make_term()
        row = TermReference.objects.create(term=term, reference=reference, position=1)
        assert "Pedersen BK" in client.get(term.get_absolute_url()).content.decode()
        row.delete()
        assert "Pedersen BK" not in client.get(term.get_absolute_url()).content.decode()

    def test_a_reference_change_renders_only_the_terms_that_show_it(
        self, make_term, django_assert_max_num_queries
    ):
        reference = make_reference()
        make_term(body="Claim [@pedersen2012].")
        for _ in range(5):
            make_term(body="Cites nothing.")
        reference.title = "Another title"
        with django_assert_max_num_queries(14):
            reference.save()


class TestEditorChecks:
    def warnings(self, response) -> list[str]:
        return [str(m) for m in response.context["messages"]]

    def test_an_unknown_key_is_warned_about_and_the_term_saved(self, editor_client):
        response = editor_client.post(
            ADD_URL, term_form_data(body="Claim [@nobody2020]."), follow=True
        )
        warnings = self.warnings(response)
        assert any("No reference has the key “nobody2020”" in w for w in warnings)
        assert Term.objects.filter(slug="autophagy").exists()

    def test_an_uncited_claim_in_an_evidence_needed_section_is_warned_about(self, editor_client):
        make_reference()
        body = (
            "## Origin\n\nGreek for self-eating.\n\n"
            "## Benefits\n\n<!-- evidence needed -->\n\n"
            "Fasting doubles autophagy in a day.\n\n"
            "Muscle secretes myokines [@pedersen2012].\n\n"
            "## History\n\nNo evidence asked for here.\n"
        )
        response = editor_client.post(ADD_URL, term_form_data(body=body), follow=True)
        warnings = [w for w in self.warnings(response) if "evidence needed" in w]
        assert len(warnings) == 1
        assert "“Benefits”" in warnings[0] and "Fasting doubles autophagy" in warnings[0]

    def test_the_mark_never_reaches_readers(self, client, make_term):
        term = make_term(body="## Benefits\n\n<!-- evidence needed -->\n\nA claim.\n")
        assert "evidence needed" not in client.get(term.get_absolute_url()).content.decode()


class TestEvidenceNeededSections:
    def test_a_section_covers_its_subsections_until_a_heading_of_its_level(self):
        body = (
            "## Claims\n<!-- evidence-needed -->\n\nOne.\n\n### Detail\n\nTwo [@a].\n\n"
            "Three.\n\n## Other\n\nFour.\n"
        )
        claims = citations.uncited_claims(body)
        assert [(c.section, c.text) for c in claims] == [("Claims", "One."), ("Detail", "Three.")]

    def test_no_mark_no_warning(self):
        assert citations.uncited_claims("## Claims\n\nAn uncited claim.\n") == []


def test_rendering_an_unchanged_citing_article_again_writes_nothing(make_term):
    from glossary import name_index, relinking

    make_reference()
    term = make_term(body="Claim [@pedersen2012].")
    assert relinking.rerender([term.pk], name_index.current()) == []
