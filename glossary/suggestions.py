"""Title suggestions for the search box, answered from memory in each process.

A suggestion is asked at every pause in typing, so it must cost next to nothing. Asked of
the database, a first-time suggestion cost 3 to 5 ms at 50,000 terms (a prefix index walk,
then a word search for most prefixes), and the answers were cached in Redis per prefix;
under 4 clients on 2 cores that put the first-time p95 at 17 to 19 ms. From memory it costs
a few hundred microseconds, and no answer needs caching.

Each process keeps every published title and alias word: about 37 MB at 50,000 terms,
built in about 0.7 s (by each gunicorn worker before its first request: core.warmup). It
is kept true like every other cache here: it carries the `glossary.names` stamp it was
built at (bumped when a title, alias, slug or visibility changes, anywhere) and the latest
publication that had come due. A request that sees the stamp move lays the terms named in
the stamp's log (glossary.models.NameChange) over a copy of the index (about 20 ms at 50,000),
and one that sees a later publication come due lays the terms published since; when the
log cannot say, or hundreds changed, the index is built anew. Either way an edit shows on
the very next suggestion in every process.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import heapq
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import snowballstemmer

from core import stamps
from glossary import name_index, schedule, versions
from glossary.models import Term, sort_key
from glossary.rendering import NameRow

WORD = re.compile(r"\w+")
# The word search orders this many of its matches (the first by id), not all of them: a
# short last word can match thousands of titles.
CANDIDATES = 200
# Titles starting with the text are ordered directly when there are at most this many;
# past that, the first two letters' titles are walked in the order shown.
SORT_AT_MOST = 512
# Past this many terms changed since the index was built, it is built anew.
MAX_CHANGES = 500
# Words shorter than this are matched as typed (stemming rarely changes them, and their
# candidates would be many).
STEM_FROM = 4
_END = "\U0010ffff"
_STEMMER = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=65536)
def stem_of(word: str) -> str:
    """The word's English (Snowball) stem, as PostgreSQL's english configuration and
    close to SQLite's porter tokenizer stem it: ``exercises`` and ``exercise``, ``exercis``."""
    return _STEMMER.stemWord(word)


def words_of(text: str) -> list[str]:
    """Accent-free, case-free words, as titles are indexed and as typed text is read."""
    return WORD.findall(sort_key(text).replace("_", " "))


@dataclass(frozen=True)
class Suggested:
    """A suggested term as the index holds it (a model instance per suggestion cost more
    than finding them)."""

    title: str
    slug: str
    aliases: str
    sort_title: str

    @classmethod
    def of(cls, slug: str, title: str, aliases: str | None) -> Suggested:
        return cls(title, slug, aliases or "", sort_key(title))

    def order(self, pk: int) -> tuple[int, str, int]:
        """Where the term is shown: shortest title first, then alphabetical."""
        return len(self.title), self.sort_title, pk

    @property
    def words(self) -> dict[str, None]:
        """Computed again when needed rather than kept: 50,000 tuples of words cost 20 MB."""
        return dict.fromkeys(words_of(f"{self.title}\n{self.aliases}"))


class SuggestionIndex:
    """Published titles sorted by sort title, also by length within their first two letters,
    and every title and alias word with the terms that hold it (also by its second and
    third letters, for "did you mean")."""

    def __init__(self, rows: Iterable[NameRow]) -> None:
        self.rows: dict[int, Suggested] = {
            pk: Suggested.of(slug, title, aliases) for pk, slug, title, aliases in rows
        }
        self.by_title = sorted((row.sort_title, pk) for pk, row in self.rows.items())
        self.buckets: dict[str, list[tuple[int, str, int]]] = {}
        for key in sorted(self._order(pk) for pk in self.rows):
            self.buckets.setdefault(self.rows[key[2]].sort_title[:2], []).append(key)
        self.holders: dict[str, list[int]] = {}
        for pk, row in self.rows.items():
            for word in row.words:
                self.holders.setdefault(word, []).append(pk)
        self.words = sorted(self.holders)
        self.by_second: dict[str, list[str]] = {}
        for word in self.words:
            self.by_second.setdefault(word[1:3], []).append(word)

    def with_changes(self, rows: dict[int, NameRow | None]) -> SuggestionIndex:
        """A copy with these terms' names replaced (a row) or removed (None): each changed
        term costs a few list insertions, where building anew reads and sorts every name."""
        changed = SuggestionIndex.__new__(SuggestionIndex)
        changed.rows = dict(self.rows)
        changed.by_title = list(self.by_title)
        changed.buckets = dict(self.buckets)
        changed.holders = dict(self.holders)
        changed.words = list(self.words)
        changed.by_second = dict(self.by_second)
        for pk, row in rows.items():
            old = changed.rows.pop(pk, None)
            if old is not None:
                changed._unlink(pk, old)
            if row is not None:
                changed.rows[pk] = Suggested.of(row[1], row[2], row[3])
                changed._link(pk)
        return changed

    def _link(self, pk: int) -> None:
        row = self.rows[pk]
        bisect.insort(self.by_title, (row.sort_title, pk))
        bucket = self.buckets[row.sort_title[:2]] = list(self.buckets.get(row.sort_title[:2], ()))
        bisect.insort(bucket, self._order(pk))
        for word in row.words:
            if word not in self.holders:
                bisect.insort(self.words, word)
                self.by_second[word[1:3]] = [*self.by_second.get(word[1:3], ()), word]
            self.holders[word] = [*self.holders.get(word, ()), pk]

    def _unlink(self, pk: int, row: Suggested) -> None:
        self.by_title.remove((row.sort_title, pk))
        bucket = self.buckets[row.sort_title[:2]] = list(self.buckets[row.sort_title[:2]])
        bucket.remove(row.order(pk))
        for word in row.words:
            self.holders[word] = [holder for holder in self.holders[word] if holder != pk]

    def suggest(self, typed: list[str], limit: int) -> list[Suggested]:
        """Titles that start with the typed text first, shortest first; then titles whose
        words match every typed word, the last as a prefix (starting ones, then shortest)."""
        prefix = " ".join(typed)
        starting = self._starting_with(prefix, limit)
        if len(starting) < limit:
            shown = set(starting)
            starting += [pk for pk in self._with_words(typed, prefix, limit) if pk not in shown]
        return [self.rows[pk] for pk in starting[:limit]]

    def _starting_with(self, prefix: str, limit: int) -> list[int]:
        low = bisect.bisect_left(self.by_title, (prefix,))
        high = bisect.bisect_left(self.by_title, (prefix + _END,), low)
        if high - low <= SORT_AT_MOST:
            found = heapq.nsmallest(limit, (self._order(pk) for _, pk in self.by_title[low:high]))
            return [pk for _, _, pk in found]
        starting = []
        for _, sort_title, pk in self.buckets.get(prefix[:2], ()):
            if sort_title.startswith(prefix):
                starting.append(pk)
                if len(starting) == limit:
                    break
        return starting

    def _with_words(self, typed: list[str], prefix: str, limit: int) -> list[int]:
        *whole, last = typed
        low = bisect.bisect_left(self.words, last)
        high = bisect.bisect_left(self.words, last + _END, low)
        matches: set[int] = set()
        for word in self.words[low:high]:
            matches.update(self.holders[word])
        for held in sorted(map(self._holding_stem, whole), key=len):
            matches.intersection_update(held)
        first = sorted(matches)[:CANDIDATES]
        return heapq.nsmallest(
            limit,
            first,
            key=lambda pk: (not self.rows[pk].sort_title.startswith(prefix), self._order(pk)),
        )

    def words_but_first_letter(self, word: str) -> list[str]:
        """Indexed words that agree with ``word`` from its second letter (its first letter
        changed) or from its first (its first letter missing): "did you mean" candidates
        for a typo in the first letter, which an alphabetical range cannot reach."""
        return [*self.by_second.get(word[1:3], ()), *self.by_second.get(word[:2], ())]

    def _holding_stem(self, word: str) -> set[int]:
        """Terms holding ``word`` or a word of the same stem: a word typed whole matches
        as the word search matches it ("exercises tr" finds "Exercise training")."""
        found = set(self.holders.get(word, ()))
        if len(word) < STEM_FROM:
            return found
        stem = stem_of(word)
        # Stemming keeps a word's beginning but may change its last letter (studies, study:
        # studi): the candidates share the stem but for that letter.
        start = stem if len(stem) < STEM_FROM else stem[:-1]
        low = bisect.bisect_left(self.words, start)
        high = bisect.bisect_left(self.words, start + _END, low)
        for candidate in self.words[low:high]:
            if candidate != word and stem_of(candidate) == stem:
                found.update(self.holders[candidate])
        return found

    def _order(self, pk: int) -> tuple[int, str, int]:
        return self.rows[pk].order(pk)


@dataclass(frozen=True)
class _Built:
    index: SuggestionIndex
    names: stamps.Token
    due: datetime.datetime | None  # the latest publication that had come due


_lock = threading.Lock()
_built: _Built | None = None


def current() -> SuggestionIndex:
    """This process's index, brought up to date: the terms whose names changed since it was
    built (from the log behind the names stamp) and the terms that became public since the
    last publication it had seen are laid over it; when the log cannot say, or too many
    changed, it is built anew."""
    global _built
    names = stamps.token(versions.NAMES)
    due, _ = schedule.bounds()
    built = _built
    if built is not None and built.names == names and built.due == due:
        return built.index
    with _lock:
        built = _built
        index = built.index if built is not None else None
        if index is not None and built.names != names:
            index = _caught_up(index, built.names[0], names[0])
        if index is not None and built.due != due:
            index = _came_due(index, built.due, due)
        _built = _Built(_build() if index is None else index, names, due)
        return _built.index


def _build() -> SuggestionIndex:
    return SuggestionIndex(Term.objects.published().name_rows().iterator(chunk_size=5000))


def _caught_up(index: SuggestionIndex, since: int, number: int) -> SuggestionIndex | None:
    changed = name_index.changed_between(since, number)
    if changed is None or len(changed) > MAX_CHANGES:
        return None
    rows = {row[0]: row for row in name_index.published_rows(sorted(changed))}
    return index.with_changes({pk: rows.get(pk) for pk in changed})


def _came_due(
    index: SuggestionIndex, since: datetime.datetime | None, until: datetime.datetime | None
) -> SuggestionIndex | None:
    """Terms published after ``since`` up to ``until`` (the latest publication that had
    come due then and now): scheduled terms whose time came, which nothing announces, and
    terms published just now (also in the names log: laying them twice is harmless).
    Rebuilding instead cost 0.7 s per process at 50,000 terms for every new term."""
    if since is None:
        return None
    if until is None or until <= since:  # the latest went away: an edit, in the names log
        return index
    rows = list(name_index.published_since(since, until)[: MAX_CHANGES + 1])
    if len(rows) > MAX_CHANGES:
        return None
    return index.with_changes({row[0]: row for row in rows})


def forget() -> None:
    """Drop this process's index (tests; the stamps make it unnecessary elsewhere)."""
    global _built
    with _lock:
        _built = None
