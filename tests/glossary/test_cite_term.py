"""“Cite this term”: the cite page, BibTeX and RIS files, the block on the term page."""

from __future__ import annotations

import datetime
import json
import re

import bibtexparser
import pytest
import rispy
from django.utils import timezone

from glossary.models import Reference, Term

pytestmark = pytest.mark.django_db

SEED_SLUG = "resistance-training-neurological-benefits"
SITE = "Longevity Glossary"


@pytest.fixture
def term(make_term) -> Term:
    term = make_term("Autophagy", slug="autophagy")
    Term.objects.filter(pk=term.pk).update(
        updated_at=datetime.datetime(2026, 9, 3, 12, tzinfo=datetime.UTC)
    )
    return Term.objects.get(pk=term.pk)


def version_date(term: Term) -> datetime.date:
    return timezone.localdate(Term.objects.get(pk=term.pk).updated_at)


class TestCitePage:
    def test_it_gives_ama_apa_and_mla_pointing_to_the_page_read(self, client, term):
        response = client.get("/glossary/autophagy/cite/")
        assert response.status_code == 200
        html = response.content.decode()
        url = "http://testserver/glossary/autophagy/"
        ama = f"{SITE}. Autophagy. {SITE}. Updated September 3, 2026. {url}"
        apa = f"{SITE}. (2026, September 3). Autophagy. {url}"
        mla = f"“Autophagy.” {SITE}, 3 Sept. 2026, {url}."
        for text in (ama, apa, mla):
            assert text in html
        assert '<meta name="robots" content="noindex">' in html

    def test_bibtex_download_is_parsed_by_bibtexparser(self, client, term):
        response = client.get("/glossary/autophagy/cite/", {"format": "bibtex"})
        assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
        day = version_date(term)
        assert response["Content-Disposition"] == (
            f'attachment; filename="autophagy-{day:%Y%m%d}.bib"'
        )
        library = bibtexparser.loads(response.content.decode())
        (entry,) = library.entries
        assert entry["ENTRYTYPE"] == "misc"
        assert entry["ID"] == f"autophagy-{day:%Y%m%d}"
        assert entry["title"] == "Autophagy"
        assert entry["author"] == "{Longevity Glossary}"
        assert entry["url"] == "http://testserver/glossary/autophagy/"
        assert entry["year"] == str(day.year)

    def test_ris_download_is_parsed_by_rispy(self, client, term):
        response = client.get("/glossary/autophagy/cite/", {"format": "ris"})
        assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
        assert response["Content-Disposition"].endswith('.ris"')
        (record,) = rispy.loads(response.content.decode())
        assert record["type_of_reference"] == "ELEC"
        assert record["title"] == "Autophagy"
        assert record["authors"] == [SITE]
        assert record["urls"] == ["http://testserver/glossary/autophagy/"]
        assert record["publisher"] == SITE

    def test_a_title_with_latex_and_ris_specials_survives_both_parsers(self, client, make_term):
        make_term("50% {fast} & C_2 #1\nER  - x", slug="odd-title")
        bib = client.get("/glossary/odd-title/cite/", {"format": "bibtex"}).content.decode()
        (entry,) = bibtexparser.loads(bib).entries
        assert entry["title"] == r"50\% \{fast\} \& C\_2 \#1 ER  - x"
        ris = client.get("/glossary/odd-title/cite/", {"format": "ris"}).content.decode()
        records = rispy.loads(ris)
        assert len(records) == 1 and records[0]["title"] == "50% {fast} & C_2 #1 ER - x"

    @pytest.mark.parametrize("value", ["pdf", "", "BIBTEX", "<script>"])
    def test_an_unknown_format_is_a_400_that_says_what_works(self, client, term, value):
        response = client.get("/glossary/autophagy/cite/", {"format": value})
        assert response.status_code == 400
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        text = response.content.decode()
        assert "Unknown citation format" in text and "?format=bibtex" in text

    def test_a_draft_has_no_public_cite_page(self, client, make_term):
        make_term("Secret", slug="secret", status=Term.Status.DRAFT)
        assert client.get("/glossary/secret/cite/").status_code == 404

    def test_the_cite_page_is_cached_on_the_terms_version(self, client, term):
        assert client.get("/glossary/autophagy/cite/")["X-Page-Cache"] == "miss"
        assert client.get("/glossary/autophagy/cite/")["X-Page-Cache"] == "hit"
        term.title = "Autophagy (cellular)"
        term.save()
        html = client.get("/glossary/autophagy/cite/").content.decode()
        assert "Autophagy (cellular)" in html

    def test_downloads_are_not_kept_by_the_page_cache(self, client, term):
        for _ in range(2):
            response = client.get("/glossary/autophagy/cite/", {"format": "bibtex"})
            assert "X-Page-Cache" not in response


class TestOnTheTermPage:
    def test_a_collapsed_cite_block_links_every_format(self, client, term):
        html = client.get("/glossary/autophagy/").content.decode()
        block = re.search(r'<details class="cite-this">(.*?)</details>', html, re.S)
        assert block, "the block is a <details> element: it opens without JavaScript"
        assert "<summary>Cite this page</summary>" in block.group(1)
        for href in ("/glossary/autophagy/cite/", "?format=bibtex", "?format=ris"):
            assert href in block.group(1)
        assert "<dt>AMA</dt>" in block.group(1) and "<dt>APA</dt>" in block.group(1)

    def test_the_json_ld_names_each_reference_with_its_doi(self, client, seed):
        html = client.get(f"/glossary/{SEED_SLUG}/").content.decode()
        data = json.loads(
            re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
        )
        page = next(node for node in data["@graph"] if node["@type"] == "MedicalWebPage")
        works = page["citation"]
        assert [work["@type"] for work in works] == ["ScholarlyArticle"] * 3
        first = works[0]
        assert first["name"].startswith("Muscles, exercise and obesity")
        assert first["identifier"] == {
            "@type": "PropertyValue",
            "propertyID": "DOI",
            "value": "10.1038/nrendo.2012.49",
        }
        assert first["sameAs"] == "https://doi.org/10.1038/nrendo.2012.49"
        assert first["author"][0] == {"@type": "Person", "name": "Pedersen BK"}

    def test_the_json_ld_follows_a_corrected_reference(self, client, seed):
        reference = Reference.objects.get(key="pedersen2012")
        reference.title = "Corrected title"
        reference.save()
        html = client.get(f"/glossary/{SEED_SLUG}/").content.decode()
        assert '"name": "Corrected title"' in html or '"name":"Corrected title"' in html


def test_the_seed_article_cites_structured_references_with_evidence(client, seed):
    html = client.get(f"/glossary/{SEED_SLUG}/").content.decode()
    assert re.findall(r'<sup class="citation"><a href="#ref-(\d)"', html) == ["1", "1", "2", "3"]
    for label in ("Randomized controlled trial", "Systematic review or meta-analysis"):
        assert f"Evidence: {label}" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/20101012/"' in html


class TestStylesInOtherLanguages:
    """A style is an English-language convention: its dates and fixed words are in
    English on every language's pages, never a translated month in English order."""

    @pytest.mark.parametrize("language", ["de", "fr"])
    def test_each_style_keeps_its_english_date(self, client, make_term, language):
        term = make_term("Autophagie", slug="autophagie", language=language)
        Term.objects.filter(pk=term.pk).update(
            updated_at=datetime.datetime(2026, 12, 7, 12, tzinfo=datetime.UTC)
        )
        html = client.get(f"/{language}/glossary/autophagie/cite/").content.decode()
        url = f"http://testserver/{language}/glossary/autophagie/"
        assert f"{SITE}. Autophagie. {SITE}. Updated December 7, 2026. {url}" in html
        assert f"{SITE}. (2026, December 7). Autophagie. {url}" in html
        assert f"“Autophagie.” {SITE}, 7 Dec. 2026, {url}." in html
        for translated in ("Dezember", "décembre", "Aktualisiert", "Mis à jour", "déc."):
            assert translated not in html.split('id="cite-styles-heading"', 1)[1], translated
