"""Fresh planner statistics, so the database picks the sort-title and letter indexes.

Without statistics SQLite prefers the status index for every published-terms query (all
terms share one status), which made a term page at 50,000 terms take seconds instead of
milliseconds. ANALYZE is cheap (a fraction of a second at 50,000 terms): it runs after
migrations and after bulk loads. PostgreSQL's autovacuum does the same on its own later.
"""

from __future__ import annotations

from django.db import connection

from glossary.search_index import PG_NAMES_TABLE, PG_WORDS_TABLE

# The terms and the side tables their triggers keep, which search reads: each needs its
# own statistics and, after a bulk load, its own VACUUM (see below).
PG_TABLES = ("glossary_term", PG_NAMES_TABLE, PG_WORDS_TABLE)


def refresh_statistics() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(PG_TABLES)}")


def refresh_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate receiver."""
    if using == connection.alias:
        refresh_statistics()


def reclaim_after_bulk_load() -> None:
    """PostgreSQL: VACUUM (ANALYZE) the terms after a bulk load has committed.

    A bulk load writes every new row more than once (insert, then its rendered HTML), so
    right after it the table is two-thirds dead row versions until autovacuum comes by:
    a search counting its matches read 11,551 pages for 1,000 rows (26 ms instead of
    4.5 ms at 50,000 terms). The side tables the triggers fill need it as much: their GIN
    indexes keep new entries in a pending list that every search reads through until a
    VACUUM merges it, and their statistics date from when they were nearly empty (a
    one-word search took 27 ms a statement instead of 7 at 50,000 + 50,000 terms).
    VACUUM cannot run inside a transaction; inside one (a caller's, a test's) this does
    nothing and autovacuum does it later.
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(PG_TABLES)}")
