"""Cache-entry flood: how many Redis keys 2,000 anonymous requests for one term page add
when each names the page differently (host spelling, port, trailing dot, query string).

    python benchmarks/flood.py                               # a new SQLite file, seeded
    python benchmarks/flood.py --database-url postgres://postgres@127.0.0.1:5432/glossary_bench \\
        --redis-url redis://127.0.0.1:6379/4

Against gunicorn (config/gunicorn.conf.py, 2 sync workers, DEBUG off, ALLOWED_HOSTS
127.0.0.1 and localhost) with Redis as the cache, in a Redis db of its own (--redis-url;
nothing in it is deleted): counts the db's keys (DBSIZE) after one plain request for the
page, sends --requests requests for the same page with ``Host: 127.0.0.1:<port>``,
upper/lower-case ``localhost`` spellings, trailing dots, and ``?page=x``, ``?page=01``,
``?pag%65=1``, ``?page=<n>``, then prints how many keys were added (target: a handful;
each variant stored as a page of its own adds one or more per request) and the answers'
status codes. A benchmark, not a test: exit status 0 whatever the count.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import secrets
import shutil
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/4"
SEED_TERM = "resistance-training-neurological-benefits"
TARGET_KEYS = 5


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="a Redis db of its own")
    parser.add_argument("--requests", type=int, default=2_000, help="requests sent (2,000)")
    parser.add_argument("--slug", default=SEED_TERM, help="the term page requested")
    parser.add_argument(
        "--checkout", type=Path, default=ROOT, help="the code to serve (e.g. an older worktree)"
    )
    options = parser.parse_args()
    options.checkout = options.checkout.resolve()
    if not 1 <= options.requests <= 50_000:
        parser.error("--requests must be between 1 and 50,000")
    return options


def host_spellings(port: int) -> list[str]:
    """The server's own address written differently: every one names the same site."""
    cases = ["localhost", "LOCALHOST", "LocalHost", "localHOST", "lOcAlHoSt"]
    spellings = [f"{name}{dot}:{port}" for name in cases for dot in ("", ".")]
    spellings += [f"127.0.0.1.:{port}", "localhost", "LOCALHOST.", "127.0.0.1", "127.0.0.1."]
    return spellings


def query_variants(number: int) -> list[str]:
    """Query strings that all mean the page itself (or its first page)."""
    return ["", "?page=x", "?page=01", "?pag%65=1", f"?page={number}"]


def variants(port: int, count: int, path: str) -> list[tuple[str, str]]:
    """``count`` (Host header, path) pairs: distinct ports of 127.0.0.1, the other host
    spellings, each with the query variants in turn."""
    pairs: list[tuple[str, str]] = []
    spellings = itertools.cycle(host_spellings(port))
    for number in itertools.count():
        if len(pairs) >= count:
            break
        query = query_variants(number)[number % 5]
        host = f"127.0.0.1:{1024 + number}" if number % 2 else next(spellings)
        pairs.append((host, path + query))
    return pairs


def send(port: int, pairs: list[tuple[str, str]]) -> Counter:
    """Every request anonymous (no cookie) on one keep-alive connection; status counts."""
    statuses: Counter = Counter()
    connection = http.client.HTTPConnection(harness.HOST, port, timeout=15)
    try:
        for host, path in pairs:
            connection.request("GET", path, headers={"Host": host, "Accept": "text/html"})
            response = connection.getresponse()
            response.read()
            statuses[response.status] += 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(harness.HOST, port, timeout=15)
    finally:
        connection.close()
    return statuses


def key_counts(redis_url: str, prefix: str) -> tuple[int, int]:
    """(DBSIZE, keys under this run's cache key prefix)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    return client.dbsize(), sum(1 for _ in client.scan_iter(match=f"{prefix}*", count=1000))


def prepare_database(database_url: str, work: Path, root: Path) -> str:
    """The given database or a new SQLite file, migrated, seeded when empty."""
    url = database_url or harness.sqlite_url(work, "flood")
    env = harness.site_env(url, root=root)
    harness.manage(env, "migrate", "--noinput", "-v0", root=root)
    harness.manage(env, "load_seed_content", "--if-empty", root=root)
    return url


def main() -> None:
    options = parse_options()
    work = harness.temporary_folder("glossary-flood-")
    prefix = f"flood-{secrets.token_hex(4)}"
    try:
        env = harness.site_env(
            prepare_database(options.database_url, work, options.checkout),
            options.redis_url,
            static_root=work / "static",
            allowed_hosts="127.0.0.1,localhost",
            root=options.checkout,
            CACHE_KEY_PREFIX=prefix,
        )
        harness.collect_static(env, root=options.checkout)
        path = f"/glossary/{options.slug}/"
        with harness.Gunicorn(env, workers=2, root=options.checkout) as server:
            for _ in range(2):  # the page itself, stored and then served from the cache
                status = harness.get(server.base + path)[0]
                if status != 200:
                    raise harness.HarnessError(f"{path} answered {status}")
            size_before, ours_before = key_counts(options.redis_url, prefix)
            statuses = send(server.port, variants(server.port, options.requests, path))
            size_after, ours_after = key_counts(options.redis_url, prefix)
        added = size_after - size_before
        answers = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
        harness.say(
            f"cache-entry flood: {options.requests:,} anonymous requests for {path} with "
            f"other Host spellings, ports and query strings (answers: {answers})"
        )
        harness.say(
            f"  Redis keys added: {added:,} (DBSIZE {size_before:,} -> {size_after:,}; "
            f"{ours_after - ours_before:,} under this run's prefix); target: at most "
            f"{TARGET_KEYS} ({'met' if added <= TARGET_KEYS else 'MISSED'})"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    harness.run_main(main)
