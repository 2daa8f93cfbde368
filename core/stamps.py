"""Version stamps: one cheap read tells every process whether its cached copy is current.

A writer calls ``bump(key)`` inside the transaction that changes the data, so the new
number becomes visible exactly when the new data does. A reader calls ``read(key)``
*before* reading the data it caches, and keeps the number with the copy: if the number
in the database differs later, the copy is rebuilt. (Reading the data first could pair
old data with a new number and keep it forever.)
"""

from __future__ import annotations

import contextvars
import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.models import Stamp

NAMES = "glossary.names"  # titles, aliases, slugs and visibility: the cross-link index
CONTENT = "glossary.content"  # anything a public glossary page shows
CONSENT = "consent.catalog"  # categories, declared cookies, tracking scripts, texts
SITE = "glossary.site"  # what every term page shows besides the term: the partner slot
PAGES = "glossary.pages"  # every stored term page at once (a bulk load, a full recount)


# A stamp's token: its number and the time of its last bump. The time tells two bumps to
# the same number apart (a transaction that bumped and rolled back, then another).
Token = tuple[int, "datetime.datetime | None"]
ALL_KEYS = (NAMES, CONTENT, CONSENT, SITE, PAGES)

_snapshot: contextvars.ContextVar[dict[str, Token] | None] = contextvars.ContextVar(
    "core_stamps_snapshot", default=None
)


def tokens(*keys: str) -> dict[str, Token]:
    """The token of each key: from the request's snapshot, or one query."""
    taken = _snapshot.get()
    if taken is not None and all(key in taken for key in keys):
        return {key: taken[key] for key in keys}
    found = {key: (value, _aware(changed_at)) for key, value, changed_at in _select(keys)}
    return {key: found.get(key, (0, None)) for key in keys}


def _select(keys: tuple[str, ...]) -> list[tuple]:
    """Prepared SQL, not the ORM: this runs on every request and building the query cost
    as much as running it (a cached page's whole budget is this one read)."""
    q = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q('key')}, {q('value')}, {q('changed_at')} FROM {q(Stamp._meta.db_table)} "
            f"WHERE {q('key')} IN ({placeholders})",
            list(keys),
        )
        return cursor.fetchall()


def _aware(value: object) -> datetime.datetime | None:
    """changed_at as the ORM would give it (SQLite hands back text)."""
    if value is None or isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = parse_datetime(str(value))
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def token(key: str) -> Token:
    return tokens(key)[key]


def key_part(*keys: str) -> str:
    """These stamps' tokens as text for a cache key: the key moves whenever one is bumped."""
    return ":".join(
        f"{number}.{changed_at.timestamp() if changed_at else 0}"
        for number, changed_at in tokens(*keys).values()
    )


def take_snapshot() -> contextvars.Token:
    """Read every stamp once for this request (core.middleware); later reads are free."""
    _snapshot.set(None)
    return _snapshot.set(tokens(*ALL_KEYS))


def use_snapshot(taken: dict[str, Token]) -> contextvars.Token:
    """Use these tokens as this request's snapshot (the last ones seen, when the
    database does not answer: core.middleware serves cached pages from them)."""
    return _snapshot.set(dict(taken))


def drop_snapshot(previous: contextvars.Token | None = None) -> None:
    if previous is not None:
        _snapshot.reset(previous)
    else:
        _snapshot.set(None)


def read(*keys: str) -> dict[str, int]:
    """The current number of each key (0 for a key never bumped): one query."""
    found = dict(Stamp.objects.filter(key__in=keys).values_list("key", "value"))
    return {key: found.get(key, 0) for key in keys}


def current(key: str) -> int:
    return read(key)[key]


def bump(*keys: str) -> dict[str, int]:
    """Announce a change to these keys, atomically with the caller's transaction.

    Returns the new numbers (the caller's transaction holds the rows, so number - 1 is
    the one every cache built before this change carries).
    """
    now = timezone.now()
    with transaction.atomic():
        for key in keys:
            updated = Stamp.objects.filter(key=key).update(value=F("value") + 1, changed_at=now)
            if not updated:
                _, created = Stamp.objects.get_or_create(key=key, defaults={"value": 1})
                if not created:
                    Stamp.objects.filter(key=key).update(value=F("value") + 1, changed_at=now)
        drop_snapshot()  # this request changed something: read afresh from here on
        return read(*keys)
