"""The term page: what it shows around the term (one prepared statement), and its
stored rendering.

**Stored renderings.** The page cache (``core.page_cache``) is keyed on the content
stamp, so every edit anywhere makes every page miss once. A term page is then served
from its stored rendering when nothing it shows has changed, which this key proves:

- the term's ``edit_token`` (new on every save of the term) and ``page_token`` (new when
  something else on its page changes: ``outdate``, called where those changes are made:
  a linked term's summary, a related term's rank, a category's name or members, related
  terms added or removed, an article re-rendered by relinking);
- the names stamp (any title, alias, slug or visibility: neighbours, related terms and
  link previews show names), the consent stamp (banner, scripts), the site stamp (the
  partner slot), the pages stamp (``outdate(None)``: every page at once), the last
  scheduled publication that came due, and the release (``core.deploy``);
- the banner state and the address (scheme, host, path).

So after an edit, only the pages that show it are rendered again. Only anonymous
readers of public terms at the bare address (no query string, as the page cache) get a
stored rendering; staff, drafts and previews are rendered every time.

**Surroundings.**
The term page is the most-read page and the one built on every page-cache miss (every
page misses once after any change). Its neighbours, categories, link previews and
related terms are index lookups that SQLite answers in tens of microseconds, but the
ORM spent about a millisecond compiling each of them (four queries, five subqueries):
most of an uncached page's time. Here they are one UNION ALL statement, written once,
with the same rules the models state (``TermQuerySet.published``,
``Term.related_ordered``): neighbours walk the sort-title index, related terms come
most linked-to first (the stored ``InboundLinks`` count), at most ``RELATED_ON_PAGE``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core import deploy, page_cache, stamps, visitors
from glossary.models import RELATED_ON_PAGE, Category, InboundLinks, Term
from glossary.navigation import TermLink

_TERMS = Term._meta.db_table
_LINKS = Term.linked_terms.through._meta.db_table
_RELATED = Term.related_terms.through._meta.db_table
_TERM_CATEGORIES = Term.categories.through._meta.db_table
_CATEGORIES = Category._meta.db_table
_INBOUND = InboundLinks._meta.db_table
_VISIBLE = "status = %s AND published_at <= %s"

# (kind, position, slug, title, summary) rows; each branch is wrapped so that it may
# keep its own ORDER BY and LIMIT inside the UNION (SQLite and PostgreSQL alike).
_SQL = f"""
SELECT * FROM (
    SELECT 'next' AS kind, 0 AS position, slug, title, '' AS summary FROM {_TERMS}
    WHERE {_VISIBLE} AND sort_title >= %s AND NOT (sort_title = %s AND id <= %s)
    ORDER BY sort_title, id LIMIT 1
) AS next_term
UNION ALL SELECT * FROM (
    SELECT 'previous', 0, slug, title, '' FROM {_TERMS}
    WHERE {_VISIBLE} AND sort_title <= %s AND NOT (sort_title = %s AND id >= %s)
    ORDER BY sort_title DESC, id DESC LIMIT 1
) AS previous_term
UNION ALL SELECT * FROM (
    SELECT 'category', row_number() OVER (ORDER BY c.name, c.id), c.slug, c.name, ''
    FROM {_CATEGORIES} c JOIN {_TERM_CATEGORIES} tc ON tc.category_id = c.id
    WHERE tc.term_id = %s
) AS categories
UNION ALL SELECT * FROM (
    SELECT 'preview', 0, t.slug, t.title, t.summary
    FROM {_TERMS} t JOIN {_LINKS} l ON l.to_term_id = t.id
    WHERE l.from_term_id = %s AND t.{_VISIBLE.replace(" AND ", " AND t.")}
) AS previews
UNION ALL SELECT * FROM (
    SELECT 'related', position, slug, title, '' FROM (
        SELECT t.slug, t.title, row_number() OVER (
            ORDER BY coalesce(i.count, 0) DESC, t.sort_title, t.id
        ) AS position
        FROM {_TERMS} t JOIN {_RELATED} r ON r.to_term_id = t.id
            LEFT JOIN {_INBOUND} i ON i.term_id = t.id
        WHERE r.from_term_id = %s AND t.{_VISIBLE.replace(" AND ", " AND t.")}
    ) AS ranked WHERE position <= %s
) AS related
ORDER BY kind, position
"""


@dataclass
class Surroundings:
    previous: TermLink | None = None
    next: TermLink | None = None
    categories: list[Category] = field(default_factory=list)
    # slug -> title and summary of every published term the article links to
    previews: dict[str, dict[str, str]] = field(default_factory=dict)
    related: list[TermLink] = field(default_factory=list)
    more_related: bool = False


def surroundings(term: Term, related_limit: int = RELATED_ON_PAGE) -> Surroundings:
    """Neighbours A–Z, categories, link previews and the first related terms (one query)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    visible = [Term.Status.PUBLISHED, now]
    params = [*visible, term.sort_title, term.sort_title, term.pk]  # next
    params += [*visible, term.sort_title, term.sort_title, term.pk]  # previous
    params += [term.pk]  # categories
    params += [term.pk, *visible]  # previews
    params += [term.pk, *visible, related_limit + 1]  # related, one more: "are there more?"
    found = Surroundings()
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        rows = cursor.fetchall()
    for kind, _, slug, title, summary in rows:
        if kind == "next":
            found.next = TermLink(title=title, slug=slug)
        elif kind == "previous":
            found.previous = TermLink(title=title, slug=slug)
        elif kind == "category":
            found.categories.append(Category(slug=slug, name=title))
        elif kind == "preview":
            found.previews[slug] = {"title": title, "summary": summary}
        else:
            found.related.append(TermLink(title=title, slug=slug))
    found.more_related = len(found.related) > related_limit
    found.related = found.related[:related_limit]
    return found


# --- Stored renderings ------------------------------------------------------------------

KEY_PREFIX = "termpage:v1"
_OUTDATE_BATCH = 500


def outdate(term_ids: Iterable[int] | None) -> None:
    """These terms' pages show something that changed: their stored renderings go unused.

    ``None`` means every term (a bulk load, a full recount): one stamp, not a new token
    in every row (on PostgreSQL, 50,000 row versions took ten seconds). Runs in the
    caller's transaction, so the change and the outdating become visible together.
    """
    if term_ids is None:
        stamps.bump(stamps.PAGES)
        return
    token = uuid.uuid4()
    ids = sorted(set(term_ids))
    for start in range(0, len(ids), _OUTDATE_BATCH):
        Term.objects.filter(pk__in=ids[start : start + _OUTDATE_BATCH]).update(page_token=token)


def may_store(request: HttpRequest) -> bool:
    """Anonymous readers at the bare address (staff and query strings: rendered each time)."""
    return not request.META.get("QUERY_STRING") and not visitors.has_session_cookie(request)


def outdate_listing(term_ids: Iterable[int] | None) -> None:
    """Outdate the pages that list these terms as related (None: every page)."""
    if term_ids is None:
        outdate(None)
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
    outdate(listing)


def stored_key(request: HttpRequest, term: Term) -> str:
    """Everything the page shows, as the key of its stored rendering."""
    latest, _ = page_cache.schedule()
    parts = (
        KEY_PREFIX,
        deploy.version(),
        str(term.pk),
        term.edit_token.hex,
        term.page_token.hex,
        stamps.key_part(stamps.NAMES, stamps.CONSENT, stamps.SITE, stamps.PAGES),
        str(latest.timestamp() if latest else 0),
        page_cache.audience(request),
        page_cache.address(request),
    )
    return ":".join(parts)


# The model's columns only: PostgreSQL's search vectors would add kilobytes per read.
_FIELDS = Term._meta.concrete_fields
_COLUMNS = ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)
_PUBLIC_TERM_SQL = f"SELECT {_COLUMNS} FROM {_TERMS} WHERE slug = %s AND {_VISIBLE}"
_ATTNAMES = [f.attname for f in _FIELDS]
_row_readers: dict[str, tuple] = {}


def public_term(slug: str) -> Term | None:
    """The public term at ``slug``, whole.

    A raw statement, its row turned into a Term as the ORM would (the backend's and the
    fields' converters, looked up once per database): on a stored page's path, compiling
    the ORM's query, or a raw queryset matching columns to fields on every read, cost
    more than everything else together.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_PUBLIC_TERM_SQL, [slug, Term.Status.PUBLISHED, now])
        row = cursor.fetchone()
    if row is None:
        return None
    compiler, converters = _row_reader()
    if converters:
        (row,) = compiler.apply_converters([row], converters)
    return Term.from_db(connection.alias, _ATTNAMES, row)


def _row_reader() -> tuple:
    reader = _row_readers.get(connection.vendor)
    if reader is None:
        compiler = Term.objects.all().query.get_compiler(connection=connection)
        columns = [f.get_col(_TERMS) for f in _FIELDS]
        reader = _row_readers[connection.vendor] = (compiler, compiler.get_converters(columns))
    return reader


def response(request: HttpRequest, term: Term, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page from its stored rendering, or rendered by ``render`` and stored."""
    if not (term.is_public and may_store(request)):
        return render()
    key = stored_key(request, term)
    stored = page_cache.fetch_rendering(key, request)
    if stored is not None:
        return stored
    built = render()
    seconds = settings.TERM_PAGE_STORED_SECONDS
    page_cache.store_rendering(key, request, built, seconds)
    return built
