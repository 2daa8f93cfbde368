"""`manage.py export_terms --format json|markdown PATH`: every term, for backups and git."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from glossary import progress, transfer


class Command(BaseCommand):
    help = (
        "Export every term (all fields, categories, related terms, references, publications, "
        "and what other apps add: people, authors, the review record). "
        "json: one file; markdown: a folder with one <slug>.md per term and categories.yaml, "
        "listed in .glossary-export. A markdown export overwrites or removes only the files "
        "a previous export into the folder wrote, and refuses to replace any other file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "markdown"], default="json")
        parser.add_argument("path", help="The .json file, or the folder for markdown files.")

    def handle(self, *args, **options) -> None:
        path = Path(options["path"])
        started = time.perf_counter()
        try:
            if options["format"] == "json":
                if path.is_dir():
                    raise CommandError(f"{path} is a folder; give a file name such as terms.json")
                export = transfer.export_json
            else:
                if path.exists() and not path.is_dir():
                    raise CommandError(f"{path} is a file; the markdown format writes a folder")
                export = transfer.export_markdown
            with progress.for_output(self.stdout) as report:
                count = export(path, progress=report)
        except transfer.ExportRefused as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Could not write {path}: {error.strerror or error}") from None
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Exported {count:,} terms to {path} in {elapsed:.1f} s.")
        )
