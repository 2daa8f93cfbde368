"""The references an article needs, and which articles to render again when one changes.

glossary.rendering reads no database: it is handed an `ArticleSources` (the library
entries a body cites, the references listed on the term). This module fetches them, in
one or two queries for any number of articles, and answers "which terms show this
reference?" when an editor corrects one (docs/citations.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext

from glossary.citations import ArticleSources, Source, cited_keys, uncited_claims
from glossary.models import Reference, Term, TermReference


def sources_for_many(
    articles: Iterable[tuple[int | None, str]],
) -> dict[int | None, ArticleSources]:
    """(term id, body) pairs → what each article's reference list needs, by term id."""
    articles = list(articles)
    keys_by_term = {pk: cited_keys(body) for pk, body in articles}
    wanted = {key for keys in keys_by_term.values() for key in keys}
    library: dict[str, Source] = {}
    if wanted:
        library = {ref.key: ref.as_source() for ref in Reference.objects.filter(key__in=wanted)}
    listed: dict[int, list[Source]] = {}
    term_ids = [pk for pk, _ in articles if pk]
    if term_ids:
        rows = (
            TermReference.objects.filter(term_id__in=term_ids)
            .select_related("reference")
            .order_by("term_id", "position", "pk")
        )
        for row in rows:
            listed.setdefault(row.term_id, []).append(row.reference.as_source())
    return {
        pk: ArticleSources(
            library={key: library[key] for key in keys if key in library},
            listed=listed.get(pk, []),
        )
        for pk, keys in keys_by_term.items()
    }


def sources_for(term_id: int | None, body: str) -> ArticleSources:
    return sources_for_many([(term_id, body)])[term_id]


def citing_terms(keys: Iterable[str], reference_ids: Iterable[int] = ()) -> set[int]:
    """Terms whose text cites any of these keys, or that list any of these references.

    The database narrows by substring (`@key`); the citation markup's own parser decides,
    so "@smith20" never counts as a citation of "smith2020".
    """
    found = set(
        TermReference.objects.filter(reference_id__in=list(reference_ids)).values_list(
            "term_id", flat=True
        )
    )
    for key in set(keys):
        for pk, body in Term.objects.filter(body__contains=f"@{key}").values_list("pk", "body"):
            if key in cited_keys(body):
                found.add(pk)
    return found


def citation_warnings(body: str) -> list[str]:
    """The editor's checks of a text's citations: unknown keys, uncited claims in sections
    marked "evidence needed" (shown after a save, like glossary.links' broken links)."""
    found = set(sources_for(None, body).library)
    warnings = [
        gettext(
            "No reference has the key “%(key)s”: [@%(key)s] shows “citation needed” to "
            "readers. Add it to the library (References) or correct the key."
        )
        % {"key": key}
        for key in cited_keys(body)
        if key not in found
    ]
    warnings += [
        gettext(
            "The section “%(section)s” is marked evidence needed, but this passage cites "
            "nothing: “%(text)s”. Add a citation such as [@key]."
        )
        % {"section": claim.section, "text": claim.text[:120]}
        for claim in uncited_claims(body)
    ]
    return warnings
