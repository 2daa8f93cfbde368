"""Edit churn: term pages read by many while one other term is edited every second.

    python benchmarks/churn.py                              # builds 50,000 terms on SQLite
    python benchmarks/churn.py --database-url postgres://postgres@127.0.0.1:5432/glossary_bench
    python benchmarks/churn.py --terms 2000 --seconds 5     # a quick trial

Against gunicorn (config/gunicorn.conf.py, --workers sync workers, DEBUG off) with Redis
as the cache (--redis-url, a fresh key prefix): picks --pages published term pages spread
over the glossary, warms every one, then runs wrk (-t2 -c16, round-robin over those
pages) for --seconds without edits, and again while a separate process saves one *other*
term (not among the pages read) once a second: a summary change through the ORM, a plain
``save()``, and once more without edits. Prints the throughputs, the ratio of the one with
edits to the mean of the two without (target >= 0.9) and the share of ``X-Page-Cache: hit``
answers in 200 requests sampled after each run (while the edits go on for the second).
Measured through HTTP only, so any page-cache design can be compared.

A given database must already hold the terms (run.py builds them); without one, a SQLite
database with --terms demo terms is built in a temporary folder (about 3 minutes at
50,000). Every wait is bounded; nothing listens on anything but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/4"
HIT_SAMPLE = 200
RATIO_TARGET = 0.9
SAVE_EVERY_SECONDS = 1.0
EDITOR_START_TIMEOUT = 120  # seconds: Django set up and the first save made

# Published term pages in the default language (at their unprefixed addresses) spread
# evenly over the glossary (all but one in a small one), and one published term outside
# them, from the middle of the rest.
PICK_PAGES = """\
import json
from django.conf import settings
from glossary.models import Term
terms = Term.objects.published().in_language(settings.LANGUAGE_CODE)
slugs = list(terms.order_by("pk").values_list("slug", flat=True))
count = min({count}, len(slugs) - 1)
step = max(len(slugs) // max(count, 1), 1)
chosen = slugs[::step][:count]
taken = set(chosen)
others = [slug for slug in slugs if slug not in taken]
print(json.dumps({{"pages": chosen, "edited": others[len(others) // 2] if others else None}}))
"""

# One save a second of the edited term's summary, a plain save() through the ORM, for at
# most {saves} saves; a line per save, so the benchmark knows when the edits have begun.
EDIT_LOOP = """\
import time
from django.conf import settings
from glossary.models import Term
term = Term.objects.get(language=settings.LANGUAGE_CODE, slug={slug!r})
summary = term.summary
started = time.monotonic()
for number in range({saves}):
    term.summary = f"{{summary}} (edit {{number}})"
    term.save()
    print("saved", number, flush=True)
    time.sleep(max(0.0, started + (number + 1) * {every} - time.monotonic()))
"""


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="default: build a SQLite glossary")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="the cache (Redis)")
    parser.add_argument("--terms", type=int, default=50_000, help="when building (50,000)")
    parser.add_argument("--pages", type=int, default=2_000, help="term pages read (2,000)")
    parser.add_argument("--seconds", type=int, default=20, help="each wrk run (20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument(
        "--checkout", type=Path, default=ROOT, help="the code to serve (e.g. an older worktree)"
    )
    options = parser.parse_args()
    options.checkout = options.checkout.resolve()
    if not 1 <= options.seconds <= 600:
        parser.error("--seconds must be between 1 and 600")
    if not 1 <= options.pages <= 20_000:
        parser.error("--pages must be between 1 and 20,000")
    return options


def prepare_database(options: argparse.Namespace, work: Path) -> str:
    """The given database (migrated), or a new SQLite one with --terms demo terms."""
    root = options.checkout
    if options.database_url:
        env = harness.site_env(options.database_url, root=root)
        harness.manage(env, "migrate", "--noinput", "-v0", root=root)
        return options.database_url
    url = harness.sqlite_url(work, "churn")
    harness.say(f"building {options.terms:,} demo terms on SQLite …")
    started = time.monotonic()
    harness.build_glossary(harness.site_env(url, root=root), options.terms, root=root)
    harness.say(f"  built in {time.monotonic() - started:.0f} s")
    return url


def pick_pages(env: dict[str, str], count: int, root: Path) -> tuple[list[str], str]:
    """(the term page paths to read, the slug of the term to edit, not among them)."""
    out = harness.manage(env, "shell", "-c", PICK_PAGES.format(count=count), root=root)
    picked = json.loads(out.strip().splitlines()[-1])
    if not picked["pages"] or not picked["edited"]:
        raise harness.HarnessError("the database holds too few published terms")
    return [f"/glossary/{slug}/" for slug in picked["pages"]], picked["edited"]


def warm(base: str, paths: list[str]) -> None:
    """Every page once, from 4 clients: the page cache holds them all afterwards."""

    def get(path: str) -> int:
        return harness.get(base + path)[0]

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(get, paths))
    failed = [path for path, status in zip(paths, statuses, strict=True) if status != 200]
    if failed:
        raise harness.HarnessError(f"{len(failed)} pages did not answer 200, e.g. {failed[0]}")


def hit_share(base: str, paths: list[str]) -> float:
    """The share of X-Page-Cache: hit answers among HIT_SAMPLE pages picked at random."""
    sample = random.Random(3).choices(paths, k=HIT_SAMPLE)
    hits = sum(1 for path in sample if harness.get(base + path)[1].get("X-Page-Cache") == "hit")
    return hits / HIT_SAMPLE


class Editor:
    """The separate process saving the edited term once a second (manage.py shell -c)."""

    def __init__(self, env: dict[str, str], slug: str, saves: int, root: Path) -> None:
        code = EDIT_LOOP.format(slug=slug, saves=saves, every=SAVE_EVERY_SECONDS)
        self.process = subprocess.Popen(
            [harness.PYTHON, "manage.py", "shell", "-c", code],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.saves = 0
        self.first_save = threading.Event()
        self.reader = threading.Thread(target=self._count_saves, daemon=True)
        self.reader.start()

    def _count_saves(self) -> None:
        for line in self.process.stdout:
            if line.startswith("saved"):
                self.saves += 1
                self.first_save.set()

    def wait_for_first_save(self) -> None:
        deadline = time.monotonic() + EDITOR_START_TIMEOUT
        while not self.first_save.wait(0.5):
            if self.process.poll() is not None:
                errors = self.process.stderr.read()[-3000:]
                raise harness.HarnessError(f"the editing process stopped:\n{errors}")
            if time.monotonic() > deadline:
                raise harness.HarnessError("the editing process made no save in time")

    def stop(self) -> int:
        """Stop the edits (if still going); how many saves were made."""
        harness.stop(self.process)
        self.reader.join(timeout=10)
        return self.saves


def measure(options: argparse.Namespace, base: str, paths: list[str], work: Path) -> dict:
    """One wrk run, round-robin over ``paths``."""
    return harness.wrk_paths(
        base,
        paths,
        work,
        threads=options.threads,
        connections=options.connections,
        seconds=options.seconds,
    )


def report_line(label: str, result: dict, hits: float, note: str = "") -> str:
    return (
        f"  {label:<16} {result['rps']:>8.0f} req/s  p50 {result['p50']:6.1f} ms"
        f"  p99 {result['p99']:7.1f} ms  errors {result['errors']:.0f}"
        f"  page cache hits {hits:4.0%}{note}"
    )


def main() -> None:
    options = parse_options()
    harness.require_wrk()
    work = harness.temporary_folder("glossary-churn-")
    try:
        database_url = prepare_database(options, work)
        env = harness.site_env(
            database_url,
            options.redis_url,
            static_root=work / "static",
            root=options.checkout,
            CACHE_KEY_PREFIX=f"churn-{secrets.token_hex(4)}",  # nothing cached by earlier runs
        )
        harness.collect_static(env, root=options.checkout)
        paths, edited = pick_pages(env, options.pages, options.checkout)
        harness.say(
            f"edit churn: {len(paths):,} term pages, gunicorn {options.workers} sync workers, "
            f"Redis cache; wrk -t{options.threads} -c{options.connections} "
            f"-d{options.seconds}s round-robin; edited: /glossary/{edited}/ once a second"
        )
        with harness.Gunicorn(env, workers=options.workers, root=options.checkout) as server:
            warm(server.base, paths)
            quiet = measure(options, server.base, paths, work)
            harness.say(report_line("without edits", quiet, hit_share(server.base, paths)))
            editor = Editor(env, edited, options.seconds + 60, options.checkout)
            try:
                editor.wait_for_first_save()
                busy = measure(options, server.base, paths, work)
                hits = hit_share(server.base, paths)  # the edits still going on
            finally:
                saves = editor.stop()
            harness.say(report_line("one save/second", busy, hits, f"  ({saves} saves)"))
            again = measure(options, server.base, paths, work)
            harness.say(report_line("without edits", again, hit_share(server.base, paths)))
        # Against both runs without edits around it: the machine's own drift (other
        # processes, CPU frequency) counts for neither side.
        ratio = busy["rps"] / ((quiet["rps"] + again["rps"]) / 2)
        verdict = "met" if ratio >= RATIO_TARGET else "MISSED"
        harness.say(f"  ratio {ratio:.2f} (target >= {RATIO_TARGET}: {verdict})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    harness.run_main(main)
