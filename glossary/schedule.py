"""When scheduled terms go public: they become visible at their time without a write,
so whatever shows them learns the moments from here."""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone

from core import stamps
from glossary.models import Term, visible_sql

# Two seeks at the ends of the (status, published_at) index: an aggregate with filters
# would read every published row.
_BOUNDS_SQL = f"""SELECT
    (SELECT max(published_at) FROM {Term._meta.db_table} WHERE {visible_sql()}),
    (SELECT min(published_at) FROM {Term._meta.db_table}
     WHERE status = %s AND published_at > %s)"""


def bounds(
    now: datetime.datetime | None = None,
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """(the latest publication time already past, the next one to come): one query."""
    moment = connection.ops.adapt_datetimefield_value(now or timezone.now())
    published = Term.Status.PUBLISHED
    with connection.cursor() as cursor:
        cursor.execute(_BOUNDS_SQL, [published, moment, published, moment])
        latest, upcoming = cursor.fetchone()
    return stamps.aware_datetime(latest), stamps.aware_datetime(upcoming)


def next_publication(now: datetime.datetime) -> datetime.datetime | None:
    """The next moment a scheduled term goes public (a cached page may not outlive it)."""
    return bounds(now)[1]
