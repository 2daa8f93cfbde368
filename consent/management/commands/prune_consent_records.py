from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from consent import conf
from consent.models import ConsentRecord

MAX_DAYS = 36_500


class Command(BaseCommand):
    help = (
        "Delete consent records older than DAYS (default CONSENT_RECORD_RETENTION_DAYS, "
        "1095 = three years), oldest first, in batches of primary keys, each in its own short "
        "transaction."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--older-than", type=int, metavar="DAYS", dest="days")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted, delete nothing."
        )

    def handle(self, *args, days: int | None, batch_size: int, dry_run: bool, **options):
        days = conf.retention_days() if days is None else days
        minimum = conf.max_age_days()
        if not minimum <= days <= MAX_DAYS:
            raise CommandError(
                f"--older-than must be from {minimum} days (CONSENT_MAX_AGE_DAYS: younger "
                f"records may prove consent still in force) to {MAX_DAYS}; got {days}."
            )
        if not 1 <= batch_size <= 100_000:
            raise CommandError(f"--batch-size must be from 1 to 100000; got {batch_size}.")
        cutoff = timezone.now() - timedelta(days=days)
        old = ConsentRecord.objects.filter(decided_at__lt=cutoff)
        if dry_run:
            self.stdout.write(f"{old.count()} records older than {days} days would be deleted.")
            return
        deleted = batches = 0
        while True:
            # The oldest keys first, found through the decided_at index (whatever the order
            # of primary keys), then deleted by key in a short transaction of their own.
            keys = list(old.order_by("decided_at").values_list("pk", flat=True)[:batch_size])
            if not keys:
                break
            with transaction.atomic():
                count, _ = old.filter(pk__in=keys).delete()
            deleted += count
            batches += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"batch {batches}: {count} deleted")
        self.stdout.write(
            f"Deleted {deleted} consent records older than {days} days in {batches} batches."
        )
