"""List published terms whose medical review is past or near; exit 1 if any is overdue."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from editorial import due
from glossary.models import Term


def positive_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = -1
    if days < 0:
        raise CommandError(f"--days takes a number of days (0 or more), not “{value}”.")
    return days


class Command(BaseCommand):
    help = (
        "List published terms whose medical review is overdue or due soon, by reviewer and "
        "category. Exits with status 1 when any is overdue (for cron or CI)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            default=str(due.NEAR_DAYS),
            help=f"Also list reviews due within this many days (default {due.NEAR_DAYS}).",
        )
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="First compute every reviewed term's date again (after an import or demo data).",
        )

    def handle(self, *args, **options) -> None:
        days = positive_days(options["days"])
        if options["refresh"]:
            due.refresh(Term.objects.exclude(last_reviewed=None).values_list("pk", flat=True))
        rows = due.due_terms(days)
        overdue = [row for row in rows if row.overdue]
        for heading, groups in (
            ("By reviewer", due.group_by(rows, lambda row: [row.reviewer or "(no reviewer)"])),
            (
                "By category",
                due.group_by(rows, lambda row: list(row.categories) or ["(no category)"]),
            ),
        ):
            if groups:
                self.stdout.write(heading)
            for name, group in groups:
                self.stdout.write(f"  {name}")
                for row in group:
                    flag = "OVERDUE" if row.overdue else "due soon"
                    # The language, and the address in it: translations may share a slug.
                    self.stdout.write(
                        f"    {row.review_due:%Y-%m-%d}  {flag:8}  {row.term.language:5}  "
                        f"{row.term.title}  {row.term.get_absolute_url()}"
                    )
        self.stdout.write(
            f"{len(overdue)} overdue, {len(rows) - len(overdue)} due within {options['days']} days."
        )
        if overdue:
            raise CommandError(
                f"{len(overdue)} term{'s' if len(overdue) != 1 else ''} overdue for review.",
                returncode=1,
            )
