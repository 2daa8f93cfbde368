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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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
    return list(Publication.objects.public().filter(term=term).defer(*_HEAVY).order_by("-number"))


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
