"""The database objects behind glossary search, one set per database vendor.

The index lives in the database, not in the Term model: on SQLite two FTS5 tables
kept in step by triggers on glossary_term; on PostgreSQL a weighted tsvector column
kept in step by a trigger, with a GIN index, and a pg_trgm index on titles, plus a
names-only table (titles, aliases, visibility) kept by a trigger for the name lookups, and
the table of title and alias words that "did you mean" corrects typed words against; on
both, indexes for the search box's title suggestions (SUGGEST_INDEX, PG_NAMES_SUGGEST_INDEX,
PG_NAMES_WORDS_INDEX, PG_WORDS_PREFIX_INDEX). Triggers
(not Django signals) keep the index right whatever writes the rows: save(),
queryset .update(), bulk_create(), bulk deletes and raw SQL alike.

Migration 0002 creates these objects; `ensure_search_index` runs after every
`migrate`, because on SQLite Django rebuilds a table to alter it (dropping its
triggers), so a later migration on glossary_term would otherwise silently stop
the index from following edits.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

import snowballstemmer
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

# --- Languages ------------------------------------------------------------------------
# PostgreSQL: each row's vector is made with its language's configuration (accent-folded
# copies of the built-in ones); languages PostgreSQL has no stemmer for use the simple one.
PG_STEMMED_CONFIGS = {
    "en-gb": ("glossary_english", "english"),
    "de": ("glossary_german", "german"),
    "fr": ("glossary_french", "french"),
    "es": ("glossary_spanish", "spanish"),
    "it": ("glossary_italian", "italian"),
    "nl": ("glossary_dutch", "dutch"),
}
# SQLite: FTS5 stems English only (porter), so the text of other languages is indexed (and
# queried) as its words folded and stemmed by Snowball, by a function the triggers call.
SNOWBALL_ALGORITHMS = {
    "de": "german", "fr": "french", "es": "spanish", "it": "italian", "nl": "dutch",
    "pl": "polish", "ar": "arabic",
}  # fmt: skip
SQLITE_TEXT_FUNCTION = "glossary_indexed_text"
_WORD = re.compile(r"\w+")


def pg_config(language: str | None) -> str:
    """The text-search configuration a language's rows are indexed and queried with."""
    stemmed = PG_STEMMED_CONFIGS.get(language or settings.LANGUAGE_CODE)
    return stemmed[0] if stemmed else PG_SIMPLE_CONFIG


def _pg_config_of(row: str) -> str:
    """SQL: the configuration of a row's language (``{row}.language``)."""
    cases = " ".join(
        f"WHEN '{language}' THEN '{config}'::regconfig"
        for language, (config, _) in PG_STEMMED_CONFIGS.items()
    )
    return f"(CASE {row}.language {cases} ELSE '{PG_SIMPLE_CONFIG}'::regconfig END)"


@functools.cache
def _stemmer(algorithm: str):
    return snowballstemmer.stemmer(algorithm)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# A language's vocabulary is small next to the words it is written with, and pure-Python
# Snowball costs about 0.1 ms a word: remembered, a search page's snippets (every word of
# each hit's summary and body) cost a few dictionary lookups instead of 2 to 3 ms a hit.
@functools.lru_cache(maxsize=200_000)
def _indexed_word(algorithm: str, word: str) -> str:
    return _fold(_stemmer(algorithm).stemWord(word))


def indexed_text(language: str | None, text: str | None) -> str:
    """Text as SQLite's full-text index holds it for this language: English as written
    (FTS5's porter stems it); other languages as their words stemmed by Snowball, then
    accent-folded ("Krafttrainings" and "Krafttraining" are both "krafttrain")."""
    text = text or ""
    algorithm = SNOWBALL_ALGORITHMS.get(language or "")
    if algorithm is None:
        return text
    return " ".join(_indexed_word(algorithm, word) for word in _WORD.findall(text.casefold()))


def register_sqlite_functions(sender: object, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """connection_created receiver: the function the SQLite index triggers call."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_TEXT_FUNCTION, 2, indexed_text, deterministic=True
        )


FTS_TABLE = "glossary_term_fts"
# Every title and alias word as written (no stemming, accents folded): "did you mean"
# corrects each typed word against this table's vocabulary, then looks up the titles that
# hold the corrected words.
NAME_WORDS_TABLE = "glossary_term_name_words"
NAME_WORDS_VOCAB = "glossary_term_name_words_vocab"
# The words table's own content rows (FTS5 keeps them in "<table>_content", columns id,
# c0 and c1): every term's id and title in short rows, read to pick did-you-mean candidates.
TITLES_TABLE = f"{NAME_WORDS_TABLE}_content"
TITLES_COLUMN = "c0"
# Tables of an earlier layout, dropped when the index is rebuilt.
_SQLITE_RETIRED_TABLES = ("glossary_term_title_trgm_vocab", "glossary_term_title_trgm")
SQLITE_TRIGGERS = (
    "glossary_term_search_ai",
    "glossary_term_search_au",
    "glossary_term_search_ad",
)
# Title suggestions that start with the typed text, in the order they are shown (shortest
# first), answered from this index alone: a bucket per first two letters of the sort
# title, then length and title, with what visibility needs. Django's table rebuilds drop
# it (it is not in the model's state), so migrate puts it back.
SUGGEST_INDEX = "glossary_term_suggest_idx"
SUGGEST_BUCKET = "substr(sort_title, 1, 2)"
_SQLITE_SUGGEST_INDEX = f"""CREATE INDEX IF NOT EXISTS {SUGGEST_INDEX} ON glossary_term(
    language, {SUGGEST_BUCKET}, length(title), sort_title, id, status, published_at
)"""
PG_VECTOR_COLUMN = "search_vector"
# Titles and aliases only, for the title tier of search and its count: a query on the full
# vector would find every body that mentions the word and then discard most of them.
PG_NAMES_COLUMN = "search_names"
PG_NAMES_INDEX = "glossary_term_search_names_idx"
PG_FUNCTION = "glossary_term_search_vector_update"
PG_TRIGGER = "glossary_term_search_vector_trigger"
PG_VECTOR_INDEX = "glossary_term_search_vector_idx"
PG_TITLE_TRIGRAM_INDEX = "glossary_term_title_trgm_idx"
# Names only, in short rows: what did-you-mean and the title tier of search read, so that
# checking a few thousand candidates does not read a few thousand article rows (each
# several kilobytes). Kept by a trigger on glossary_term.
PG_NAMES_TABLE = "glossary_term_names"
PG_NAMES_TABLE_INDEX = "glossary_term_names_names_idx"
PG_NAMES_TRIGRAM_INDEX = "glossary_term_names_title_trgm_idx"
PG_NAMES_FUNCTION = "glossary_term_names_sync"
PG_NAMES_TRIGGER = "glossary_term_names_trigger"
# As SUGGEST_INDEX on SQLite: titles that start with the typed text, shortest first, found
# by walking one bucket in the order they are shown and stopping at the last one needed.
# It includes the title, so the walk reads no table row (an index-only scan wants every
# column the statement names).
PG_NAMES_SUGGEST_INDEX = "glossary_term_names_suggest_idx"
PG_SUGGEST_BUCKET = "left(sort_title, 2)"
# Title and alias words as written (accents folded, no stemming, no stop words), for the
# suggestions' word search: the last typed word is a prefix of a word as written
# ("traini" of "training", whose English stem is "train").
PG_SIMPLE_CONFIG = "glossary_simple"
PG_NAMES_WORDS = f"to_tsvector('{PG_SIMPLE_CONFIG}', title || ' ' || aliases)"
PG_NAMES_WORDS_INDEX = "glossary_term_names_words_idx"
# Every word of every title and alias (accent-free, lower case, three letters or more),
# with a trigram index: "did you mean" corrects each typed word against these short rows
# (a few thousand) instead of comparing it with every title. Words of renamed or deleted
# terms stay: a correction that matches no title suggests nothing.
PG_WORDS_TABLE = "glossary_term_title_words"
PG_WORDS_TRIGRAM_INDEX = "glossary_term_title_words_trgm_idx"
# The same words in order, for the words that share a typed word's stem ("exercises" and
# "exercise" both start with "exercis"), whatever the database's collation.
PG_WORDS_PREFIX_INDEX = "glossary_term_title_words_prefix_idx"
_PG_WORDS_OF = """SELECT DISTINCT word FROM regexp_split_to_table(
    {row}.sort_title || ' ' || lower(coalesce({row}.aliases, '')), '[^[:alnum:]]+') AS word
    WHERE length(word) >= 3"""
PG_NAMES_TRUNCATE_FUNCTION = "glossary_term_names_truncate"
PG_NAMES_TRUNCATE_TRIGGER = "glossary_term_names_truncate_trigger"
# English stemming after accent folding, so "cafe" finds "Café" as it does on SQLite.
PG_CONFIG = "glossary_english"

# Own-content FTS5 tables (not external-content): deleting by rowid can never
# corrupt the index, even if glossary_term was changed while triggers were absent.
# status and published_at ride along unindexed, first, so visibility is checked
# without reading glossary_term rows (whose bodies make them long).
_SQLITE_TABLES = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        status UNINDEXED, published_at UNINDEXED, language,
        title, aliases, summary, body,
        tokenize = 'porter unicode61 remove_diacritics 2',
        prefix = '2 3 4'
    )""",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {NAME_WORDS_TABLE} USING fts5(
        title, aliases, language, tokenize = 'unicode61 remove_diacritics 2'
    )""",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {NAME_WORDS_VOCAB} USING fts5vocab(
        {NAME_WORDS_TABLE}, 'row'
    )""",
]
_SQLITE_TABLE_NAMES = (FTS_TABLE, NAME_WORDS_TABLE, NAME_WORDS_VOCAB)
_FTS_COLUMNS = "rowid, status, published_at, language, title, aliases, summary, body"


# The language rides in both FTS5 tables as one indexed token ("xlangde", "xlangengb"),
# so a query keeps to a language inside the index (``in_language``): as an unindexed
# column it was checked row by row after the match, and a German query read past every
# English match first (German ids come later). No typed word is such a token.
LANGUAGE_TOKEN_PREFIX = "xlang"


def _language_token(row: str) -> str:
    """SQL: the token of a row's language (``{row}language``)."""
    return f"('{LANGUAGE_TOKEN_PREFIX}' || replace(lower({row}language), '-', ''))"


def in_language(expression: str, language: str) -> str:
    """An FTS5 expression kept to the rows of a language; its words are looked for in
    every column but the language (so typing "xlangde" finds nothing)."""
    token = LANGUAGE_TOKEN_PREFIX + language.lower().replace("-", "")
    return f'(- language : ({expression})) AND language : "{token}"'


def _fts_values(row: str) -> str:
    """The FTS row of a term row: each text in its language's indexed form."""
    texts = ", ".join(
        f"{SQLITE_TEXT_FUNCTION}({row}language, {row}{name})"
        for name in ("title", "aliases", "summary", "body")
    )
    return f"{row}id, {row}status, {row}published_at, {_language_token(row)}, {texts}"


_SQLITE_INSERT_NEW = f"""
    INSERT INTO {FTS_TABLE}({_FTS_COLUMNS}) VALUES ({_fts_values("new.")});
    INSERT INTO {NAME_WORDS_TABLE}(rowid, title, aliases, language)
        VALUES (new.id, new.title, new.aliases, {_language_token("new.")});"""
_SQLITE_DELETE_OLD = f"""
    DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
    DELETE FROM {NAME_WORDS_TABLE} WHERE rowid = old.id;"""
_SQLITE_TRIGGER_SQL = [
    f"""CREATE TRIGGER IF NOT EXISTS glossary_term_search_ai AFTER INSERT ON glossary_term
    BEGIN {_SQLITE_INSERT_NEW}
    END""",
    # Only the indexed columns: relinking rewrites body_html and must not re-index.
    f"""CREATE TRIGGER IF NOT EXISTS glossary_term_search_au
    AFTER UPDATE OF id, status, published_at, language, title, aliases, summary, body
    ON glossary_term
    BEGIN {_SQLITE_DELETE_OLD} {_SQLITE_INSERT_NEW}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS glossary_term_search_ad AFTER DELETE ON glossary_term
    BEGIN {_SQLITE_DELETE_OLD}
    END""",
]
_SQLITE_INDEX_NEWER_THAN = [
    f"""INSERT INTO {FTS_TABLE}({_FTS_COLUMNS})
        SELECT {_fts_values("")} FROM glossary_term WHERE id > %s""",
    f"""INSERT INTO {NAME_WORDS_TABLE}(rowid, title, aliases, language)
        SELECT id, title, aliases, {_language_token("")} FROM glossary_term WHERE id > %s""",
]
_SQLITE_REBUILD = [
    f"DELETE FROM {FTS_TABLE}",
    f"DELETE FROM {NAME_WORDS_TABLE}",
    f"""INSERT INTO {FTS_TABLE}({_FTS_COLUMNS}) SELECT {_fts_values("")} FROM glossary_term""",
    f"""INSERT INTO {NAME_WORDS_TABLE}(rowid, title, aliases, language)
        SELECT id, title, aliases, {_language_token("")} FROM glossary_term""",
]

_PG_VECTOR_EXPRESSION = """
    setweight(to_tsvector({config}, coalesce({row}.title, '')), 'A')
    || setweight(to_tsvector({config}, coalesce({row}.aliases, '')), 'A')
    || setweight(to_tsvector({config}, coalesce({row}.summary, '')), 'B')
    || setweight(to_tsvector({config}, coalesce({row}.body, '')), 'C')"""
_PG_NAMES_EXPRESSION = (
    "to_tsvector({config}, coalesce({row}.title, '') || ' ' || coalesce({row}.aliases, ''))"
)


def _pg_expression(template: str, row: str) -> str:
    return template.format(row=row, config=_pg_config_of(row))


def _pg_create_config(name: str, parser_copy: str, stemmer: str) -> str:
    return f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{name}') THEN
            CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {parser_copy});
            ALTER TEXT SEARCH CONFIGURATION {name}
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {stemmer};
        END IF;
    END $$"""


# Every configuration rows may name, the simple one first (the CASE falls back to it).
_PG_CONFIGS_CREATE = [_pg_create_config(PG_SIMPLE_CONFIG, "simple", "simple")] + [
    _pg_create_config(config, builtin, f"{builtin}_stem")
    for config, builtin in PG_STEMMED_CONFIGS.values()
]
_PG_CREATE = [
    *_PG_CONFIGS_CREATE,
    f"ALTER TABLE glossary_term ADD COLUMN IF NOT EXISTS {PG_VECTOR_COLUMN} tsvector",
    f"ALTER TABLE glossary_term ADD COLUMN IF NOT EXISTS {PG_NAMES_COLUMN} tsvector",
    f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$
    BEGIN
        NEW.{PG_VECTOR_COLUMN} := {_pg_expression(_PG_VECTOR_EXPRESSION, "NEW")};
        NEW.{PG_NAMES_COLUMN} := {_pg_expression(_PG_NAMES_EXPRESSION, "NEW")};
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON glossary_term",
    f"""CREATE TRIGGER {PG_TRIGGER}
    BEFORE INSERT OR UPDATE OF language, title, aliases, summary, body ON glossary_term
    FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()""",
    f"""UPDATE glossary_term
    SET {PG_VECTOR_COLUMN} = {_pg_expression(_PG_VECTOR_EXPRESSION, "glossary_term")},
        {PG_NAMES_COLUMN} = {_pg_expression(_PG_NAMES_EXPRESSION, "glossary_term")}""",
    f"""CREATE INDEX IF NOT EXISTS {PG_VECTOR_INDEX}
    ON glossary_term USING gin ({PG_VECTOR_COLUMN})""",
    f"""CREATE INDEX IF NOT EXISTS {PG_NAMES_INDEX}
    ON glossary_term USING gin ({PG_NAMES_COLUMN})""",
    f"""CREATE INDEX IF NOT EXISTS {PG_TITLE_TRIGRAM_INDEX}
    ON glossary_term USING gin (title gin_trgm_ops)""",
]

_PG_WORDS_CREATE = [
    f"CREATE TABLE IF NOT EXISTS {PG_WORDS_TABLE} (word text PRIMARY KEY)",
    f"""INSERT INTO {PG_WORDS_TABLE} (word)
    SELECT DISTINCT words.word FROM glossary_term t,
        LATERAL ({_PG_WORDS_OF.format(row="t")}) AS words
    ON CONFLICT DO NOTHING""",
    f"""CREATE INDEX IF NOT EXISTS {PG_WORDS_TRIGRAM_INDEX}
    ON {PG_WORDS_TABLE} USING gin (word gin_trgm_ops)""",
    f"ANALYZE {PG_WORDS_TABLE}",
]

_PG_NAMES_CREATE = [
    *_PG_WORDS_CREATE,
    f"""CREATE TABLE IF NOT EXISTS {PG_NAMES_TABLE} (
        id bigint PRIMARY KEY,
        title text NOT NULL,
        sort_title text NOT NULL,
        aliases text NOT NULL,
        language text NOT NULL,
        status text NOT NULL,
        published_at timestamptz,
        names tsvector
    )""",
    f"""CREATE OR REPLACE FUNCTION {PG_NAMES_FUNCTION}() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            DELETE FROM {PG_NAMES_TABLE} WHERE id = OLD.id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {PG_NAMES_TABLE}
                (id, title, sort_title, aliases, language, status, published_at, names)
            VALUES (NEW.id, NEW.title, NEW.sort_title, NEW.aliases, NEW.language, NEW.status,
                    NEW.published_at, NEW.{PG_NAMES_COLUMN});
            INSERT INTO {PG_WORDS_TABLE} (word) {_PG_WORDS_OF.format(row="NEW")}
                ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION {PG_NAMES_TRUNCATE_FUNCTION}() RETURNS trigger AS $$
    BEGIN
        TRUNCATE {PG_NAMES_TABLE};
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS {PG_NAMES_TRIGGER} ON glossary_term",
    # AFTER: the BEFORE trigger above has computed the names vector by then.
    f"""CREATE TRIGGER {PG_NAMES_TRIGGER}
    AFTER INSERT OR DELETE
        OR UPDATE OF id, title, sort_title, aliases, language, status, published_at
        ON glossary_term
    FOR EACH ROW EXECUTE FUNCTION {PG_NAMES_FUNCTION}()""",
    f"DROP TRIGGER IF EXISTS {PG_NAMES_TRUNCATE_TRIGGER} ON glossary_term",
    f"""CREATE TRIGGER {PG_NAMES_TRUNCATE_TRIGGER} AFTER TRUNCATE ON glossary_term
    FOR EACH STATEMENT EXECUTE FUNCTION {PG_NAMES_TRUNCATE_FUNCTION}()""",
    f"DELETE FROM {PG_NAMES_TABLE}",
    f"""INSERT INTO {PG_NAMES_TABLE}
        (id, title, sort_title, aliases, language, status, published_at, names)
    SELECT id, title, sort_title, aliases, language, status, published_at, {PG_NAMES_COLUMN}
    FROM glossary_term""",
    f"""CREATE INDEX IF NOT EXISTS {PG_NAMES_TABLE_INDEX}
    ON {PG_NAMES_TABLE} USING gin (names)""",
    f"""CREATE INDEX IF NOT EXISTS {PG_NAMES_TRIGRAM_INDEX}
    ON {PG_NAMES_TABLE} USING gin (title gin_trgm_ops)""",
    f"ANALYZE {PG_NAMES_TABLE}",
]
_PG_CREATE += _PG_NAMES_CREATE

# For the suggestions, on the names table and the words table above.
_PG_SUGGEST_CREATE = [
    _pg_create_config(PG_SIMPLE_CONFIG, "simple", "simple"),
    f"""CREATE INDEX IF NOT EXISTS {PG_NAMES_SUGGEST_INDEX}
    ON {PG_NAMES_TABLE} (language, {PG_SUGGEST_BUCKET}, length(title), sort_title, id)
    INCLUDE (status, published_at, title)""",
    f"""CREATE INDEX IF NOT EXISTS {PG_NAMES_WORDS_INDEX}
    ON {PG_NAMES_TABLE} USING gin ({PG_NAMES_WORDS})""",
    f"""CREATE INDEX IF NOT EXISTS {PG_WORDS_PREFIX_INDEX}
    ON {PG_WORDS_TABLE} (word text_pattern_ops)""",
    f"ANALYZE {PG_NAMES_TABLE}",
]
_PG_SUGGEST_INDEXES = (PG_NAMES_SUGGEST_INDEX, PG_NAMES_WORDS_INDEX, PG_WORDS_PREFIX_INDEX)
_PG_CREATE += _PG_SUGGEST_CREATE

_PG_DROP = [
    f"DROP TRIGGER IF EXISTS {PG_NAMES_TRIGGER} ON glossary_term",
    f"DROP TRIGGER IF EXISTS {PG_NAMES_TRUNCATE_TRIGGER} ON glossary_term",
    f"DROP FUNCTION IF EXISTS {PG_NAMES_FUNCTION}()",
    f"DROP FUNCTION IF EXISTS {PG_NAMES_TRUNCATE_FUNCTION}()",
    f"DROP TABLE IF EXISTS {PG_NAMES_TABLE}",
    f"DROP TABLE IF EXISTS {PG_WORDS_TABLE}",
    f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON glossary_term",
    f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()",
    f"DROP INDEX IF EXISTS {PG_TITLE_TRIGRAM_INDEX}",
    f"DROP INDEX IF EXISTS {PG_VECTOR_INDEX}",
    f"DROP INDEX IF EXISTS {PG_NAMES_INDEX}",
    f"ALTER TABLE glossary_term DROP COLUMN IF EXISTS {PG_NAMES_COLUMN}",
    f"ALTER TABLE glossary_term DROP COLUMN IF EXISTS {PG_VECTOR_COLUMN}",
    *(
        f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {config}"
        for config, _ in PG_STEMMED_CONFIGS.values()
    ),
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_SIMPLE_CONFIG}",
]


def _execute(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _register_now(connection: BaseDatabaseWrapper) -> None:
    """The SQLite function, on a connection opened before the receiver was connected."""
    connection.ensure_connection()
    register_sqlite_functions(None, connection)


def _has_languages(connection: BaseDatabaseWrapper) -> bool:
    """Has glossary_term its language column yet? Migrations before 0018 run against a
    table without it, and leave the index to 0018 (which builds this layout)."""
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "glossary_term")
    return any(column.name == "language" for column in columns)


def create_search_index(connection: BaseDatabaseWrapper) -> None:
    """Create the index objects for this vendor and fill them from existing rows."""
    if not _has_languages(connection):
        return
    if connection.vendor == "sqlite":
        _register_now(connection)
        _execute(
            connection,
            _SQLITE_TABLES + _SQLITE_TRIGGER_SQL + _SQLITE_REBUILD + [_SQLITE_SUGGEST_INDEX],
        )
    elif connection.vendor == "postgresql":
        _execute(connection, _PG_CREATE)


def create_suggest_indexes(connection: BaseDatabaseWrapper) -> None:
    """The indexes title suggestions are answered from (migration 0012, for databases
    whose 0002 ran before they existed); nothing happens where they are present."""
    if not _has_languages(connection):
        return
    if connection.vendor == "sqlite":
        _execute(connection, [_SQLITE_SUGGEST_INDEX])
    elif connection.vendor == "postgresql":
        _execute(connection, _PG_SUGGEST_CREATE)


def drop_suggest_indexes(connection: BaseDatabaseWrapper) -> None:
    """Migration 0012's reverse."""
    if connection.vendor == "sqlite":
        _execute(connection, [f"DROP INDEX IF EXISTS {SUGGEST_INDEX}"])
    elif connection.vendor == "postgresql":
        _execute(
            connection,
            [f"DROP INDEX IF EXISTS {name}" for name in _PG_SUGGEST_INDEXES]
            + [f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_SIMPLE_CONFIG}"],
        )


@contextmanager
def indexed_after_insert(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Rows inserted inside this block are indexed in one pass at its end, not one by one.

    For bulk loads on SQLite: FTS5 takes 50,000 rows in a single INSERT ... SELECT several
    times faster than through a trigger per row. The insert trigger is dropped and put back
    in the caller's transaction, so an error rolls both back. Edits and deletes made inside
    the block are still indexed by their triggers. Other databases index as before.
    """
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexed_after_insert() needs a transaction (transaction.atomic)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM glossary_term")
        newest_before = cursor.fetchone()[0]
        cursor.execute("DROP TRIGGER IF EXISTS glossary_term_search_ai")
    yield
    with connection.cursor() as cursor:
        for statement in _SQLITE_INDEX_NEWER_THAN:
            cursor.execute(statement, [newest_before])
        cursor.execute(_SQLITE_TRIGGER_SQL[0])


def drop_search_index(connection: BaseDatabaseWrapper) -> None:
    """Remove the index objects (the migration's reverse)."""
    if connection.vendor == "sqlite":
        _execute(
            connection,
            [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
            + [f"DROP INDEX IF EXISTS {SUGGEST_INDEX}"]
            + [
                f"DROP TABLE IF EXISTS {name}"
                for name in (*reversed(_SQLITE_TABLE_NAMES), *_SQLITE_RETIRED_TABLES)
            ],
        )
    elif connection.vendor == "postgresql":
        _execute(connection, _PG_DROP)


def sqlite_triggers_present(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'glossary_term'"
        )
        return {row[0] for row in cursor.fetchall()} & set(SQLITE_TRIGGERS)


def _sqlite_schema(connection: BaseDatabaseWrapper) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE name IN (%s, %s, %s)",
            list(_SQLITE_TABLE_NAMES),
        )
        return {name: " ".join(sql.split()) for name, sql in cursor.fetchall()}


def _expected_sqlite_schema() -> dict[str, str]:
    return {
        name: " ".join(sql.replace(" IF NOT EXISTS", "").split())
        for name, sql in zip(_SQLITE_TABLE_NAMES, _SQLITE_TABLES, strict=True)
    }


def ensure_search_index(connection: BaseDatabaseWrapper) -> bool:
    """Restore what a table rebuild or an older index layout left behind; True if it had to.

    Re-creates missing triggers, replaces FTS tables whose layout is outdated, and
    re-indexes every term in either case. A repair announces a content change, since
    cached search answers were read from the index before it.
    """
    repaired = _ensure(connection)
    if repaired:
        from core import stamps
        from glossary import versions

        stamps.bump(versions.LISTINGS)
    return repaired


def _ensure(connection: BaseDatabaseWrapper) -> bool:
    if "glossary_term" in connection.introspection.table_names() and not _has_languages(connection):
        return False  # migrated back before 0018: its layout is restored by 0018 again
    if connection.vendor == "postgresql":
        return _ensure_postgres(connection)
    if connection.vendor != "sqlite":
        return False
    _register_now(connection)
    table_names = connection.introspection.table_names()
    if "glossary_term" not in table_names or FTS_TABLE not in table_names:
        return False  # migration 0002 has not run yet: it will create everything
    outdated = _sqlite_schema(connection) != _expected_sqlite_schema()
    if not outdated and sqlite_triggers_present(connection) == set(SQLITE_TRIGGERS):
        _execute(connection, [_SQLITE_SUGGEST_INDEX])  # a table rebuild drops it too
        return False
    if outdated:
        drop_search_index(connection)  # the suggest index too: created again below
    _execute(
        connection,
        _SQLITE_TABLES + _SQLITE_TRIGGER_SQL + _SQLITE_REBUILD + [_SQLITE_SUGGEST_INDEX],
    )
    return True


def _ensure_postgres(connection: BaseDatabaseWrapper) -> bool:
    """Bring a database indexed by an earlier layout of 0002 up to date."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'glossary_term' AND column_name IN (%s, %s)",
            [PG_VECTOR_COLUMN, PG_NAMES_COLUMN],
        )
        present = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [PG_NAMES_TABLE])
        names_table = cursor.fetchone()[0]
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [PG_WORDS_TABLE])
        words_table = cursor.fetchone()[0]
    if PG_VECTOR_COLUMN not in present:
        return False  # 0002 not applied yet: it will create everything
    if PG_NAMES_COLUMN in present and names_table and words_table:
        if _pg_suggest_indexes_missing(connection):
            _execute(connection, _PG_SUGGEST_CREATE)  # they index nothing a search reads
        return False  # current
    _execute(
        connection,
        _PG_CREATE if PG_NAMES_COLUMN not in present else _PG_NAMES_CREATE + _PG_SUGGEST_CREATE,
    )
    return True


def _pg_suggest_indexes_missing(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE indexname = ANY(%s)",
            [list(_PG_SUGGEST_INDEXES)],
        )
        return cursor.fetchone()[0] < len(_PG_SUGGEST_INDEXES)


def restore_after_migrate(sender: object, using: str = "default", **kwargs: object) -> None:
    """post_migrate receiver: see ensure_search_index."""
    from django.db import connections

    ensure_search_index(connections[using])
