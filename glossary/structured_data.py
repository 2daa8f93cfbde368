"""schema.org JSON-LD for term pages and the index (rendered by the {% jsonld %} tag)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

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


def term_page(term: Term, request: HttpRequest) -> dict:
    url = _absolute(request, term.get_absolute_url())
    defined_term = {
        "@type": "DefinedTerm",
        "@id": url + "#term",
        "name": term.title,
        "description": term.summary,
        "url": url,
        "termCode": term.slug,
        "inLanguage": term.language,
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
        "inLanguage": term.language,
        "dateModified": term.updated_at.isoformat(),
        "datePublished": term.published_at.isoformat(),
    }
    if term.last_reviewed:
        page["lastReviewed"] = term.last_reviewed.isoformat()
    defined_term["inDefinedTermSet"].pop("@context")
    return {"@context": "https://schema.org", "@graph": [page, defined_term]}
