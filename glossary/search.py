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
import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol, overload

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramSimilarity,
)
from django.db import NotSupportedError, connection
from django.db.models import BooleanField, Case, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from glossary.models import Term, sort_key
from glossary.search_index import (
    FTS_TABLE,
    PG_CONFIG,
    PG_NAMES_COLUMN,
    PG_VECTOR_COLUMN,
    TRIGRAM_TABLE,
)

MAX_QUERY_LENGTH = 200
MAX_WORDS = 16
# Counting stops here: "more than 1,000 results" is as useful as an exact number
# and keeps the count query cheap whatever the number of terms.
MAX_COUNTED = 1000
SUGGEST_LIMIT = 8
CLOSE_TITLE_LIMIT = 5
CLOSE_TITLE_CANDIDATES = 50
CLOSE_TITLE_MIN_RATIO = 0.6
SNIPPET_WORDS = 30
SUGGEST_MAX_AGE = 300  # seconds: suggestions may lag an edit by this much

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

    Ranking and the visibility check read only the FTS table (status and publication
    time are copied into it), so glossary_term is read for the page's rows alone.
    """

    # Columns: status, published_at (unindexed), title, aliases, summary, body.
    BM25 = f"bm25({FTS_TABLE}, 0.0, 0.0, 10.0, 8.0, 4.0, 1.0)"
    SUMMARY, BODY = 4, 5

    def _visible(self) -> tuple[str, list]:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        sql = f"{FTS_TABLE}.status = %s AND {FTS_TABLE}.published_at <= %s"
        return sql, [Term.Status.PUBLISHED, now]

    def count(self, text: str, groups: list[list[Clause]], limit: int) -> int:
        visible, params = self._visible()
        sql = f"""
            SELECT count(*) FROM (
                SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND {visible} LIMIT %s
            )"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [fts5_expression(groups), *params, limit])
            return cursor.fetchone()[0]

    def page(
        self, text: str, groups: list[list[Clause]], offset: int, limit: int
    ) -> list[SearchHit]:
        visible, params = self._visible()
        match = fts5_expression(groups)
        key = exact_key(text)
        # Rank ids in the FTS table alone; then, for the page's rows only, look up
        # each id again (MATCH with rowid = ? is a seek) for its snippets.
        sql = f"""
            WITH ranked AS (
                SELECT {FTS_TABLE}.rowid AS id, {FTS_TABLE}.title AS title,
                    (lower({FTS_TABLE}.title) = %s OR instr(char(10)
                        || replace(lower({FTS_TABLE}.aliases), char(13), '') || char(10), %s) > 0)
                    AS exact,
                    {self.BM25} AS score
                FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND {visible}
                ORDER BY exact DESC, score, title, id LIMIT %s OFFSET %s
            )
            SELECT t.id, t.title, t.slug, t.summary,
                snippet({FTS_TABLE}, {self.SUMMARY}, %s, %s, '…', {SNIPPET_WORDS})
                    AS summary_snippet,
                snippet({FTS_TABLE}, {self.BODY}, %s, %s, '…', {SNIPPET_WORDS}) AS body_snippet
            FROM ranked
            CROSS JOIN {FTS_TABLE} ON {FTS_TABLE}.rowid = ranked.id AND {FTS_TABLE} MATCH %s
            CROSS JOIN glossary_term t ON t.id = ranked.id
            ORDER BY ranked.exact DESC, ranked.score, ranked.title, ranked.id"""
        all_params = [key, f"\n{key}\n", match, *params, limit, offset]
        all_params += [START, STOP, START, STOP, match]
        return [
            SearchHit(
                term,
                highlight(best_snippet(term.summary_snippet, term.body_snippet, term.summary)),
            )
            for term in Term.objects.raw(sql, all_params)
        ]

    def suggest(self, words: list[str], limit: int) -> list[Term]:
        phrases = [f'"{word}"' for word in words[:-1]] + [f'"{words[-1]}"*']
        match = "{title aliases} : (" + " AND ".join(phrases) + ")"
        visible, params = self._visible()
        prefix = exact_key(" ".join(words))
        sql = f"""
            WITH found AS (
                SELECT {FTS_TABLE}.rowid AS id, row_number() OVER (ORDER BY
                    lower(substr({FTS_TABLE}.title, 1, %s)) = %s DESC,
                    length({FTS_TABLE}.title), {FTS_TABLE}.title) AS position
                FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND {visible}
                ORDER BY position LIMIT %s
            )
            SELECT t.id, t.title, t.slug, t.aliases
            FROM found CROSS JOIN glossary_term t ON t.id = found.id
            ORDER BY found.position"""
        return list(Term.objects.raw(sql, [len(prefix), prefix, match, *params, limit]))

    def close_titles(self, text: str, limit: int) -> list[Term]:
        grams: list[str] = []
        for word in WORD.findall(text.lower()):
            grams += [word[i : i + 3] for i in range(len(word) - 2)]
        grams = list(dict.fromkeys(grams))[:40]
        if not grams:
            return []
        match = " OR ".join(f'"{gram}"' for gram in grams)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        # Best candidates first, visibility after: drafts are few, and checking
        # every title that shares a trigram would read most of the table.
        sql = f"""
            WITH candidates AS (
                SELECT rowid AS id, bm25({TRIGRAM_TABLE}) AS score FROM {TRIGRAM_TABLE}
                WHERE {TRIGRAM_TABLE} MATCH %s ORDER BY score LIMIT %s
            )
            SELECT t.id, t.title, t.slug
            FROM candidates CROSS JOIN glossary_term t ON t.id = candidates.id
            WHERE t.status = %s AND t.published_at <= %s
            ORDER BY candidates.score"""
        params = [match, CLOSE_TITLE_CANDIDATES, Term.Status.PUBLISHED, now]
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
    """A weighted tsvector (GIN), websearch_to_tsquery, ts_headline, pg_trgm similarity."""

    CONFIG = PG_CONFIG

    def _vector(self) -> RawSQL:
        return RawSQL(f'"glossary_term"."{PG_VECTOR_COLUMN}"', [], output_field=SearchVectorField())

    def _matching(self, query: SearchQuery):
        return Term.objects.published().annotate(search=self._vector()).filter(search=query)

    def _query(self, text: str) -> SearchQuery:
        return SearchQuery(text, search_type="websearch", config=self.CONFIG)

    def count(self, text: str, groups: list[list[Clause]], limit: int) -> int:
        return self._matching(self._query(text)).order_by().values("pk")[:limit].count()

    def page(
        self, text: str, groups: list[list[Clause]], offset: int, limit: int
    ) -> list[SearchHit]:
        query = self._query(text)
        exact = RawSQL(
            "(sort_title = %s OR position(%s in "
            "E'\\n' || replace(lower(aliases), E'\\r', '') || E'\\n') > 0)",
            [sort_key(text), f"\n{text.lower()}\n"],
            output_field=BooleanField(),
        )
        headline = {
            "start_sel": START,
            "stop_sel": STOP,
            "config": self.CONFIG,
            "max_words": SNIPPET_WORDS,
            "min_words": 12,
        }
        terms = (
            self._matching(query)
            .annotate(
                exact=exact,
                rank=SearchRank(self._vector(), query),
                summary_snippet=SearchHeadline("summary", query, **headline),
                body_snippet=SearchHeadline("body", query, **headline),
            )
            .order_by("-exact", "-rank", "sort_title", "pk")
            .only("title", "slug", "summary")[offset : offset + limit]
        )
        return [
            SearchHit(
                term, highlight(best_snippet(term.summary_snippet, term.body_snippet, term.summary))
            )
            for term in terms
        ]

    def suggest(self, words: list[str], limit: int) -> list[Term]:
        # A names-only vector (titles and aliases); ':*' makes the last word a prefix.
        lexemes = [f"'{word}'" for word in words[:-1]] + [f"'{words[-1]}':*"]
        query = SearchQuery(" & ".join(lexemes), search_type="raw", config=self.CONFIG)
        names = RawSQL(f'"glossary_term"."{PG_NAMES_COLUMN}"', [], output_field=SearchVectorField())
        prefix = sort_key(" ".join(words))
        return list(
            Term.objects.published()
            .annotate(names=names)
            .filter(names=query)
            .annotate(
                starts=Case(When(sort_title__startswith=prefix, then=Value(0)), default=Value(1))
            )
            .order_by("starts", Length("title"), "sort_title")
            .only("title", "slug", "aliases")[:limit]
        )

    def close_titles(self, text: str, limit: int) -> list[Term]:
        return list(
            Term.objects.published()
            .filter(title__trigram_similar=text)  # the % operator: uses the trigram index
            .annotate(similarity=TrigramSimilarity("title", text))
            .order_by("-similarity", "sort_title")
            .only("title", "slug")[:limit]
        )


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
    """Lazy, sliceable results for Django's Paginator: one count query, one page query."""

    def __init__(self, text: str) -> None:
        self.text = clean_query(text)
        self.groups = parse_query(self.text)
        self._count: int | None = None
        self.capped = False

    def count(self) -> int:
        if self._count is None:
            if not self.groups:
                self._count = 0
            else:
                found = get_backend().count(self.text, self.groups, MAX_COUNTED + 1)
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
        return get_backend().page(self.text, self.groups, start, stop - start)


def search_terms(query: str) -> SearchResults:
    """Published terms matching the query, best first (exact title or alias, then relevance)."""
    return SearchResults(query)


def suggest_titles(prefix: str, limit: int = SUGGEST_LIMIT) -> list[dict[str, str]]:
    """Titles for the search box: every word matches a title or alias word, the last as a prefix."""
    text = clean_query(prefix)
    words = WORD.findall(text.replace("_", " "))[:MAX_WORDS]
    if not words or len(text) < 2:
        return []
    suggestions = []
    for term in get_backend().suggest(words, limit):
        item = {"title": term.title, "url": term.get_absolute_url()}
        alias = _matching_alias(term, words)
        if alias:
            item["alias"] = alias
        suggestions.append(item)
    return suggestions


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
    return get_backend().close_titles(text, limit)
