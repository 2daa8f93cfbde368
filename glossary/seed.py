"""The content that ships with the site: loaded by `manage.py load_seed_content`."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from glossary.models import Category, Reference, Term, TermReference
from glossary.translations import copy_listed_references

SEED_FILE = Path(__file__).parent / "seed" / "terms.json"
# The same terms in other languages, written for readers of each (docs/translations.md).
TRANSLATIONS_FILE = Path(__file__).parent / "seed" / "translations.json"
SEED_REVIEWED = datetime.date(2026, 11, 1)


@transaction.atomic
def load_seed_content(path: Path = SEED_FILE, translations: Path | None = TRANSLATIONS_FILE) -> int:
    """Create the seed categories and terms that are missing, and their translations;
    never touch existing ones.

    Returns how many terms were created, so running it twice creates nothing the second time.
    """
    created = _load_terms(path)
    if translations is not None:
        created += _load_translations(path, translations)
    return created


def _load_terms(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    categories = {}
    for item in data["categories"]:
        categories[item["slug"]], _ = Category.objects.get_or_create(
            slug=item["slug"], defaults={"name": item["name"], "description": item["description"]}
        )
    references = _load_references(data.get("references", []))
    created: list[Term] = []
    # Plain saves: the seed is a handful of terms, and each save links the others.
    for item in data["terms"]:
        if Term.objects.in_language(settings.LANGUAGE_CODE).filter(slug=item["slug"]).exists():
            continue
        term = Term.objects.create(
            slug=item["slug"],
            title=item["title"],
            aliases="\n".join(item["aliases"]),
            summary=item["summary"],
            body=item["body"],
            status=Term.Status.PUBLISHED,
            published_at=timezone.now(),
            last_reviewed=SEED_REVIEWED,
        )
        term.categories.set([categories[slug] for slug in item["categories"]])
        for position, key in enumerate(item["references"], start=1):
            TermReference.objects.create(term=term, reference=references[key], position=position)
        created.append(term)
    by_slug = {
        t.slug: t
        for t in Term.objects.in_language(settings.LANGUAGE_CODE).filter(
            slug__in=[i["slug"] for i in data["terms"]]
        )
    }
    for item in data["terms"]:
        if by_slug.get(item["slug"]) in created:
            related = [by_slug[s] for s in item["related"] if s in by_slug]
            by_slug[item["slug"]].related_terms.add(*related)
    return len(created)


def _load_references(items: list[dict]) -> dict[str, Reference]:
    """The seed's library of references (the ones missing), by key."""
    by_key = {}
    for item in items:
        fields = {name: value for name, value in item.items() if name != "key"}
        fields["authors"] = "\n".join(fields.get("authors", []))
        by_key[item["key"]], _ = Reference.objects.get_or_create(key=item["key"], defaults=fields)
    return by_key


def _load_translations(path: Path, translations: Path) -> int:
    """Each language's versions of the seed terms, linked to their English sources, with
    the sources' categories and references and related terms in their own language."""
    sources = json.loads(path.read_text(encoding="utf-8"))["terms"]
    by_language = json.loads(translations.read_text(encoding="utf-8"))["translations"]
    originals = {
        t.slug: t
        for t in Term.objects.in_language(settings.LANGUAGE_CODE).filter(
            slug__in=[item["slug"] for item in sources]
        )
    }
    created = 0
    for language, versions in by_language.items():
        made: dict[str, Term] = {}
        for item in sources:
            version, source = versions.get(item["slug"]), originals.get(item["slug"])
            if version is None or source is None or source.versions().filter(language=language):
                continue
            made[item["slug"]] = Term.objects.create(
                slug=version["slug"],
                title=version["title"],
                language=language,
                translation_of=source,
                aliases="\n".join(version["aliases"]),
                summary=version["summary"],
                body=version["body"],
                status=Term.Status.PUBLISHED,
                published_at=timezone.now(),
                last_reviewed=SEED_REVIEWED,
            )
            translation = made[item["slug"]]
            translation.categories.set(source.categories.all())
            copy_listed_references(source, translation)
        for item in sources:
            if item["slug"] in made:
                related = [made[slug] for slug in item["related"] if slug in made]
                made[item["slug"]].related_terms.add(*related)
        created += len(made)
    return created
