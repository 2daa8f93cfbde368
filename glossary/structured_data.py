"""schema.org JSON-LD for term pages and the index (rendered by the {% jsonld %} tag)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from glossary.citations import KIND_ARTICLE, KIND_UNSTRUCTURED, Source, doi_url, safe_url
from glossary.models import Publication, Term
from glossary.publications import ShownVersion


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def defined_term_set(request: HttpRequest) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "DefinedTermSet",
        "@id": _absolute(request, reverse("glossary:term_index")) + "#glossary",
        "name": settings.SITE_NAME,
        "description": str(settings.SITE_DESCRIPTION),
        "url": _absolute(request, reverse("glossary:term_index")),
    }


def _person(request: HttpRequest, name: str, credentials: str, job_title: str, path: str) -> dict:
    person = {"@type": "Person", "name": name}
    if credentials:
        person["honorificSuffix"] = credentials
    if job_title:
        person["jobTitle"] = job_title
    if path:
        person["url"] = _absolute(request, path)
    return person


def _review(request: HttpRequest, publication: Publication) -> dict:
    """``reviewedBy`` and ``lastReviewed`` as the publication recorded them."""
    if not publication.reviewed:
        return {}
    return {
        "reviewedBy": _person(
            request,
            publication.reviewer_name,
            publication.reviewer_credentials,
            publication.reviewer_job_title,
            publication.reviewer_path,
        ),
        "lastReviewed": publication.reviewed_on.isoformat(),
    }


def _authors(request: HttpRequest, authors: list[dict]) -> dict:
    """``author``: people as ``Publication.authors`` records them (none: no property)."""
    if not authors:
        return {}
    people = [
        _person(
            request,
            a.get("name", ""),
            a.get("credentials", ""),
            a.get("job_title", ""),
            a.get("path", ""),
        )
        for a in authors
    ]
    return {"author": people}


def _citations(cited_sources: list[dict]) -> dict:
    """``citation``: the sources a version's reference list shows."""
    if not cited_sources:
        return {}
    return {"citation": [citation(Source.from_json(data)) for data in cited_sources]}


def citation(source: Source) -> dict:
    """One reference as schema.org: a ScholarlyArticle (journal articles) or CreativeWork,
    its DOI as identifier and sameAs."""
    if source.kind == KIND_UNSTRUCTURED:
        return {"@type": "CreativeWork", "name": source.text}
    work: dict = {
        "@type": "ScholarlyArticle" if source.kind == KIND_ARTICLE else "CreativeWork",
        "name": source.title,
    }
    if source.authors:
        work["author"] = [{"@type": "Person", "name": name} for name in source.authors]
    if source.year:
        work["datePublished"] = str(source.year)
    if source.container:
        work["isPartOf"] = {"@type": "Periodical", "name": source.container}
    if source.doi:
        work["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": source.doi}
        work["sameAs"] = doi_url(source.doi)
    elif safe_url(source.url):
        work["url"] = safe_url(source.url)
    return work


def term_page(term: Term, request: HttpRequest, shown: ShownVersion) -> dict:
    """A ``MedicalWebPage`` about the ``DefinedTerm``, with its review, authors and citations,
    all of the version shown (while an edit is held, the publication's)."""
    url = _absolute(request, term.get_absolute_url())
    defined_term = {
        "@type": "DefinedTerm",
        "@id": url + "#term",
        "name": shown.title,
        "description": shown.summary,
        "url": url,
        "termCode": term.slug,
        "inLanguage": term.language,
        "inDefinedTermSet": defined_term_set(request),
    }
    if term.alias_list:
        defined_term["alternateName"] = term.alias_list
    page = {
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": shown.title,
        "description": shown.summary,
        "about": {"@id": url + "#term"},
        "mainEntity": {"@id": url + "#term"},
        "inLanguage": term.language,
        "dateModified": term.updated_at.isoformat(),
        "datePublished": term.published_at.isoformat(),
    }
    # A review is claimed only as a publication recorded it (who and when); a term
    # outside the workflow has none to claim, whatever date its row carries.
    if shown.publication is not None:
        page["dateModified"] = shown.publication.published_at.isoformat()
        page.update(_review(request, shown.publication))
    page.update(_authors(request, shown.authors))
    page.update(_citations(shown.cited_sources))
    defined_term["inDefinedTermSet"].pop("@context")
    return {"@context": "https://schema.org", "@graph": [page, defined_term]}


def version_page(publication: Publication, request: HttpRequest) -> dict:
    """One publication: a ``MedicalWebPage`` of that version, part of the live page."""
    term = publication.term
    live = _absolute(request, term.get_absolute_url())
    page = {
        "@type": "MedicalWebPage",
        "@id": _absolute(request, publication.get_absolute_url()),
        "url": _absolute(request, publication.get_absolute_url()),
        "name": publication.title,
        "description": publication.summary,
        "version": str(publication.number),
        "datePublished": publication.published_at.isoformat(),
        "isPartOf": {"@id": live},
        "about": {"@type": "DefinedTerm", "@id": live + "#term", "name": publication.title},
        **_review(request, publication),
        **_authors(request, publication.authors),
        **_citations(publication.cited_sources),
    }
    return {"@context": "https://schema.org", "@graph": [page]}
