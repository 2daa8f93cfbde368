from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from glossary import rendering
from glossary.models import Term


class Command(BaseCommand):
    help = (
        "Re-render stored article HTML against the current published terms. With "
        "--recently-published HOURS, only the articles mentioning terms that went live "
        "in that window (run it from cron when you schedule terms)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--recently-published", type=float, metavar="HOURS")

    def handle(self, *args, **options) -> None:
        hours = options["recently_published"]
        if hours is None:
            count = rendering.relink_all()
        else:
            if hours <= 0:
                raise CommandError("--recently-published takes a positive number of hours.")
            now = timezone.now()
            went_live = Term.objects.published().filter(
                published_at__gte=now - timedelta(hours=hours)
            )
            count = 0
            for term in went_live:
                count += rendering.relink(
                    rendering.affected_by(term, rendering.names_of(term.title, term.aliases))
                )
        self.stdout.write(self.style.SUCCESS(f"Re-rendered {count} articles."))
