"""One name, one term: titles and aliases must not clash across terms (case-insensitive).

Cross-links are made from these names, so a name shared by two terms would link to
whichever was indexed first; the editor is told which term already uses the name.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Q
from django.db.models.functions import Lower

if TYPE_CHECKING:
    from glossary.models import Term


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _alias_keys(aliases: str) -> set[str]:
    return {_key(line) for line in aliases.splitlines() if line.strip()}


def name_clashes(term: Term) -> dict[str, list[str]]:
    """Validation errors by field for names this term shares with another term."""
    from glossary.models import Term

    errors: dict[str, list[str]] = {}
    title_key = _key(term.title or "")
    own_aliases = [" ".join(line.split()) for line in (term.aliases or "").splitlines()]
    own_aliases = [alias for alias in own_aliases if alias]
    names = {title_key} | {_key(alias) for alias in own_aliases}
    names.discard("")
    if not names:
        return errors

    others = Term.objects.exclude(pk=term.pk) if term.pk else Term.objects.all()
    # Narrow in the database (lower() title match, or the name somewhere in the aliases),
    # then decide exactly in Python, line by line.
    lowered = {name.lower() for name in names}
    candidates = others.annotate(title_lower=Lower("title")).filter(
        Q(title_lower__in=lowered) | reduce(or_, (Q(aliases__icontains=n) for n in lowered))
    )
    by_title: dict[str, Term] = {}
    by_alias: dict[str, Term] = {}
    for other in candidates.only("pk", "title", "aliases", "slug")[:200]:
        by_title.setdefault(_key(other.title), other)
        for alias_key in _alias_keys(other.aliases):
            by_alias.setdefault(alias_key, other)

    def describe(other: Term, how: str) -> str:
        return f"“{other.title}” ({other.get_absolute_url()}) already uses this name as its {how}"

    if title_key in by_title:
        errors.setdefault("title", []).append(
            f"A term with this title already exists: {describe(by_title[title_key], 'title')}. "
            "Edit that term instead, or choose a more specific title."
        )
    elif title_key in by_alias:
        errors.setdefault("title", []).append(
            f"This title is taken: {describe(by_alias[title_key], 'alias')}."
        )

    seen: set[str] = set()
    for alias in own_aliases:
        key = _key(alias)
        if key in seen:
            errors.setdefault("aliases", []).append(f"The alias “{alias}” is listed twice.")
            continue
        seen.add(key)
        if key == title_key:
            errors.setdefault("aliases", []).append(
                f"The alias “{alias}” is the same as this term's title; remove it."
            )
        elif key in by_title:
            errors.setdefault("aliases", []).append(
                f"The alias “{alias}” is taken: {describe(by_title[key], 'title')}."
            )
        elif key in by_alias:
            errors.setdefault("aliases", []).append(
                f"The alias “{alias}” is taken: {describe(by_alias[key], 'alias')}."
            )
    return errors
