"""Proof of consent: one ``ConsentRecord`` row per decision, written by the decision views.

A record holds the consent id (also in the visitor's cookie and on /cookies/), the time,
every optional category's state, the policy version shown, the language of the texts the
visitor read and their version, the action and how it was given.
Nothing network-derived is kept: no IP address, no user agent, not even hashed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from consent.models import ConsentRecord
from consent.state import Decision, consent_id_is_valid, new_consent_id

CSV_COLUMNS = (
    "consent_id",
    "decided_at",
    "action",
    "method",
    "reason",
    "policy_version",
    "language",
    "text_version",
    "granted",
    "refused",
    "gpc",
)
# A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def record(decision: Decision, action: str, method: str) -> ConsentRecord:
    """Store one decision (one INSERT)."""
    state = decision.state
    return ConsentRecord.objects.create(
        consent_id=decision.consent_id,
        decided_at=decision.decided_at,
        action=action,
        method=method,
        reason=decision.reason,
        policy_version=decision.policy_version,
        language=decision.language,
        text_version=decision.text_version,
        choices={varname: state.decisions[varname] for varname in state.decisions},
        gpc=decision.gpc,
    )


def action_for(kind: str, decision: Decision) -> str:
    """The recorded action: what the visitor chose (``kind``), or a withdrawal when a
    partial choice took back a granted category."""
    if kind in ("save", "refuse") and decision.withdrawn:
        return ConsentRecord.Action.WITHDRAW
    return kind


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(records: Iterable[ConsentRecord]) -> Iterator[str]:
    """The header, then one line per record (for a StreamingHttpResponse)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for item in records:
        yield writer.writerow(
            [
                safe_cell(value)
                for value in (
                    item.consent_id,
                    _iso(item.decided_at),
                    item.action,
                    item.method,
                    item.reason,
                    item.policy_version,
                    item.language,
                    item.text_version,
                    " ".join(item.granted),
                    " ".join(item.refused),
                    "yes" if item.gpc else "no",
                )
            ]
        )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# --- A visitor's own records (/cookies/) ------------------------------------------------

# An erasure keeps no trace of the erased id: its own id is this prefix and fresh random
# characters (never a consent id: those have no "-"), its choices are empty.
ERASURE_ID_PREFIX = "erased-"


def own_records(consent_id: str) -> QuerySet[ConsentRecord]:
    """The records of the consent id in the visitor's own cookie, oldest first; none for
    a missing or malformed id (only a well-formed id reaches the unique index)."""
    if not consent_id_is_valid(consent_id or ""):
        return ConsentRecord.objects.none()
    return ConsentRecord.objects.filter(consent_id=consent_id).order_by("decided_at", "pk")


def record_as_data(item: ConsentRecord) -> dict[str, Any]:
    """One record as the visitor's download shows it."""
    return {
        "decided_at": _iso(item.decided_at),
        "action": item.action,
        "method": item.method,
        "reason": item.reason,
        "policy_version": item.policy_version,
        "language": item.language,
        "text_version": item.text_version,
        "choices": dict(item.choices),
        "gpc": item.gpc,
    }


def own_records_data(consent_id: str) -> dict[str, Any]:
    """The download: the consent id (null without one) and its records."""
    valid = consent_id_is_valid(consent_id or "")
    return {
        "consent_id": consent_id if valid else None,
        "records": [record_as_data(item) for item in own_records(consent_id)],
    }


def erase(consent_id: str, method: str, policy_version: str) -> int:
    """Delete the records of this consent id; when there were any, write one erasure record
    that does not hold the id. Returns how many records were deleted."""
    with transaction.atomic():
        deleted, _ = own_records(consent_id).delete()
        if deleted:
            ConsentRecord.objects.create(
                consent_id=ERASURE_ID_PREFIX + new_consent_id(),
                action=ConsentRecord.Action.ERASED,
                method=method,
                reason=ConsentRecord.Reason.CHANGE,
                policy_version=policy_version,
                choices={},
            )
    return deleted
