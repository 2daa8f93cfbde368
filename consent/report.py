"""Consent rates (Admin → Consent → Report, ``/admin/consent/report/``): how visitors
decided over a period.

Reading ten million records per page view is too slow (grouping the ~650,000 records of 90
days costs about half a second of CPU on its own), so every new record is also counted in
``ConsentTally``: one row per day, method, policy version, action and exact choices (a
handful of rows per day: choices are a few booleans), incremented in the database by the
``post_save`` of ``ConsentRecord`` (F() update, create on a miss). Every number of the report
is then an aggregate the database computes over at most a few thousand tally rows
(``Sum`` with a filter: the period, each day, each method, each policy version).

The tallies count decisions as they were made: erasing a visitor's records or pruning old
ones does not take them back (they hold no consent id, nothing to erase). Records written
without ``post_save`` (raw SQL, ``bulk_create``) are counted by ``rebuild_tallies()``;
migration 0009 counted the records that existed before. Days are the site's time zone at
the time of counting.

A decision is any record but an erasure. Its kind: accept all, reject all, GPC (the
automatic refusal the signal makes), or custom (a saved choice, a grant or refusal of one
category, a withdrawal). A category's opt-in rate is the share of the decisions that
decided it (the key is in ``choices``) which granted it. Methods are grouped as visitors
meet them: the banner (with or without JavaScript), the preferences page (ditto), an
embed's placeholder, GPC.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from consent.models import ConsentRecord, ConsentTally, Report  # noqa: F401
from consent.records import safe_cell

Action, Method = ConsentRecord.Action, ConsentRecord.Method

DEFAULT_DAYS = 30
MAX_DAYS = 366
KINDS = {
    "accept_all": Q(action=Action.ACCEPT_ALL),
    "reject_all": Q(action=Action.REJECT_ALL),
    "custom": Q(action__in=[Action.SAVE, Action.GRANT, Action.REFUSE, Action.WITHDRAW]),
    "gpc": Q(action=Action.GPC),
}
KIND_LABELS = {
    "accept_all": gettext_lazy("Accept all"),
    "reject_all": gettext_lazy("Reject all"),
    "custom": gettext_lazy("Custom"),
    "gpc": "GPC",
}
DECISION_ACTIONS = frozenset(choice.value for choice in Action if choice != Action.ERASED)
DECISIONS = Q(action__in=sorted(DECISION_ACTIONS))
METHOD_GROUPS = {
    "banner": (Method.BANNER, Method.BANNER_NO_JS),
    "preferences": (Method.PREFERENCES, Method.PREFERENCES_NO_JS),
    "embed": (Method.EMBED,),
    "gpc": (Method.GPC,),
}
METHOD_LABELS = {
    "banner": gettext_lazy("Banner"),
    "preferences": gettext_lazy("Preferences page"),
    "embed": gettext_lazy("Embed placeholder"),
    "gpc": gettext_lazy("GPC signal"),
}


def _tally_key(record: ConsentRecord) -> dict:
    return {
        "day": timezone.localdate(record.decided_at),
        "method": record.method,
        "policy_version": record.policy_version,
        "action": record.action,
        "choices": dict(sorted(record.choices.items())),
    }


def add_to_tally(key: dict, times: int = 1) -> None:
    """Count ``times`` decisions under ``key``: an UPDATE with F() (atomic everywhere), or a
    new row; a concurrent creator makes our INSERT fail on the unique constraint, and we
    update the row it made."""
    rows = ConsentTally.objects.filter(**key)
    if rows.update(count=F("count") + times):
        return
    try:
        with transaction.atomic():
            ConsentTally.objects.create(**key, count=times)
    except IntegrityError:
        rows.update(count=F("count") + times)


def count_decision(sender, instance: ConsentRecord, created: bool, **kwargs) -> None:
    if created and instance.action in DECISION_ACTIONS:
        add_to_tally(_tally_key(instance))


def rebuild_tallies() -> int:
    """Count every record anew (after raw SQL or ``bulk_create`` wrote records): grouped in
    the database; returns how many tally rows there are."""
    grouped = (
        ConsentRecord.objects.filter(DECISIONS)
        .annotate(day=TruncDate("decided_at"))
        .order_by()
        .values("day", "method", "policy_version", "action", "choices")
        .annotate(times=Count("pk"))
        .iterator(chunk_size=5000)
    )
    merged: dict[tuple, int] = {}
    for row in grouped:
        choices = tuple(sorted(row["choices"].items()))
        key = (row["day"], row["method"], row["policy_version"], row["action"], choices)
        merged[key] = merged.get(key, 0) + row["times"]
    with transaction.atomic():
        ConsentTally.objects.all().delete()
        ConsentTally.objects.bulk_create(
            (
                ConsentTally(
                    day=day,
                    method=method,
                    policy_version=version,
                    action=action,
                    choices=dict(choices),
                    count=times,
                )
                for (day, method, version, action, choices), times in merged.items()
            ),
            batch_size=2000,
        )
    return len(merged)


post_save.connect(count_decision, sender=ConsentRecord, dispatch_uid="consent-report-tally")


# --- Numbers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    granted: int
    decided: int

    @property
    def share(self) -> float | None:
        return self.granted / self.decided if self.decided else None

    @property
    def percent(self) -> float | None:
        return None if self.share is None else self.share * 100


@dataclass(frozen=True)
class Tally:
    """The decisions of one group (the period, a day, a method, a policy version)."""

    key: str
    label: str
    decisions: int
    kinds: dict[str, int]
    rates: dict[str, Rate] = field(default_factory=dict)

    def share(self, kind: str) -> float | None:
        return self.kinds[kind] / self.decisions if self.decisions else None

    @property
    def shares(self) -> list[tuple[str, int, float | None]]:
        """(label, count, percent of the decisions) of each kind, for the page."""
        return [(KIND_LABELS[kind], self.kinds[kind], _percent(self.share(kind))) for kind in KINDS]


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100


def period_records(start: date, end: date) -> QuerySet[ConsentRecord]:
    """The decisions made from ``start`` to ``end`` (inclusive, in the site's time zone)."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    return ConsentRecord.objects.filter(DECISIONS, decided_at__gte=since, decided_at__lt=until)


def period_tallies(start: date, end: date) -> QuerySet[ConsentTally]:
    """The counted decisions from ``start`` to ``end`` (inclusive)."""
    return ConsentTally.objects.filter(day__gte=start, day__lte=end)


def _total(test: Q | None = None) -> Coalesce:
    return Coalesce(Sum("count", filter=test), 0)


def measures(categories: tuple[str, ...]) -> dict[str, Coalesce]:
    """The aggregates of a tally: decisions, each kind, each category decided and granted."""
    wanted = {"decisions": _total()}
    wanted.update({f"kind_{kind}": _total(test) for kind, test in KINDS.items()})
    # Aliases by position: a category's varname may hold characters an alias may not.
    for index, varname in enumerate(categories):
        wanted[f"decided_{index}"] = _total(Q(choices__has_key=varname))
        wanted[f"granted_{index}"] = _total(Q(**{f"choices__{varname}": True}))
    return wanted


def _tally(row: dict, key: str, label: str, categories: tuple[str, ...]) -> Tally:
    return Tally(
        key=key,
        label=label,
        decisions=row["decisions"],
        kinds={kind: row[f"kind_{kind}"] for kind in KINDS},
        rates={
            varname: Rate(row[f"granted_{index}"], row[f"decided_{index}"])
            for index, varname in enumerate(categories)
        },
    )


def method_group() -> models.Case:
    return models.Case(
        *(
            models.When(method__in=methods, then=Value(group))
            for group, methods in METHOD_GROUPS.items()
        ),
        default=Value("other"),
        output_field=models.CharField(),
    )


def overall(start: date, end: date, categories: tuple[str, ...]) -> Tally:
    row = period_tallies(start, end).aggregate(**measures(categories))
    return _tally(
        row, f"{start.isoformat()}..{end.isoformat()}", gettext("Whole period"), categories
    )


def by_day(start: date, end: date, categories: tuple[str, ...]) -> list[Tally]:
    """One tally per day of the period, oldest first; days without decisions are zeros."""
    rows = {
        row["day"]: row
        for row in period_tallies(start, end)
        .order_by()
        .values("day")
        .annotate(**measures(categories))
    }
    empty = dict.fromkeys(measures(categories), 0)
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [
        _tally(rows.get(day, empty), day.isoformat(), day.strftime("%-d %b %Y"), categories)
        for day in days
    ]


def by_method(start: date, end: date, categories: tuple[str, ...]) -> list[Tally]:
    rows = (
        period_tallies(start, end)
        .annotate(group=method_group())
        .order_by()
        .values("group")
        .annotate(**measures(categories))
    )
    found = {row["group"]: row for row in rows}
    order = [*METHOD_GROUPS, "other"]
    return [
        _tally(found[group], group, METHOD_LABELS.get(group, gettext("Other")), categories)
        for group in order
        if group in found
    ]


def by_policy_version(start: date, end: date, categories: tuple[str, ...]) -> list[Tally]:
    """One tally per policy version shown in the period, the latest first."""
    rows = (
        period_tallies(start, end)
        .order_by()
        .values("policy_version")
        .annotate(last=Max("day"), **measures(categories))
        .order_by("-last", "policy_version")
    )
    return [_tally(row, row["policy_version"], row["policy_version"], categories) for row in rows]


@dataclass(frozen=True)
class ConsentReport:
    start: date
    end: date
    categories: tuple[str, ...]
    overall: Tally
    days: list[Tally]
    methods: list[Tally]
    versions: list[Tally]


def build(start: date, end: date, categories: tuple[str, ...]) -> ConsentReport:
    """Every number of the report for the period (four statements)."""
    return ConsentReport(
        start=start,
        end=end,
        categories=categories,
        overall=overall(start, end, categories),
        days=by_day(start, end, categories),
        methods=by_method(start, end, categories),
        versions=by_policy_version(start, end, categories),
    )


# --- CSV ----------------------------------------------------------------------------------


def csv_header(categories: tuple[str, ...]) -> list[str]:
    return [
        "section",
        "key",
        "decisions",
        *KINDS,
        *(f"{kind}_share" for kind in KINDS),
        *(
            f"{varname}_{part}"
            for varname in categories
            for part in ("decided", "granted", "opt_in_rate")
        ),
    ]


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def csv_line(section: str, tally: Tally, categories: tuple[str, ...]) -> list[str]:
    cells: list[object] = [section, tally.key, tally.decisions]
    cells += [tally.kinds[kind] for kind in KINDS]
    cells += [_ratio(tally.share(kind)) for kind in KINDS]
    for varname in categories:
        rate = tally.rates[varname]
        cells += [rate.decided, rate.granted, _ratio(rate.share)]
    return [safe_cell(cell) for cell in cells]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(report: ConsentReport) -> Iterator[str]:
    """The report's numbers, one line per tally: the period, each day, method, version."""
    writer = csv.writer(_Echo())
    yield writer.writerow(csv_header(report.categories))
    sections = [("period", [report.overall]), ("day", report.days)]
    sections += [("method", report.methods), ("policy_version", report.versions)]
    for section, tallies in sections:
        for tally in tallies:
            yield writer.writerow(csv_line(section, tally, report.categories))


# --- Chart --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    kind: str
    count: int
    y: float
    height: float


@dataclass(frozen=True)
class DayBar:
    day: date
    decisions: int
    x: float
    segments: list[Segment]
    summary: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    baseline: float
    bar_width: float
    bars: list[DayBar]
    ticks: list[tuple[int, float]]
    labels: list[tuple[str, float]]
    peak: int
    total: int


STACK_ORDER = ("accept_all", "custom", "reject_all", "gpc")  # bottom to top


def axis_top(peak: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ, times four grid steps, at or above the peak."""
    if peak <= 4:
        return 4
    magnitude = 10 ** max(0, math.floor(math.log10(peak / 4)))
    for step in (1, 2, 5, 10):
        if step * magnitude * 4 >= peak:
            return step * magnitude * 4
    return 40 * magnitude


def chart(days: list[Tally], width: int = 760, height: int = 260) -> Chart:
    """Decisions per day as stacked bars (one per day, split by kind)."""
    left, right, top, bottom = 52, 8, 12, 30
    plot_width, plot_height = width - left - right, height - top - bottom
    baseline = top + plot_height
    peak = max((tally.decisions for tally in days), default=0)
    scale = axis_top(peak)
    step = plot_width / max(len(days), 1)
    bars = []
    for index, tally in enumerate(days):
        segments, stacked = [], 0
        for kind in STACK_ORDER:
            count = tally.kinds[kind]
            if not count:
                continue
            y_bottom = baseline - plot_height * stacked / scale
            stacked += count
            y_top = baseline - plot_height * stacked / scale
            segments.append(Segment(kind, count, round(y_top, 2), round(y_bottom - y_top, 2)))
        parts = ", ".join(f"{KIND_LABELS[kind]} {tally.kinds[kind]}" for kind in STACK_ORDER)
        bars.append(
            DayBar(
                day=date.fromisoformat(tally.key),
                decisions=tally.decisions,
                x=round(left + index * step + step * 0.1, 2),
                segments=segments,
                summary=f"{tally.label}: {tally.decisions} decisions ({parts})",
            )
        )
    ticks = [(scale * n // 4, round(baseline - plot_height * n / 4, 2)) for n in range(5)]
    every = max(1, math.ceil(len(days) / 8))
    labels = [
        (bar.day.strftime("%-d %b"), round(left + index * step + step / 2, 2))
        for index, bar in enumerate(bars)
        if index % every == 0
    ]
    return Chart(
        width=width,
        height=height,
        left=left,
        baseline=baseline,
        bar_width=round(max(step * 0.8, 0.5), 2),
        bars=bars,
        ticks=ticks,
        labels=labels,
        peak=peak,
        total=sum(tally.decisions for tally in days),
    )
