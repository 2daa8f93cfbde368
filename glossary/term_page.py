"""The term page: what it shows around the term (one prepared statement), and which
term pages a change shows on (``invalidate``).

**Invalidating.** The page cache keys a term page on the term's ``edit_token`` (new on
every save of the term) and ``page_token`` (``glossary.versions``). ``invalidate`` renews
the page token where something else on the page changes: a linked term's summary, a
related term's rank, a category's name or members, related terms added or removed, an
article re-rendered by relinking. It runs in the caller's transaction, so the change and
the new key become visible together.

**Surroundings.** Neighbours, categories, link previews and related terms are index
lookups that SQLite answers in tens of microseconds, but the ORM spent about a
millisecond compiling each of them (four queries, five subqueries): most of an uncached
page's time. Here they are one UNION ALL statement, written once, with the same rules
the models state (``visible_sql``, ``Term.related_ordered``): neighbours walk the
sort-title index, related terms come most linked-to first (the stored ``InboundLinks``
count), at most ``RELATED_ON_PAGE``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from core import stamps
from glossary import publications, versions
from glossary.models import (
    RELATED_ON_PAGE,
    Category,
    InboundLinks,
    Term,
    language_position,
    visible_params,
    visible_sql,
)
from glossary.navigation import TermLink
from glossary.rendering import term_url

_TERMS = Term._meta.db_table
_LINKS = Term.linked_terms.through._meta.db_table
_RELATED = Term.related_terms.through._meta.db_table
_TERM_CATEGORIES = Term.categories.through._meta.db_table
_CATEGORIES = Category._meta.db_table
_INBOUND = InboundLinks._meta.db_table

# (kind, position, id, publication_number, slug, title, summary) rows; each branch is
# wrapped so that it may keep its own ORDER BY and LIMIT inside the UNION (SQLite and
# PostgreSQL alike). All of them stay within the term's language; 'alternate' rows are
# the published versions of its concept (their language in the title column).
_SQL = f"""
SELECT * FROM (
    SELECT 'next' AS kind, 0 AS position, id, publication_number, slug, title, '' AS summary
    FROM {_TERMS}
    WHERE {visible_sql()} AND language = %s
        AND sort_title >= %s AND NOT (sort_title = %s AND id <= %s)
    ORDER BY language, sort_title, id LIMIT 1
) AS next_term
UNION ALL SELECT * FROM (
    SELECT 'previous', 0, id, publication_number, slug, title, '' FROM {_TERMS}
    WHERE {visible_sql()} AND language = %s
        AND sort_title <= %s AND NOT (sort_title = %s AND id >= %s)
    ORDER BY language DESC, sort_title DESC, id DESC LIMIT 1
) AS previous_term
UNION ALL SELECT * FROM (
    SELECT 'alternate', 0, 0, 0, slug, language,
        CASE WHEN translation_of_id IS NULL THEN 'source' ELSE '' END FROM {_TERMS}
    WHERE concept = %s AND {visible_sql()}
) AS alternates
UNION ALL SELECT * FROM (
    SELECT 'category', row_number() OVER (ORDER BY c.name, c.id), 0, 0, c.slug, c.name, ''
    FROM {_CATEGORIES} c JOIN {_TERM_CATEGORIES} tc ON tc.category_id = c.id
    WHERE tc.term_id = %s
) AS categories
UNION ALL SELECT * FROM (
    SELECT 'preview', 0, t.id, t.publication_number, t.slug, t.title, t.summary
    FROM {_TERMS} t JOIN {_LINKS} l ON l.to_term_id = t.id
    WHERE l.from_term_id = %s AND {visible_sql("t")}
) AS previews
UNION ALL SELECT * FROM (
    SELECT 'related', position, id, publication_number, slug, title, '' FROM (
        SELECT t.id, t.publication_number, t.slug, t.title, row_number() OVER (
            ORDER BY coalesce(i.count, 0) DESC, t.sort_title, t.id
        ) AS position
        FROM {_TERMS} t JOIN {_RELATED} r ON r.to_term_id = t.id
            LEFT JOIN {_INBOUND} i ON i.term_id = t.id
        WHERE r.from_term_id = %s AND t.language = %s AND {visible_sql("t")}
    ) AS ranked WHERE position <= %s
) AS related
ORDER BY kind, position
"""


@dataclass(frozen=True)
class Alternate:
    """A published version of the page's concept: its language and address (a path)."""

    language: str
    url: str
    slug: str
    is_source: bool = False


@dataclass
class Surroundings:
    previous: TermLink | None = None
    next: TermLink | None = None
    categories: list[Category] = field(default_factory=list)
    # slug -> title and summary of every published term the article links to
    previews: dict[str, dict[str, str]] = field(default_factory=dict)
    related: list[TermLink] = field(default_factory=list)
    more_related: bool = False
    # Every published version of the concept, this one included, in LANGUAGES order.
    alternates: list[Alternate] = field(default_factory=list)


def surroundings(term: Term, related_limit: int = RELATED_ON_PAGE) -> Surroundings:
    """Neighbours A–Z, categories, link previews, the first related terms and the
    published versions in other languages (one query)."""
    visible = visible_params()
    language = term.language
    params = [*visible, language, term.sort_title, term.sort_title, term.pk]  # next
    params += [*visible, language, term.sort_title, term.sort_title, term.pk]  # previous
    concept = Term._meta.get_field("concept").get_db_prep_value(term.concept, connection)
    params += [concept, *visible]  # alternates
    params += [term.pk]  # categories
    params += [term.pk, *visible]  # previews
    # related, one more: "are there more?"
    params += [term.pk, language, *visible, related_limit + 1]
    found = Surroundings()
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        rows = cursor.fetchall()
    # Terms named as their pages name them (a held edit's published title and summary).
    named = publications.as_published(
        [
            publications.Listing(pk, number, slug, title, extra=kind, summary=summary)
            for kind, _, pk, number, slug, title, summary in rows
        ]
    )
    for row in named:
        kind, slug, title = row.extra, row.slug, row.title
        if kind == "next":
            found.next = TermLink(title=title, slug=slug, language=language)
        elif kind == "previous":
            found.previous = TermLink(title=title, slug=slug, language=language)
        elif kind == "alternate":
            found.alternates.append(
                Alternate(title, term_url(slug, title), slug, row.summary == "source")
            )
        elif kind == "category":
            found.categories.append(Category(slug=slug, name=title))
        elif kind == "preview":
            found.previews[slug] = {"title": title, "summary": row.summary}
        else:
            found.related.append(TermLink(title=title, slug=slug, language=language))
    found.more_related = len(found.related) > related_limit
    found.related = found.related[:related_limit]
    found.alternates = ordered(found.alternates)
    return found


def ordered(alternates: list[Alternate]) -> list[Alternate]:
    """Versions in settings.LANGUAGES order, as every page and the sitemap list them."""
    return sorted(alternates, key=lambda alternate: language_position(alternate.language))


def x_default(alternates: list[Alternate]) -> Alternate | None:
    """The version for readers whose language has none: the default language's, else a
    source the others were translated from, else the first listed. The same on every
    version, since every version lists the same alternates."""
    if not alternates:
        return None
    for alternate in alternates:
        if alternate.language == settings.LANGUAGE_CODE:
            return alternate
    return next((a for a in alternates if a.is_source), alternates[0])


# --- Invalidating -----------------------------------------------------------------------

_OUTDATE_BATCH = 500


def invalidate(term_ids: Iterable[int] | None) -> None:
    """These terms' pages show something that changed: the page cache renders them anew.

    ``None`` means every term (a bulk load, a full recount): one stamp, not a new token
    in every row (on PostgreSQL, 50,000 row versions took ten seconds). Runs in the
    caller's transaction, so the change and the outdating become visible together.
    """
    if term_ids is None:
        stamps.bump(versions.TERM_PAGES)
        return
    token = uuid.uuid4()
    ids = sorted(set(term_ids))
    for start in range(0, len(ids), _OUTDATE_BATCH):
        Term.objects.filter(pk__in=ids[start : start + _OUTDATE_BATCH]).update(page_token=token)


def invalidate_listing(term_ids: Iterable[int] | None) -> None:
    """Invalidate the pages that list these terms as related (None: every page)."""
    if term_ids is None:
        invalidate(None)
        return
    ids = sorted(set(term_ids))
    listing: set[int] = set()
    for start in range(0, len(ids), _OUTDATE_BATCH):
        chunk = ids[start : start + _OUTDATE_BATCH]
        listing.update(
            Term.related_terms.through.objects.filter(to_term_id__in=chunk).values_list(
                "from_term_id", flat=True
            )
        )
    invalidate(listing)
