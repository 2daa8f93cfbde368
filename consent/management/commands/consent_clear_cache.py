from __future__ import annotations

from django.core.management.base import BaseCommand

from consent import catalog


class Command(BaseCommand):
    help = (
        "Mark the consent catalog (categories, cookies, tracking scripts) as changed, so every "
        "running process rebuilds it on its next request. Run after bulk_create, raw SQL or any "
        "change made without model signals."
    )

    def handle(self, *args, **options) -> None:
        catalog.invalidate()
        self.stdout.write("Consent catalog marked as changed: every process reloads it.")
