"""Which version of a term readers see: the live row, or its newest publication.

A term published through the editorial workflow has numbered ``Publication`` snapshots.
While the live row's source text is the one last published (its ``content_hash`` equals
the publication's), the page shows the live row, whose HTML relinking keeps current. An
edit since (not yet reviewed and published) is *held*: readers keep getting the newest
publication's title, summary, HTML and cited sources until a new publication is made.
A term without any publication (content from before the workflow, bulk imports, demo
data) shows its live row. The page cache keys a term page on the term's tokens, and a new
publication renews them (``editorial.workflow.publish`` calls ``term_page.invalidate``).

The authors credited are the shown publication's, as published; a term without one
credits its authors as they are now, which only the editorial app knows: it names the
function that lists them (``credit_authors_with``), as glossary never imports it.

Everywhere else a reader meets a term (listings, the feed, link previews, related terms,
neighbours, search results) names it the same way: ``as_published`` gives a published
term its newest publication's title and summary, and a held term no snippet of its live
text. (What still reads the live row: the search index that finds a term, title
suggestions, and cross-links by name: docs/editorial-workflow.md.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from glossary.models import Publication, Term

# What the changelog and the byline need of every publication; HTML only of the one shown.
_HEAVY = ("body_html", "references_html", "cited_sources", "toc")

# A term's authors now, in byline order, as a publication records them:
# [{"name", "credentials", "job_title", "path"}].
AuthorsOf = Callable[[Term], list[dict]]
_live_authors: list[AuthorsOf] = []


def credit_authors_with(authors_of: AuthorsOf) -> None:
    """Name the function listing a term's authors now (the editorial app, when ready)."""
    _live_authors[:] = [authors_of]


def live_authors(term: Term) -> list[dict]:
    """The term's authors now ([] when no app names them)."""
    return _live_authors[0](term) if _live_authors else []


@dataclass
class ShownVersion:
    """What a term page shows as the article, and the public record around it."""

    title: str
    summary: str
    body_html: str
    references_html: str
    toc: list
    cited_sources: list[dict]  # what the references list shows, for the JSON-LD
    authors: list[dict]  # who wrote it, as in Publication.authors: byline, citation, JSON-LD
    publication: Publication | None  # the newest public one: byline, review
    held: bool  # the live row has changes readers do not see yet
    changelog: list[Publication] = field(default_factory=list)  # newest first


def public_publications(term: Term) -> list[Publication]:
    """The term's public publications, newest first, without their HTML (one query)."""
    # Through the relation, so each publication knows its term (its address) unread.
    return list(term.publications.public().defer(*_HEAVY).order_by("-number"))


def shown_version(term: Term, *, preview: bool = False) -> ShownVersion:
    """The version of ``term`` a reader gets (one query; two when an edit is held).

    ``preview`` (staff): the live row, with ``held`` saying readers see something else.
    A term never published through the workflow costs the query of its live authors."""
    changelog = public_publications(term) if term.publication_number else []
    latest = changelog[0] if changelog else None
    held = latest is not None and latest.source_hash != term.content_hash()
    source = term
    if held and not preview:
        source = Publication.objects.only(*_HEAVY).get(pk=latest.pk)
        source.title, source.summary = latest.title, latest.summary
    return ShownVersion(
        title=source.title,
        summary=source.summary,
        body_html=source.body_html,
        references_html=source.references_html,
        toc=source.toc,
        cited_sources=source.cited_sources,
        authors=latest.authors if latest is not None else live_authors(term),
        publication=latest,
        held=held,
        changelog=changelog,
    )


class PublishedText(NamedTuple):
    title: str
    summary: str
    source_hash: str


def published_texts(term_ids: Iterable[int]) -> dict[int, PublishedText]:
    """The newest public publication's title, summary and source hash of each of these
    terms that has one (one query)."""
    rows = (
        Publication.objects.public()
        .filter(term_id__in=set(term_ids))
        .order_by("term_id", "-number")
        .values_list("term_id", "title", "summary", "source_hash")
    )
    texts: dict[int, PublishedText] = {}
    for term_id, title, summary, source_hash in rows:
        texts.setdefault(term_id, PublishedText(title, summary, source_hash))
    return texts


@dataclass
class Listing:
    """A term read as plain values for a list (``extra``: what else the list needs)."""

    pk: int
    publication_number: int
    slug: str
    title: str
    extra: str = ""
    summary: str = ""


class Listed(Protocol):
    """A term as a list shows it: a model instance or a plain row with these."""

    pk: int
    title: str
    summary: str
    publication_number: int


def as_published(terms: Sequence[Listed], *, snippets: bool = False) -> Sequence[Listed]:
    """Give each term that has public publications the newest one's title and summary
    (what its page shows), in place; one query, and none when no term has a publication.

    ``snippets`` (search hits: Term rows with their source fields and ``summary_snippet``
    and ``body_snippet``): a held term's snippets of its live text are dropped, so the
    hit shows the published summary. Returns ``terms``."""
    published = published_texts(t.pk for t in terms if t.publication_number)
    for term in terms:
        text = published.get(term.pk)
        if text is None:
            continue
        if snippets and text.source_hash != term.content_hash():
            term.summary_snippet = term.body_snippet = None
        term.title, term.summary = text.title, text.summary
    return terms
