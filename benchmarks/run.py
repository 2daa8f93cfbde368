"""`make bench`: build a 50,000-term glossary and measure it. Prints figures; asserts nothing.

The glossary holds 50,000 English terms and a German translation of each. For SQLite (a
file in a temporary folder) and, when reachable, PostgreSQL (database `glossary_bench`),
with the Redis cache (db 5) when reachable:
  1. generation time of N demo terms and their German translations (generate_demo_terms);
  2. export (JSON and markdown) and import of all of them into an empty database;
  3. rendering throughput, the cost of one save that triggers relinking, query counts;
  4. HTTP latency (p50/p95) and throughput of the term page, the A–Z index, a letter
     page, search and suggestions, from a load generator in a second process against
     gunicorn on 127.0.0.1 (config/gunicorn.conf.py), and the term page at 100 terms for
     comparison;
  5. the focused scripts on the same database: pages.py (wrk against a static file and a
     bare view, in English and German), search.py (English and German at once), churn.py
     (reading 2,000 term pages while another term is edited every second) and flood.py
     (cache entries made by address variants), the last two with Redis db 4.
Every loop is bounded in requests and seconds. The figures, and what the focused scripts
print, go to benchmarks/RESULTS.md.
wrk is needed for pages, churn and flood (they are skipped, with how to install it,
without it).

    python benchmarks/run.py [--terms 50000] [--seconds 6] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402

PYTHON = sys.executable
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "glossary_bench"
REDIS_URL = "redis://127.0.0.1:6379/5"
# The edit-churn and cache-entry flood benchmarks count and fill their own Redis db.
CHURN_REDIS_URL = "redis://127.0.0.1:6379/4"
STEP_TIMEOUT = harness.STEP_TIMEOUT
LOAD_CONCURRENCY = 8
LOAD_MAX_REQUESTS = 20_000
GUNICORN_WORKERS = 4


say = harness.say


def timed_manage(env: dict, *args: str) -> float:
    """Seconds one manage.py step took."""
    started = time.perf_counter()
    harness.manage(env, *args)
    return time.perf_counter() - started


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def base_env(database_url: str, use_redis: bool) -> dict:
    return harness.site_env(database_url, REDIS_URL if use_redis else None)


def build(env: dict, count: int) -> float:
    """Seconds generate_demo_terms took for ``count`` terms and their German translations
    (after migrate and the seed)."""
    harness.manage(env, "migrate", "--noinput", "-v0")
    harness.manage(env, "load_seed_content")
    return timed_manage(
        env, "generate_demo_terms", "--count", str(count), "--seed", "1", "--languages", "de"
    )


def start_server(env: dict) -> harness.Gunicorn:
    """gunicorn on 127.0.0.1 with GUNICORN_WORKERS sync workers, up and answering."""
    return harness.Gunicorn(env, workers=GUNICORN_WORKERS).start()


def load(port: int, seconds: float, urls: list[str], max_requests: int = LOAD_MAX_REQUESTS) -> dict:
    done = subprocess.run(
        [
            PYTHON,
            str(ROOT / "benchmarks" / "load.py"),
            str(port),
            str(seconds),
            str(LOAD_CONCURRENCY),
            str(max_requests),
            *urls,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=True,
    )
    return json.loads(done.stdout)


def http_figures(env: dict, probe: dict, seconds: float) -> dict:
    slugs, words = probe["sample_slugs"], probe["sample_words"] or ["sleep"]
    targets = {
        **term_page_targets(slugs),
        "A–Z index": ["/glossary/"],
        # Page 1 lives at the bare address (?page=1 is a 404, one address per page).
        "letter page": [
            f"/glossary/letter/{c}/{'' if n == 1 else f'?page={n}'}"
            for c in "mcs"
            for n in (1, 2, 5)
        ],
        "search": [f"/search/?q={word}" for word in words],
        "suggest": [f"/search/suggest/?q={word[:4]}" for word in words],
    }
    server = start_server(env)
    try:
        for urls in targets.values():
            warm(server.port, urls)
        results = {}
        for name, urls in targets.items():
            results[name] = load(server.port, seconds, urls)
            r = results[name]
            say(
                f"    {name:12} p50 {r.get('p50_ms', 0):7.1f} ms  p95 {r.get('p95_ms', 0):7.1f} ms"
                f"  {r.get('rps', 0):7.1f} req/s  ({r['requests']} requests, {r['errors']} errors)"
            )
        return results
    finally:
        server.stop()


def script(name: str, *args: str) -> list[str]:
    """Run one of the focused benchmark scripts, show what it prints (indented), return it."""
    done = subprocess.run(
        [PYTHON, str(ROOT / "benchmarks" / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    lines = (done.stdout + (done.stderr if done.returncode else "")).splitlines()
    for line in lines:
        say("    " + line)
    return lines


def probe(env: dict) -> dict:
    done = subprocess.run(
        [PYTHON, str(ROOT / "benchmarks" / "probe.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"benchmarks/probe.py failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_backend(name: str, make_db, drop_db, count: int, seconds: float, use_redis: bool) -> dict:
    say(f"\n== {name} ({count:,} terms{', Redis cache' if use_redis else ''}) ==")
    figures: dict = {"backend": name, "redis": use_redis}
    if use_redis:
        flush_redis()
    env = base_env(make_db("main"), use_redis)
    figures["generate_s"] = build(env, count)
    say(f"  generate_demo_terms --count {count:,}: {figures['generate_s']:.1f} s")

    workdir = Path(tempfile.mkdtemp(prefix="glossary-bench-export-"))
    try:
        figures["export_json_s"] = timed_manage(
            env, "export_terms", "--format", "json", str(workdir / "terms.json")
        )
        figures["export_markdown_s"] = timed_manage(
            env, "export_terms", "--format", "markdown", str(workdir / "md")
        )
        say(f"  export JSON: {figures['export_json_s']:.1f} s, "
            f"markdown: {figures['export_markdown_s']:.1f} s")  # fmt: skip
        import_env = base_env(make_db("import"), False)
        harness.manage(import_env, "migrate", "--noinput", "-v0")
        figures["import_json_s"] = timed_manage(
            import_env, "import_terms", str(workdir / "terms.json")
        )
        say(f"  import_terms (JSON, empty database): {figures['import_json_s']:.1f} s")
        drop_db("import")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    figures["probe"] = probe(env)
    p = figures["probe"]
    say(f"  rendering: {p['render_articles_per_s']:.0f} articles/s; name index build "
        f"{p['index_build_s']:.2f} s")  # fmt: skip
    for line in write_path_lines(p):
        say("  " + line)
    for page, q in p["queries"].items():
        say(f"  queries, {page}: {q['queries']} (HTTP {q['status']})")
    say(
        f"  HTTP (gunicorn, {GUNICORN_WORKERS} workers; "
        f"load: {LOAD_CONCURRENCY} threads, {seconds:g} s per page):"
    )
    figures["http"] = http_figures(env, p, seconds)
    figures["printed"] = focused_scripts(env["DATABASE_URL"], use_redis)

    if use_redis:
        flush_redis()
    small_env = base_env(make_db("small"), use_redis)
    build(small_env, 100)
    small = probe(small_env)
    figures["probe_small"] = small
    say("  write path at 100 terms, and the ratio 50,000 : 100:")
    for line in write_path_lines(small, p):
        say("  " + line)
    say("  at 100 terms:")
    figures["http_small"] = term_pages_only(small_env, small, seconds)
    for name, at_small in figures["http_small"].items():
        at_big = figures["http"][name]
        say(f"  {name}: throughput at {count:,} terms = "
            f"{at_big['rps'] / at_small['rps']:.2f}× at 100 terms (target >= 0.9)")  # fmt: skip
    drop_db("small")
    drop_db("main")
    return figures


def focused_scripts(database_url: str, use_redis: bool) -> dict[str, list[str]]:
    """The scripts that measure one thing each on the built database: what each printed."""
    redis_args = ["--redis-url", REDIS_URL] if use_redis else []
    has_wrk = harness.wrk_path() is not None
    printed = {}

    def focused(title: str, name: str, *args: str) -> None:
        say(f"  {title} (benchmarks/{name}):")
        printed[f"{title} (benchmarks/{name})"] = script(name, *args)

    if has_wrk:
        focused("pages against a static file and a bare view", "pages.py",
                "--database-url", database_url, *redis_args)  # fmt: skip
    focused("search at scale, English and German at once", "search.py",
            "--database-url", database_url, "--languages", "en-gb,de", *redis_args)  # fmt: skip
    if not (has_wrk and use_redis):
        say("  edit churn and cache-entry flood: skipped (they need wrk and Redis)")
        return printed
    churn_args = ["--database-url", database_url, "--redis-url", CHURN_REDIS_URL]
    focused("reading while another term is edited every second", "churn.py", *churn_args)
    focused("page cache entries made by address variants", "flood.py", *churn_args)
    return printed


WRITE_PATH_TARGETS = {
    "plain_save_ms": "a plain save of a published term (no name change)",
    "plain_save_de_ms": "a plain save of a published German translation",
    "rename_save_ms": "renaming a term that N articles mention",
    "add_save_ms": "adding a term that N articles mention",
}


def write_path_budget_ms(key: str, p: dict) -> float:
    """The issue's targets: 100 ms for a plain save; 0.5 s + 20 ms per relinked article."""
    if key.startswith("plain_save"):
        return 100.0
    articles = p["relink_articles"] if key == "rename_save_ms" else p["added_relinks"]
    return 500.0 + 20.0 * articles


def write_path_lines(p: dict, big: dict | None = None) -> list[str]:
    lines = []
    for key, label in WRITE_PATH_TARGETS.items():
        n = p["relink_articles"] if key == "rename_save_ms" else p.get("added_relinks", 0)
        counted = "" if key.startswith("plain_save") else f" (N = {n})"
        text = f"{label}{counted}: {p[key]:.1f} ms"
        if big is None:
            budget = write_path_budget_ms(key, p)
            verdict = "meets" if p[key] < budget else "MISSES"
            text += f" ({verdict} the {budget:.0f} ms target)"
        else:
            text += f"; at {big['terms']:,} terms {big[key]:.1f} ms = {big[key] / p[key]:.2f}×"
        lines.append(text)
    lines.append(f"name index rebuilds during those saves: {p['index_builds_during_saves']}")
    return lines


# The same number of term pages at every size, so that 50,000 and 100 terms compare the
# same work: the page from the page cache, and built by the view (a query string the page
# cache does not keep).
TERM_PAGES = 50


def term_page_targets(slugs: list[str]) -> dict[str, list[str]]:
    chosen = slugs[:TERM_PAGES]
    return {
        "term page": [f"/glossary/{slug}/" for slug in chosen],
        "term page, rendered": [f"/glossary/{slug}/?bench=rendered" for slug in chosen],
    }


def warm(port: int, urls: list[str]) -> None:
    """Every URL a few times, so each worker has its caches (and the page cache its pages)."""
    load(port, 20, urls, max_requests=len(urls) * GUNICORN_WORKERS * 3)


def term_pages_only(env: dict, probe_figures: dict, seconds: float) -> dict:
    server = start_server(env)
    try:
        results = {}
        for name, urls in term_page_targets(probe_figures["sample_slugs"]).items():
            warm(server.port, urls)
            results[name] = r = load(server.port, seconds, urls)
            say(f"    {name:16} p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms"
                f"  {r['rps']:7.1f} req/s")  # fmt: skip
    finally:
        server.stop()
    return results


def sqlite_databases() -> tuple:
    folder = Path(tempfile.mkdtemp(prefix="glossary-bench-"))

    def make(kind: str) -> str:
        return f"sqlite:///{folder / (kind + '.sqlite3')}"

    def drop(kind: str) -> None:
        for path in folder.glob(kind + ".sqlite3*"):
            path.unlink()

    return make, drop, folder


def postgres_databases() -> tuple:
    names = {
        "main": PG_DATABASE,
        "import": PG_DATABASE + "_import",
        "small": PG_DATABASE + "_small",
    }
    return (
        lambda kind: harness.recreate_postgres(PG_SERVER, names[kind]),
        lambda kind: harness.drop_postgres(PG_SERVER, names[kind]),
    )


def printed_sections(printed: dict[str, list[str]], level: str = "###") -> list[str]:
    """What the focused scripts printed, each under its own heading, verbatim."""
    lines = []
    for title, output in printed.items():
        lines += [f"{level} {title[0].upper()}{title[1:]}", "", "```", *output, "```", ""]
    return lines


def write_results(
    all_figures: list[dict], count: int, seconds: float, printed: dict | None = None
) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Measured by `make bench` (benchmarks/run.py) on {time.strftime('%Y-%m-%d')}: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {count:,} demo terms "
        f"and a German translation of each (+ the seed terms). HTTP: gunicorn with "
        f"{GUNICORN_WORKERS} sync workers on 127.0.0.1, "
        f"DEBUG off; load from a second process, {LOAD_CONCURRENCY} keep-alive threads, "
        f"{seconds:g} s per page, every page warmed first. Figures vary by about 10% between "
        "runs.",
        "",
    ]
    for f in all_figures:
        p = f["probe"]
        title = f["backend"] + (" + Redis cache" if f["redis"] else "")
        lines += [f"## {title}", "", "| Measure | Result |", "| --- | --- |"]
        lines += [
            f"| Generate {count:,} terms + {count:,} translations (generate_demo_terms) "
            f"| {f['generate_s']:.1f} s |",
            f"| Export them, JSON | {f['export_json_s']:.1f} s |",
            f"| Export them, markdown files | {f['export_markdown_s']:.1f} s |",
            f"| Import them (JSON, empty database) | {f['import_json_s']:.1f} s |",
            f"| Rendering throughput | {p['render_articles_per_s']:.0f} articles/s |",
            f"| Build the name index ({p['terms']:,} terms; once per process) "
            f"| {p['index_build_s']:.2f} s |",
        ]
        small_p = f["probe_small"]
        for key, label in WRITE_PATH_TARGETS.items():
            n = p["relink_articles"] if key == "rename_save_ms" else p["added_relinks"]
            label = label.replace("N articles", f"{n} articles")
            lines.append(
                f"| {label} | {p[key]:.1f} ms (target {write_path_budget_ms(key, p):.0f} ms; "
                f"{p[key] / small_p[key]:.2f}× the 100-term figure) |"
            )
        lines.append(
            f"| Name index rebuilds during those saves | {p['index_builds_during_saves']} |"
        )
        for page, q in p["queries"].items():
            lines.append(f"| Queries, {page} | {q['queries']} |")
        lines += ["", "| Page | p50 | p95 | Throughput |", "| --- | --- | --- | --- |"]
        for page, r in f["http"].items():
            lines.append(
                f"| {page} | {r.get('p50_ms', 0):.1f} ms | {r.get('p95_ms', 0):.1f} ms "
                f"| {r.get('rps', 0):.0f} req/s |"
            )
        for name, small in f["http_small"].items():
            lines.append(
                f"| {name} at 100 terms | {small['p50_ms']:.1f} ms | {small['p95_ms']:.1f} ms "
                f"| {small['rps']:.0f} req/s |"
            )
        lines.append("")
        for name, small in f["http_small"].items():
            big = f["http"][name]
            lines.append(
                f"{name.capitalize()}: throughput at {count:,} terms = "
                f"**{big['rps'] / small['rps']:.2f}×** the figure at 100 terms (target 0.9×); "
                f"p50 {big['p50_ms']:.1f} ms vs {small['p50_ms']:.1f} ms."
            )
        lines.append("")
        lines += printed_sections(f.get("printed", {}))
    lines += printed_sections(printed or {}, level="##")
    (ROOT / "benchmarks" / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    started = time.perf_counter()
    say(f"Benchmark: {options.terms:,} terms, {os.cpu_count()} cores.")
    if harness.wrk_path() is None:
        say(f"{harness.WRK_INSTALL_HINT}\nWithout it the pages, edit churn and flood "
            "benchmarks are skipped.")  # fmt: skip
    env = base_env("sqlite:///unused", False)
    harness.collect_static(env)
    use_redis = harness.reachable(6379)
    results = []
    make, drop, folder = sqlite_databases()
    try:
        results.append(run_backend("SQLite", make, drop, options.terms, options.seconds, use_redis))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    write_results(results, options.terms, options.seconds)  # kept if a later backend fails
    if options.no_postgres or not harness.reachable(5432):
        say("\nPostgreSQL not reachable (or --no-postgres): skipped.")
    else:
        make, drop = postgres_databases()
        results.append(
            run_backend("PostgreSQL", make, drop, options.terms, options.seconds, use_redis)
        )
    write_results(results, options.terms, options.seconds)
    printed = {}
    title = "The page-view beacon under load (benchmarks/pageviews.py)"
    say(f"\n== {title} ==")
    printed[title] = script("pageviews.py")
    if not options.no_postgres and harness.reachable(5432):
        title = "Proof of consent at 10 million records (benchmarks/consent_records.py)"
        say(f"\n== {title} ==")
        printed[title] = script("consent_records.py")
    write_results(results, options.terms, options.seconds, printed)
    say(f"\nWrote benchmarks/RESULTS.md in {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    harness.run_main(main)
