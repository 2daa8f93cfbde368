"""A term's history in words an editor reads: what changed between two versions.

Versions are stored by django-reversion (every admin save, bulk action, revert and
recovery); this module only compares them: the changed fields, and a line diff of the
longer texts, between any stored version and the term as it is now; and it says who
saved the term since the version an editor's form (or revert) was opened on.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy
from reversion.models import Version

from glossary.models import Category, Term

if TYPE_CHECKING:
    from collections.abc import Iterable

# What an editor can change, in the order the form shows it.
COMPARED_FIELDS: list[tuple[str, str]] = [
    ("title", gettext_lazy("Title")),
    ("slug", gettext_lazy("Slug")),
    ("aliases", gettext_lazy("Aliases")),
    ("summary", gettext_lazy("Summary")),
    ("body", gettext_lazy("Body")),
    ("references", gettext_lazy("References")),
    ("categories", gettext_lazy("Categories")),
    ("related_terms", gettext_lazy("Related terms")),
    ("status", gettext_lazy("Status")),
    ("published_at", gettext_lazy("Publication time")),
    ("last_reviewed", gettext_lazy("Last reviewed")),
]
TEXT_FIELDS = {"aliases", "summary", "body", "references"}
M2M_FIELDS = {"categories": Category, "related_terms": Term}


@dataclass
class DiffLine:
    kind: str  # "added", "removed", "context" or "hunk"
    text: str


@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    lines: list[DiffLine] = field(default_factory=list)


def term_fields(term: Term) -> dict[str, Any]:
    """The compared fields of a live term, in the shape reversion stores them."""
    values: dict[str, Any] = {name: getattr(term, name) for name, _ in COMPARED_FIELDS}
    for name in M2M_FIELDS:
        values[name] = list(getattr(term, name).values_list("pk", flat=True))
    return values


def version_fields(version: Version) -> dict[str, Any]:
    stored = version.field_dict
    return {name: stored.get(name) for name, _ in COMPARED_FIELDS}


def _normalize(name: str, value: Any) -> Any:
    if name in M2M_FIELDS:
        return sorted(int(pk) for pk in (value or []))
    if name == "published_at" and isinstance(value, str):
        return parse_datetime(value)
    if name == "last_reviewed" and isinstance(value, str):
        return parse_date(value)
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    return value


def _display(name: str, value: Any, names: dict[str, dict[int, str]]) -> str:
    if name in M2M_FIELDS:
        labels = [names[name].get(pk, f"(deleted #{pk})") for pk in value]
        return ", ".join(sorted(labels, key=str.casefold)) or "—"
    if name == "status":
        return Term.Status(value).label if value in Term.Status.values else str(value)
    if name == "published_at" and value is not None:
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if name == "last_reviewed":
        return date_format(value, "DATE_FORMAT") if value else "—"
    return "" if value is None else str(value)


def line_diff(before: str, after: str) -> list[DiffLine]:
    """A unified line diff with three lines of context, ready for a template."""
    lines = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("context", line[1:]))
    return lines


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """The fields that differ between two versions, with line diffs for long texts."""
    old = {name: _normalize(name, before.get(name)) for name, _ in COMPARED_FIELDS}
    new = {name: _normalize(name, after.get(name)) for name, _ in COMPARED_FIELDS}
    names = _m2m_names(old, new)
    changes = []
    for name, label in COMPARED_FIELDS:
        if old[name] == new[name]:
            continue
        change = FieldChange(
            name=name,
            label=label,
            before=_display(name, old[name], names),
            after=_display(name, new[name], names),
        )
        if name in TEXT_FIELDS:
            change.lines = line_diff(change.before, change.after)
        changes.append(change)
    return changes


def _m2m_names(*states: dict[str, Any]) -> dict[str, dict[int, str]]:
    names: dict[str, dict[int, str]] = {}
    for name, model in M2M_FIELDS.items():
        pks: set[int] = set()
        for state in states:
            pks.update(state[name])
        label_field = "name" if model is Category else "title"
        names[name] = dict(model.objects.filter(pk__in=pks).values_list("pk", label_field))
    return names


def versions_of(term: Term) -> Iterable[Version]:
    return Version.objects.get_for_object(term).select_related("revision", "revision__user")


def editors_since(term: Term, base: Version | None) -> list[str]:
    """Who saved the term after the version a form was based on (everyone, if unknown)."""
    later = versions_of(term)
    if base is not None:
        later = later.filter(pk__gt=base.pk)
    return sorted({v.revision.user.get_username() for v in later if v.revision.user})


def stale_revert(current: Term, token: str) -> str:
    """Why a revert opened on the version with this token may not overwrite the term now
    (someone saved it since), or "" when the token is the term's current one.

    `current` is read under the row lock in the transaction that would write the revert.
    """
    if token and token == str(current.edit_token):
        return ""
    base = version_with_token(current, token) if token else None
    who = ", ".join(editors_since(current, base)) if base else ""
    return gettext(
        "Not restored: %(who)s saved this term after you opened this version (at %(when)s). "
        "Their changes are kept. To restore this version over them, open it again from the "
        "history (“Compare with current” shows what restoring it would undo)."
    ) % {
        "who": who or gettext("someone else"),
        "when": date_format(timezone.localtime(current.updated_at), "DATETIME_FORMAT"),
    }


def version_with_token(term: Term, token: str) -> Version | None:
    """The stored version an editor's form was based on (found by its edit token)."""
    for version in versions_of(term).filter(serialized_data__contains=token):
        if str(version.field_dict.get("edit_token")) == token:
            return version
    return None
