"""In-process measurements on a built database: rendering speed, save cost, query counts.

Run by benchmarks/run.py with DATABASE_URL pointing at the benchmark database; prints
one JSON object. Not a test: it asserts nothing, it measures.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from glossary import rendering  # noqa: E402
from glossary.models import Term  # noqa: E402

RENDER_SAMPLE = 2000


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def main() -> None:
    figures: dict[str, object] = {"terms": Term.objects.count()}
    rendering.forget_term_index()
    index, figures["index_build_s"] = timed(rendering.term_index)

    sample = list(
        Term.objects.order_by("pk").only("pk", "title", "aliases", "body", "references")[
            :RENDER_SAMPLE
        ]
    )
    _, elapsed = timed(lambda: [rendering.render_term(t, index=index) for t in sample])
    figures["render_articles_per_s"] = len(sample) / elapsed

    # One editor save that renames a term: its own render plus relinking the articles
    # that mention the old or new name (and a rebuilt automaton, as the name set changed).
    term = Term.objects.filter(mentioned_by__isnull=False).order_by("pk").first()
    original = term.title
    figures["save_with_relink_articles"] = term.mentioned_by.count()
    term.title = original + " (renamed)"
    _, figures["save_with_relink_s"] = timed(term.save)
    term.title = original
    term.save()
    # A save that changes no name: no relinking, but the automaton may be rebuilt.
    term.summary += " "
    _, figures["save_without_rename_s"] = timed(term.save)

    client = Client(HTTP_HOST="127.0.0.1")
    letter_term = Term.objects.published().filter(letter="m").order_by("sort_title").first()
    word = letter_term.title.split()[0]
    pages = {
        "term page": term.get_absolute_url(),
        "A–Z index": "/glossary/",
        "letter page": "/glossary/letter/m/",
        "search": f"/search/?q={word}",
        "suggest": f"/search/suggest/?q={word[:4]}",
        "home": "/",
    }
    queries = {}
    for name, url in pages.items():
        client.get(url)  # warm caches the way a running server would have them
        with CaptureQueriesContext(connection) as captured:
            status = client.get(url).status_code
        queries[name] = {"url": url, "queries": len(captured), "status": status}
    figures["queries"] = queries
    published = Term.objects.published().order_by("pk")
    step = max(published.count() // 200, 1)
    figures["sample_slugs"] = list(published.values_list("slug", flat=True)[::step][:200])
    figures["sample_words"] = sorted(
        {t.split()[0].lower() for t in published.values_list("title", flat=True)[:: step * 4]}
    )[:40]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
