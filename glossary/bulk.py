"""Writing many terms at once: what Term.save() does per row, done per batch.

Demo data and imports create tens of thousands of terms. Saving them one by one costs
several queries and a relink each; here the derived fields are filled in memory and
the rows and their many-to-many links are written with bulk_create.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection, models, transaction

from glossary import rendering
from glossary.models import Term, letter_group, sort_key

BATCH_SIZE = 1000
# Below this many articles a second process costs more than it saves.
PARALLEL_MIN_ITEMS = 3000

# (title, aliases, body, references, own id): what rendering needs from one term.
RenderInput = tuple[str, str, str, str, int | None]

_worker_index: rendering.TermIndex | None = None


def _render_one(item: RenderInput) -> rendering.RenderedTerm:
    title, aliases, body, references, own_id = item
    return rendering.render_fields(
        title, aliases, body, references, own_id=own_id, index=_worker_index
    )


def render_many(
    items: Sequence[RenderInput], index: rendering.TermIndex
) -> list[rendering.RenderedTerm]:
    """Render many articles, on every core when there are enough of them.

    Rendering is pure CPU work (markdown, sanitizer, automaton), so forked workers that
    inherit the index share it copy-on-write; they never touch the database.
    """
    global _worker_index
    _worker_index = index
    processes = min(os.cpu_count() or 1, 4)
    try:
        if processes < 2 or len(items) < PARALLEL_MIN_ITEMS or os.name != "posix":
            return [_render_one(item) for item in items]
        context = multiprocessing.get_context("fork")
        with context.Pool(processes) as pool:
            return pool.map(_render_one, items, chunksize=250)
    finally:
        _worker_index = None


@contextlib.contextmanager
def explicit_timestamps(model: type[models.Model] = Term) -> Iterator[None]:
    """Let bulk writes keep the created/updated times they were given (auto_now stays off).

    Only for management commands: the switch is on the model class, for this process.
    """
    switched = []
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            switched.append((field, field.auto_now, field.auto_now_add))
            field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in switched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def apply_rendered(term: Term, rendered: rendering.RenderedTerm) -> None:
    """Set on an unsaved row what Term.save() derives: sort title, letter, HTML, TOC."""
    term.sort_title = sort_key(term.title)[:200]
    term.letter = letter_group(term.title)
    term.body_html = rendered.body_html
    term.references_html = rendered.references_html
    term.toc = rendered.toc


def update_rows(objs: Sequence[models.Model], field_names: Sequence[str]) -> None:
    """Write these fields of these rows: one executemany, not Django's CASE-per-row bulk_update.

    bulk_update() builds a CASE expression per row and field, which costs more Python time
    than rendering does; a prepared UPDATE run for every row is an order of magnitude faster.
    Like bulk_update(), it sends no signals and leaves auto_now fields alone.
    """
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[start : start + BATCH_SIZE])


def add_links(pairs: Iterable[tuple[int, int]]) -> None:
    through = Term.linked_terms.through
    through.objects.bulk_create(
        [through(from_term_id=a, to_term_id=b) for a, b in pairs],
        batch_size=BATCH_SIZE * 2,
        ignore_conflicts=True,
    )


def add_related(pairs: Iterable[tuple[int, int]]) -> None:
    """Related terms are symmetrical: each pair is stored in both directions, as add() does."""
    through = Term.related_terms.through
    rows = set()
    for a, b in pairs:
        if a != b:
            rows |= {(a, b), (b, a)}
    through.objects.bulk_create(
        [through(from_term_id=a, to_term_id=b) for a, b in sorted(rows)],
        batch_size=BATCH_SIZE * 2,
        ignore_conflicts=True,
    )


def add_categories(pairs: Iterable[tuple[int, int]]) -> None:
    """(term id, category id) pairs."""
    through = Term.categories.through
    through.objects.bulk_create(
        [through(term_id=t, category_id=c) for t, c in pairs],
        batch_size=BATCH_SIZE * 2,
        ignore_conflicts=True,
    )


def release_slugs(slugs: Sequence[str]) -> None:
    """A live term owns its slug: drop redirects or 410s left at these addresses."""
    from glossary.models import RetiredSlug

    for start in range(0, len(slugs), 2000):
        RetiredSlug.objects.filter(slug__in=slugs[start : start + 2000]).delete()


def after_bulk_load() -> None:
    """What signals would have done, had bulk writes sent them: fresh planner statistics
    (so the database keeps using the sort and letter indexes) and no stale cached lists."""
    from glossary import navigation, planner

    planner.refresh_statistics()
    transaction.on_commit(navigation.forget)
    navigation.forget()


def published_rows() -> list[tuple[int, str, str, str]]:
    """(id, slug, title, aliases) of every published term, for a TermIndex."""
    return list(
        Term.objects.published().order_by("pk").values_list("pk", "slug", "title", "aliases")
    )
