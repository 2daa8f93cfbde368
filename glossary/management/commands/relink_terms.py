"""`manage.py relink_terms [--recently-published HOURS]`: stored article HTML re-rendered."""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from glossary import changes, progress

# A century: further back than any term was scheduled, and within what dates can hold.
MAX_HOURS = 24 * 365 * 100


class Command(BaseCommand):
    help = (
        "Re-render stored article HTML against the current published terms. With "
        "--recently-published HOURS, only the articles mentioning terms that went live "
        "in that window (run it from cron when you schedule terms)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--recently-published", type=float, metavar="HOURS")

    def handle(self, *args, **options) -> None:
        hours = options["recently_published"]
        if hours is not None and not 0 < hours <= MAX_HOURS:  # also refuses nan
            raise CommandError(
                f"--recently-published takes a positive number of hours, at most {MAX_HOURS:,}."
            )
        started = time.perf_counter()
        with (
            progress.for_output(self.stdout) as report,
            progress.reported_to(report),
            transaction.atomic(),
        ):
            if hours is None:
                count = changes.relink_all()
            else:
                count = changes.publish_due(timezone.now() - timedelta(hours=hours))
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Re-rendered {count:,} articles in {elapsed:.1f} s."))
