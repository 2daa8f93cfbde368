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

import statistics  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from glossary import name_index, references, relinking, rendering  # noqa: E402
from glossary.models import Term  # noqa: E402

RENDER_SAMPLE = 2000
REPEATS = 5


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def saved(term: Term) -> float:
    """One editor save as the admin does it: in a transaction, committed."""

    def save() -> None:
        with transaction.atomic():
            term.save()

    return timed(save)[1]


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def plain_save_ms(terms) -> float | None:
    """Median of a few saves of the newest published term of ``terms`` that change only
    its summary's trailing space (None when there is none, e.g. no German terms)."""
    plain = terms.published().order_by("-pk").first()
    if plain is None:
        return None
    samples = []
    for n in range(REPEATS + 1):
        plain.summary = plain.summary.rstrip() + (" " if n % 2 else "")
        samples.append(saved(plain))
    return median_ms(samples[1:])  # the first warms this process


def mentioned_term(low: int = 3, high: int = 60) -> Term:
    """A published term in the default language that a few articles mention (so renaming
    it relinks them; the demo translations share their source's title, so a translation
    renamed and re-added in the default language would clash with its source)."""
    terms = Term.objects.published().in_language(settings.LANGUAGE_CODE).order_by("pk")
    for term in terms.iterator(chunk_size=500):
        if low <= term.mentioned_by.count() <= high:
            return term
    return terms.first()


def main() -> None:
    figures: dict[str, object] = {"terms": Term.objects.count()}
    name_index.forget()
    _, figures["index_build_s"] = timed(name_index.current)
    index = name_index.current()

    sample = list(
        Term.objects.order_by("pk").only("pk", "title", "aliases", "body")[:RENDER_SAMPLE]
    )
    sources = references.sources_for_many((t.pk, t.body) for t in sample)
    _, elapsed = timed(
        lambda: [
            rendering.render_body(t.title, t.aliases, t.body, index, t.pk, sources[t.pk])
            for t in sample
        ]
    )
    figures["render_articles_per_s"] = len(sample) / elapsed

    builds: list[int] = []
    original_build = name_index._build

    def counted_build(stamp: int):
        builds.append(stamp)
        return original_build(stamp)

    name_index._build = counted_build

    # A plain save of a published term: no name changes, so no index rebuild, no rescan.
    figures["plain_save_ms"] = plain_save_ms(Term.objects.in_language(settings.LANGUAGE_CODE))
    figures["plain_save_de_ms"] = plain_save_ms(Term.objects.in_language("de"))

    # Renaming a term that N articles mention: each loses (then regains) its link.
    term = mentioned_term()
    original = term.title
    figures["relink_articles"] = len(relinking.linking_to([term.pk]))
    rename, back = [], []
    for n in range(REPEATS):
        term.title = f"{original} renamed {n}"
        rename.append(saved(term))
        term.title = original
        back.append(saved(term))
    figures["rename_save_ms"] = median_ms(rename + back)

    # Adding a term that N articles mention: the same name, now under a new term.
    term.title = f"{original} retired"
    saved(term)
    added = []
    for n in range(REPEATS):
        new = Term(
            title=original,
            slug=f"bench-added-{n}",
            summary="Added by the benchmark.",
            body="A short body.",
            status=Term.Status.PUBLISHED,
        )
        added.append(saved(new))
        figures["added_relinks"] = len(relinking.linking_to([new.pk]))
        with transaction.atomic():
            new.delete()
    term.title = original
    saved(term)
    figures["add_save_ms"] = median_ms(added)
    figures["index_builds_during_saves"] = len(builds)
    name_index.forget()

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
