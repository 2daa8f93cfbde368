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
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WRK = shutil.which("wrk") or "/usr/bin/wrk"
SEED_TERM = "resistance-training-neurological-benefits"
STEP_TIMEOUT = 600  # no setup step may hang the benchmark
START_TIMEOUT = 30

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

# The gunicorn configuration of the site, with the access log off unless asked for.
BENCH_GUNICORN = """\
exec(compile(open({conf!r}).read(), {conf!r}, "exec"))
bind = ["127.0.0.1:{port}"]
workers = {workers}
loglevel = "warning"
{access}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT
    )
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def fetch(url: str, gzip_ok: bool = False) -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn stopped while starting (see its output above)")
        try:
            if fetch(base + "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer /healthz within {START_TIMEOUT} s")


def wrk(url: str, threads: int, connections: int, seconds: int) -> dict[str, float]:
    done = subprocess.run(
        [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    out = done.stdout
    result = {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "errors": 0.0}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", out):
        result["rps"] = float(match.group(1))
    for name, label in (("p50", "50%"), ("p99", "99%")):
        if match := re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\b", out, re.M):
            value, unit = float(match.group(1)), match.group(2)
            result[name] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        result["errors"] += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        result["errors"] += sum(int(group) for group in match.groups())
    if done.returncode != 0 or not result["rps"]:
        sys.exit(f"wrk failed on {url}:\n{out}\n{done.stderr}")
    return result


def first_visit_bytes(base: str, path: str) -> tuple[int, dict[str, int]]:
    """The term page and every stylesheet and script it loads, gzip-compressed."""
    _, _, html_gz = fetch(base + path, gzip_ok=True)
    html = gzip.decompress(html_gz).decode() if html_gz[:2] == b"\x1f\x8b" else html_gz.decode()
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(r'<script[^>]* src="([^"]+)"', html)
    sizes = {"HTML": len(html_gz)}
    for asset in assets:
        if asset.startswith("/"):
            sizes[asset] = len(fetch(base + asset, gzip_ok=True)[2])
    return sum(sizes.values()), sizes


def main() -> None:
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
    if not Path(WRK).exists():
        sys.exit("wrk is not installed (apt-get install wrk)")
    for name, value in (("seconds", options.seconds), ("stress-seconds", options.stress_seconds)):
        if not 1 <= value <= 600:
            sys.exit(f"--{name} must be between 1 and 600")

    work = Path(tempfile.mkdtemp(prefix="glossary-pages-bench-"))
    server = None
    try:
        site = work / "bench_site"
        site.mkdir()
        (site / "__init__.py").write_text("")
        (site / "settings.py").write_text(BENCH_SETTINGS)
        (site / "urls.py").write_text(BENCH_URLS)
        static_root = work / "static"
        env = {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": options.database_url or f"sqlite:///{work / 'bench.sqlite3'}",
            "REDIS_URL": options.redis_url,
            "DJANGO_STATIC_ROOT": str(static_root),
            "DJANGO_LOG_LEVEL": "ERROR",
            "PYTHONPATH": os.pathsep.join([str(work), str(ROOT)]),
        }
        manage = [PYTHON, "manage.py"]
        print("setting up: migrate, seed content (if empty), collectstatic …", flush=True)
        run([*manage, "migrate", "--noinput", "--verbosity", "0"], env)
        run([*manage, "load_seed_content", "--if-empty"], env)
        run([*manage, "collectstatic", "--noinput", "--verbosity", "0"], env)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        term_path = f"/glossary/{options.slug}/"
        conf = work / "gunicorn.conf.py"
        conf.write_text(
            BENCH_GUNICORN.format(
                conf=str(ROOT / "config" / "gunicorn.conf.py"),
                port=port,
                workers=options.workers,
                access="" if options.access_log else "accesslog = None",
            )
        )

        def start(**settings: str) -> subprocess.Popen:
            process = subprocess.Popen(
                [PYTHON, "-m", "gunicorn", "--config", str(conf)],
                cwd=ROOT,
                env={**env, "DJANGO_SETTINGS_MODULE": "bench_site.settings", **settings},
                stdout=subprocess.DEVNULL,
                stderr=None,
            )
            wait_until_up(base, process)
            return process

        # The term page's bytes, for the static file and the bare view (read once).
        (site / "page.html").write_text("")
        server = start()
        status, _, page = fetch(base + term_path)
        if status != 200:
            sys.exit(f"{term_path} answered {status}")
        server.terminate()
        server.wait(timeout=30)
        (site / "page.html").write_bytes(page)
        (static_root / "bench").mkdir(exist_ok=True)
        (static_root / "bench" / "page.html").write_bytes(page)  # before whitenoise scans
        server = start()

        targets = {
            "static": base + "/static/bench/page.html",
            "bare": base + f"/__bench__/bare/{options.slug}/",
            "cached": base + term_path,
            "built": base + term_path,  # on the server with the page cache off
            "rendered": base + term_path + "?bench=rendered",
        }
        for name, url in targets.items():
            status, _, body = fetch(url)
            if status != 200 or (len(body) != len(page) and name != "rendered"):
                sys.exit(f"{name}: {url} answered {status} with {len(body)} bytes")
        if fetch(targets["cached"])[1].get("X-Page-Cache") != "hit":
            print("warning: the term page is not served from the page cache", flush=True)

        print(
            f"\n{len(page):,} bytes per page; wrk -t{options.threads} -c{options.connections} "
            f"-d{options.seconds}s; gunicorn {options.workers} sync workers; "
            f"{'PostgreSQL' if env['DATABASE_URL'].startswith('postgres') else 'SQLite'}"
            f"{' + Redis' if options.redis_url else ', no Redis'}\n"
        )
        print(f"{'target':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        results = {}
        for name, url in targets.items():
            if name == "built":  # the same address, on a server with the page cache off
                server.terminate()
                server.wait(timeout=30)
                server = start(PAGE_CACHE_ENABLED="0")
                fetch(url)
                if fetch(url)[1].get("X-Page-Cache"):
                    sys.exit("the page cache is still on")
            elif name == "rendered":
                server.terminate()
                server.wait(timeout=30)
                server = start()
            results[name] = wrk(url, options.threads, options.connections, options.seconds)
            r = results[name]
            print(
                f"{name:<8} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>7.0f}",
                flush=True,
            )
        cached_ratio = results["cached"]["rps"] / results["static"]["rps"]
        built_ratio = results["built"]["rps"] / results["bare"]["rps"]
        rendered_ratio = results["rendered"]["rps"] / results["bare"]["rps"]
        print(f"\ncached / static = {cached_ratio:.2f}  (target >= 0.6)")
        print(f"built / bare    = {built_ratio:.2f}  (target >= 1.0)")
        print(f"rendered / bare = {rendered_ratio:.2f}  (no target: first reader after an edit)")
        print(f"cached p99      = {results['cached']['p99']:.1f} ms  (target < 50 ms)")

        print(f"\n64 connections on the cached page for {options.stress_seconds} s …", flush=True)
        stress = wrk(targets["cached"], options.threads, 64, options.stress_seconds)
        print(
            f"stress   {stress['rps']:>9.0f} {stress['p50']:>8.2f} {stress['p99']:>8.2f} "
            f"{stress['errors']:>7.0f}  (target: 0 errors)"
        )

        total, sizes = first_visit_bytes(base, term_path)
        print("\nfirst visit, gzip-compressed:")
        for name, size in sizes.items():
            print(f"  {size:>7,} B  {name}")
        print(f"  {total:>7,} B  total  (target < 25 KB)")
        consent_js = next((name for name in sizes if "consent" in name), None)
        if consent_js:
            print(f"consent.js: {sizes[consent_js]:,} B compressed  (target < 5 KB)")
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
