from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from glossary import changes


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
        with transaction.atomic():
            if hours is None:
                count = changes.relink_all()
            else:
                if hours <= 0:
                    raise CommandError("--recently-published takes a positive number of hours.")
                count = changes.publish_due(timezone.now() - timedelta(hours=hours))
        self.stdout.write(self.style.SUCCESS(f"Re-rendered {count} articles."))
