"""Consent rates at scale: the report's statements over 90 days of 10 million records.

    python benchmarks/consent_report.py                  # 10,000,000 rows
    python benchmarks/consent_report.py --rows 2000000 --days 90

Fills its own PostgreSQL database (``glossary_consent_report_bench``, ``--database-url`` for
another; the name must end in ``_bench``) the way ``consent_records.py`` does (one
``INSERT … SELECT generate_series``, a record every 12 seconds, so any 90 days hold about
648,000 records however many there are in all), counts them into the report's tallies
(``consent.report.rebuild_tallies``, timed: raw SQL sends no ``post_save``), then times
each of the report's four statements over the tallies (the period, per day, per method,
per policy version), the whole report, the admin page and the CSV through Django's test
client, one decision with its tally update, and, for comparison, the same per-day numbers
grouped straight from the records; prints the plan of the per-day statement. Target: the
report under 500 ms for 90 days. Drops the database at the end (``--keep`` keeps it).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402
from benchmarks.consent_records import fill, recreate, timed  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/glossary_consent_report_bench"
TARGET_MS = 500

say = harness.say


def report_queries(days: int) -> float:
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from consent import report, state
    from consent.catalog import get_catalog

    started = time.perf_counter()
    rows = report.rebuild_tallies()
    say(f"  count every record into tallies: {time.perf_counter() - started:.1f} s, {rows:,} rows")
    end = timezone.localdate()
    start = end - timedelta(days=days - 1)
    categories = tuple(category.varname for category in get_catalog().optional)
    in_period = report.period_records(start, end).count()
    say(f"Report for {start} to {end} ({days} days, {in_period:,} records in the period):")
    timed("the period (shares, opt-in rates)", lambda: report.overall(start, end, categories))
    timed("per day (chart)", lambda: report.by_day(start, end, categories))
    timed("per method", lambda: report.by_method(start, end, categories))
    timed("per policy version", lambda: report.by_policy_version(start, end, categories))
    whole = timed("whole report (four statements)", lambda: report.build(start, end, categories))
    verdict = "within" if whole < TARGET_MS else "OVER"
    say(f"  -> {whole:.0f} ms, {verdict} the {TARGET_MS} ms target")

    def straight_from_records() -> None:
        grouped = (
            report.period_records(start, end)
            .annotate(day=report.TruncDate("decided_at"))
            .order_by()
            .values("day")
            .annotate(decisions=report.Count("pk"))
        )
        list(grouped)

    timed("(comparison) decisions per day from the records", straight_from_records, repeat=3)

    def decide() -> None:
        report.ConsentRecord.objects.create(
            consent_id=state.new_consent_id(),
            decided_at=timezone.now(),
            action="accept_all",
            method="banner",
            policy_version="0123456789ab",
            choices={"analytics": True, "personalization": True, "marketing": True},
        )

    timed("one decision: INSERT and its tally UPDATE", decide, repeat=200)

    admin = User.objects.create_superuser("bench", password=secrets.token_urlsafe(12))
    client = Client()
    client.force_login(admin)
    period = {"start": start.isoformat(), "end": end.isoformat()}

    def page() -> None:
        response = client.get("/admin/consent/report/", period)
        assert response.status_code == 200, response.status_code

    def export() -> None:
        response = client.get("/admin/consent/report/csv/", period)
        assert response.status_code == 200, response.status_code

    say("Admin (Django test client, whole response):")
    timed("report page", page, repeat=3)
    timed("CSV export", export, repeat=3)

    query = (
        report.period_tallies(start, end)
        .order_by()
        .values("day")
        .annotate(**report.measures(categories))
        .query
    )
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    say("Plan of the per-day statement:")
    for line in plan:
        say(f"    {line}")
    return whole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if urlsplit(args.database_url).hostname not in (harness.HOST, "localhost"):
        raise SystemExit("the benchmark database must be on 127.0.0.1")

    recreate(args.database_url)
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_DEBUG="1", DJANGO_LOG_LEVEL="ERROR")
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries

    try:
        say(f"consent report benchmark: {args.rows:,} rows, {args.database_url}")
        call_command("migrate", verbosity=0)
        fill(args.rows)
        connection.force_debug_cursor = False
        reset_queries()
        report_queries(args.days)
    finally:
        connection.close()
        if not args.keep:
            recreate(args.database_url, drop_only=True)


if __name__ == "__main__":
    harness.run_main(main)
