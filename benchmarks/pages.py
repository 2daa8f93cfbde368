"""Page-serving benchmark: the term page against a static file and a bare Django view.

Starts gunicorn (config/gunicorn.conf.py, production settings: DJANGO_DEBUG=0) on
127.0.0.1 against DATABASE_URL (and REDIS_URL when given) and measures with wrk
(-t2 -c16 -d10s --latency by default):

  (a) static    a file of the same size as the term page, through gunicorn + whitenoise
  (b) bare      a Django view that renders the same bytes from one query (flatpages-style
                floor; it exists only in this benchmark's URLconf, written to a temporary
                folder, never in the site's own)
  (c) cached    the term page from the page cache
  (d) rendered  the term page built by the view every time (a query string the page cache
                does not keep): the cost of the first reader after the page changed

and (a), (c) and (d) again for the same article in German (--translation-path). It prints
req/s, p50 and p99, the ratios (cached/static in each language, target >= 0.6; the German
page's rendering cost against the English one, target <= 1.2), then 64 connections on the
cached page for --stress-seconds with the error count, and the bytes of a first visit
(HTML, CSS, JS, gzip) and of consent.js.

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
# The seed article's German translation (glossary/seed/translations.json).
TRANSLATION_PATH = "/de/glossary/neurologische-effekte-des-krafttrainings/"
GZIP = {"Accept-Encoding": "gzip"}
# (target, language): the bare view exists for the English page only.
TARGETS = (
    ("static", "en"),
    ("bare", "en"),
    ("cached", "en"),
    ("rendered", "en"),
    ("static", "de"),
    ("cached", "de"),
    ("rendered", "de"),
)

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
    parser.add_argument(
        "--translation-path",
        default=TRANSLATION_PATH,
        help="the same article in German, measured beside it (empty: skip)",
    )
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

    def term_paths(self) -> dict[str, str]:
        """The article's address in each language measured."""
        paths = {"en": self.term_path}
        if self.options.translation_path:
            paths["de"] = self.options.translation_path
        return paths

    def capture_term_pages(self) -> dict[str, bytes]:
        """Each language's term page bytes, served again as a static file (and the English
        one by the bare view)."""
        base = self.restart()
        (self.static_root / "bench").mkdir(exist_ok=True)
        pages = {}
        for language, path in self.term_paths().items():
            status, _, page = harness.get(base + path)
            if status != 200:
                raise harness.HarnessError(f"{path} answered {status}")
            # Written before the next server starts, so that whitenoise finds them.
            (self.static_root / "bench" / f"page-{language}.html").write_bytes(page)
            pages[language] = page
        (self.site / "page.html").write_bytes(pages["en"])
        return pages

    def target_path(self, name: str, language: str) -> str:
        term_path = self.term_paths()[language]
        return {
            "static": f"/static/bench/page-{language}.html",
            "bare": f"/__bench__/bare/{self.options.slug}/",
            "cached": term_path,
            "rendered": term_path + "?bench=rendered",
        }[name]

    def targets(self) -> list[tuple[str, str]]:
        return [(name, language) for name, language in TARGETS if language in self.term_paths()]

    def check_targets(self, base: str, pages: dict[str, bytes]) -> None:
        """Every target answers 200 with its page's bytes, the cached one from the cache."""
        for name, language in self.targets():
            status, _, body = harness.get(base + self.target_path(name, language))
            if status != 200 or (len(body) != len(pages[language]) and name != "rendered"):
                raise harness.HarnessError(
                    f"{name} ({language}) answered {status} with {len(body)} bytes"
                )
        for path in self.term_paths().values():
            if harness.get(base + path)[1].get("X-Page-Cache") != "hit":
                harness.say(f"warning: {path} is not served from the page cache")

    def measure(self, url: str, connections: int = 0, seconds: int = 0) -> dict[str, float]:
        """wrk with the options' threads (and connections and seconds unless given)."""
        return harness.wrk(
            url,
            threads=self.options.threads,
            connections=connections or self.options.connections,
            seconds=seconds or self.options.seconds,
        )


def label(name: str, language: str) -> str:
    return name if language == "en" else f"{name} {language}"


def measure_targets(
    bench: Bench, base: str, pages: dict[str, bytes]
) -> dict[tuple[str, str], dict[str, float]]:
    options = bench.options
    database = "PostgreSQL" if bench.env["DATABASE_URL"].startswith("postgres") else "SQLite"
    sizes = ", ".join(f"{len(page):,} ({language})" for language, page in pages.items())
    harness.say(
        f"\nbytes per page: {sizes}; wrk -t{options.threads} -c{options.connections} "
        f"-d{options.seconds}s; gunicorn {options.workers} sync workers; {database}"
        f"{' + Redis' if options.redis_url else ', no Redis'}\n"
    )
    harness.say(f"{'target':<11} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    results = {}
    for name, language in bench.targets():
        results[name, language] = r = bench.measure(base + bench.target_path(name, language))
        harness.say(
            f"{label(name, language):<11} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
            f"{r['errors']:>7.0f}"
        )
    return results


def print_ratios(results: dict[tuple[str, str], dict[str, float]]) -> None:
    rps = {target: r["rps"] for target, r in results.items()}
    cached_ratio = rps["cached", "en"] / rps["static", "en"]
    print(f"\ncached / static     = {cached_ratio:.2f}  (target >= 0.6)")
    if ("cached", "de") in rps:
        print(
            f"cached / static, de = {rps['cached', 'de'] / rps['static', 'de']:.2f}  "
            "(target >= 0.6)"
        )
        # Cost per page is the inverse of throughput: German costs en/de of English.
        print(
            f"rendered, de cost   = {rps['rendered', 'en'] / rps['rendered', 'de']:.2f}× "
            "the English page's  (target <= 1.2)"
        )
    print(
        f"rendered / bare     = {rps['rendered', 'en'] / rps['bare', 'en']:.2f}  "
        "(no target: the first reader after the page changed)"
    )
    print(f"cached p99          = {results['cached', 'en']['p99']:.1f} ms  (target < 50 ms)")


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
        pages = bench.capture_term_pages()
        base = bench.restart()
        bench.check_targets(base, pages)
        print_ratios(measure_targets(bench, base, pages))
        stress(bench, base)
        print_first_visit(base, bench.term_path)
    finally:
        bench.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    harness.run_main(main)
