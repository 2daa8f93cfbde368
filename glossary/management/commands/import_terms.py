"""`manage.py import_terms PATH`: read an export back; all or nothing, matched by slug."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from glossary import progress, transfer


class Command(BaseCommand):
    help = (
        "Import terms from a .json export or a folder of .md files. Terms are matched by "
        "slug (existing ones are updated). Any problem imports nothing and names the file, "
        "line or record, and the reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A .json file or a folder of <slug>.md files.")

    def handle(self, *args, **options) -> None:
        path = Path(options["path"])
        started = time.perf_counter()
        try:
            with progress.for_output(self.stdout) as report:
                result = transfer.import_path(path, progress=report)
        except transfer.TransferError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Could not read {path}: {error.strerror or error}") from None
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.created + result.updated:,} terms from {path} in "
                f"{elapsed:.1f} s: {result.created:,} created, {result.updated:,} updated, "
                f"{result.categories:,} categories."
            )
        )
