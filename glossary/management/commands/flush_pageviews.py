"""Move counted page views from the cache into TermViews (run from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from glossary import pageviews


class Command(BaseCommand):
    help = (
        "Write the page views counted in the shared cache to the database, one upsert per "
        "term and day. Safe to run as often as you like; run it at least once a day."
    )

    def handle(self, *args, **options) -> None:
        moved = pageviews.flush()
        if options["verbosity"] > 0:
            self.stdout.write(f"{moved} page views written.")
