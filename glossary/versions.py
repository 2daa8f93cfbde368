"""The glossary's version stamps, and what the page cache keys each public page on.

A term page is keyed on its own version (the term's ``edit_token`` and ``page_token``,
renewed in the transaction of every change the page shows: ``term_page.invalidate``) and
on the few stamps that name what every term page shows besides the term. Listing pages
(home, A–Z, letters, categories, feed, sitemap) are keyed on ``LISTINGS``, which every
change of a public term moves. So an edit re-renders the listings and the term pages
that show it, and no other term page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.http import HttpRequest
from django.utils import translation

from core import page_cache
from glossary.models import Publication, Term, visible_params, visible_sql

NAMES = "glossary.names"  # titles, aliases, slugs and visibility: cross-links, neighbours
LISTINGS = "glossary.listings"  # what the listing pages show: any public term or category
PARTNER = "glossary.partner"  # the partner slot on every term page
TERM_PAGES = "glossary.term_pages"  # every term page at once (a bulk load, a full recount)

_TERM_VERSION_SQL = (
    f"SELECT edit_token, page_token FROM {Term._meta.db_table} "
    f"WHERE language = %s AND slug = %s AND {visible_sql()}"
)


def page_language(request: HttpRequest) -> str:
    """The language the URL names (the page cache reads versions before any middleware
    activates it)."""
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def term_page_version(request: HttpRequest, kwargs: dict[str, Any]) -> str | None:
    """The public term's own version, or None (not public: not kept)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _TERM_VERSION_SQL, [page_language(request), kwargs["slug"], *visible_params()]
        )
        row = cursor.fetchone()
    return None if row is None else f"{row[0]}.{row[1]}".replace("-", "")


def history_page_version(request: HttpRequest, kwargs: dict[str, Any]) -> str | None:
    """The number of a public term's newest public publication, or None (not kept). A
    scheduled publication reaches its time without a write: this number moves then."""
    terms = Term.objects.published().filter(language=page_language(request), slug=kwargs["slug"])
    newest = Publication.objects.public().filter(term__in=terms).aggregate(Max("number"))
    return None if newest["number__max"] is None else str(newest["number__max"])


def register_pages() -> None:
    """Tell the page cache which glossary pages it may keep and what each shows."""
    term_page = (NAMES, PARTNER, TERM_PAGES)
    page_cache.register("glossary:term_detail", stamps=term_page, version=term_page_version)
    # "Cite this term" shows the term's title, date and address: the term's own version.
    page_cache.register("glossary:term_cite", stamps=(TERM_PAGES,), version=term_page_version)
    page_cache.register("glossary:term_related", stamps=(LISTINGS,), paginated=True)
    # A publication never changes; a newer one, an unpublished or deleted term move LISTINGS.
    page_cache.register("glossary:term_version", stamps=(LISTINGS,))
    # The history lists publications (never changed) of a public term: its newest one.
    page_cache.register("glossary:term_history", stamps=(LISTINGS,), version=history_page_version)
    for name in ("glossary:letter_detail", "glossary:category_detail"):
        page_cache.register(name, stamps=(LISTINGS,), paginated=True)
    for name in ("glossary:home", "glossary:term_index", "glossary:feed", "glossary:robots_txt"):
        page_cache.register(name, stamps=(LISTINGS,))
    for name in ("sitemap", "sitemap_section"):
        page_cache.register(name, stamps=(LISTINGS,), paginated=True)
