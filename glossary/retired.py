"""Addresses of terms that moved or went: 301 to the term's new address, or 410 Gone.

Moving a published term's slug keeps old links working; deleting a published term tells
readers and search engines it is gone on purpose, instead of a bare 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render

from core import visitors
from glossary.models import RetiredSlug, Term


def response_for_unknown_slug(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    """Called only when no visible term in `language` has `slug`: redirect, 410, or 404.

    A slug of another language's version (an English slug under /de/) redirects to this
    language's version of the same concept when one is published, else 404."""

    retired = (
        RetiredSlug.objects.select_related("term").filter(slug=slug, language=language).first()
    )
    if retired is None:
        return _other_language_version(slug, language)
    if retired.term is None:
        return render(request, "glossary/gone.html", {"retired": retired}, status=410)
    if retired.term.is_public or visitors.is_staff(request):
        return HttpResponsePermanentRedirect(retired.term.get_absolute_url())
    raise Http404("No such term")


def _other_language_version(slug: str, language: str) -> HttpResponse:
    """301 to this language's version of the concept another language's `slug` names."""
    concepts = Term.objects.published().filter(slug=slug).values("concept")
    version = (
        Term.objects.published()
        .filter(language=language, concept__in=concepts)
        .only("slug", "language")
        .first()
    )
    if version is None:
        raise Http404("No such term")
    return HttpResponsePermanentRedirect(version.get_absolute_url())
