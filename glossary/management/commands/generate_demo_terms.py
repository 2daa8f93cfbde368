"""`manage.py generate_demo_terms --count N [--seed S]`: realistic demo terms, in bulk."""

from __future__ import annotations

import time

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

    def handle(self, *args, **options) -> None:
        count = _count(str(options["count"]))
        seed = options["seed"] if options["seed"] is not None else demo.default_seed()
        started = time.perf_counter()
        with progress.for_output(self.stdout) as report:
            terms = demo.generate_terms(count, seed=seed, progress=report)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(terms):,} demo terms in {elapsed:.1f} s (--seed {seed})."
            )
        )
