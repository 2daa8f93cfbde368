"""Page-serving benchmark: the term page against a static file and a bare Django view.

Starts gunicorn (config/gunicorn.conf.py, production settings: DJANGO_DEBUG=0) on
127.0.0.1 against DATABASE_URL (and REDIS_URL when given) and measures with wrk
(-t2 -c16 -d10s --latency by default):

  (a) static  a file of the same size as the term page, through gunicorn + whitenoise
  (b) bare    a Django view that renders the same bytes from one query (flatpages-style
              floor; it exists only in this benchmark's URLconf, written to a temporary
              folder, never in the site's own)
  (c) cached    the term page from the page cache
  (d) built     the term page built by the view, on a second server with the page cache
                off (PAGE_CACHE_ENABLED=0): the view serves the page's stored rendering,
                as it does for every page once after an edit elsewhere
  (e) rendered  the term page rendered by the view every time (a query string neither
                cache keeps): the cost of the first reader after the term itself changed

and prints req/s, p50 and p99, the ratios (cached/static, target >= 0.6; built/bare,
target >= 1.0), then 64 connections on the cached page for --stress-seconds with the
error count, and the bytes of a first visit (HTML, CSS, JS, gzip) and of consent.js.

    python benchmarks/pages.py                       # a fresh SQLite database, seeded
    python benchmarks/pages.py --database-url postgres://postgres@127.0.0.1:5432/glossary_bench \\
        --redis-url redis://127.0.0.1:6379/5

A given database is migrated and seeded only when empty (like `make serve`). Every wait
is bounded; nothing listens on anything but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402

SEED_TERM = "resistance-training-neurological-benefits"
GZIP = {"Accept-Encoding": "gzip"}
TARGETS = ("static", "bare", "cached", "built", "rendered")

BENCH_SETTINGS = """\
from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench_site.urls"
"""

BENCH_URLS = '''\
"""The site's URLs plus one benchmark-only view (never part of the site)."""

from pathlib import Path

from django.http import HttpResponse
from django.template import Context, Template
from django.urls import path

from config.urls import handler400, handler404, handler500, urlpatterns as site  # noqa: F401
from glossary.models import Term

PAGE = (Path(__file__).parent / "page.html").read_text(encoding="utf-8")
TEMPLATE = Template("{{ page|safe }}")


def bare(request, slug):
    """One query, one template render, the term page's bytes: the flatpages-style floor."""
    Term.objects.filter(slug=slug).values_list("updated_at", flat=True).get()
    return HttpResponse(TEMPLATE.render(Context({"page": PAGE})))


urlpatterns = [path("__bench__/bare/<slug:slug>/", bare), *site]
'''


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    parser.add_argument("--redis-url", default="", help="default: none (per-process cache)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--seconds", type=int, default=10, help="each measurement (10)")
    parser.add_argument(
        "--stress-seconds", type=int, default=60, help="64 connections on the cached page (60)"
    )
    parser.add_argument("--slug", default=SEED_TERM, help="the term page to measure")
    parser.add_argument("--access-log", action="store_true", help="keep gunicorn's access log")
    options = parser.parse_args()
    for name, value in (("seconds", options.seconds), ("stress-seconds", options.stress_seconds)):
        if not 1 <= value <= 600:
            parser.error(f"--{name} must be between 1 and 600")
    return options


class Bench:
    """The site plus the benchmark-only view, in a temporary folder, and its servers."""

    def __init__(self, options: argparse.Namespace, work: Path) -> None:
        self.options = options
        self.site = work / "bench_site"
        self.static_root = work / "static"
        self.term_path = f"/glossary/{options.slug}/"
        self.env = harness.site_env(
            options.database_url or harness.sqlite_url(work, "bench"),
            options.redis_url or None,
            static_root=self.static_root,
            DJANGO_SETTINGS_MODULE="bench_site.settings",
            PYTHONPATH=f"{work}:{ROOT}",
        )
        self.server: harness.Gunicorn | None = None

    def write_site(self) -> None:
        self.site.mkdir()
        (self.site / "__init__.py").write_text("")
        (self.site / "settings.py").write_text(BENCH_SETTINGS)
        (self.site / "urls.py").write_text(BENCH_URLS)
        (self.site / "page.html").write_text("")  # the term page's bytes, once read

    def set_up_database(self) -> None:
        """Migrated and seeded only when empty (like `make serve`); static files collected."""
        harness.say("setting up: migrate, seed content (if empty), collectstatic …")
        harness.manage(self.env, "migrate", "--noinput", "--verbosity", "0")
        harness.manage(self.env, "load_seed_content", "--if-empty")
        harness.collect_static(self.env)

    def restart(self, **settings: str) -> str:
        """A new server (the settings given on top of the bench's); its base URL."""
        self.stop()
        log = sys.stdout if self.options.access_log else None
        self.server = harness.Gunicorn(
            {**self.env, **settings}, workers=self.options.workers, log=log
        ).start()
        return self.server.base

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def capture_term_page(self) -> bytes:
        """The term page's bytes, served again as a static file and by the bare view."""
        status, _, page = harness.get(self.restart() + self.term_path)
        if status != 200:
            raise harness.HarnessError(f"{self.term_path} answered {status}")
        (self.site / "page.html").write_bytes(page)
        (self.static_root / "bench").mkdir(exist_ok=True)
        (self.static_root / "bench" / "page.html").write_bytes(page)  # before whitenoise scans
        return page

    def target_path(self, name: str) -> str:
        return {
            "static": "/static/bench/page.html",
            "bare": f"/__bench__/bare/{self.options.slug}/",
            "cached": self.term_path,
            "built": self.term_path,  # the same address, on a server with the page cache off
            "rendered": self.term_path + "?bench=rendered",
        }[name]

    def check_targets(self, base: str, page: bytes) -> None:
        """Every target answers 200 with the term page's bytes, the cached one from the cache."""
        for name in TARGETS:
            status, _, body = harness.get(base + self.target_path(name))
            if status != 200 or (len(body) != len(page) and name != "rendered"):
                raise harness.HarnessError(f"{name} answered {status} with {len(body)} bytes")
        if harness.get(base + self.term_path)[1].get("X-Page-Cache") != "hit":
            harness.say("warning: the term page is not served from the page cache")

    def server_for(self, name: str, base: str) -> str:
        """The server a target is measured on: "built" on one with the page cache off."""
        if name == "built":
            base = self.restart(PAGE_CACHE_ENABLED="0")
            harness.get(base + self.term_path)
            if harness.get(base + self.term_path)[1].get("X-Page-Cache"):
                raise harness.HarnessError("the page cache is still on")
        elif name == "rendered":
            base = self.restart()
        return base

    def measure(self, url: str, connections: int = 0, seconds: int = 0) -> dict[str, float]:
        """wrk with the options' threads (and connections and seconds unless given)."""
        return harness.wrk(
            url,
            threads=self.options.threads,
            connections=connections or self.options.connections,
            seconds=seconds or self.options.seconds,
        )


def measure_targets(bench: Bench, base: str, page: bytes) -> dict[str, dict[str, float]]:
    options = bench.options
    database = "PostgreSQL" if bench.env["DATABASE_URL"].startswith("postgres") else "SQLite"
    harness.say(
        f"\n{len(page):,} bytes per page; wrk -t{options.threads} -c{options.connections} "
        f"-d{options.seconds}s; gunicorn {options.workers} sync workers; {database}"
        f"{' + Redis' if options.redis_url else ', no Redis'}\n"
    )
    harness.say(f"{'target':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    results = {}
    for name in TARGETS:
        base = bench.server_for(name, base)
        results[name] = r = bench.measure(base + bench.target_path(name))
        harness.say(
            f"{name:<8} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>7.0f}"
        )
    return results


def print_ratios(results: dict[str, dict[str, float]]) -> None:
    cached_ratio = results["cached"]["rps"] / results["static"]["rps"]
    built_ratio = results["built"]["rps"] / results["bare"]["rps"]
    rendered_ratio = results["rendered"]["rps"] / results["bare"]["rps"]
    print(f"\ncached / static = {cached_ratio:.2f}  (target >= 0.6)")
    print(f"built / bare    = {built_ratio:.2f}  (target >= 1.0)")
    print(f"rendered / bare = {rendered_ratio:.2f}  (no target: first reader after an edit)")
    print(f"cached p99      = {results['cached']['p99']:.1f} ms  (target < 50 ms)")


def stress(bench: Bench, base: str) -> None:
    seconds = bench.options.stress_seconds
    harness.say(f"\n64 connections on the cached page for {seconds} s …")
    r = bench.measure(base + bench.term_path, connections=64, seconds=seconds)
    print(
        f"stress   {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
        f"{r['errors']:>7.0f}  (target: 0 errors)"
    )


def first_visit_bytes(base: str, path: str) -> tuple[int, dict[str, int]]:
    """The term page and every stylesheet and script it loads, gzip-compressed."""
    _, _, html_gz = harness.get(base + path, GZIP)
    html = gzip.decompress(html_gz).decode() if html_gz[:2] == b"\x1f\x8b" else html_gz.decode()
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(r'<script[^>]* src="([^"]+)"', html)
    sizes = {"HTML": len(html_gz)}
    for asset in assets:
        if asset.startswith("/"):
            sizes[asset] = len(harness.get(base + asset, GZIP)[2])
    return sum(sizes.values()), sizes


def print_first_visit(base: str, path: str) -> None:
    total, sizes = first_visit_bytes(base, path)
    print("\nfirst visit, gzip-compressed:")
    for name, size in sizes.items():
        print(f"  {size:>7,} B  {name}")
    print(f"  {total:>7,} B  total  (target < 25 KB)")
    consent_js = next((name for name in sizes if "consent" in name), None)
    if consent_js:
        print(f"consent.js: {sizes[consent_js]:,} B compressed  (target < 5 KB)")


def main() -> None:
    options = parse_options()
    harness.require_wrk()
    work = harness.temporary_folder("glossary-pages-bench-")
    bench = Bench(options, work)
    try:
        bench.write_site()
        bench.set_up_database()
        page = bench.capture_term_page()
        base = bench.restart()
        bench.check_targets(base, page)
        print_ratios(measure_targets(bench, base, page))
        base = bench.server.base  # the last one measured has the page cache on
        stress(bench, base)
        print_first_visit(base, bench.term_path)
    finally:
        bench.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    harness.run_main(main)
