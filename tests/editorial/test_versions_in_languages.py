"""Permanent version pages, the history page and every link to them follow the page's
language: a French article's publications are its own, at /fr/ addresses."""

from __future__ import annotations

import pytest

from glossary.models import Publication, Term
from tests.editorial.pages import jsonld_nodes, reader_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_translations(seed_translations) -> dict[str, dict[str, Term]]:
    """The seed terms in English, German and French, each with its own publication 1
    (the editorial seed publishes the terms with the English slugs: the French ones)."""
    from editorial import workflow
    from editorial.models import TermWorkflow
    from editorial.seed import load_editorial_seed

    load_editorial_seed()
    for term in Term.objects.filter(publications__isnull=True):
        row, _created = TermWorkflow.objects.get_or_create(term=term)
        workflow.make_publication(term, row, None, note="Erste Fassung.", at=term.published_at)
    return seed_translations


@pytest.mark.parametrize("language", ["de", "fr"])
def test_a_version_page_shows_that_languages_publication(published_translations, language):
    term = published_translations[language]["myokines"]
    publication = Publication.objects.get(term=term, number=1)
    english = Publication.objects.get(term__language="en-gb", term__slug="myokines", number=1)
    assert publication.title != english.title or publication.summary != english.summary
    html = reader_html(f"/{language}/glossary/{term.slug}/v/1/")
    assert f'<html lang="{language}"' in html
    assert publication.title in html and english.summary not in html
    canonical = f'<link rel="canonical" href="http://testserver/{language}/glossary/{term.slug}/">'
    assert canonical in html
    page = jsonld_nodes(html)["MedicalWebPage"]
    assert page["url"] == f"http://testserver/{language}/glossary/{term.slug}/v/1/"
    assert page["isPartOf"] == {"@id": f"http://testserver/{language}/glossary/{term.slug}/"}


def test_a_slug_only_another_language_has_is_not_found(published_translations):
    """The German article is "myokine": /de/…/myokines/v/1/ is no German version."""
    from django.test import Client

    assert Client().get("/de/glossary/myokines/v/1/").status_code == 404


def test_english_version_pages_stay_english(published_translations):
    """Also after the French one is in the page cache (its key holds the prefixed path)."""
    assert '<html lang="fr"' in reader_html("/fr/glossary/myokines/v/1/")
    html = reader_html("/glossary/myokines/v/1/")
    english = Publication.objects.get(term__language="en-gb", term__slug="myokines", number=1)
    assert '<html lang="en-gb"' in html and english.title in html


@pytest.mark.parametrize("language", ["de", "fr"])
def test_links_to_versions_carry_the_language(published_translations, language):
    slug = published_translations[language]["myokines"].slug
    version = f"/{language}/glossary/{slug}/v/1/"
    term_page = reader_html(f"/{language}/glossary/{slug}/")
    changelog = term_page[term_page.index('id="changelog-heading"') :]
    assert f'href="{version}"' in changelog
    assert f"http://testserver{version}" in term_page  # "Cite this page"
    assert f"http://testserver{version}" in reader_html(f"/{language}/glossary/{slug}/cite/")
    for file_format in ("bibtex", "ris"):
        download = reader_html(f"/{language}/glossary/{slug}/cite/?format={file_format}")
        assert f"http://testserver{version}" in download, file_format


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_history_page_is_that_languages(published_translations, language):
    term = published_translations[language]["myokines"]
    publication = Publication.objects.get(term=term, number=1)
    history = f"/{language}/glossary/{term.slug}/history/"
    html = reader_html(history)
    assert f'<html lang="{language}"' in html
    assert f'<link rel="canonical" href="http://testserver{history}">' in html
    assert f'href="/{language}/glossary/{term.slug}/v/1/"' in html
    assert f'href="/{language}/glossary/{term.slug}/"' in html  # the breadcrumb
    assert f"<bdi>{publication.note}</bdi>" in html
    assert f'href="{history}"' in reader_html(f"/{language}/glossary/{term.slug}/")
