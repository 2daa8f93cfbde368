"""One search API for the glossary, with SQLite FTS5 or PostgreSQL full-text search behind it.

The backend follows the database vendor. Both rank an exact title or alias match
first, then by weighted relevance (title > aliases > summary > body); both return
highlighted snippets, title suggestions for the search box, and close titles for
misspellings. The index itself is kept in step by database triggers
(glossary/search_index.py), so every way of writing a term keeps it right.

User text never reaches a query language unchecked: SQLite gets an FTS5 expression
built only from double-quoted word tokens; PostgreSQL gets websearch_to_tsquery,
which accepts any text, or a tsquery of quoted word tokens.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, overload

import snowballstemmer
from django.conf import settings
from django.core.cache import cache
from django.db import NotSupportedError, connection
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core import deploy, stamps
from glossary import publications, schedule, versions
from glossary.models import Term, alias_lines, sort_key, visible_params, visible_sql
from glossary.rendering import term_url
from glossary.search_index import (
    FTS_TABLE,
    NAME_WORDS_TABLE,
    NAME_WORDS_VOCAB,
    PG_NAMES_COLUMN,
    PG_NAMES_TABLE,
    PG_NAMES_WORDS,
    PG_SIMPLE_CONFIG,
    PG_SUGGEST_BUCKET,
    PG_VECTOR_COLUMN,
    PG_WORDS_TABLE,
    SNOWBALL_ALGORITHMS,
    SUGGEST_BUCKET,
    SUGGEST_INDEX,
    TITLES_COLUMN,
    TITLES_TABLE,
    indexed_text,
    pg_config,
)

MAX_QUERY_LENGTH = 200
MAX_WORDS = 16
# Counting stops here: "more than 200 results" (ten pages) is as useful as an exact
# number, and the count reads at most this many rows whatever the number of terms (a
# common word matches a fifth of 50,000 articles: counting 1,000 of them cost a search
# a third of its time on PostgreSQL).
MAX_COUNTED = 200
SUGGEST_LIMIT = 8
# The suggestions' word search orders this many of its matches (the first found), not all
# of them: a short last word can match thousands of titles.
SUGGEST_CANDIDATES = 200
# Typed words shorter than this are matched as typed (stemming rarely changes them, and
# the words sharing their stem would be many).
STEM_FROM = 4
CLOSE_TITLE_LIMIT = 5
CLOSE_TITLE_CANDIDATES = 50
# A typed word is corrected to a title or alias word at least this close (difflib ratio):
# "moudlation" to "modulation" is 0.9, "photom" to "photon" 0.83.
CLOSE_WORD_MIN_RATIO = 0.7
SNIPPET_WORDS = 30
SUGGEST_MAX_AGE = 300  # seconds: browsers and proxies may keep a suggestion this long
# Did-you-mean titles are kept in the shared cache under the content stamp, so an edit
# anywhere shows at once; this long at most (a scheduled term's time passing bumps no
# stamp).
ANSWER_CACHE_SECONDS = 300
# A search's count and pages (up to twenty articles' titles and snippets, about 10 KB) live
# a minute: enough for the next page and back and for popular words, while the memory that
# distinct queries can fill stays at a minute of the server's throughput.
RESULTS_CACHE_SECONDS = 60

# Private-use characters mark highlights inside snippets until they become <mark>.
START, STOP = "\ue000", "\ue001"
WORD = re.compile(r"\w+")
_QUERY_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@functools.cache
def _stemmer(language: str):
    """The Snowball stemmer of a language (English for one Snowball has no algorithm for)."""
    return snowballstemmer.stemmer(SNOWBALL_ALGORITHMS.get(language, "english"))


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


def words_of(text: str) -> list[str]:
    """Accent-free, case-free words, as titles are indexed and as typed text is read."""
    return WORD.findall(sort_key(text).replace("_", " "))


def prefix_of(words: list[str], language: str) -> str:
    """The typed words as the sort titles of the language begin (Polish "ł" is "l~")."""
    return sort_key(" ".join(words), language)


@functools.lru_cache(maxsize=65536)
def stem_of(word: str, language: str = "") -> str:
    """The word's Snowball stem in the language (English by default): ``exercises`` and
    ``exercise``, ``exercis``."""
    return _stemmer(language).stemWord(word)


def stem_start(word: str, language: str = "") -> str | None:
    """Where the words sharing ``word``'s stem begin, or None for a word matched as typed.

    Stemming keeps a word's beginning but may change its last letter (studies, study:
    studi), so the words of a stem all start with it but for that letter."""
    if len(word) < STEM_FROM:
        return None
    stem = stem_of(word, language)
    return stem if len(stem) < STEM_FROM else stem[:-1]


def word_forms(
    whole: list[str], known_from: Callable[[list[str]], list[str]], language: str = ""
) -> list[list[str]]:
    """Each word typed whole with the title and alias words of the same stem in the
    language (from ``known_from``: the indexed words starting with any of the given
    beginnings), so that "exercises" matches "exercise" as it matches itself."""
    starts = {word: stem_start(word, language) for word in whole}
    known = known_from(sorted({start for start in starts.values() if start}))
    forms = []
    for word in whole:
        start = starts[word]
        same_stem = [
            candidate
            for candidate in known
            if start
            and candidate != word
            and candidate.startswith(start)
            and stem_of(candidate, language) == stem_of(word, language)
        ]
        forms.append([word, *dict.fromkeys(same_stem)])
    return forms


def after_prefix(prefix: str) -> str:
    """The smallest text after every text that starts with ``prefix`` (an index range's end)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


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


@dataclass(frozen=True)
class Suggested:
    """A suggested term as the search box needs it (plain values, read by a cursor)."""

    pk: int
    title: str
    slug: str
    aliases: str


def _suggested(sql: str, params: list) -> list[Suggested]:
    """Rows of (id, title, slug, aliases), in the statement's order."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Suggested(pk, title, slug, aliases or "") for pk, title, slug, aliases in cursor]


@dataclass(frozen=True)
class SearchHit:
    """One result as the page shows it: plain values, so the cached answer is cheap to
    store and read (pickling twenty model instances cost about a millisecond)."""

    title: str
    slug: str
    snippet: SafeString
    language: str = ""

    @classmethod
    def of(cls, term: Term, language: str = "") -> SearchHit:
        """From a raw row that carries summary_snippet and body_snippet."""
        snippet = best_snippet(term.summary_snippet, term.body_snippet, term.summary)
        return cls(term.title, term.slug, highlight(snippet), language)

    @property
    def url(self) -> str:
        return term_url(self.slug, self.language or None)


# --- Backends -------------------------------------------------------------------------


def marked_passage(text: str, stems: set[str], language: str) -> str:
    """A snippet made in Python: the passage of ``text`` around its first word whose
    indexed form is one of ``stems``, every such word marked. SQLite's snippet() would
    show the index's stemmed words for the languages it holds stemmed."""
    words = list(re.finditer(r"\S+", text))
    marked = [
        bool(set(WORD.findall(indexed_text(language, word.group()))) & stems) for word in words
    ]
    if not any(marked):
        return text
    first = marked.index(True)
    start = max(first - SNIPPET_WORDS // 3, 0)
    shown = range(start, min(start + SNIPPET_WORDS, len(words)))
    parts = [f"{START}{words[i].group()}{STOP}" if marked[i] else words[i].group() for i in shown]
    return ("…" if start else "") + " ".join(parts) + ("…" if shown.stop < len(words) else "")


class Backend(Protocol):
    def count(self, text: str, groups: list[list[Clause]], limit: int) -> int: ...
    def page(
        self, text: str, groups: list[list[Clause]], offset: int, limit: int
    ) -> list[SearchHit]: ...
    def titles_starting_with(self, prefix: str, limit: int) -> list[Suggested]: ...
    def titles_with_words(self, words: list[str], limit: int) -> list[Suggested]: ...
    def close_titles(self, text: str, limit: int) -> list[Term]: ...


class SQLiteBackend:
    """FTS5 with bm25 column weights and snippet(); title and alias words for misspellings.

    Only the top candidates are ranked, and ranking reads nothing but the FTS index:
    hidden terms (drafts, scheduled) are looked up once in the visibility index and
    excluded by id, title and alias matches form the first tier (ranked alone when they
    fill the page), and glossary_term and the snippets are read for the page's rows only.
    """

    # Columns: status, published_at, language (unindexed), title, aliases, summary, body.
    BM25 = f"bm25({FTS_TABLE}, 0.0, 0.0, 0.0, 10.0, 8.0, 4.0, 1.0)"
    SUMMARY, BODY = 5, 6
    NAMES = "{title aliases}"

    def __init__(self, language: str) -> None:
        self.language = language
        # English is indexed as written (FTS5's porter stems it); other languages as
        # Snowball stems (glossary.search_index.indexed_text), so typed words are too.
        self.stemmed = language in SNOWBALL_ALGORITHMS

    def _indexed(self, groups: list[list[Clause]]) -> list[list[Clause]]:
        """The query's words as the index holds them in this language."""
        if not self.stemmed:
            return groups
        return [
            [
                Clause(
                    tuple(w for word in c.words for w in indexed_text(self.language, word).split()),
                    c.negated,
                )
                for c in group
            ]
            for group in groups
        ]

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
                WHERE {FTS_TABLE} MATCH %s AND language = %s
                    AND {FTS_TABLE}.rowid NOT IN ({hidden})
                LIMIT %s
            )"""
        with connection.cursor() as cursor:
            match = fts5_expression(self._indexed(groups))
            cursor.execute(sql, [match, self.language, *params, limit])
            return cursor.fetchone()[0]

    def page(
        self, text: str, groups: list[list[Clause]], offset: int, limit: int
    ) -> list[SearchHit]:
        # Tier by tier, each a statement of its own that stops as soon as the page is full:
        # exact title or alias matches, then title and alias matches, then the rest. Every
        # bm25() pays a pass over each phrase's whole doclist before its first row (word
        # counts for the weights), so it is used only where there is something to rank,
        # on the smallest expression that gives the tier.
        groups = self._indexed(groups)
        match = fts5_expression(groups)
        wanted = offset + limit
        ranked = self._exact(text, match)[:wanted]
        if len(ranked) < wanted:
            ranked += self._ranked(self._names_expression(groups), ranked, wanted - len(ranked))
        if len(ranked) < wanted:
            # The names tier came back short, so it is complete: the rest is every other
            # match, found with the plain expression.
            ranked += self._ranked(match, ranked, wanted - len(ranked))
        shown = ranked[offset:wanted]
        if not shown:
            return []
        rows = ", ".join(["(%s, %s)"] * len(shown))
        sql = f"""
            WITH shown(id, position) AS (VALUES {rows})
            SELECT t.id, t.title, t.slug, t.summary, t.body, t.aliases, t.cited_sources,
                t.publication_number,
                snippet({FTS_TABLE}, {self.SUMMARY}, %s, %s, '…', {SNIPPET_WORDS})
                    AS summary_snippet,
                snippet({FTS_TABLE}, {self.BODY}, %s, %s, '…', {SNIPPET_WORDS}) AS body_snippet
            FROM shown
            CROSS JOIN {FTS_TABLE} ON {FTS_TABLE}.rowid = shown.id AND {FTS_TABLE} MATCH %s
            CROSS JOIN glossary_term t ON t.id = shown.id
            ORDER BY shown.position"""
        params: list = []
        for position, term_id in enumerate(shown):
            params += [term_id, position]
        params += [START, STOP, START, STOP, match]
        terms = list(Term.objects.raw(sql, params))
        if self.stemmed:
            stems = {word for group in groups for c in group if not c.negated for word in c.words}
            for term in terms:
                term.summary_snippet = marked_passage(term.summary, stems, self.language)
                term.body_snippet = marked_passage(term.body, stems, self.language)
        publications.as_published(terms, snippets=True)
        return [SearchHit.of(term, self.language) for term in terms]

    def _names_expression(self, groups: list[list[Clause]]) -> str:
        """Matches of the whole query whose words are all in a title or an alias.

        Without an excluded word, a match inside the names is a match of the query, so the
        names alone say it (half the phrases to read). With one, the whole query must hold
        too: "exercise -heart" inside the names alone would let in a title whose summary
        mentions the heart."""
        match = fts5_expression(groups)
        in_names = f"{self.NAMES} : ({match})"
        if any(clause.negated for group in groups for clause in group):
            return f"({match}) AND ({in_names})"
        return in_names

    def _exact(self, text: str, match: str) -> list[int]:
        """Visible matches whose title (unique, case-insensitive index) or one of whose aliases
        is the text itself: titles first."""
        key = exact_key(text)
        key_words = WORD.findall(key.replace("_", " "))
        if not key_words:
            return []
        hidden, params = self._hidden()
        if self.stemmed:
            key_words = indexed_text(self.language, " ".join(key_words)).split()
        alias_match = f"{{aliases}} : {_fts5_phrase(tuple(key_words))}"
        # The aliases as written are read from the term row: the index may hold stems.
        sql = f"""
            WITH named(id, by_title) AS (
                SELECT id, 1 FROM glossary_term WHERE lower(title) = %s AND language = %s
                UNION SELECT {FTS_TABLE}.rowid, 0 FROM {FTS_TABLE}
                    CROSS JOIN glossary_term a ON a.id = {FTS_TABLE}.rowid
                    WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.language = %s
                    AND instr(char(10) || replace(lower(a.aliases), char(13), '') || char(10), %s)
                        > 0
            )
            SELECT named.id FROM named
            CROSS JOIN {FTS_TABLE} ON {FTS_TABLE}.rowid = named.id AND {FTS_TABLE} MATCH %s
            WHERE named.id NOT IN ({hidden})
            GROUP BY named.id ORDER BY max(named.by_title) DESC, named.id"""
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [key, self.language, alias_match, self.language, f"\n{key}\n", match, *params],
            )
            return [row[0] for row in cursor.fetchall()]

    def _ranked(self, expression: str, excluded: list[int], limit: int) -> list[int]:
        """Ids of the best ``limit`` visible matches of ``expression`` (bm25), less ``excluded``."""
        hidden, params = self._hidden()
        skip = f"AND rowid NOT IN ({', '.join(['%s'] * len(excluded))})" if excluded else ""
        sql = f"""
            SELECT rowid FROM {FTS_TABLE}
            WHERE {FTS_TABLE} MATCH %s AND language = %s AND rowid NOT IN ({hidden}) {skip}
            ORDER BY {self.BM25}, rowid LIMIT %s"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [expression, self.language, *params, *excluded, limit])
            return [row[0] for row in cursor.fetchall()]

    def titles_starting_with(self, prefix: str, limit: int) -> list[Suggested]:
        # The suggest index holds what this needs (bucket, order, visibility): one bucket
        # walked in the order shown, stopping at the last title needed. Named, since
        # without fresh statistics SQLite prefers the visibility index (every published
        # term, then sorted); migrate keeps it in place.
        sql = f"""
            SELECT t.id, t.title, t.slug, t.aliases FROM (
                SELECT id FROM glossary_term INDEXED BY {SUGGEST_INDEX}
                WHERE language = %s AND {SUGGEST_BUCKET} = %s
                    AND sort_title >= %s AND sort_title < %s AND {visible_sql()}
                ORDER BY language, {SUGGEST_BUCKET}, length(title), sort_title, id
                LIMIT %s
            ) AS found CROSS JOIN glossary_term t ON t.id = found.id
            ORDER BY length(t.title), t.sort_title, t.id"""
        params = [self.language, prefix[:2], prefix, after_prefix(prefix)]
        params += [*visible_params(), limit]
        return _suggested(sql, params)

    def titles_with_words(self, words: list[str], limit: int) -> list[Suggested]:
        # The words table holds title and alias words as written: every whole word in any
        # of its forms, the last word as the prefix of a word; of the first
        # SUGGEST_CANDIDATES matches, the shortest titles (from its short content rows).
        *whole, last = words
        forms = word_forms(whole, self._words_starting_with, self.language)
        either = [" OR ".join(_fts5_phrase((form,)) for form in same) for same in forms]
        match = " AND ".join([*(f"({one})" for one in either), f"{_fts5_phrase((last,))}*"])
        hidden, params = self._hidden()
        sql = f"""
            WITH found(id) AS (
                SELECT rowid FROM {NAME_WORDS_TABLE}
                WHERE {NAME_WORDS_TABLE} MATCH %s AND language = %s AND rowid NOT IN ({hidden})
                LIMIT {SUGGEST_CANDIDATES}
            ),
            ordered(id, position) AS (
                SELECT found.id, row_number() OVER (
                    ORDER BY length(n.{TITLES_COLUMN}), lower(n.{TITLES_COLUMN}), found.id)
                FROM found CROSS JOIN {TITLES_TABLE} n ON n.id = found.id
                ORDER BY 2 LIMIT %s
            )
            SELECT t.id, t.title, t.slug, t.aliases
            FROM ordered CROSS JOIN glossary_term t ON t.id = ordered.id
            ORDER BY ordered.position"""
        return _suggested(sql, [match, self.language, *params, limit])

    def _words_starting_with(self, starts: list[str]) -> list[str]:
        """Title and alias words (the words table's vocabulary) starting with any of these."""
        if not starts:
            return []
        sql = " UNION ALL ".join(
            [f"SELECT term FROM {NAME_WORDS_VOCAB} WHERE term >= %s AND term < %s"] * len(starts)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [bound for start in starts for bound in (start, after_prefix(start))]
            )
            return [row[0] for row in cursor.fetchall()]

    def close_titles(self, text: str, limit: int) -> list[Term]:
        # Each typed word is corrected against the vocabulary of title and alias words,
        # then the titles holding every corrected word are the candidates: the index lists
        # each word once, however many titles hold it.
        typed = _typed_words(text)
        known = self._words_starting_like(typed)
        corrected = [
            found
            for found in (
                _closest_word(word, known) or self._closest_word_but_first_letter(word)
                for word in typed
            )
            if found
        ]
        if not corrected:
            return []
        match = " AND ".join(f'"{word}"' for word in corrected)
        hidden, params = self._hidden()
        # Of the titles holding them, those nearest in length to the typed text (read from
        # the short content rows) are the candidates: a common word is in thousands.
        sql = f"""
            WITH found(id) AS (
                SELECT rowid FROM {NAME_WORDS_TABLE}
                WHERE {NAME_WORDS_TABLE} MATCH %s AND language = %s AND rowid NOT IN ({hidden})
            ),
            nearest(id) AS (
                SELECT found.id FROM found CROSS JOIN {TITLES_TABLE} n ON n.id = found.id
                ORDER BY abs(length(n.{TITLES_COLUMN}) - %s), found.id
                LIMIT {CLOSE_TITLE_CANDIDATES}
            )
            SELECT t.id, t.title, t.slug
            FROM nearest CROSS JOIN glossary_term t ON t.id = nearest.id"""
        params = [match, self.language, *params, len(text)]
        return _closest(text, list(Term.objects.raw(sql, params)), limit)

    def _words_starting_like(self, typed: list[str]) -> list[str]:
        """Title and alias words that start with the first letter of a typed word: few typos
        change the first letter, and the vocabulary is read in order from it."""
        firsts = sorted({word[0] for word in typed})
        if not firsts:
            return []
        sql = " UNION ALL ".join(
            [f"SELECT term FROM {NAME_WORDS_VOCAB} WHERE term >= %s AND term < %s"] * len(firsts)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [bound for first in firsts for bound in (first, chr(ord(first) + 1))]
            )
            return [row[0] for row in cursor.fetchall()]

    def _closest_word_but_first_letter(self, typed: str) -> str | None:
        """For a typo in the first letter ("keurogenesis"): the closest title or alias word
        that agrees from the second letter (its first letter changed) or from the first (its
        first letter missing), which no alphabetical range can reach. The vocabulary is
        read from each first letter it holds, found by skipping from one to the next."""
        after_first, from_first = typed[1:3], typed[:2]
        sql = f"""
            WITH RECURSIVE firsts(letter) AS (
                SELECT substr(term, 1, 1) FROM (
                    SELECT term FROM {NAME_WORDS_VOCAB} ORDER BY term LIMIT 1)
                UNION ALL
                SELECT (SELECT substr(term, 1, 1) FROM {NAME_WORDS_VOCAB}
                        WHERE term >= char(unicode(letter) + 1) ORDER BY term LIMIT 1)
                FROM firsts WHERE letter IS NOT NULL
            )
            SELECT v.term FROM firsts CROSS JOIN {NAME_WORDS_VOCAB} v
                ON v.term >= letter || %s AND v.term < letter || %s
            UNION ALL
            SELECT v.term FROM firsts CROSS JOIN {NAME_WORDS_VOCAB} v
                ON v.term >= letter || %s AND v.term < letter || %s"""
        params = [after_first, after_prefix(after_first), from_first, after_prefix(from_first)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            near = [row[0] for row in cursor.fetchall() if abs(len(row[0]) - len(typed)) <= 2]
        found = difflib.get_close_matches(typed, near, n=1, cutoff=CLOSE_WORD_MIN_RATIO)
        return found[0] if found else None


def _closest_word(typed: str, known: list[str]) -> str | None:
    """The typed word if a title or alias holds it, else the closest known word within two
    letters of its length and CLOSE_WORD_MIN_RATIO."""
    if typed in known:
        return typed
    near = [word for word in known if word[0] == typed[0] and abs(len(word) - len(typed)) <= 2]
    found = difflib.get_close_matches(typed, near, n=1, cutoff=CLOSE_WORD_MIN_RATIO)
    return found[0] if found else None


def _typed_words(text: str) -> list[str]:
    """The words of a query worth correcting: three letters or more, accent- and case-free."""
    return sorted({word for word in words_of(text) if len(word) >= 3})


def _closest(text: str, candidates: list[Term], limit: int) -> list[Term]:
    """The candidates closest to the typed text first, as PostgreSQL orders by similarity.

    No threshold: every candidate holds every corrected word, each already within
    CLOSE_WORD_MIN_RATIO of a typed word, and a long title ("Resistance training
    neurological benefits" for "neurologcal") is never close to one typed word as a whole."""
    wanted = text.casefold()
    scored = [
        (difflib.SequenceMatcher(None, wanted, term.title.casefold()).ratio(), term)
        for term in candidates
    ]
    scored.sort(key=lambda item: (-item[0], item[1].title))
    return [term for _, term in scored[:limit]]


class PostgresBackend:
    """A weighted tsvector (GIN), websearch_to_tsquery, ts_headline, pg_trgm similarity.

    Name lookups (the title tier, suggestions, did-you-mean) read the names table, whose
    rows are a few dozen bytes; the article rows are read for the page's terms alone.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self.config = pg_config(language)

    def _query(self, text: str) -> tuple[str, list]:
        """The tsquery of the typed text, and its parameters. For the languages Snowball
        stems in Python too, the text with each word so stemmed is an alternative:
        PostgreSQL's own stemmers predate some of Snowball's rules (its German one leaves
        "Muskeln" apart from "Muskel"), and the index holds what they make of a stem."""
        plain = f"websearch_to_tsquery('{self.config}', %s)"
        if self.language not in SNOWBALL_ALGORITHMS or self.config == PG_SIMPLE_CONFIG:
            return plain, [text]
        stemmer = _stemmer(self.language)
        stemmed = WORD.sub(
            lambda m: (
                m.group() if m.group().lower() == "or" else stemmer.stemWord(m.group().lower())
            ),
            text,
        )
        return f"({plain} || {plain})", [text, stemmed]

    def count(self, text: str, groups: list[list[Clause]], limit: int) -> int:
        # Plain SQL: compiling the ORM's version of this cost more than running it. Without
        # an excluded word every title or alias match is a match, so when the small names
        # table alone reaches the limit the articles' index is never read (a common word's
        # GIN bitmap over 50,000 articles is most of the cost).
        negated = any(clause.negated for group in groups for clause in group)
        visible = visible_sql()
        articles = f"""(SELECT count(*) FROM (
                SELECT 1 FROM glossary_term, q WHERE {PG_VECTOR_COLUMN} @@ q.q
                    AND language = %s AND {visible}
                LIMIT %s) AS found)"""
        names = f"""(SELECT count(*) FROM (
                SELECT 1 FROM {PG_NAMES_TABLE}, q WHERE names @@ q.q
                    AND language = %s AND {visible}
                LIMIT %s) AS found)"""
        now = timezone.now()
        published = Term.Status.PUBLISHED
        language = self.language
        query, params = self._query(text)
        sql = f"WITH q AS (SELECT {query} AS q) SELECT "
        if negated:
            sql += articles
            params += [language, published, now, limit]
        else:
            sql += f"CASE WHEN {names} >= %s THEN %s ELSE {articles} END"
            params += [language, published, now, limit, limit, limit]
            params += [language, published, now, limit]
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
        visible = visible_sql("t")
        # Without an excluded word, a title or alias match is a match of the whole vector
        # (it holds the same names); with one, the text must be checked too.
        negated = any(clause.negated for group in groups for clause in group)
        query, query_params = self._query(text)
        whole_query = (
            f"AND n.id IN (SELECT id FROM glossary_term WHERE {PG_VECTOR_COLUMN} @@ q.q)"
            if negated
            else ""
        )
        sql = f"""
            WITH q AS (SELECT {query} AS q),
            names AS (
                SELECT n.id, n.sort_title,
                    (n.sort_title = %s OR position(%s in
                        E'\\n' || replace(lower(n.aliases), E'\\r', '') || E'\\n') > 0)
                        AS exact,
                    ts_rank(n.names, q.q) AS score
                FROM {PG_NAMES_TABLE} n, q
                WHERE n.names @@ q.q {whole_query}
                    AND n.language = %s AND {visible_sql("n")}
                ORDER BY exact DESC, score DESC, n.sort_title, n.id
                LIMIT %s
            ),
            candidates AS (
                SELECT t.id FROM glossary_term t, q
                WHERE t.{PG_VECTOR_COLUMN} @@ q.q AND NOT (t.{PG_NAMES_COLUMN} @@ q.q)
                    AND t.language = %s AND {visible}
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
            SELECT t.id, t.title, t.slug, t.summary, t.body, t.aliases, t.cited_sources,
                t.publication_number,
                ts_headline('{self.config}', t.summary, q.q, %s) AS summary_snippet,
                CASE WHEN to_tsvector('{self.config}', t.summary) @@ q.q THEN NULL
                    ELSE ts_headline('{self.config}', t.body, q.q, %s) END AS body_snippet
            FROM ranked JOIN glossary_term t ON t.id = ranked.id, q
            ORDER BY ranked.tier, ranked.score DESC, ranked.sort_title, ranked.id"""
        options = f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=12"
        wanted = offset + limit
        published = Term.Status.PUBLISHED
        language = self.language
        params = [*query_params, sort_key(text, language), f"\n{text.lower()}\n"]  # names
        params += [language, published, now, wanted]
        params += [language, published, now, wanted, limit, offset, options, options]
        terms = publications.as_published(list(Term.objects.raw(sql, params)), snippets=True)
        return [SearchHit.of(term, language) for term in terms]

    def titles_starting_with(self, prefix: str, limit: int) -> list[Suggested]:
        # As on SQLite: one bucket of the suggest index (visibility included) walked in the
        # order shown, stopping at the last title needed.
        sql = f"""
            WITH found AS (
                SELECT id, length(title) AS size, sort_title FROM {PG_NAMES_TABLE}
                WHERE language = %s AND {PG_SUGGEST_BUCKET} = %s
                    AND starts_with(sort_title, %s) AND {visible_sql()}
                ORDER BY language, {PG_SUGGEST_BUCKET}, length(title), sort_title, id
                LIMIT %s
            )
            SELECT t.id, t.title, t.slug, t.aliases
            FROM found JOIN glossary_term t ON t.id = found.id
            ORDER BY found.size, found.sort_title, found.id"""
        return _suggested(sql, [self.language, prefix[:2], prefix, *visible_params(), limit])

    def titles_with_words(self, words: list[str], limit: int) -> list[Suggested]:
        # The names table's words as written (their own index): every whole word in any of
        # its forms, the last word as the prefix of a word; of the first SUGGEST_CANDIDATES
        # matches, the shortest titles. The language is checked on the rows the words index
        # finds ("IS TRUE": not a condition the suggest index, which leads with the
        # language, could take over from it).
        *whole, last = words
        forms = word_forms(whole, self._words_starting_with, self.language)
        # Quoted lexemes: the words are word characters only, never a quote or operator.
        either = [" | ".join(f"'{form}'" for form in same) for same in forms]
        query = " & ".join([*(f"({one})" for one in either), f"'{last}':*"])
        sql = f"""
            WITH candidates AS (
                SELECT id, title, sort_title FROM {PG_NAMES_TABLE}
                WHERE {PG_NAMES_WORDS} @@ to_tsquery('{PG_SIMPLE_CONFIG}', %s)
                    AND (language = %s) IS TRUE AND {visible_sql()}
                LIMIT {SUGGEST_CANDIDATES}
            ),
            found AS (
                SELECT id, length(title) AS size, sort_title FROM candidates
                ORDER BY size, sort_title, id
                LIMIT %s
            )
            SELECT t.id, t.title, t.slug, t.aliases
            FROM found JOIN glossary_term t ON t.id = found.id
            ORDER BY found.size, found.sort_title, found.id"""
        return _suggested(sql, [query, self.language, *visible_params(), limit])

    def _words_starting_with(self, starts: list[str]) -> list[str]:
        """Title and alias words (the words table, three letters or more) starting with any
        of these: a range of its ordered index each."""
        if not starts:
            return []
        sql = " UNION ALL ".join(
            [f"SELECT word FROM {PG_WORDS_TABLE} WHERE word LIKE %s"] * len(starts)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [_like_prefix(start) for start in starts])
            return [row[0] for row in cursor.fetchall()]

    def close_titles(self, text: str, limit: int) -> list[Term]:
        # Each typed word is corrected against the words of all titles and aliases (short
        # rows, a trigram index): comparing the text with every title instead rechecked
        # thousands of long titles that share a few trigrams with it. The titles holding
        # every corrected word come next: the CLOSE_TITLE_CANDIDATES nearest in length to
        # the typed text (a common word is in thousands), closest to it first.
        typed = _typed_words(text)
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
                SELECT plainto_tsquery('{self.config}', string_agg(word, ' ')) AS q
                FROM corrected
            ),
            candidates AS (
                SELECT n.id, n.title, n.sort_title FROM {PG_NAMES_TABLE} n, q
                WHERE n.names @@ q.q AND n.language = %s AND {visible_sql("n")}
                ORDER BY abs(length(n.title) - %s), n.id
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
        params = [typed, self.language, Term.Status.PUBLISHED, timezone.now(), len(text), text]
        params += [limit]
        return list(Term.objects.raw(sql, params))


def _like_prefix(text: str) -> str:
    """A LIKE pattern for texts starting with ``text``, its own wildcards escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def get_backend(language: str | None = None) -> Backend:
    """The search backend for the database in use, searching one language's terms
    (default: the default language)."""
    language = language or settings.LANGUAGE_CODE
    if connection.vendor == "sqlite":
        return SQLiteBackend(language)
    if connection.vendor == "postgresql":
        return PostgresBackend(language)
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

    def __init__(self, text: str, language: str | None = None) -> None:
        self.language = language or settings.LANGUAGE_CODE
        self.text = clean_query(text)
        self.groups = parse_query(self.text)
        self._count: int | None = None
        self.capped = False

    def _answer(self, kind: str, compute):
        due, _ = schedule.bounds()
        moment = due.isoformat() if due else "-"
        key = _answer_key(f"results-{kind}", f"{self.language}:{moment}:{MAX_COUNTED}:{self.text}")
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
                    lambda: get_backend(self.language).count(
                        self.text, self.groups, MAX_COUNTED + 1
                    ),
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
            lambda: get_backend(self.language).page(self.text, self.groups, start, stop - start),
        )


def search_terms(query: str, language: str | None = None) -> SearchResults:
    """Published terms in the language matching the query, best first (exact title or
    alias, then relevance)."""
    return SearchResults(query, language)


def suggest_titles(
    prefix: str, limit: int = SUGGEST_LIMIT, language: str | None = None
) -> list[dict[str, str]]:
    """Titles in the language for the search box: every word matches a title or alias
    word (a word typed whole in any of its forms, the last as a prefix); titles starting
    with the text first."""
    language = language or settings.LANGUAGE_CODE
    text = clean_query(prefix)
    typed = words_of(text)[:MAX_WORDS]
    if not typed or len(text) < 2:
        return []
    found = []
    starting = prefix_of(WORD.findall(text.replace("_", " "))[:MAX_WORDS], language)
    for term in _suggested_terms(get_backend(language), typed, limit, starting):
        item = {"title": term.title, "url": term_url(term.slug, language)}
        alias = _matching_alias(term.title, alias_lines(term.aliases), typed)
        if alias:
            item["alias"] = alias
        found.append(item)
    return found


def _suggested_terms(
    backend: Backend, typed: list[str], limit: int, prefix: str
) -> list[Suggested]:
    """Titles that start with the typed text (``prefix``, as sort titles begin) first,
    shortest first: when they fill the list (short prefixes, where the word search finds
    thousands), an index walked in the order shown answers alone. Titles whose words match
    fill the rest."""
    starting = backend.titles_starting_with(prefix, limit) if len(prefix) >= 2 else []
    if len(starting) == limit:
        return starting
    shown = {term.pk for term in starting}
    others = backend.titles_with_words(typed, limit)
    return (starting + [term for term in others if term.pk not in shown])[:limit]


def _answer_key(kind: str, text: str) -> str:
    """A cache key that changes with the content stamp (from the request's snapshot) and
    with the release, since a release may change what an answer holds (SearchHit)."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"search:{kind}:{deploy.version()}:{stamps.key_part(versions.LISTINGS)}:{digest}"


def _matching_alias(title: str, aliases: list[str], typed: list[str]) -> str:
    """The alias a suggestion was found by, when its title alone does not explain it
    (``typed``: the words as ``words_of`` reads them)."""

    def explains(name: str) -> bool:
        name_words = words_of(name)
        return all(any(w.startswith(part) for w in name_words) for part in typed)

    if explains(title):
        return ""
    return next((alias for alias in aliases if explains(alias)), "")


def close_titles(
    query: str, limit: int = CLOSE_TITLE_LIMIT, language: str | None = None
) -> list[Term]:
    """Published titles in the language that look like the query ("neurogenisis" ->
    Neurogenesis)."""
    language = language or settings.LANGUAGE_CODE
    text = clean_query(query)
    if len(text) < 3 or not WORD.search(text):
        return []
    key = _answer_key("close", f"{language}:{limit}:{text}")
    found = cache.get(key)
    if found is None:
        backend = get_backend(language)
        found = [(term.pk, term.title, term.slug) for term in backend.close_titles(text, limit)]
        cache.set(key, found, ANSWER_CACHE_SECONDS)
    return [Term(pk=pk, title=title, slug=slug, language=language) for pk, title, slug in found]


def warm_up() -> None:
    """Run each search statement once, so a new worker's first reader does not pay for
    PostgreSQL loading its text-search dictionaries or SQLite reading the full-text
    index's structure (core.warmup)."""
    backend = get_backend()
    groups = parse_query("warm")
    backend.count("warm", groups, 1)
    backend.page("warm", groups, 0, 1)
    backend.titles_starting_with("warm", 1)
    backend.titles_with_words(["warm", "up"], 1)
    backend.close_titles("warm", 1)
