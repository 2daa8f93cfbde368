"""Fictional authors and reviewers for the seed terms, and a reviewed publication of each."""

from django.core.management.base import BaseCommand

from editorial.seed import load_editorial_seed


class Command(BaseCommand):
    help = "Give the seed terms fictional authors and reviewers and a reviewed publication."

    def handle(self, *args, **options) -> None:
        count = load_editorial_seed()
        self.stdout.write(f"Published {count} seed term{'s' if count != 1 else ''} with a review.")
