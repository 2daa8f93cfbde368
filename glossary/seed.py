"""The content that ships with the site: loaded by `manage.py load_seed_content`."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from glossary.models import Category, Reference, Term, TermReference

SEED_FILE = Path(__file__).parent / "seed" / "terms.json"
SEED_REVIEWED = datetime.date(2026, 11, 1)


@transaction.atomic
def load_seed_content(path: Path = SEED_FILE) -> int:
    """Create the seed categories and terms that are missing; never touch existing ones.

    Returns how many terms were created, so running it twice creates nothing the second time.
    """
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
        if Term.objects.filter(slug=item["slug"]).exists():
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
    by_slug = {t.slug: t for t in Term.objects.filter(slug__in=[i["slug"] for i in data["terms"]])}
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
