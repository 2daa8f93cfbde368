from __future__ import annotations

from django.core.management.base import BaseCommand

from consent import catalog


class Command(BaseCommand):
    help = (
        "Forget the cached consent catalog (categories, cookies, tracking scripts). "
        "Run after bulk_create, raw SQL or any change made without model signals."
    )

    def handle(self, *args, **options) -> None:
        catalog.invalidate()
        self.stdout.write("Consent catalog cache cleared.")
