"""Writing many rows at once: what per-row saves would do, done per batch.

Demo data and imports create tens of thousands of terms. Saving them one by one costs
several queries each; here rows and their many-to-many links are written with bulk
statements, and glossary.changes.terms_loaded renders and links them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction

from glossary import search_index
from glossary.models import InboundLinks, RetiredSlug, Term
from glossary.progress import Progress, ignore

BATCH_SIZE = 1000


def create_terms(terms: Sequence[Term], *, progress: Progress | None = None) -> None:
    """Insert new terms (primary keys filled in), keeping their own created/updated times.

    bulk_create() stamps auto_now fields with "now"; the times a file or the demo data
    gave, when they gave any, are written back after. The search index takes the new
    rows in one pass. `progress` hears of every batch inserted ("Writing terms").
    """
    report = progress or ignore
    times = [(term.created_at, term.updated_at) for term in terms]
    # One transaction around the batches, as bulk_create(batch_size=...) opens.
    with search_index.indexed_after_insert(connection), transaction.atomic(savepoint=False):
        for start in range(0, len(terms), BATCH_SIZE):
            Term.objects.bulk_create(terms[start : start + BATCH_SIZE], batch_size=BATCH_SIZE)
            report("Writing terms", min(start + BATCH_SIZE, len(terms)), len(terms))
    for term, (created_at, updated_at) in zip(terms, times, strict=True):
        term.created_at = created_at or term.created_at
        term.updated_at = updated_at or term.updated_at
    update_rows(terms, ["created_at", "updated_at"])


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


def insert_pairs(
    through: type[models.Model],
    first: str,
    second: str,
    pairs: Iterable[tuple[int, int]],
    *,
    progress: Progress | None = None,
    phase: str = "Writing links",
) -> None:
    """Rows of a many-to-many table: prepared INSERTs, existing pairs left as they are.

    bulk_create() builds a model instance per row, which costs more than the insert for
    the hundreds of thousands of link rows a bulk load writes.
    """
    report = progress or ignore
    meta = through._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(first).column, meta.get_field(second).column]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({quote(columns[0])}, {quote(columns[1])}) "
        "VALUES (%s, %s) ON CONFLICT DO NOTHING"
    )
    rows = [list(pair) for pair in pairs]
    batch = BATCH_SIZE * 5
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])
            report(phase, min(start + batch, len(rows)), len(rows))


def add_related(pairs: Iterable[tuple[int, int]], *, progress: Progress | None = None) -> None:
    """Related terms are symmetrical: each pair is stored in both directions, as add() does."""
    rows = set()
    for a, b in pairs:
        if a != b:
            rows |= {(a, b), (b, a)}
    insert_pairs(
        Term.related_terms.through,
        "from_term",
        "to_term",
        sorted(rows),
        progress=progress,
        phase="Writing related terms",
    )


def add_categories(pairs: Iterable[tuple[int, int]], *, progress: Progress | None = None) -> None:
    """(term id, category id) pairs."""
    insert_pairs(
        Term.categories.through,
        "term",
        "category",
        pairs,
        progress=progress,
        phase="Writing categories",
    )


def release_slugs(addresses: Sequence[tuple[str, str]]) -> None:
    """A live term owns its (language, slug) address: drop redirects or 410s left there."""
    by_language: dict[str, list[str]] = {}
    for language, slug in addresses:
        by_language.setdefault(language, []).append(slug)
    for language, slugs in by_language.items():
        for start in range(0, len(slugs), 2000):
            RetiredSlug.objects.filter(
                language=language, slug__in=slugs[start : start + 2000]
            ).delete()


def recount_inbound(term_ids: Iterable[int] | None) -> None:
    """Store how many articles link to these terms (None: to every term), from the links.

    A count ranks a term among the related terms of the pages that list it, so those
    pages are invalidated (``term_page``).
    """
    from glossary import term_page  # term_page reads what this module writes

    term_page.invalidate_listing(term_ids)
    counts = InboundLinks._meta.db_table
    links = Term.linked_terms.through._meta.db_table
    insert = f"INSERT INTO {counts} (term_id, count) SELECT to_term_id, count(*) FROM {links}"
    with connection.cursor() as cursor:
        if term_ids is None:
            cursor.execute(f"DELETE FROM {counts}")
            cursor.execute(f"{insert} GROUP BY to_term_id")
            return
        ids = sorted(set(term_ids))
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {counts} WHERE term_id IN ({marks})", chunk)
            cursor.execute(f"{insert} WHERE to_term_id IN ({marks}) GROUP BY to_term_id", chunk)
