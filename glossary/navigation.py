"""The A–Z letter bar and letter groups: aggregate queries, whatever the number of terms."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest
from django.urls import reverse

from glossary.models import LETTER_GROUPS, Term, letter_label

PREVIEW_TERMS_PER_LETTER = 8


@dataclass
class Letter:
    key: str
    label: str
    count: int
    url: str
    terms: list[Term] = field(default_factory=list)

    @property
    def has_terms(self) -> bool:
        return self.count > 0

    @property
    def more_count(self) -> int:
        return max(self.count - len(self.terms), 0)


def letter_bar() -> list[Letter]:
    """Every letter group with its count of published terms (one query)."""
    counts = dict(Term.objects.published().order_by().values_list("letter").annotate(n=Count("pk")))
    return [
        Letter(
            key=key,
            label=letter_label(key),
            count=counts.get(key, 0),
            url=reverse("glossary:letter_detail", args=[key]),
        )
        for key in LETTER_GROUPS
    ]


def term_groups_preview(letters: list[Letter]) -> list[Letter]:
    """The first few terms of each non-empty letter (one query, using a window function)."""
    ranked = (
        Term.objects.published()
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F("letter")], order_by=[F("sort_title"), F("pk")]
            )
        )
        .filter(position__lte=PREVIEW_TERMS_PER_LETTER)
        .order_by("letter", "sort_title", "pk")
        .only("title", "slug", "letter", "summary")
    )
    by_letter: dict[str, list[Term]] = {}
    for term in ranked:
        by_letter.setdefault(term.letter, []).append(term)
    for letter in letters:
        letter.terms = by_letter.get(letter.key, [])
    return [letter for letter in letters if letter.has_terms]


def page_or_last(paginator: Paginator, request: HttpRequest) -> Page:
    """The requested page; a number past the end gives the last page, garbage the first."""
    return paginator.get_page(request.GET.get("page"))
