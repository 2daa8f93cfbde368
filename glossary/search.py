"""One search API for the glossary (placeholder: substring match; FTS backends to come)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from glossary.models import Term

MAX_QUERY_LENGTH = 200


def clean_query(raw: str) -> str:
    """Bound the query and strip characters no search needs (null bytes, controls)."""
    cleaned = "".join(ch for ch in (raw or "") if ch.isprintable())
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


def search_terms(query: str) -> QuerySet[Term]:
    query = clean_query(query)
    if not query:
        return Term.objects.none()
    return Term.objects.published().filter(
        Q(title__icontains=query)
        | Q(aliases__icontains=query)
        | Q(summary__icontains=query)
        | Q(body__icontains=query)
    )


def suggest_titles(prefix: str, limit: int = 8) -> list[dict[str, str]]:
    prefix = clean_query(prefix)
    if len(prefix) < 2:
        return []
    terms = Term.objects.published().filter(title__istartswith=prefix).only("title", "slug")
    return [{"title": t.title, "url": t.get_absolute_url()} for t in terms[:limit]]
