"""The index of published names that cross-links are made from, current in every process.

Building the automaton for 50,000 terms costs a second or two, so each process keeps one
in memory with the number of the `glossary.names` stamp it was built at. The stamp is
bumped only when a title, alias, slug or visibility changes (glossary.changes), so a save
that changes none of them reuses the index. A process that changed names itself lays
the change over its index (no rebuild); another process sees the new stamp and rebuilds.
A scheduled term that comes due is laid over the index the same way, found by the time
of the next scheduled publication (``glossary.schedule``), which the index remembers.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from core import stamps
from glossary import references, schedule, versions
from glossary.models import NameChange, Term
from glossary.rendering import CitationNumbering, NameRow, TermIndex, render_markdown

# Past this many terms laid over the big automaton, the next use rebuilds it.
MAX_OVERLAY = 500


@dataclass
class _Cached:
    index: TermIndex
    stamp: int
    built_at: datetime.datetime
    valid_until: datetime.datetime | None


@dataclass
class _Pending:
    """Name changes made in this thread's open transaction, not yet committed."""

    base_stamp: int
    stamp: int
    changes: dict[int, NameRow | None] = field(default_factory=dict)
    index: TermIndex | None = None  # built for this transaction when the process's is stale


_lock = threading.Lock()
_cached: _Cached | None = None
_local = threading.local()


def published_rows(ids: list[int] | None = None) -> list[NameRow]:
    """(id, slug, title, aliases) of published terms (all, or these), for a TermIndex."""
    query = Term.objects.published()
    if ids is not None:
        query = query.filter(pk__in=ids)
    return list(query.name_rows())


def published_since(since: datetime.datetime, until: datetime.datetime | None = None) -> QuerySet:
    """Names of the public terms published after ``since`` (up to ``until``): scheduled
    terms whose time came, which nothing announces, and terms published just now."""
    query = Term.objects.published().filter(published_at__gt=since)
    if until is not None:
        query = query.filter(published_at__lte=until)
    return query.name_rows()


def _next_publication() -> datetime.datetime | None:
    """When the next scheduled term comes due (the schedule the page cache keeps too).

    Read before the rows it guards: a term that comes due while they are read is then
    both in them and not after this time, so at worst it is laid over them again."""
    return schedule.bounds()[1]


def _build(stamp: int) -> _Cached:
    now = timezone.now()
    upcoming = _next_publication()
    rows = Term.objects.published().name_rows().iterator(chunk_size=5000)
    return _Cached(TermIndex(rows), stamp, now, upcoming)


def _come_due(cached: _Cached, now: datetime.datetime) -> _Cached:
    """Scheduled terms whose time has come, laid over the index."""
    upcoming = _next_publication()
    due = list(published_since(cached.built_at))
    index = cached.index.with_changes({row[0]: row for row in due})
    return _Cached(index, cached.stamp, now, upcoming)


def current() -> TermIndex:
    """The index as this transaction sees it (its own uncommitted name changes included)."""
    global _cached
    stamp = stamps.current(versions.NAMES)  # read before the rows, see core.stamps
    now = timezone.now()
    with _lock:
        cached = _cached
        if cached is not None and cached.valid_until is not None and now >= cached.valid_until:
            cached = _cached = _come_due(cached, now)
        pending: _Pending | None = getattr(_local, "pending", None)
        if pending is not None and pending.stamp == stamp:
            # This transaction changed names and has not committed: its view is its own.
            if cached is not None and cached.stamp == pending.base_stamp:
                return cached.index.with_changes(pending.changes)
            if pending.index is None:
                pending.index = _build(stamp).index
            return pending.index
        _local.pending = None
        if cached is not None and cached.stamp == stamp:
            return cached.index
        _cached = (cached and _catch_up(cached, stamp)) or _build(stamp)
        return _cached.index


def changed_between(since: int, until: int) -> set[int] | None:
    """The terms whose names changed after stamp number ``since`` up to ``until``, from the
    log; None when the log cannot say (a number missing, as after a rolled-back change, or
    many terms at once): build afresh."""
    if until < since:
        return None
    log = list(
        NameChange.objects.filter(stamp__gt=since, stamp__lte=until).values_list("stamp", "term_id")
    )
    changed = {term_id for _, term_id in log}
    if len({number for number, _ in log}) != until - since or None in changed:
        return None
    return changed


def _catch_up(cached: _Cached, stamp: int) -> _Cached | None:
    """Lay the terms whose names other processes changed over the index, if few."""
    changed = changed_between(cached.stamp, stamp)
    if changed is None or cached.index.overlay_size + len(changed) > MAX_OVERLAY:
        return None
    rows = {row[0]: row for row in published_rows(sorted(changed))}
    index = cached.index.with_changes({pk: rows.get(pk) for pk in changed})
    return _Cached(index, stamp, cached.built_at, _next_publication())


def names_changed(changes: Mapping[int, NameRow | None], base_stamp: int, stamp: int) -> None:
    """Record name changes made in the open transaction (after the stamp was bumped).

    `base_stamp` is the stamp before this change, `stamp` after it. Until the commit only
    this thread sees them; at the commit (glossary.changes calls `committed`) the
    process's index takes them over, unless another process changed names in between.
    """
    pending: _Pending | None = getattr(_local, "pending", None)
    if pending is not None and pending.stamp == base_stamp:
        pending.changes.update(changes)
        pending.stamp = stamp
        if pending.index is not None:
            pending.index = pending.index.with_changes(changes)
    else:
        _local.pending = _Pending(base_stamp, stamp, dict(changes))


def committed() -> None:
    """After a commit: lay this thread's name changes over the process's index."""
    global _cached
    pending: _Pending | None = getattr(_local, "pending", None)
    _local.pending = None
    if pending is None:
        return
    # A savepoint rolled back, or another process changed names since: rebuild on next use.
    if stamps.current(versions.NAMES) != pending.stamp:
        return
    with _lock:
        if _cached is not None and _cached.index.overlay_size >= MAX_OVERLAY:
            _cached = None  # rebuilt on next use, with every change folded in
        elif _cached is not None and _cached.stamp == pending.base_stamp:
            _cached = _Cached(
                _cached.index.with_changes(pending.changes),
                pending.stamp,
                _cached.built_at,
                _next_publication(),
            )


def forget() -> None:
    """Drop this process's index (tests; the stamp makes it unnecessary elsewhere)."""
    global _cached
    with _lock:
        _cached = None
    _local.pending = None


def render_preview(source: str) -> str:
    """What the editor's live preview shows: exactly the public rendering of the body."""
    sources = references.sources_for(None, source)
    body_html, _, _ = render_markdown(
        source, current(), numbering=CitationNumbering(sources.library)
    )
    return body_html
