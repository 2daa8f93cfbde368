"""Addresses of terms that moved or went: 301 to the term's new address, or 410 Gone.

Moving a published term's slug keeps old links working; deleting a published term tells
readers and search engines it is gone on purpose, instead of a bare 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils import timezone

if TYPE_CHECKING:
    from glossary.models import Term


def _was_public(state: dict | None) -> bool:
    from glossary.models import Term

    return bool(state) and Term.is_public_state(state["status"], state["published_at"])


def after_term_saved(term: Term, previous: dict | None) -> None:
    """A live term owns its slug again; a published term that moved leaves a redirect."""
    from glossary.models import RetiredSlug

    RetiredSlug.objects.filter(slug=term.slug).delete()
    if (
        previous
        and previous.get("slug")
        and previous["slug"] != term.slug
        and _was_public(previous)
    ):
        RetiredSlug.objects.update_or_create(
            slug=previous["slug"],
            defaults={"term": term, "title": previous["title"], "retired_at": timezone.now()},
        )


def after_term_deleted(term: Term) -> None:
    """A deleted published term leaves a 410 Gone page at its address."""
    from glossary.models import RetiredSlug

    if term.is_public:
        RetiredSlug.objects.update_or_create(
            slug=term.slug,
            defaults={"term": None, "title": term.title, "retired_at": timezone.now()},
        )


def response_for_unknown_slug(request: HttpRequest, slug: str) -> HttpResponse:
    """Called only when no visible term has `slug`: redirect, 410, or 404."""
    from glossary.models import RetiredSlug

    retired = RetiredSlug.objects.select_related("term").filter(slug=slug).first()
    if retired is None:
        raise Http404("No such term")
    if retired.term is None:
        return render(request, "glossary/gone.html", {"retired": retired}, status=410)
    if retired.term.is_public or request.user.is_staff:
        return HttpResponsePermanentRedirect(retired.term.get_absolute_url())
    raise Http404("No such term")
