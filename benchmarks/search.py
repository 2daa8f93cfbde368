"""Search latency at scale: p50/p95 per query kind with 4 concurrent clients, and verdicts.

    python benchmarks/search.py --database-url sqlite:////tmp/big/db.sqlite3
    python benchmarks/search.py --database-url postgres://postgres@127.0.0.1:5432/glossary_bench

The database must already hold the terms (``generate_demo_terms --count 50000``); it is
migrated first and otherwise only read. The script collects static files into a temporary
folder, starts gunicorn (config/gunicorn.conf.py, DEBUG off) on a free port of 127.0.0.1,
draws varied queries from the database's own titles (fixed random seed), and for each
kind — one word, several words, misspelled, no match, suggestions — runs 4 client processes
per language (--languages en-gb,de: 4 on /search/ and 4 on /de/search/ at once, each drawing
from its language's titles) with keep-alive connections, bounded in seconds and requests.
Targets, per language: p95 under 50 ms for the search kinds, under 25 ms for suggestions.
Exit status 0 whatever the verdicts (a benchmark, not a test); 2 when the setup fails.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import random
import re
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402

HOST = harness.HOST
CONCURRENCY = 4
QUERIES_PER_KIND = 60
SEARCH_TARGET_MS = 50.0
SUGGEST_TARGET_MS = 25.0
DEFAULT_LANGUAGE = "en-gb"  # the site's LANGUAGE_CODE, served without a prefix
WORD = re.compile(r"[^\W\d_]{5,}")  # letters of any script


say = harness.say


# --- Queries drawn from the database --------------------------------------------------------


def sample_titles(database_url: str, language: str, count: int = 400) -> list[str]:
    """Published titles in a language, read straight from the database (no Django here)."""
    if not re.fullmatch(r"[a-z]{2}(-[a-z]{2})?", language):
        raise SystemExit(f"--languages: {language!r} is not a language code")
    sql = (
        "SELECT title FROM glossary_term WHERE status = 'published' "
        f"AND language = '{language}' ORDER BY id"
    )
    url = urlsplit(database_url)
    if url.scheme == "sqlite":
        path = ROOT / url.path[1:]  # sqlite:///relative or sqlite:////absolute
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=30)
        try:
            titles = [row[0] for row in connection.execute(sql)]
        finally:
            connection.close()
    else:
        import psycopg

        with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as pg:
            titles = [row[0] for row in pg.execute(sql)]
    if not titles:
        raise SystemExit(
            f"The database holds no published terms in {language!r}: generate_demo_terms first."
        )
    rng = random.Random(1)
    return rng.sample(titles, min(count, len(titles)))


def misspell(word: str, rng: random.Random) -> str:
    """One typo: two neighbouring letters swapped, or a vowel replaced."""
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    vowels = "aeiou"
    j = next((k for k in range(i, len(word)) if word[k] in vowels), i)
    return word[:j] + rng.choice([v for v in vowels if v != word[j]]) + word[j + 1 :]


def build_queries(titles: list[str]) -> dict[str, list[str]]:
    rng = random.Random(2)
    words = [w.lower() for title in titles for w in WORD.findall(title)]
    multi = [t for t in titles if len(t.split()) >= 3]
    kinds: dict[str, list[str]] = {"one word": [], "several words": [], "misspelled": []}
    kinds["no match"] = [f"zqx{n}vwy" for n in range(QUERIES_PER_KIND)]
    kinds["suggestions"] = []
    for _ in range(QUERIES_PER_KIND * 3):
        kinds["one word"].append(rng.choice(words))
        title = rng.choice(multi).split()
        start = rng.randrange(0, len(title) - 1)
        kinds["several words"].append(" ".join(title[start : start + rng.choice((2, 3))]))
        kinds["misspelled"].append(misspell(rng.choice([w for w in words if len(w) >= 7]), rng))
    while len(kinds["suggestions"]) < QUERIES_PER_KIND * 3:  # as typed: 2 to 6 letters
        word = rng.choice(words)
        if rng.random() < 0.3:
            prefix = f"{word} {rng.choice(words)[: rng.randrange(2, 5)]}"
        else:
            prefix = word[: rng.randrange(2, 7)]
        if prefix not in kinds["suggestions"]:
            kinds["suggestions"].append(prefix)
    for kind in ("one word", "several words", "misspelled"):
        kinds[kind] = list(dict.fromkeys(kinds[kind]))  # distinct: "first" means uncached
    return kinds


def urls_for(kind: str, queries: list[str], language: str) -> list[str]:
    prefix = "" if language == DEFAULT_LANGUAGE else f"/{language}"
    path = f"{prefix}/search/suggest/" if kind == "suggestions" else f"{prefix}/search/"
    return [f"{path}?q={quote(q)}" for q in queries]


# --- The server ---------------------------------------------------------------------------


def server_env(database_url: str, redis_url: str | None, static_root: str) -> dict:
    # A fresh cache key prefix: "first" requests find nothing cached by an earlier run.
    return harness.site_env(
        database_url,
        redis_url,
        static_root=static_root,
        root=ROOT,
        CACHE_KEY_PREFIX=f"search-bench-{secrets.token_hex(4)}",
    )


# --- Load ---------------------------------------------------------------------------------


def _client(port: int, urls: list[str], deadline: float, max_requests: int) -> tuple:
    """One client: its own process (client threads would share one interpreter lock, so a
    client's own overhead could show up in another's latency), one keep-alive connection,
    cycling through its share of the URLs."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    latencies: list[float] = []
    errors: list[str] = []
    for number in range(max_requests):
        if time.monotonic() >= deadline:
            break
        url = urls[number % len(urls)]
        started = time.perf_counter()
        try:
            connection.request("GET", url)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{url}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
            continue
        if response.status != 200:
            errors.append(f"{url}: HTTP {response.status}")
            continue
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies, errors


def run_load(port: int, url_sets: dict[str, list[str]], seconds: float, max_requests: int) -> dict:
    """CONCURRENCY client processes per language, all at once, each with its own share of
    its language's URLs (so a first pass asks each URL once) and of the request budget.
    Returns each language's figures."""
    deadline = time.monotonic() + seconds
    jobs, owners = [], []
    each, extra = divmod(max_requests, CONCURRENCY)
    for language, urls in url_sets.items():
        for n in range(CONCURRENCY):
            jobs.append((port, urls[n::CONCURRENCY] or urls, deadline, each + (n < extra)))
            owners.append(language)
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        results = pool.starmap(_client, jobs)
    return {
        language: summary(
            [mine for owner, mine in zip(owners, results, strict=True) if owner == language]
        )
        for language in url_sets
    }


def summary(results: list[tuple]) -> dict:
    latencies = [latency for mine, _ in results for latency in mine]
    errors = [error for _, theirs in results for error in theirs]
    if len(latencies) < 2:
        return {"requests": len(latencies), "errors": errors}
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
    }


def main() -> int:
    global ROOT, CONCURRENCY
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default=None, help="shared cache (default: none)")
    parser.add_argument("--seconds", type=float, default=8.0, help="per query kind")
    parser.add_argument("--max-requests", type=int, default=5000, help="per query kind")
    parser.add_argument("--workers", type=int, default=None, help="default: the config's")
    parser.add_argument("--clients", type=int, default=CONCURRENCY, help="concurrent clients")
    parser.add_argument(
        "--languages",
        default=DEFAULT_LANGUAGE,
        help="comma-separated codes; each gets its own clients at once (e.g. en-gb,de)",
    )
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument(
        "--checkout", type=Path, default=ROOT, help="the code to serve (e.g. an older worktree)"
    )
    args = parser.parse_args()
    ROOT = args.checkout.resolve()
    CONCURRENCY = args.clients

    languages = list(dict.fromkeys(code.strip() for code in args.languages.split(",")))

    with tempfile.TemporaryDirectory(prefix="search-bench-") as static_root:
        env = server_env(args.database_url, args.redis_url, static_root)
        if not args.no_migrate:
            harness.manage(env, "migrate", "--noinput", "-v0", root=ROOT)
        harness.manage(env, "collectstatic", "--noinput", "-v0", root=ROOT)
        queries = {
            code: build_queries(sample_titles(args.database_url, code)) for code in languages
        }
        with harness.Gunicorn(env, workers=args.workers, root=ROOT) as server:
            port = server.port
            say(
                f"search benchmark: {urlsplit(args.database_url).scheme}, "
                f"{CONCURRENCY} clients per language ({', '.join(languages)}), "
                f"{args.seconds:g} s per kind"
            )
            warm = {
                code: urls_for("one word", [f"warmup{n}" for n in range(20)], code)
                + urls_for("suggestions", ["wa"], code)
                for code in languages
            }
            run_load(port, warm, 3, 200)  # every worker imports and connects once
            failed = []
            for kind in queries[languages[0]]:
                target = SUGGEST_TARGET_MS if kind == "suggestions" else SEARCH_TARGET_MS
                urls = {code: urls_for(kind, queries[code][kind], code) for code in languages}
                # Each distinct query once (nothing cached yet), then the same queries again
                # and again for the time given (suggestions and did-you-mean come from the
                # cache then). The verdict needs both under the target, in every language.
                first = run_load(port, urls, args.seconds, max(map(len, urls.values())))
                again = run_load(port, urls, args.seconds, args.max_requests)
                for label, by_language in (("first", first), ("repeated", again)):
                    for code, result in by_language.items():
                        p95 = result.get("p95_ms")
                        met = p95 is not None and p95 < target and not result["errors"]
                        if not met and f"{kind} ({code})" not in failed:
                            failed.append(f"{kind} ({code})")
                        say(
                            f"  {kind:14} {code} {label:9} p50 {result.get('p50_ms', 0):6.1f} ms"
                            f"  p95 {p95 or 0:6.1f} ms  ({result['requests']} requests,"
                            f" {len(result['errors'])} errors)"
                            f"  p95 < {target:g} ms: {'met' if met else 'MISSED'}"
                        )
                        for error in result["errors"][:3]:
                            say(f"      {error}")
            say(
                "search targets: all met"
                if not failed
                else f"search targets: missed for {', '.join(failed)}"
            )
    return 0


if __name__ == "__main__":
    harness.run_main(main)
