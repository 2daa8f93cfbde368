"""Version stamps: one cheap read tells every process whether its cached copy is current.

A writer calls ``bump(key)`` inside the transaction that changes the data, so the new
number becomes visible exactly when the new data does. A reader calls ``read(key)``
*before* reading the data it caches, and keeps the number with the copy: if the number
in the database differs later, the copy is rebuilt. (Reading the data first could pair
old data with a new number and keep it forever.)

With Redis and PostgreSQL, the stamps are mirrored in Redis (``STAMP_MIRROR_SECONDS`` at
most), so the read every request makes is one Redis round trip instead of a database query
(the query cost more than the rest of a cached page; SQLite reads its table in-process,
faster than a Redis round trip, so it is not mirrored). The database stays the truth:

- ``bump`` drops the mirrored keys at once and, when its transaction commits, offers the
  committed numbers; a number only ever replaces a smaller one, so a reader that read
  the database just before the commit cannot put the old number back.
- A reader that misses reads the database and offers what it read, the same way.
- Inside a transaction the mirror is neither read nor filled: a transaction that bumped
  sees its own numbers, and numbers that may still roll back never reach other processes.
- If the commit's offer is lost (Redis failing just then, the process killed), the old
  number lives at most ``STAMP_MIRROR_SECONDS``.
"""

from __future__ import annotations

import contextvars
import datetime

from django.conf import settings
from django.core.cache import cache
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
MIRROR_PREFIX = "stamp:"
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)

_snapshot: contextvars.ContextVar[dict[str, Token] | None] = contextvars.ContextVar(
    "core_stamps_snapshot", default=None
)


def tokens(*keys: str) -> dict[str, Token]:
    """The token of each key: from the request's snapshot, or one query."""
    taken = _snapshot.get()
    if taken is not None and all(key in taken for key in keys):
        return {key: taken[key] for key in keys}
    mirrored = _from_mirror(keys)
    if mirrored is not None:
        return mirrored
    read_now = _from_database(keys)
    _offer(read_now)
    return read_now


def _from_database(keys: tuple[str, ...]) -> dict[str, Token]:
    found = {key: (value, aware_datetime(changed_at)) for key, value, changed_at in _select(keys)}
    return {key: found.get(key, (0, None)) for key in keys}


def mirrored() -> bool:
    """Whether the stamps are mirrored in Redis: with Redis and a database server. SQLite
    reads its stamps table in-process faster than any Redis round trip."""
    return hasattr(cache, "mirror_get") and connection.vendor != "sqlite"


def _mirror():
    """The shared Redis cache that mirrors the stamps, or None (not mirrored, or inside a
    transaction, where only the database tells the truth)."""
    if connection.in_atomic_block or not mirrored():
        return None
    return cache


def _from_mirror(keys: tuple[str, ...]) -> dict[str, Token] | None:
    mirror = _mirror()
    if mirror is None:
        return None
    texts = mirror.mirror_get([MIRROR_PREFIX + key for key in keys])
    if texts is None or None in texts:
        return None
    found: dict[str, Token] = {}
    for key, text in zip(keys, texts, strict=True):
        number, _, micros = text.partition("|")
        if not number.isdigit() or not (micros.isdigit() or micros == ""):
            return None
        changed_at = _EPOCH + datetime.timedelta(microseconds=int(micros)) if micros else None
        found[key] = (int(number), changed_at)
    return found


def _offer(found: dict[str, Token]) -> None:
    mirror = _mirror()
    if mirror is None:
        return
    entries = []
    for key, (number, changed_at) in found.items():
        # Whole microseconds since the epoch: exact both ways, and cheap to read back.
        moment = (changed_at - _EPOCH) // _MICROSECOND if changed_at else ""
        entries.append((MIRROR_PREFIX + key, number, f"{number}|{moment}"))
    mirror.mirror_offer(entries, settings.STAMP_MIRROR_SECONDS)


def _publish(keys: tuple[str, ...]) -> None:
    """After a bump commits: the committed numbers into the mirror."""
    _offer(_from_database(keys))


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


def aware_datetime(value: object) -> datetime.datetime | None:
    """A datetime column read with raw SQL, as the ORM would give it (SQLite hands back
    naive UTC text)."""
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
        if mirrored():
            cache.mirror_drop([MIRROR_PREFIX + key for key in keys])
            transaction.on_commit(lambda: _publish(keys), robust=True)
        return read(*keys)
