"""Version stamps: one cheap read tells every process whether its cached copy is current.

A writer calls ``bump(key)`` inside the transaction that changes the data, so the new
number becomes visible exactly when the new data does. A reader calls ``read(key)``
*before* reading the data it caches, and keeps the number with the copy: if the number
in the database differs later, the copy is rebuilt. (Reading the data first could pair
old data with a new number and keep it forever.)
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import Stamp

NAMES = "glossary.names"  # titles, aliases, slugs and visibility: the cross-link index
CONTENT = "glossary.content"  # anything a public glossary page shows
CONSENT = "consent.catalog"  # categories, declared cookies, tracking scripts, texts


def read(*keys: str) -> dict[str, int]:
    """The current number of each key (0 for a key never bumped): one query."""
    found = dict(Stamp.objects.filter(key__in=keys).values_list("key", "value"))
    return {key: found.get(key, 0) for key in keys}


def current(key: str) -> int:
    return read(key)[key]


def bump(*keys: str) -> None:
    """Announce a change to these keys, atomically with the caller's transaction."""
    now = timezone.now()
    with transaction.atomic():
        for key in keys:
            updated = Stamp.objects.filter(key=key).update(value=F("value") + 1, changed_at=now)
            if not updated:
                _, created = Stamp.objects.get_or_create(key=key, defaults={"value": 1})
                if not created:
                    Stamp.objects.filter(key=key).update(value=F("value") + 1, changed_at=now)
