"""One search API for the glossary, with SQLite FTS5 or PostgreSQL full-text search behind it.

The backend follows the database vendor. Both rank an exact title or alias match
first, then by weighted relevance (title > aliases > summary > body); both return
highlighted snippets, title suggestions for the search box, and close titles for
misspellings. The index itself is kept in step by database triggers
(glossary/search_index.py), so every way of writing a term keeps it right.

User text never reaches a query language unchecked: SQLite gets an FTS5 expression
built only from double-quoted word tokens; PostgreSQL gets websearch_to_tsquery,
which accepts any text.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol, overload

from django.core.cache import cache
from django.db import NotSupportedError, connection
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core import page_cache, stamps
from glossary.models import Term, sort_key
from glossary.search_index import (
    FTS_TABLE,
    PG_CONFIG,
    PG_NAMES_COLUMN,
    PG_NAMES_TABLE,
    PG_SUGGEST_BUCKET,
    PG_VECTOR_COLUMN,
    PG_WORDS_TABLE,
    SUGGEST_BUCKET,
    SUGGEST_INDEX,
    TITLES_COLUMN,
    TITLES_TABLE,
    TRIGRAM_TABLE,
    TRIGRAM_VOCAB,
)

MAX_QUERY_LENGTH = 200
MAX_WORDS = 16
# Counting stops here: "more than 200 results" (ten pages) is as useful as an exact
# number, and the count reads at most this many rows whatever the number of terms (a
# common word matches a fifth of 50,000 articles: counting 1,000 of them cost a search
# a third of its time on PostgreSQL).
MAX_COUNTED = 200
SUGGEST_LIMIT = 8
CLOSE_TITLE_LIMIT = 5
CLOSE_TITLE_CANDIDATES = 50
# Suggestions from the word search (no title starts with the text) are ordered among
# this many matches, not among all: a prefix like "ind" matches thousands of titles, and
# ordering them all cost tens of milliseconds for a list of eight.
SUGGEST_CANDIDATES = 200
CLOSE_TITLE_MIN_RATIO = 0.6
SNIPPET_WORDS = 30
SUGGEST_MAX_AGE = 300  # seconds: suggestions may lag an edit by this much
# Suggestions and did-you-mean titles are kept in the shared cache under the content
# stamp, so an edit anywhere shows at once; this long at most (a scheduled term's time
# passing bumps no stamp).
ANSWER_CACHE_SECONDS = SUGGEST_MAX_AGE
# A search's count and pages (up to twenty articles' titles and snippets, about 10 KB) live
# a minute: enough for the next page and back and for popular words, while the memory that
# distinct queries can fill stays at a minute of the server's throughput.
RESULTS_CACHE_SECONDS = 60

# Private-use characters mark highlights inside snippets until they become <mark>.
START, STOP = "\ue000", "\ue001"
WORD = re.compile(r"\w+")
_QUERY_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')


# --- Query text ---------------------------------------------------------------------


def clean_query(raw: str | None) -> str:
    """Bound the query and drop what no search needs (null bytes, control characters)."""
    text = unicodedata.normalize("NFC", raw or "")[: MAX_QUERY_LENGTH * 4]
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


@dataclass(frozen=True)
class Clause:
    words: tuple[str, ...]
    negated: bool = False


def parse_query(text: str) -> list[list[Clause]]:
    """Web-search syntax as groups joined by OR: "exact phrase", -excluded, a or b.

    Every clause is only word tokens, so nothing the user types is ever an operator
    of the database's own query language.
    """
    groups: list[list[Clause]] = [[]]
    budget = MAX_WORDS
    for match in _QUERY_PART.finditer(text):
        negated, quoted, bare = match.groups()
        if bare is not None:
            if bare.lower() == "or" and groups[-1]:
                groups.append([])
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            words = WORD.findall(bare.replace("_", " "))
        else:
            words = WORD.findall(quoted.replace("_", " "))
        words = words[:budget]
        budget -= len(words)
        if words:
            groups[-1].append(Clause(tuple(words), bool(negated)))
        if budget <= 0:
            break
    return [group for group in groups if any(not clause.negated for clause in group)]


def _fts5_phrase(words: tuple[str, ...]) -> str:
    return '"' + " ".join(words) + '"'  # \w tokens hold no '"': the string stays a string


def fts5_expression(groups: list[list[Clause]]) -> str:
    """An FTS5 MATCH expression made only of quoted phrases and our own operators."""
    parts = []
    for group in groups:
        positive = " AND ".join(_fts5_phrase(c.words) for c in group if not c.negated)
        negative = "".join(f" NOT {_fts5_phrase(c.words)}" for c in group if c.negated)
        parts.append(f"({positive}{negative})")
    return " OR ".join(parts)


def exact_key(text: str) -> str:
    """Case-folded form for exact alias matching (ASCII folding, like SQL lower())."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


# --- Snippets -------------------------------------------------------------------------

_MARKDOWN_NOISE = [
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)?"), r"\1"),  # links and images: keep the text
    (re.compile(r"(?m)^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+"), ""),  # headings, quotes, lists
    (re.compile(r"[*`~]+|(?<!\w)_+|_+(?!\w)"), ""),  # emphasis and code marks
]


def highlight(text: str) -> SafeString:
    """Escape a snippet and turn our markers into <mark>: the only markup it can carry."""
    for pattern, replacement in _MARKDOWN_NOISE:
        text = pattern.sub(replacement, text)
    out: list[str] = []
    is_open = False
    for part in re.split(f"([{START}{STOP}])", " ".join(text.split())):
        if part == START:
            if not is_open:
                out.append("<mark>")
                is_open = True
        elif part == STOP:
            if is_open:
                out.append("</mark>")
                is_open = False
        else:
            out.append(html.escape(part, quote=False))
    if is_open:
        out.append("</mark>")
    return mark_safe("".join(out))  # every piece of text above was escaped


def best_snippet(summary_snippet: str | None, body_snippet: str | None, summary: str) -> str:
    """The summary if the match is there, else the body's matching passage, else the summary."""
    for candidate in (summary_snippet, body_snippet):
        if candidate and START in candidate:
            return candidate
    return summary


@dataclass
class SearchHit:
    term: Term
    snippet: SafeString

    @property
    def title(self) -> str:
        return self.term.title

    @property
    def url(self) -> str:
        return self.term.get_absolute_url()


# --- Backends -------------------------------------------------------------------------


class Backend(Protocol):
    def count(self, text: str, groups: list[list[Clause]], limit: int) -> int: ...
    def page(
        self, text: str, groups: list[list[Clause]], offset: int, limit: int
    ) -> list[SearchHit]: ...
    def suggest(self, words: list[str], limit: int) -> list[Term]: ...
    def close_titles(self, text: str, limit: int) -> list[Term]: ...


class SQLiteBackend:
    """FTS5 with bm25 column weights and snippet(); a trigram FTS5 table for misspellings.

    Only the top candidates are ranked, and ranking reads nothing but the FTS index:
    hidden terms (drafts, scheduled) are looked up once in the visibility index and
    excluded by id, title and alias matches form the first tier (ranked alone when they
    fill the page), and glossary_term and the snippets are read for the page's rows only.
    """

    # Columns: status, published_at (unindexed), title, aliases, summary, body.
    BM25 = f"bm25({FTS_TABLE}, 0.0, 0.0, 10.0, 8.0, 4.0, 1.0)"
    SUMMARY, BODY = 4, 5
    NAMES = "{title aliases}"

    def _hidden(self) -> tuple[str, list]:
        """Ids of terms a reader may not see: four seeks in the (status, published_at) index."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        published = Term.Status.PUBLISHED
        sql = """
            SELECT id FROM glossary_term WHERE status < %s
            UNION ALL SELECT id FROM glossary_term WHERE status > %s
            UNION ALL SELECT id FROM glossary_term WHERE status = %s AND published_at > %s
            UNION ALL SELECT id FROM glossary_term WHERE status = %s AND published_at IS NULL"""
        return sql, [published, published, published, now, published]

    def count(self, text: str, groups: list[list[Clause]], limit: int) -> int:
        hidden, params = self._hidden()
        sql = f"""
            SELECT count(*) FROM (
                SELECT 1 FROM {FTS_TABLE}
                WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid NOT IN ({hidden})
                LIMIT %s
            )"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [fts5_expression(groups), *params, limit])
            return cursor.fetchone()[0]

    def page(
        self, text: str, groups: list[list[Clause]], offset: int, limit: int
    ) -> list[SearchHit]:
        hidden, hidden_params = self._hidden()
        match = fts5_expression(groups)
        # Both tiers must match the whole query: "exercise -heart" inside the names alone
        # would let in a title whose summary mentions the heart.
        in_names = f"{self.NAMES} : ({match})"
        names = f"({match}) AND ({in_names})"
        rest = f"({match}) NOT ({in_names})"
        key = exact_key(text)
        key_words = WORD.findall(key.replace("_", " "))
        alias_match = f"{{aliases}} : {_fts5_phrase(tuple(key_words))}" if key_words else None
        wanted = offset + limit
        # exact: the title (unique, case-insensitive index) or an alias equal to the text.
        # names, rest: ranked in the FTS index alone, each cut to what the page can show;
        # rest is not scanned at all (LIMIT 0) when title and alias matches fill the page.
        exact_alias = (
            f"""UNION SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s
                AND instr(char(10) || replace(lower(aliases), char(13), '') || char(10), %s) > 0"""
            if alias_match
            else ""
        )
        sql = f"""
            WITH hidden(id) AS ({hidden}),
            exact(id, score) AS (
                SELECT rowid, {self.BM25} FROM {FTS_TABLE}
                WHERE {FTS_TABLE} MATCH %s AND rowid NOT IN hidden AND rowid IN (
                        SELECT id FROM glossary_term WHERE lower(title) = %s {exact_alias}
                )
            ),
            names(id, score) AS (
                SELECT rowid, {self.BM25} AS score FROM {FTS_TABLE}
                WHERE {FTS_TABLE} MATCH %s AND rowid NOT IN hidden
                    AND rowid NOT IN (SELECT id FROM exact)
                ORDER BY score, rowid LIMIT max(%s - (SELECT count(*) FROM exact), 0)
            ),
            rest(id, score) AS (
                SELECT rowid, {self.BM25} AS score FROM {FTS_TABLE}
                WHERE {FTS_TABLE} MATCH %s AND rowid NOT IN hidden
                    AND rowid NOT IN (SELECT id FROM exact)
                ORDER BY score, rowid
                LIMIT max(%s - (SELECT count(*) FROM exact) - (SELECT count(*) FROM names), 0)
            ),
            ranked(id, tier, score) AS (
                SELECT id, 0, score FROM exact
                UNION ALL SELECT id, 1, score FROM names
                UNION ALL SELECT id, 2, score FROM rest
                ORDER BY 2, 3, 1 LIMIT %s OFFSET %s
            )
            SELECT t.id, t.title, t.slug, t.summary,
                snippet({FTS_TABLE}, {self.SUMMARY}, %s, %s, '…', {SNIPPET_WORDS})
                    AS summary_snippet,
                snippet({FTS_TABLE}, {self.BODY}, %s, %s, '…', {SNIPPET_WORDS}) AS body_snippet
            FROM ranked
            CROSS JOIN {FTS_TABLE} ON {FTS_TABLE}.rowid = ranked.id AND {FTS_TABLE} MATCH %s
            CROSS JOIN glossary_term t ON t.id = ranked.id
            ORDER BY ranked.tier, ranked.score, ranked.id"""
        params: list = [*hidden_params, match, key]
        if alias_match:
            params += [alias_match, f"\n{key}\n"]
        params += [names, wanted, rest, wanted, limit, offset]
        params += [START, STOP, START, STOP, match]
        return [
            SearchHit(
                term,
                highlight(best_snippet(term.summary_snippet, term.body_snippet, term.summary)),
            )
            for term in Term.objects.raw(sql, params)
        ]

    def suggest(self, words: list[str], limit: int) -> list[Term]:
        # Titles that start with the typed text come first, shortest first: when they fill
        # the list (short prefixes, where the word search finds thousands), the suggest
        # index answers alone, reading only the rows shown. The word search fills the rest
        # from its first SUGGEST_CANDIDATES matches, shortest first.
        starting = self._titles_starting_with(sort_key(" ".join(words)), limit)
        if len(starting) == limit:
            return starting
        phrases = [f'"{word}"' for word in words[:-1]] + [f'"{words[-1]}"*']
        match = f"{self.NAMES} : (" + " AND ".join(phrases) + ")"
        hidden, params = self._hidden()
        prefix = exact_key(" ".join(words))
        # Titles for the ordering come from the trigram table's own rows (id, title):
        # short rows, where the full-text table's rows carry whole bodies.
        sql = f"""
            WITH found AS (
                SELECT f.rowid AS id FROM {FTS_TABLE} f
                WHERE {FTS_TABLE} MATCH %s AND f.rowid NOT IN ({hidden})
                LIMIT {SUGGEST_CANDIDATES}
            ),
            ordered AS (
                SELECT found.id, row_number() OVER (ORDER BY
                    lower(substr(n.{TITLES_COLUMN}, 1, %s)) = %s DESC,
                    length(n.{TITLES_COLUMN}), n.{TITLES_COLUMN}) AS position
                FROM found CROSS JOIN {TITLES_TABLE} n ON n.id = found.id
                ORDER BY position LIMIT %s
            )
            SELECT t.id, t.title, t.slug, t.aliases
            FROM ordered CROSS JOIN glossary_term t ON t.id = ordered.id
            ORDER BY ordered.position"""
        shown = {term.pk for term in starting}
        others = Term.objects.raw(sql, [match, *params, len(prefix), prefix, limit])
        return (starting + [term for term in others if term.pk not in shown])[:limit]

    def _titles_starting_with(self, prefix: str, limit: int) -> list[Term]:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        sql = f"""
            SELECT t.id, t.title, t.slug, t.aliases FROM (
                SELECT id FROM glossary_term INDEXED BY {SUGGEST_INDEX}
                WHERE {SUGGEST_BUCKET} = %s AND sort_title >= %s AND sort_title < %s
                    AND status = %s AND published_at <= %s
                ORDER BY {SUGGEST_BUCKET}, length(title), sort_title, id
                LIMIT %s
            ) AS found CROSS JOIN glossary_term t ON t.id = found.id
            ORDER BY length(t.title), t.sort_title, t.id"""
        params = [prefix[:2], prefix, prefix + "\U0010ffff", Term.Status.PUBLISHED, now, limit]
        return list(Term.objects.raw(sql, params))

    def close_titles(self, text: str, limit: int) -> list[Term]:
        grams: list[str] = []
        for word in WORD.findall(text.lower()):
            grams += [word[i : i + 3] for i in range(len(word) - 2)]
        grams = list(dict.fromkeys(grams))[:40]
        if not grams:
            return []
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        # Only the rarer half of the trigrams that occur in titles at all (their counts
        # come from the vocabulary table): common ones ("ion", "ati") would make bm25 score
        # most titles, and a typo's own trigrams are usually the ones that occur nowhere.
        # Best candidates first, visibility after: drafts are few, and checking
        # every title that shares a trigram would read most of the table.
        rare = max(3, (len(grams) + 1) // 2)
        # One equality lookup per trigram (fts5vocab does not use IN; it would read them all).
        counts = " UNION ALL ".join(
            [f"SELECT term, doc FROM {TRIGRAM_VOCAB} WHERE term = %s"] * len(grams)
        )
        sql = f"""
            WITH candidates AS (
                SELECT rowid AS id, bm25({TRIGRAM_TABLE}) AS score FROM {TRIGRAM_TABLE}
                WHERE {TRIGRAM_TABLE} MATCH (
                    SELECT coalesce(  -- no trigram in any title: one that matches nothing
                        group_concat('"' || term || '"', ' OR '), '"' || char(1, 1, 1) || '"'
                    ) FROM (
                        SELECT term FROM ({counts}) WHERE doc > 0 ORDER BY doc LIMIT %s
                    )
                )
                ORDER BY score LIMIT %s
            )
            SELECT t.id, t.title, t.slug
            FROM candidates CROSS JOIN glossary_term t ON t.id = candidates.id
            WHERE t.status = %s AND t.published_at <= %s
            ORDER BY candidates.score"""
        params = [*grams, rare, CLOSE_TITLE_CANDIDATES, Term.Status.PUBLISHED, now]
        return _closest(text, list(Term.objects.raw(sql, params)), limit)


def _closest(text: str, candidates: list[Term], limit: int) -> list[Term]:
    wanted = text.casefold()
    scored = [
        (difflib.SequenceMatcher(None, wanted, term.title.casefold()).ratio(), term)
        for term in candidates
    ]
    scored = [item for item in scored if item[0] >= CLOSE_TITLE_MIN_RATIO]
    scored.sort(key=lambda item: (-item[0], item[1].title))
    return [term for _, term in scored[:limit]]


class PostgresBackend:
    """A weighted tsvector (GIN), websearch_to_tsquery, ts_headline, pg_trgm similarity.

    Name lookups (the title tier, suggestions, did-you-mean) read the names table, whose
    rows are a few dozen bytes; the article rows are read for the page's terms alone.
    """

    CONFIG = PG_CONFIG

    def count(self, text: str, groups: list[list[Clause]], limit: int) -> int:
        # Plain SQL: compiling the ORM's version of this cost more than running it. Without
        # an excluded word every title or alias match is a match, so when the small names
        # table alone reaches the limit the articles' index is never read (a common word's
        # GIN bitmap over 50,000 articles is most of the cost).
        negated = any(clause.negated for group in groups for clause in group)
        visible = "status = %s AND published_at <= %s"
        articles = f"""(SELECT count(*) FROM (
                SELECT 1 FROM glossary_term, q WHERE {PG_VECTOR_COLUMN} @@ q.q AND {visible}
                LIMIT %s) AS found)"""
        names = f"""(SELECT count(*) FROM (
                SELECT 1 FROM {PG_NAMES_TABLE}, q WHERE names @@ q.q AND {visible}
                LIMIT %s) AS found)"""
        now = timezone.now()
        published = Term.Status.PUBLISHED
        sql = f"WITH q AS (SELECT websearch_to_tsquery('{self.CONFIG}', %s) AS q) SELECT "
        params: list = [text]
        if negated:
            sql += articles
            params += [published, now, limit]
        else:
            sql += f"CASE WHEN {names} >= %s THEN %s ELSE {articles} END"
            params += [published, now, limit, limit, limit, published, now, limit]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def page(
        self, text: str, groups: list[list[Clause]], offset: int, limit: int
    ) -> list[SearchHit]:
        # Title and alias matches (the small names-only vector) form the first tier, an
        # exact title or alias first; the full vector is ranked only for the text matches,
        # only for the first MAX_COUNTED of them (as many as the count and the pages go
        # to; ranking reads each one's whole vector), and only when the first tier does
        # not fill the page (LIMIT 0 reads nothing).
        # Headlines are made for the page's rows alone (the body's only when the summary
        # does not match: best_snippet would not use it).
        now = timezone.now()
        visible = "t.status = %s AND t.published_at <= %s"
        # Without an excluded word, a title or alias match is a match of the whole vector
        # (it holds the same names); with one, the text must be checked too.
        negated = any(clause.negated for group in groups for clause in group)
        whole_query = (
            f"AND n.id IN (SELECT id FROM glossary_term WHERE {PG_VECTOR_COLUMN} @@ q.q)"
            if negated
            else ""
        )
        sql = f"""
            WITH q AS (SELECT websearch_to_tsquery('{self.CONFIG}', %s) AS q),
            names AS (
                SELECT n.id, n.sort_title,
                    (n.sort_title = %s OR position(%s in
                        E'\\n' || replace(lower(n.aliases), E'\\r', '') || E'\\n') > 0)
                        AS exact,
                    ts_rank(n.names, q.q) AS score
                FROM {PG_NAMES_TABLE} n, q
                WHERE n.names @@ q.q {whole_query}
                    AND n.status = %s AND n.published_at <= %s
                ORDER BY exact DESC, score DESC, n.sort_title, n.id
                LIMIT %s
            ),
            candidates AS (
                SELECT t.id FROM glossary_term t, q
                WHERE t.{PG_VECTOR_COLUMN} @@ q.q AND NOT (t.{PG_NAMES_COLUMN} @@ q.q)
                    AND {visible}
                LIMIT {MAX_COUNTED}
            ),
            rest AS (
                SELECT t.id, t.sort_title, ts_rank(t.{PG_VECTOR_COLUMN}, q.q) AS score
                FROM candidates JOIN glossary_term t ON t.id = candidates.id, q
                ORDER BY score DESC, t.sort_title, t.id
                LIMIT GREATEST(%s - (SELECT count(*) FROM names), 0)
            ),
            ranked AS (
                SELECT id, CASE WHEN exact THEN 0 ELSE 1 END AS tier, score, sort_title
                FROM names
                UNION ALL SELECT id, 2, score, sort_title FROM rest
                ORDER BY tier, score DESC, sort_title, id
                LIMIT %s OFFSET %s
            )
            SELECT t.id, t.title, t.slug, t.summary,
                ts_headline('{self.CONFIG}', t.summary, q.q, %s) AS summary_snippet,
                CASE WHEN to_tsvector('{self.CONFIG}', t.summary) @@ q.q THEN NULL
                    ELSE ts_headline('{self.CONFIG}', t.body, q.q, %s) END AS body_snippet
            FROM ranked JOIN glossary_term t ON t.id = ranked.id, q
            ORDER BY ranked.tier, ranked.score DESC, ranked.sort_title, ranked.id"""
        options = f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=12"
        wanted = offset + limit
        published = Term.Status.PUBLISHED
        params = [text, sort_key(text), f"\n{text.lower()}\n", published, now, wanted]  # names
        params += [published, now, wanted, limit, offset, options, options]
        return [
            SearchHit(
                term, highlight(best_snippet(term.summary_snippet, term.body_snippet, term.summary))
            )
            for term in Term.objects.raw(sql, params)
        ]

    def suggest(self, words: list[str], limit: int) -> list[Term]:
        # As on SQLite: titles that start with the typed text first, shortest first, from
        # the suggest index alone when they fill the list; otherwise the names vector
        # (titles and aliases, short rows; ':*' makes the last word a prefix) fills the
        # rest from its first SUGGEST_CANDIDATES matches, shortest first.
        prefix = sort_key(" ".join(words))
        starting = self._titles_starting_with(prefix, limit)
        if len(starting) == limit:
            return starting
        lexemes = [f"'{word}'" for word in words[:-1]] + [f"'{words[-1]}':*"]
        sql = f"""
            WITH candidates AS (
                SELECT n.id, n.title, n.sort_title
                FROM {PG_NAMES_TABLE} n
                WHERE n.names @@ to_tsquery('{self.CONFIG}', %s)
                    AND n.status = %s AND n.published_at <= %s
                LIMIT {SUGGEST_CANDIDATES}
            ),
            found AS (
                SELECT id, left(sort_title, %s) = %s AS starts, title, sort_title
                FROM candidates
                ORDER BY starts DESC, length(title), sort_title, id
                LIMIT %s
            )
            SELECT t.id, t.title, t.slug, t.aliases
            FROM found JOIN glossary_term t ON t.id = found.id
            ORDER BY found.starts DESC, length(found.title), found.sort_title, found.id"""
        params = [" & ".join(lexemes), Term.Status.PUBLISHED, timezone.now()]
        params += [len(prefix), prefix, limit]
        shown = {term.pk for term in starting}
        others = Term.objects.raw(sql, params)
        return (starting + [term for term in others if term.pk not in shown])[:limit]

    def _titles_starting_with(self, prefix: str, limit: int) -> list[Term]:
        sql = f"""
            WITH found AS (
                SELECT id, length(title) AS size, sort_title FROM {PG_NAMES_TABLE}
                WHERE {PG_SUGGEST_BUCKET} = %s AND starts_with(sort_title, %s)
                    AND status = %s AND published_at <= %s
                ORDER BY {PG_SUGGEST_BUCKET}, length(title), sort_title, id
                LIMIT %s
            )
            SELECT t.id, t.title, t.slug, t.aliases
            FROM found JOIN glossary_term t ON t.id = found.id
            ORDER BY found.size, found.sort_title, found.id"""
        params = [prefix[:2], prefix, Term.Status.PUBLISHED, timezone.now(), limit]
        return list(Term.objects.raw(sql, params))

    def close_titles(self, text: str, limit: int) -> list[Term]:
        # Each typed word is corrected against the words of all titles and aliases (short
        # rows, a trigram index): comparing the text with every title instead rechecked
        # thousands of long titles that share a few trigrams with it. The titles holding
        # every corrected word come next, their first CLOSE_TITLE_CANDIDATES in the names
        # table, closest to the typed text first.
        typed = sorted({sort_key(word) for word in WORD.findall(text) if len(word) >= 3})
        if not typed:
            return []
        sql = f"""
            WITH typed AS (SELECT unnest(%s::text[]) AS typed),
            corrected AS (
                SELECT DISTINCT ON (typed.typed) w.word
                FROM typed JOIN {PG_WORDS_TABLE} w ON w.word %% typed.typed
                ORDER BY typed.typed, similarity(w.word, typed.typed) DESC, w.word
            ),
            q AS (
                SELECT plainto_tsquery('{self.CONFIG}', string_agg(word, ' ')) AS q
                FROM corrected
            ),
            candidates AS (
                SELECT n.id, n.title, n.sort_title FROM {PG_NAMES_TABLE} n, q
                WHERE n.names @@ q.q AND n.status = %s AND n.published_at <= %s
                LIMIT {CLOSE_TITLE_CANDIDATES}
            ),
            found AS (
                SELECT id, similarity(title, %s) AS similarity, length(title) AS size,
                    sort_title
                FROM candidates
                ORDER BY similarity DESC, size, sort_title, id
                LIMIT %s
            )
            SELECT t.id, t.title, t.slug
            FROM found JOIN glossary_term t ON t.id = found.id
            ORDER BY found.similarity DESC, found.size, found.sort_title, found.id"""
        params = [typed, Term.Status.PUBLISHED, timezone.now(), text, limit]
        return list(Term.objects.raw(sql, params))


def get_backend() -> Backend:
    """The search backend for the database in use."""
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    if connection.vendor == "postgresql":
        return PostgresBackend()
    raise NotSupportedError(
        f"Glossary search supports SQLite and PostgreSQL, not {connection.vendor}."
    )


# --- The API ----------------------------------------------------------------------------


class SearchResults:
    """Lazy, sliceable results for Django's Paginator: one count query, one page query.

    Both answers are kept in the shared cache under the content stamp and the latest
    publication that came due, so a repeated search (a popular word, the next page and
    back) reads no index, and an edit or a scheduled publication shows at once.
    """

    def __init__(self, text: str) -> None:
        self.text = clean_query(text)
        self.groups = parse_query(self.text)
        self._count: int | None = None
        self.capped = False

    def _answer(self, kind: str, compute):
        due, _ = page_cache.schedule()
        moment = due.isoformat() if due else "-"
        key = _answer_key(f"results-{kind}", f"{moment}:{MAX_COUNTED}:{self.text}")
        found = cache.get(key)
        if found is None:
            found = compute()
            cache.set(key, found, RESULTS_CACHE_SECONDS)
        return found

    def count(self) -> int:
        if self._count is None:
            if not self.groups:
                self._count = 0
            else:
                found = self._answer(
                    "count",
                    lambda: get_backend().count(self.text, self.groups, MAX_COUNTED + 1),
                )
                self._count = min(found, MAX_COUNTED)
                self.capped = found > MAX_COUNTED
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, key: int) -> SearchHit: ...
    @overload
    def __getitem__(self, key: slice) -> list[SearchHit]: ...
    def __getitem__(self, key: int | slice) -> SearchHit | list[SearchHit]:
        if isinstance(key, int):
            return self[key : key + 1][0]
        start, stop, _ = key.indices(self.count())
        if not self.groups or stop <= start:
            return []
        return self._answer(
            f"page-{start}-{stop}",
            lambda: get_backend().page(self.text, self.groups, start, stop - start),
        )


def search_terms(query: str) -> SearchResults:
    """Published terms matching the query, best first (exact title or alias, then relevance)."""
    return SearchResults(query)


def suggest_titles(prefix: str, limit: int = SUGGEST_LIMIT) -> list[dict[str, str]]:
    """Titles for the search box: every word matches a title or alias word, the last as a prefix."""
    text = clean_query(prefix)
    words = WORD.findall(text.replace("_", " "))[:MAX_WORDS]
    if not words or len(text) < 2:
        return []
    key = _answer_key("suggest", f"{limit}:{' '.join(sort_key(word) for word in words)}")
    suggestions = cache.get(key)
    if suggestions is None:
        suggestions = []
        for term in get_backend().suggest(words, limit):
            item = {"title": term.title, "url": term.get_absolute_url()}
            alias = _matching_alias(term, words)
            if alias:
                item["alias"] = alias
            suggestions.append(item)
        cache.set(key, suggestions, ANSWER_CACHE_SECONDS)
    return suggestions


def _answer_key(kind: str, text: str) -> str:
    """A cache key that changes with the content stamp (from the request's snapshot)."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"search:{kind}:{stamps.key_part(stamps.CONTENT)}:{digest}"


def _matching_alias(term: Term, words: list[str]) -> str:
    """The alias a suggestion was found by, when its title alone does not explain it."""
    wanted = [sort_key(word) for word in words]

    def explains(name: str) -> bool:
        name_words = WORD.findall(sort_key(name).replace("_", " "))
        return all(any(w.startswith(part) for w in name_words) for part in wanted)

    if explains(term.title):
        return ""
    return next((alias for alias in term.alias_list if explains(alias)), "")


def close_titles(query: str, limit: int = CLOSE_TITLE_LIMIT) -> list[Term]:
    """Published titles that look like the query ("neurogenisis" -> Neurogenesis)."""
    text = clean_query(query)
    if len(text) < 3 or not WORD.search(text):
        return []
    key = _answer_key("close", f"{limit}:{text}")
    found = cache.get(key)
    if found is None:
        found = [
            (term.pk, term.title, term.slug) for term in get_backend().close_titles(text, limit)
        ]
        cache.set(key, found, ANSWER_CACHE_SECONDS)
    return [Term(pk=pk, title=title, slug=slug) for pk, title, slug in found]
