"""`manage.py generate_demo_terms --count N [--seed S]`: realistic demo terms, in bulk."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from glossary import demo, progress


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= demo.MAX_COUNT:
        raise CommandError(
            f"--count must be a whole number from 1 to {demo.MAX_COUNT:,} (got {value!r})."
        )
    return number


def _languages(value: str) -> list[str]:
    codes = [code.strip() for code in value.split(",") if code.strip()]
    others = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    unknown = [code for code in codes if code not in others]
    if unknown:
        raise CommandError(
            f"--languages: {', '.join(unknown)} not among the site's other languages "
            f"({', '.join(others)})."
        )
    return list(dict.fromkeys(codes))


class Command(BaseCommand):
    help = (
        "Create N published, cross-referencing demo terms for benchmarks and manual testing. "
        "The same --seed on the same database gives the same terms."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", required=True, help="How many terms to create.")
        parser.add_argument(
            "--seed", type=int, default=None, help="Random seed (default: a new one, printed)."
        )
        parser.add_argument(
            "--languages",
            default="",
            help="Also a translation of every new term in these languages, comma-separated "
            "codes from LANGUAGES (for example de,fr).",
        )

    def handle(self, *args, **options) -> None:
        count = _count(str(options["count"]))
        languages = _languages(options["languages"])
        seed = options["seed"] if options["seed"] is not None else demo.default_seed()
        started = time.perf_counter()
        with progress.for_output(self.stdout) as report:
            terms = demo.generate_terms(count, seed=seed, progress=report, languages=languages)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(terms):,} demo terms in {elapsed:.1f} s (--seed {seed})."
            )
        )
