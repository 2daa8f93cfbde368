"""schema.org JSON-LD for term pages and the index (rendered by the {% jsonld %} tag)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from glossary.citations import KIND_ARTICLE, KIND_UNSTRUCTURED, Source, doi_url, safe_url
from glossary.models import Term


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


def term_page(term: Term, request: HttpRequest) -> dict:
    url = _absolute(request, term.get_absolute_url())
    defined_term = {
        "@type": "DefinedTerm",
        "@id": url + "#term",
        "name": term.title,
        "description": term.summary,
        "url": url,
        "termCode": term.slug,
        "inDefinedTermSet": defined_term_set(request),
    }
    if term.alias_list:
        defined_term["alternateName"] = term.alias_list
    page = {
        "@type": "WebPage",
        "@id": url,
        "url": url,
        "name": term.title,
        "description": term.summary,
        "mainEntity": {"@id": url + "#term"},
        "dateModified": term.updated_at.isoformat(),
        "datePublished": term.published_at.isoformat(),
    }
    if term.last_reviewed:
        page["lastReviewed"] = term.last_reviewed.isoformat()
    if term.cited_sources:
        page["citation"] = [citation(Source.from_json(data)) for data in term.cited_sources]
    defined_term["inDefinedTermSet"].pop("@context")
    return {"@context": "https://schema.org", "@graph": [page, defined_term]}
