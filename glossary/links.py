"""Internal links an editor typed by hand that lead nowhere a reader can go.

Automatic cross-links only ever point at published terms; hand-written links such as
`[BDNF](/glossary/bdnf/)` can point at a term that does not exist, was renamed, or is a
draft. The admin reports them as warnings after a save (the save still succeeds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils.translation import gettext

from glossary.models import RetiredSlug, Term

HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"')


@dataclass(frozen=True)
class BrokenLink:
    href: str
    reason: str


def _term_slug(href: str) -> str | None:
    parts = urlsplit(href.replace("&amp;", "&"))
    if (parts.scheme or parts.netloc) and f"{parts.scheme}://{parts.netloc}" != settings.SITE_URL:
        return None
    if not parts.path.startswith("/"):
        return None
    try:
        match = resolve(unquote(parts.path))
    except Resolver404:
        return None
    if match.view_name != "glossary:term_detail":
        return None
    return match.kwargs["slug"]


def broken_internal_links(term: Term) -> list[BrokenLink]:
    """Links in the term's body and references to terms a reader cannot open."""
    slugs: dict[str, str] = {}
    for href in HREF.findall(term.body_html + term.references_html):
        slug = _term_slug(href)
        if slug is not None:
            slugs.setdefault(slug, href)
    if not slugs:
        return []
    found = {
        t.slug: t
        for t in Term.objects.filter(slug__in=slugs).only("slug", "status", "published_at")
    }
    moved = dict(
        RetiredSlug.objects.filter(
            slug__in=set(slugs) - set(found), term__isnull=False
        ).values_list("slug", "term__slug")
    )
    broken = []
    for slug, href in slugs.items():
        target = found.get(slug)
        if target is None and slug in moved:
            broken.append(
                BrokenLink(
                    href,
                    gettext("the term moved to /glossary/%(slug)s/") % {"slug": moved[slug]},
                )
            )
        elif target is None:
            broken.append(BrokenLink(href, gettext("no term has this address")))
        elif target.is_scheduled:
            broken.append(BrokenLink(href, gettext("the term is scheduled and not public yet")))
        elif not target.is_public:
            broken.append(BrokenLink(href, gettext("the term is a draft")))
    return broken
