"""The consent app's settings, with their defaults, and the system check that guards them.

- ``CONSENT_MAX_AGE_DAYS`` (180, at most 395): a decision older than this is asked again.
- ``CONSENT_RECORD_RETENTION_DAYS`` (1095, three years): what ``prune_consent_records``
  keeps by default.
- ``CONSENT_GOOGLE_TAG_ID`` (empty): set it (``G-…``/``AW-…``) to emit Google Consent Mode
  v2 defaults and updates; empty emits nothing.
- ``CONSENT_GPC_REFUSES`` (``("marketing", "personalization")``): what a Global Privacy
  Control signal refuses.
- ``CONSENT_RECORDS_PER_CLIENT`` (30) per ``CONSENT_RECORD_WINDOW_SECONDS`` (600): how
  many decisions one client (``consent.throttle``) may have recorded in that time; more
  are refused with a 429 (nothing saved, nothing recorded).
- ``CONSENT_CLIENT_ADDRESS_HEADER`` (empty: the socket's ``REMOTE_ADDR``): the ``META``
  key of a header the proxy in front overwrites with the visitor's address
  (``HTTP_X_REAL_IP``, ``HTTP_X_FORWARDED_FOR``); read by ``consent.throttle``.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core import checks

MAX_AGE_LIMIT_DAYS = 395  # about 13 months, the longest regulators accept
_TAG_ID_RE = re.compile(r"^[A-Z]{1,3}-[A-Z0-9]{4,20}$")


def max_age_days() -> int:
    return getattr(settings, "CONSENT_MAX_AGE_DAYS", 180)


def retention_days() -> int:
    return getattr(settings, "CONSENT_RECORD_RETENTION_DAYS", 1095)


def google_tag_id() -> str:
    return getattr(settings, "CONSENT_GOOGLE_TAG_ID", "") or ""


def gpc_refuses() -> tuple[str, ...]:
    return tuple(getattr(settings, "CONSENT_GPC_REFUSES", ("marketing", "personalization")))


def records_per_client() -> int:
    return int(getattr(settings, "CONSENT_RECORDS_PER_CLIENT", 30))


def record_window_seconds() -> int:
    return int(getattr(settings, "CONSENT_RECORD_WINDOW_SECONDS", 600))


def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    days = max_age_days()
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_AGE_LIMIT_DAYS:
        errors.append(
            checks.Error(
                f"CONSENT_MAX_AGE_DAYS must be a whole number of days from 1 to "
                f"{MAX_AGE_LIMIT_DAYS}; it is {days!r}.",
                hint="Consent older than about 13 months is not valid consent; the default is 180.",
                id="consent.E010",
            )
        )
    keep = retention_days()
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        errors.append(
            checks.Error(
                f"CONSENT_RECORD_RETENTION_DAYS must be a positive number of days; it is {keep!r}.",
                id="consent.E011",
            )
        )
    tag = google_tag_id()
    if tag and not _TAG_ID_RE.match(tag):
        errors.append(
            checks.Error(
                f"CONSENT_GOOGLE_TAG_ID {tag!r} does not look like a Google tag id (G-XXXXXXX).",
                id="consent.E012",
            )
        )
    return errors
