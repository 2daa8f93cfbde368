"""The A–Z letter bar and letter groups: aggregate queries, whatever the number of terms.

Both aggregates read every published term, so they are kept in the shared cache under
the `glossary.listings` stamp: any change to terms (in any process) bumps the stamp, so
the next request reads fresh keys. Terms that become public on schedule announce
nothing, so the key also holds the latest publication time already past
(``glossary.schedule``): the first request after one comes due reads fresh counts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import translation

from core import page_cache, stamps
from glossary import publications, schedule, versions
from glossary.models import Term, default_language, letter_groups, letter_label
from glossary.rendering import term_url

PREVIEW_TERMS_PER_LETTER = 8
LETTER_COUNTS_KEY = "glossary:letter-counts:v2"
INDEX_PREVIEW_KEY = "glossary:index-preview:v2"
# Keys change with every stamp and publication; old entries just expire.
NAVIGATION_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class TermLink:
    """Just enough of a term to list it; small and picklable for the cache."""

    title: str
    slug: str
    language: str = ""  # "" is the default language

    def get_absolute_url(self) -> str:
        return term_url(self.slug, self.language or None)


@dataclass
class Letter:
    key: str
    label: str
    count: int
    url: str
    terms: list[TermLink] = field(default_factory=list)

    @property
    def has_terms(self) -> bool:
        return self.count > 0

    @property
    def more_count(self) -> int:
        return max(self.count - len(self.terms), 0)


def _key(name: str, language: str) -> str:
    latest, _ = schedule.bounds()
    stamp = stamps.key_part(versions.LISTINGS)
    return f"{name}:{language}:{stamp}:{latest.timestamp() if latest else 0}"


def letter_bar(language: str | None = None) -> list[Letter]:
    """Every letter group of the language's alphabet with its count of published terms in
    that language (one query, then cached)."""
    language = language or default_language()
    key = _key(LETTER_COUNTS_KEY, language)
    counts = cache.get(key)
    if counts is None:
        counts = dict(
            Term.objects.published()
            .in_language(language)
            .order_by()
            .values_list("letter")
            .annotate(n=Count("pk"))
        )
        cache.set(key, counts, NAVIGATION_CACHE_SECONDS)
    return [
        Letter(
            key=key,
            label=letter_label(key),
            count=counts.get(key, 0),
            url=_letter_url(key, language),
        )
        for key in letter_groups(language)
    ]


@functools.cache
def _letter_url(key: str, language: str) -> str:
    """Every page shows the letter bar: reversing 28 URLs per request cost a millisecond."""
    with translation.override(language):
        return reverse("glossary:letter_detail", args=[key])


def term_groups_preview(letters: list[Letter], language: str | None = None) -> list[Letter]:
    """The first few terms of each non-empty letter (one window-function query, cached)."""
    language = language or default_language()
    key = _key(INDEX_PREVIEW_KEY, language)
    by_letter = cache.get(key)
    if by_letter is None:
        ranked = (
            Term.objects.published()
            .in_language(language)
            .annotate(
                position=Window(
                    RowNumber(), partition_by=[F("letter")], order_by=[F("sort_title"), F("pk")]
                )
            )
            .filter(position__lte=PREVIEW_TERMS_PER_LETTER)
            .order_by("letter", "sort_title", "pk")
            .values_list("pk", "publication_number", "slug", "title", "letter")
        )
        by_letter = {}
        for row in publications.as_published([publications.Listing(*row) for row in ranked]):
            by_letter.setdefault(row.extra, []).append(
                TermLink(title=row.title, slug=row.slug, language=language)
            )
        cache.set(key, by_letter, NAVIGATION_CACHE_SECONDS)
    for letter in letters:
        letter.terms = by_letter.get(letter.key, [])
    return [letter for letter in letters if letter.has_terms]


def page_or_last(paginator: Paginator, request: HttpRequest) -> Page:
    """The requested page; a number past the end gives the last page, garbage the first
    (search results, which are never cached)."""
    return paginator.get_page(request.GET.get("page"))


def listing_page(paginator: Paginator, request: HttpRequest) -> Page:
    """The requested page of a listing, which the page cache keeps: page 1 at the bare
    address and ``?page=N`` for an existing N ≥ 2, written canonically; anything else is
    404, so no client can make a listing answer under endless addresses."""
    value = request.GET.get("page")
    if value is None:
        return paginator.page(1)
    if not page_cache.CANONICAL_PAGE_NUMBER.fullmatch(value):
        raise Http404("No such page")
    try:
        return paginator.page(int(value))
    except InvalidPage as error:
        raise Http404("No such page") from error
