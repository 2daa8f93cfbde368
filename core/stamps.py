"""Version stamps: one cheap read tells a reader whether a cached copy is current.

A stamp is a named counter with the time of its last bump. Apps name their own stamps
(``glossary.versions``, ``consent.catalog.STAMP``); this module knows none of them.

A writer calls ``bump(key)`` inside the transaction that changes the data, so the new
number becomes visible exactly when the new data does. A reader reads the token
*before* the data it caches and keeps it with the copy (or in the copy's key): reading
the data first could pair old data with a new number and keep it forever.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.models import Stamp

# A stamp's token: its number and the time of its last bump. The time tells two bumps to
# the same number apart (a transaction that bumped and rolled back, then another).
Token = tuple[int, "datetime.datetime | None"]


def tokens(*keys: str) -> dict[str, Token]:
    """The token of each key (``(0, None)`` for a key never bumped): one query."""
    q = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        # Plain SQL: every cached page runs this, and compiling the ORM's query cost as
        # much as running it.
        cursor.execute(
            f"SELECT {q('key')}, {q('value')}, {q('changed_at')} FROM {q(Stamp._meta.db_table)} "
            f"WHERE {q('key')} IN ({placeholders})",
            list(keys),
        )
        found = {key: (value, aware_datetime(at)) for key, value, at in cursor.fetchall()}
    return {key: found.get(key, (0, None)) for key in keys}


def token(key: str) -> Token:
    return tokens(key)[key]


def key_part(*keys: str) -> str:
    """These stamps' tokens as text for a cache key: the key moves whenever one is bumped."""
    return key_text(tokens(*keys))


def key_text(read: dict[str, Token]) -> str:
    """Tokens already read (``tokens``) as text for a cache key, in the order read."""
    return ":".join(
        f"{number}.{changed_at.timestamp() if changed_at else 0}"
        for number, changed_at in read.values()
    )


def aware_datetime(value: object) -> datetime.datetime | None:
    """A datetime column read with plain SQL, as the ORM would give it (SQLite hands back
    naive UTC text)."""
    if value is None or isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = parse_datetime(str(value))
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def read(*keys: str) -> dict[str, int]:
    """The current number of each key (0 for a key never bumped): one query."""
    return {key: number for key, (number, _) in tokens(*keys).items()}


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
                _, created = Stamp.objects.get_or_create(
                    key=key, defaults={"value": 1, "changed_at": now}
                )
                if not created:
                    Stamp.objects.filter(key=key).update(value=F("value") + 1, changed_at=now)
        return read(*keys)
