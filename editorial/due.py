"""Review dates: when a term's medical review falls due, and which terms are due.

A term is reviewed again ``review_interval_months`` after its last review: its own
interval, else the shortest of its categories', else ``DEFAULT_MONTHS``. The date is
stored on the term (``Term.review_due``, indexed) so the dashboard and the command read
it without computing, and kept current here when a review, an interval or a category
changes.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Min, OuterRef, Q, Subquery
from django.utils import timezone

from glossary import term_page
from glossary.models import Publication, Term

DEFAULT_MONTHS = 12
NEAR_DAYS = 30  # "near" its date: due within this many days


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def interval_months(term: Term) -> int:
    if term.review_interval_months:
        return term.review_interval_months
    shortest = term.categories.filter(review_interval_months__isnull=False).aggregate(
        months=Min("review_interval_months")
    )["months"]
    return shortest or DEFAULT_MONTHS


def due_date(term: Term) -> datetime.date | None:
    if term.last_reviewed is None:
        return None
    return add_months(term.last_reviewed, interval_months(term))


def refresh(term_ids: Iterable[int]) -> None:
    """Store each term's review date again; the pages of those that moved are renewed."""
    moved = []
    for term in Term.objects.filter(pk__in=list(term_ids)).only(
        "pk", "last_reviewed", "review_due", "review_interval_months"
    ):
        due = due_date(term)
        if due != term.review_due:
            Term.objects.filter(pk=term.pk).update(review_due=due)
            moved.append(term.pk)
    term_page.invalidate(moved)


@dataclass(frozen=True)
class DueTerm:
    term: Term
    review_due: datetime.date
    reviewer: str  # who reviewed the public version ("" if unknown)
    categories: tuple[str, ...]

    @property
    def overdue(self) -> bool:
        return self.review_due < timezone.localdate()


def due_terms(near_days: int = NEAR_DAYS, today: datetime.date | None = None) -> list[DueTerm]:
    """Published terms whose review is past or due within ``near_days``, soonest first."""
    today = today or timezone.localdate()
    last_reviewer = (
        Publication.objects.filter(term=OuterRef("pk"))
        .exclude(reviewer_name="")
        .order_by("-number")
        .values("reviewer_name")[:1]
    )
    terms = (
        Term.objects.published()
        .filter(Q(review_due__lte=today + datetime.timedelta(days=near_days)))
        .annotate(last_reviewer=Subquery(last_reviewer))
        .prefetch_related("categories")
        .only("pk", "title", "slug", "language", "review_due", "last_reviewed")
        .order_by("review_due", "sort_title", "pk")
    )
    return [
        DueTerm(
            term=term,
            review_due=term.review_due,
            reviewer=term.last_reviewer or "",
            categories=tuple(c.name for c in term.categories.all()),
        )
        for term in terms
    ]


def group_by(rows: list[DueTerm], keys) -> list[tuple[str, list[DueTerm]]]:
    """Rows under each of their keys (a term in two categories is listed under both)."""
    groups: dict[str, list[DueTerm]] = {}
    for row in rows:
        for key in keys(row):
            groups.setdefault(key, []).append(row)
    return sorted(groups.items(), key=lambda item: item[0].casefold())
