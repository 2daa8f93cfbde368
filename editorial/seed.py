"""Fictional authors and reviewers for the seed articles (their German and French
versions too), and a reviewed publication of each.

Everyone here is made up (the names say so), so a new installation shows bylines, the
review badge, profiles and a changelog after ``make run``. Idempotent: a term that
already has a publication is left alone.
"""

from __future__ import annotations

import datetime
import json

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from editorial import workflow
from editorial.models import Authorship, Person, Review, State, TermWorkflow, Transition
from glossary.models import Term
from glossary.seed import SEED_FILE, SEED_REVIEWED, TRANSLATIONS_FILE

FICTIONAL = "A fictional person, shipped with the seed content to show how profiles look."
PEOPLE = [
    {
        "slug": "jane-example",
        "name": "Dr. Jane Example",
        "credentials": "MD, PhD",
        "specialty": "Neurologist (fictional)",
        "bio": f"{FICTIONAL} Jane reviews the neuroscience and exercise articles.",
        "conflicts_of_interest": "None declared.",
    },
    {
        "slug": "sam-sample",
        "name": "Sam Sample",
        "credentials": "MSc",
        "specialty": "Science writer (fictional)",
        "bio": f"{FICTIONAL} Sam writes about exercise physiology.",
        "conflicts_of_interest": "None declared.",
    },
]
WRITER, REVIEWER = "sam-sample", "jane-example"


def seed_terms() -> QuerySet[Term]:
    """The shipped seed articles: the default language's by slug, and each translation by
    its own language and slug (translations may share a slug with another language's
    article, so a slug alone picks the wrong ones)."""
    slugs = [item["slug"] for item in json.loads(SEED_FILE.read_text("utf-8"))["terms"]]
    wanted = Q(language=settings.LANGUAGE_CODE, slug__in=slugs)
    translations = json.loads(TRANSLATIONS_FILE.read_text("utf-8"))["translations"]
    for language, versions in translations.items():
        wanted |= Q(
            language=language,
            slug__in=[version["slug"] for version in versions.values()],
            translation_of__language=settings.LANGUAGE_CODE,
            translation_of__slug__in=slugs,
        )
    return Term.objects.filter(wanted)


@transaction.atomic
def load_editorial_seed() -> int:
    """Create the seed people and publish every unpublished seed article; returns how many.

    A translation is an article of its own: it gets its own author and its own medical
    review of its own text (not its source's), like any article a reader may meet.
    """
    people = {
        item["slug"]: Person.objects.get_or_create(slug=item["slug"], defaults=item)[0]
        for item in PEOPLE
    }
    published = 0
    reviewed_at = timezone.make_aware(datetime.datetime.combine(SEED_REVIEWED, datetime.time(9)))
    for term in seed_terms().exclude(publications__isnull=False).order_by("pk"):
        Authorship.objects.get_or_create(term=term, person=people[WRITER])
        approval = Review.objects.create(
            term=term,
            reviewer=people[REVIEWER],
            decision=Review.Decision.APPROVED,
            comment="Seed content.",
            source_hash=term.content_hash(),
            created_at=reviewed_at,
        )
        row, _created = TermWorkflow.objects.get_or_create(term=term)
        row.reviewer = people[REVIEWER]
        row.state = State.PUBLISHED
        row.save()
        workflow.make_publication(
            term, row, approval, note="First version.", at=min(timezone.now(), term.published_at)
        )
        Transition.objects.create(
            term=term, from_state=State.APPROVED, to_state=State.PUBLISHED, comment="Seed content."
        )
        published += 1
    return published
