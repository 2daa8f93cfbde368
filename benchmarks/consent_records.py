"""Proof of consent at scale: 10 million ConsentRecord rows on PostgreSQL.

    python benchmarks/consent_records.py                 # 10,000,000 rows, then load
    python benchmarks/consent_records.py --rows 1000000 --no-load

Creates its own database (``glossary_consent_bench`` on postgres://postgres@127.0.0.1:5432,
``--database-url`` for another), migrates it, fills the record table with one
``INSERT … SELECT generate_series`` (indexes dropped first and rebuilt after, timed),
then times what privacy staff do in the admin — the first page unfiltered (with the
estimated count), a date range + action, a category filter, a search by consent id, an
exact count — and one decision (the INSERT alone, and the whole POST through Django's
test client). With load (default), gunicorn on a free port of 127.0.0.1 (DEBUG off, the
project's config) takes decisions from 4 client threads for a bounded time. Prunes the
records older than three years (batches of 5,000) and prints the longest batch. Drops
the database at the end (``--keep`` keeps it). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402

HOST = harness.HOST
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/glossary_consent_bench"
SPACING_SECONDS = 12  # 10 M rows span ~3.8 years: pruning at 3 years has work to do


say = harness.say


def admin_database(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ), parts.path.lstrip("/")


def recreate(url: str, drop_only: bool = False) -> None:
    conn, name = admin_database(url)
    if not name.endswith("_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database must end in _bench")
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def timed(label: str, work, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    say(f"  {label:58} p50 {median:9.2f} ms   min {min(times):9.2f} ms")
    return median


def fill(rows: int) -> None:
    from django.db import connection

    table = "consent_consentrecord"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT LIKE %s AND indexname NOT LIKE %s",
            [table, "%_pkey", "%_key"],  # constraints stay
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        cursor.execute(
            f"""
            INSERT INTO {table}
                (consent_id, decided_at, action, method, reason, policy_version, choices, gpc,
                 language, text_version)
            SELECT substr(md5(i::text), 1, 22),
                   now() - make_interval(secs => (%s - i) * {SPACING_SECONDS}),
                   (ARRAY['accept_all','reject_all','save','withdraw','grant'])[1 + i %% 5],
                   (ARRAY['banner','banner','preferences','banner_no_js','gpc'])[1 + i %% 5],
                   (ARRAY['first','first','change','policy','expired'])[1 + (i / 7) %% 5],
                   substr(md5((i / 500000)::text), 1, 12),
                   jsonb_build_object('analytics', i %% 2 = 0, 'personalization', i %% 3 = 0,
                                      'marketing', i %% 5 = 0),
                   i %% 11 = 0,
                   (ARRAY['en-gb','en-gb','de','fr'])[1 + i %% 4],
                   1
            FROM generate_series(1, %s) AS i
            """,
            [rows, rows],
        )
        say(
            f"  insert {rows:,} rows (generate_series, no indexes): "
            f"{time.perf_counter() - started:8.1f} s"
        )
        started = time.perf_counter()
        for _, definition in indexes:
            cursor.execute(definition)
        say(
            f"  rebuild {len(indexes)} indexes ({', '.join(n for n, _ in indexes)}): "
            f"{time.perf_counter() - started:8.1f} s"
        )
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [table])
        say(f"  table with indexes: {cursor.fetchone()[0]}")


def admin_queries() -> None:
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.db.models import Q
    from django.test import Client
    from django.utils import timezone

    from consent.admin import EstimatedCountPaginator
    from consent.models import ConsentRecord

    records = ConsentRecord.objects.order_by("-decided_at", "-pk")
    now = timezone.now()
    month = Q(decided_at__gte=now - timedelta(days=30), decided_at__lt=now)
    known = ConsentRecord.objects.filter(pk=123_457).values_list("consent_id", flat=True).get()

    say("ORM queries (the admin's):")
    timed("first page, unfiltered (50 rows)", lambda: list(records[:50]))
    timed("estimated count, unfiltered", lambda: EstimatedCountPaginator(records, 50).count)
    timed("exact count(*), unfiltered", lambda: ConsentRecord.objects.count(), repeat=3)
    last_month = records.filter(month, action="accept_all")
    timed("last 30 days + action: first page", lambda: list(last_month[:50]))
    timed("last 30 days + action: count", lambda: last_month.count())
    refused = records.filter(month, choices__contains={"marketing": False})
    timed("last 30 days + marketing refused: first page", lambda: list(refused[:50]))
    timed("last 30 days + marketing refused: count", lambda: refused.count())
    everywhere = records.filter(choices__contains={"personalization": True})
    timed("personalization granted, all time: first page", lambda: list(everywhere[:50]))
    timed("search by consent id", lambda: list(records.filter(consent_id=known)))

    admin = User.objects.create_superuser("bench", password=secrets.token_urlsafe(12))
    client = Client()
    client.force_login(admin)
    base = "/admin/consent/consentrecord/"
    since = quote((now - timedelta(days=30)).isoformat(timespec="seconds"))
    say("Admin pages (Django test client, whole response):")
    for label, query in (
        ("change list, unfiltered", ""),
        (
            "change list, last 30 days + accept all",
            f"?decided_at__gte={since}&action__exact=accept_all",
        ),
        ("change list, marketing refused", "?category=marketing:0"),
        ("change list, search by consent id", f"?q={known}"),
    ):

        def get(query=query):
            response = client.get(base + query)
            assert response.status_code == 200, response.status_code

        timed(label, get, repeat=3)

    def export():
        response = client.get(base + f"export/?consent_id={known}")
        b"".join(response.streaming_content)

    timed("CSV export, one consent id", export, repeat=3)

    def export_day():
        day = (now - timedelta(days=2)).date().isoformat()
        response = client.get(base + f"export/?start={day}&end={day}")
        return sum(len(chunk) for chunk in response.streaming_content)

    timed("CSV export, one day (~7,200 rows)", export_day, repeat=1)


def one_decision() -> None:
    from django.test import Client
    from django.utils import timezone

    from consent import state
    from consent.models import ConsentRecord

    say("One decision:")

    def insert():
        ConsentRecord.objects.create(
            consent_id=state.new_consent_id(),
            decided_at=timezone.now(),
            action="accept_all",
            method="banner",
            policy_version="0123456789ab",
            choices={"analytics": True, "personalization": True, "marketing": True},
        )

    timed("INSERT one record", insert, repeat=200)
    client = Client(headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"})

    def post():
        response = client.post(
            "/cookies/accept/", {"all": "1"}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 200

    timed("POST /cookies/accept/ (test client, JSON)", post, repeat=200)


def prune() -> None:
    import re
    from io import StringIO

    from django.core.management import call_command

    started = time.perf_counter()
    out = StringIO()
    call_command("prune_consent_records", "--older-than", "1095", stdout=out)
    elapsed = time.perf_counter() - started
    summary = out.getvalue().strip().splitlines()[-1]
    batches = int(re.search(r"in (\d+) batches", summary).group(1))
    per_batch = elapsed / batches * 1000 if batches else 0
    say(f"Prune: {summary} ({elapsed:.1f} s, {per_batch:.0f} ms per batch transaction)")


def load(url: str, seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="consent-bench-") as static_root:
        env = harness.site_env(url, static_root=static_root)
        harness.collect_static(env)
        with harness.Gunicorn(env, workers=4) as server:
            result = _post_load(server.port, seconds, threads=4, budget=20_000)
        say(
            f"Decision endpoint under load (gunicorn 4 workers, 4 client threads, "
            f"{seconds:g} s): {result['requests']} decisions, {result['errors']} errors, "
            f"p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, "
            f"{result['rate']:.0f} decisions/s"
        )


def _post_load(port: int, seconds: float, threads: int, budget: int) -> dict:
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    body = "all=1"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "Sec-Fetch-Site": "same-origin",
        "Origin": f"http://{HOST}:{port}",
    }

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        while time.perf_counter() < deadline:
            with lock:
                if len(latencies) + errors[0] >= budget:
                    return
            started = time.perf_counter()
            try:
                conn.request("POST", "/cookies/accept/", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                ok = False
            with lock:
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors[0] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0  # noqa: E731
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "p50": pick(0.5),
        "p95": pick(0.95),
        "rate": len(latencies) / elapsed if elapsed else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if urlsplit(args.database_url).hostname not in (HOST, "localhost"):
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
        say(f"consent records benchmark: {args.rows:,} rows, {args.database_url}")
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        say(f"  migrate: {time.perf_counter() - started:.1f} s")
        fill(args.rows)
        connection.force_debug_cursor = False
        reset_queries()
        admin_queries()
        one_decision()
        if not args.no_load:
            load(args.database_url, args.load_seconds)
        prune()
    finally:
        connection.close()
        if not args.keep:
            recreate(args.database_url, drop_only=True)


if __name__ == "__main__":
    harness.run_main(main)
