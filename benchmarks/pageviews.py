"""The page-view beacon under concurrent load, against gunicorn on 127.0.0.1 only.

    python benchmarks/pageviews.py [--seconds 8] [--max-requests 20000] [--concurrency 8]

Sets up a throw-away SQLite database with the seed terms in a temporary folder, starts
gunicorn (config/gunicorn.conf.py, DEBUG off) on a free port of 127.0.0.1, and POSTs
same-origin beacons (``term=<slug>``, a consent cookie granting analytics) from client
threads with keep-alive connections, bounded in seconds and requests. Three runs:

- ``refused``: no consent cookie (nothing counted: the cost of the checks alone);
- ``database``: no REDIS_URL, so each counted view is one upsert in SQLite;
- ``redis``: a private redis-server (no persistence) on a free port, counters in Redis,
  then ``flush_pageviews``; skipped when ``redis-server`` is not installed.

Each request comes as one of 2,000 visitors (consent cookies with their own ids), and the
per-client budget is lifted (every request comes from 127.0.0.1), so a view counts when it
is its visitor's first of that term in the window. Prints requests/s, p50/p99 in ms and
errors per run, and checks that the database holds exactly one view per distinct
(visitor, term) answered 204 (nothing lost, nothing doubled). Exit status 0 whatever
the figures (a benchmark, not a test); 2 when the setup fails.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402

HOST = harness.HOST
manage = harness.manage


def server_env(folder: Path, redis_url: str | None) -> dict:
    return harness.site_env(
        harness.sqlite_url(folder),
        redis_url,
        static_root=folder / "static",
        PAGE_CACHE_ENABLED="0",
        PAGEVIEWS_PER_CLIENT="100000000",
    )


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    """A private redis-server (no persistence) on 127.0.0.1:port, answering PING."""
    command = [
        "redis-server",
        "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no",
        "--dir", str(folder), "--maxmemory", "64mb",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + harness.START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise harness.HarnessError(f"redis-server exited with status {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return process
        except OSError:
            pass
        time.sleep(0.3)
    harness.stop(process)
    raise harness.HarnessError("redis-server did not answer PING")


def beacon_load(
    port: int,
    slugs: list[str],
    cookies: list[str] | None,
    seconds: float,
    concurrency: int,
    budget: int,
) -> dict:
    deadline = time.perf_counter() + seconds
    numbers = itertools.count()
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    views: set[tuple[int, int]] = set()  # (visitor, term) pairs answered 204
    lock = threading.Lock()
    headers = {
        "Host": f"{HOST}:{port}",
        "Origin": f"http://{HOST}:{port}",
        "Sec-Fetch-Site": "same-origin",
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
    }

    def worker() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine, ok, failures, seen = [], 0, 0, set()
        while time.perf_counter() < deadline:
            number = next(numbers)
            if number >= budget:
                break
            term = number % len(slugs)
            body = f"term={slugs[term]}"
            mine_headers = dict(headers)
            visitor = number % len(cookies) if cookies else -1
            if cookies:
                mine_headers["Cookie"] = f'cookie_consent="{cookies[visitor]}"'
            started = time.perf_counter()
            try:
                connection.request("POST", "/pageviews/", body=body, headers=mine_headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                failures += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
            if response.status == 204:
                ok += 1
                seen.add((visitor, term))
            else:
                failures += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            counts["ok"] += ok
            counts["errors"] += failures
            views.update(seen)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "requests": len(latencies),
        "answered_204": counts["ok"],
        "distinct_views": len(views),
        "errors": counts["errors"],
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(cuts[49] * 1000, 2) if cuts else None,
        "p99_ms": round(cuts[98] * 1000, 2) if cuts else None,
    }


def stored_views(folder: Path) -> int:
    with sqlite3.connect(folder / "db.sqlite3") as db:
        return db.execute("SELECT COALESCE(SUM(count), 0) FROM glossary_termviews").fetchone()[0]


def clear_views(folder: Path) -> None:
    with sqlite3.connect(folder / "db.sqlite3") as db:
        db.execute("DELETE FROM glossary_termviews")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=8)
    options = parser.parse_args()
    seconds = min(options.seconds, 60.0)
    budget = min(options.max_requests, 200_000)
    concurrency = min(options.concurrency, 64)

    folder = Path(tempfile.mkdtemp(prefix="pageviews-bench-"))
    try:
        env = server_env(folder, None)
        manage(env, "migrate", "--noinput")
        manage(env, "load_seed_content")
        manage(env, "collectstatic", "--noinput")
        out = manage(
            env,
            "shell",
            "-c",
            "import json; from django.utils import timezone; "
            "from consent.state import cookie_value, new_consent_id; "
            "from glossary.models import Term; now = timezone.now(); "
            "print(json.dumps({'cookies': [cookie_value({'analytics': True}, now, "
            "consent_id=new_consent_id()) for _ in range(2000)], "
            "'slugs': list(Term.objects.published().values_list('slug', flat=True))}))",
        )
        setup = json.loads(out.strip().splitlines()[-1])
        results = {}
        runs = [("refused", None), ("database", None)]
        if shutil.which("redis-server"):
            runs.append(("redis", harness.free_port()))
        for name, redis_port in runs:
            redis = start_redis(redis_port, folder) if redis_port else None
            run_env = server_env(folder, f"redis://{HOST}:{redis_port}/0" if redis_port else None)
            run_env["DJANGO_SECRET_KEY"] = env["DJANGO_SECRET_KEY"]
            with harness.Gunicorn(run_env) as server:
                clear_views(folder)
                cookies = None if name == "refused" else setup["cookies"]
                result = beacon_load(
                    server.port, setup["slugs"], cookies, seconds, concurrency, budget
                )
            if redis:
                manage(run_env, "flush_pageviews")
                harness.stop(redis)
            expected = 0 if name == "refused" else result["distinct_views"]
            result["stored_views"] = stored_views(folder)
            result["stored_as_expected"] = result["stored_views"] == expected
            results[name] = result
            print(f"{name:9} {json.dumps(result)}", flush=True)
        workers = os.environ.get("WEB_CONCURRENCY", "2×CPUs+1")
        print(f"\nbeacon, {concurrency} clients, gunicorn {workers} workers, SQLite:")
        print(f"{'run':9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  stored")
        for name, r in results.items():
            print(
                f"{name:9} {r['rps']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['errors']:>7}  "
                f"{r['stored_views']} ({'ok' if r['stored_as_expected'] else 'MISMATCH'})"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    harness.run_main(main)
