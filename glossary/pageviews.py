"""First-party page-view counting: count in the cache, write aggregated rows later.

A beacon (``static/js/pageviews.js``, sent only when analytics is granted) reaches
``record()`` at most once per visitor and term in a window (``first_view_in_window``),
within a budget per client (``config.beacons``). With a cache shared by every app server
process (Redis), a view is one ``add`` + one ``incr`` of a counter keyed on day and
term: no database write. The first view of a term on a day also writes the term's id
into a numbered slot of that day's index, so a flush reads only the terms seen, never
the whole glossary.

``flush()`` (``manage.py flush_pageviews`` from cron, and whenever an editor opens the
statistics) takes each counter's value away with ``decr`` (atomic: views counted
meanwhile stay for the next flush) and adds it to ``TermViews`` with one upsert per
(term, day). Running it twice adds nothing the second time.

With a per-process cache (locmem, the default without ``REDIS_URL``) another process
could never flush those counters, so each view is written at once as one upsert instead
(also the fallback when the cache refuses a counter). ``PAGEVIEWS_STORE`` = ``"cache"``
or ``"database"`` overrides the choice.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.validators import slug_unicode_re
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from glossary.models import Term, TermViews

logger = logging.getLogger(__name__)

KEY_PREFIX = "pageviews:v1"
# Counters outlive their day by two: a flush at least once a day loses nothing.
COUNTER_SECONDS = 3 * 86400
FLUSH_DAYS = 3
PERIODS = (7, 30, 90)
CHART_DAYS = 90
_PROCESS_LOCAL_BACKENDS = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)

Counts = dict[tuple[int, datetime.date], int]


def counts_in_cache() -> bool:
    """Count in the cache only when every process shares it (else write each view)."""
    store = getattr(settings, "PAGEVIEWS_STORE", None)
    if store in {"cache", "database"}:
        return store == "cache"
    return settings.CACHES["default"]["BACKEND"] not in _PROCESS_LOCAL_BACKENDS


def published_term_id(slug: str) -> int | None:
    """The id of the published term with this slug (one indexed read), else None.

    Anything that cannot be a slug (a NUL byte, which PostgreSQL refuses in any string,
    other control characters, spaces, punctuation) is None without asking the database."""
    if not slug or len(slug) > 220 or not slug_unicode_re.match(slug):
        return None
    return Term.objects.published().filter(slug=slug).values_list("pk", flat=True).first()


def first_view_in_window(term_id: int, visitor: str, seconds: int) -> bool:
    """Is this the visitor's first view of the term in ``seconds``? Reloading a page (or
    a script replaying the beacon) counts once per window. A cache that does not answer
    says yes: views are then bounded by the beacon's budget only."""
    key = f"{KEY_PREFIX}:once:{visitor}:{term_id}"
    return bool(cache.add(key, 1, seconds)) or cache.get(key) is None


def _counter_key(day: datetime.date, term_id: int) -> str:
    return f"{KEY_PREFIX}:{day.isoformat()}:{term_id}"


def _seen_key(day: datetime.date, slot: int | str = "n") -> str:
    return f"{KEY_PREFIX}:{day.isoformat()}:seen:{slot}"


def record(term_id: int, day: datetime.date | None = None) -> None:
    """Count one view of a term (today unless a day is given)."""
    day = day or timezone.localdate()
    if counts_in_cache():
        try:
            _count_in_cache(term_id, day)
            return
        except ValueError:  # the counter vanished or the cache is down
            logger.warning("Page view counted in the database: the cache refused a counter")
    add_to_database({(term_id, day): 1})


def _count_in_cache(term_id: int, day: datetime.date) -> None:
    key = _counter_key(day, term_id)
    if cache.add(key, 0, COUNTER_SECONDS):
        try:
            cache.add(_seen_key(day), 0, COUNTER_SECONDS)
            slot = cache.incr(_seen_key(day))
            cache.set(_seen_key(day, slot), term_id, COUNTER_SECONDS)
        except ValueError:
            cache.delete(key)  # unindexed, it could never be flushed: the next view retries
            raise
    cache.incr(key)


def add_to_database(counts: Counts) -> None:
    """Add views to TermViews: one upsert per (term, day), safe under concurrent writers."""
    rows = [(term_id, day, n) for (term_id, day), n in sorted(counts.items()) if n > 0]
    if not rows:
        return
    table = connection.ops.quote_name(TermViews._meta.db_table)
    # INSERT … ON CONFLICT … DO UPDATE: SQLite ≥ 3.24 and PostgreSQL spell it the same.
    sql = (
        f"INSERT INTO {table} (term_id, day, count) VALUES (%s, %s, %s) "
        f"ON CONFLICT (term_id, day) DO UPDATE SET count = {table}.count + excluded.count"
    )
    live = set(Term.objects.filter(pk__in={row[0] for row in rows}).values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, [row for row in rows if row[0] in live])


def _pending(days: Iterable[datetime.date]) -> dict[str, tuple[int, datetime.date]]:
    """Counter keys of every term seen on these days, from each day's index."""
    keys: dict[str, tuple[int, datetime.date]] = {}
    for day in days:
        seen = cache.get(_seen_key(day)) or 0
        slots = cache.get_many([_seen_key(day, n) for n in range(1, seen + 1)])
        for term_id in slots.values():
            keys[_counter_key(day, term_id)] = (term_id, day)
    return keys


def flush(today: datetime.date | None = None) -> int:
    """Move counted views from the cache to TermViews; returns how many were moved."""
    today = today or timezone.localdate()
    pending = _pending(today - datetime.timedelta(days=n) for n in range(FLUSH_DAYS))
    taken: Counts = {}
    for key, value in cache.get_many(list(pending)).items():
        if not value:
            continue
        try:
            cache.decr(key, value)
        except ValueError:  # expired in between: nothing to take
            continue
        taken[pending[key]] = value
    try:
        add_to_database(taken)
    except Exception:
        for (term_id, day), value in taken.items():  # give them back for the next flush
            with contextlib.suppress(ValueError):
                cache.incr(_counter_key(day, term_id), value)
        raise
    return sum(taken.values())


# What editors see -----------------------------------------------------------------


def daily_series(days: int = CHART_DAYS, today: datetime.date | None = None) -> list[tuple]:
    """``[(day, views)]`` for the last ``days`` days, oldest first, days without views as 0."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    totals = dict(
        TermViews.objects.filter(day__gte=first, day__lte=today)
        .values("day")
        .annotate(total=Sum("count"))
        .values_list("day", "total")
    )
    return [
        (day, totals.get(day, 0))
        for day in (first + datetime.timedelta(days=n) for n in range(days))
    ]


@dataclass(frozen=True)
class TopTerm:
    title: str
    slug: str
    views: int


def top_terms(days: int, limit: int = 20, today: datetime.date | None = None) -> list[TopTerm]:
    """The most-read terms of the last ``days`` days (most views first, then by title)."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    rows = (
        TermViews.objects.filter(day__gte=first, day__lte=today)
        .values("term__title", "term__slug")
        .annotate(views=Sum("count"))
        .order_by("-views", "term__title")[:limit]
    )
    return [TopTerm(row["term__title"], row["term__slug"], row["views"]) for row in rows]


@dataclass(frozen=True)
class Bar:
    day: datetime.date
    views: int
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class Chart:
    """Geometry of the server-rendered SVG bar chart (the template only draws it)."""

    width: int
    height: int
    plot_left: int
    plot_bottom: int
    bar_width: float
    bars: list[Bar]
    ticks: list[tuple[int, float]]  # (value, y)
    labels: list[tuple[str, float]]  # (date label, x)
    total: int
    peak: int


def chart(series: list[tuple], width: int = 720, height: int = 240) -> Chart:
    left, right, top, bottom = 48, 8, 12, 28
    plot_width, plot_height = width - left - right, height - top - bottom
    peak = max((views for _, views in series), default=0)
    scale_top = _nice_ceiling(peak)
    step = plot_width / max(len(series), 1)
    bars = []
    for index, (day, views) in enumerate(series):
        bar_height = plot_height * views / scale_top
        bars.append(
            Bar(
                day=day,
                views=views,
                x=round(left + index * step + step * 0.1, 2),
                y=round(top + plot_height - bar_height, 2),
                height=round(bar_height, 2),
            )
        )
    ticks = [
        (round(scale_top * n / 4), round(top + plot_height - plot_height * n / 4, 2))
        for n in range(5)
    ]
    labels = [
        (day.strftime("%-d %b"), round(left + index * step + step / 2, 2))
        for index, (day, _) in enumerate(series)
        if index % 15 == 0 or index == len(series) - 1
    ]
    return Chart(
        width=width,
        height=height,
        plot_left=left,
        plot_bottom=top + plot_height,
        bar_width=round(step * 0.8, 2),
        bars=bars,
        ticks=ticks,
        labels=labels,
        total=sum(views for _, views in series),
        peak=peak,
    )


def _nice_ceiling(value: int) -> int:
    """The axis top: the first of 4, 8, 20, 40, 80, 200, … at or above value."""
    for exponent in range(19):
        for mantissa in (4, 8, 20):
            if mantissa * 10**exponent >= value:
                return mantissa * 10**exponent
    return value
