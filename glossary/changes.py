"""Everything that happens when a term changes, in one place.

Every path comes through here: an editor's save in the admin, a bulk action, a revert,
a delete, `import_terms`, `generate_demo_terms`, the seed content, the shell. One save
(`before_save` / `after_save`, connected in glossary.signals):

1. derives the term's own fields (sort title, letter group, HTML, table of contents,
   a new edit token) and renders it against the current name index;
2. stores the terms its body links to;
3. retires its old address when a public term moved (a 301), or releases its address;
4. renews the term's own page version (its edit token) and bumps the
   `glossary.listings` stamp (listing pages show it); when a title, alias, slug or
   visibility changed, bumps the `glossary.names` stamp, records the change in the name
   log and lays it over the name index;
5. re-renders exactly the articles whose links change: those linking to the term now
   and those mentioning one of its old or new names (glossary.relinking), and
   invalidates the pages that show its summary (``term_page.invalidate``);
6. after the commit, hands the name change to the process's name index. (Cached
   navigation and pages need no forgetting: their keys hold the versions.)

A delete (`before_delete` / `after_delete`) retires the address as 410 Gone and
re-renders the articles that linked to the term. Bulk loads write their rows in
batches and then call `terms_loaded`, which does steps 3-6 for all of them at once.
Scheduled terms come due without a write; `publish_due` (the `relink_terms` command)
links the articles that mention them.

The re-rendering of other articles writes with plain UPDATEs (no model signals), so a
django-reversion revision open around an editor's save holds that term alone, and
reverting it never touches another article.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core import stamps
from glossary import bulk, name_index, planner, references, relinking, term_page, versions
from glossary.models import NameChange, RetiredSlug, Term, letter_group, sort_key
from glossary.rendering import NameRow, forms_of_names, render_body

STATE_FIELDS = ("title", "aliases", "status", "published_at", "slug", "language")
# Shown on other terms' pages too, but no name: those pages are invalidated.
PREVIEW_FIELDS = ("summary",)
# Not names, but part of what decides whether translations are outdated.
TEXT_FIELDS = ("body", "content_version", "concept")
# The editorial workflow's record on the term: written only by its own UPDATEs
# (editorial.workflow, editorial.due). Every save keeps them as stored, so a form opened
# earlier or a revert to an older revision never rewinds a review date or the number of
# the newest publication.
WORKFLOW_FIELDS = ("last_reviewed", "review_due", "publication_number")


@dataclass(frozen=True)
class NameState:
    """What the name index knows of a term: its names and address, if it is public."""

    public: bool
    slug: str
    forms: frozenset[str]
    language: str = ""

    @classmethod
    def of(cls, values: dict | None) -> NameState:
        if not values:
            return cls(False, "", frozenset())
        public = Term.is_public_state(values["status"], values["published_at"])
        forms = (
            forms_of_names(values["title"], values["aliases"], values["language"])
            if public
            else set()
        )
        return cls(public, values["slug"], frozenset(forms), values["language"])


@dataclass
class _PendingSave:
    before: NameState
    before_values: dict | None
    links: list[int]
    schedule_changed: bool


# --- One term -------------------------------------------------------------------------


def state_of(term_id: int) -> dict | None:
    """The stored state that decides a term's names and address (before a change)."""
    fields = (*STATE_FIELDS, *PREVIEW_FIELDS, *TEXT_FIELDS, *WORKFLOW_FIELDS)
    return Term.objects.filter(pk=term_id).values(*fields).first()


def before_save(term: Term) -> None:
    """Derive the term's own fields and render it (pre_save)."""
    before_values = getattr(term, "_state_before_revert", None)
    if before_values is None and term.pk:
        before_values = state_of(term.pk)
    for name in WORKFLOW_FIELDS if before_values else ():
        setattr(term, name, before_values[name])
    term.sort_title = sort_key(term.title, term.language)[:200]
    term.letter = letter_group(term.title, term.language)
    term.edit_token = uuid.uuid4()
    _keep_translation_state(term, before_values)
    sources = references.sources_for(term.pk, term.body)
    index = name_index.current()
    rendered = render_body(
        term.title, term.aliases, term.body, index, term.pk, sources, term.language
    )
    term.body_html = rendered.body_html
    term.toc = rendered.toc
    term.references_html = rendered.references_html
    term.cited_sources = rendered.cited_sources
    schedule_changed = before_values is None or any(
        before_values[name] != getattr(term, name) for name in ("status", "published_at")
    )
    term._pending_save = _PendingSave(
        NameState.of(before_values), before_values, rendered.linked_term_ids, schedule_changed
    )


def _keep_translation_state(term: Term, before_values: dict | None) -> None:
    """A translation joins its source's concept and remembers the source's text version
    it was made from; an article whose text changed gets a new text version (its
    translations are then outdated, see Term.is_outdated)."""
    if term.translation_of_id:
        source = (
            Term.objects.filter(pk=term.translation_of_id)
            .values("concept", "content_version")
            .first()
        )
        if source is not None:
            term.concept = source["concept"]
            if term.source_version is None:
                term.source_version = source["content_version"]
    if before_values is not None and any(
        before_values.get(name) != getattr(term, name) for name in Term.TRANSLATED_FIELDS
    ):
        term.content_version = (before_values.get("content_version") or term.content_version) + 1


def mark_translated(term: Term) -> None:
    """The translator brought this translation up to date with its source's text now."""
    if term.translation_of_id:
        term.source_version = (
            Term.objects.filter(pk=term.translation_of_id)
            .values_list("content_version", flat=True)
            .first()
        )


def after_save(term: Term) -> list[int]:
    """Links, addresses, stamps and the articles whose links change (post_save).

    Returns the ids of the other articles re-rendered.
    """
    pending: _PendingSave | None = getattr(term, "_pending_save", None)
    if pending is None:  # a raw save (fixtures, a revert's first write): nothing derived
        term_page.invalidate([term.pk])
        stamps.bump(versions.LISTINGS)
        return []
    del term._pending_save
    relinking.set_links(term.pk, pending.links)
    _retire_moved_address(term, pending.before_values)
    after = NameState.of({name: getattr(term, name) for name in STATE_FIELDS})
    rerendered: list[int] = []
    if after != pending.before or pending.schedule_changed:
        # A newly scheduled time changes no name now, but every process's index must
        # learn when to take the term in: the stamp makes them look.
        row: NameRow | None = (term.pk, term.slug, term.title, term.aliases, term.language)
        _names_changed({term.pk: row if after.public else None})
        affected = relinking.linking_to([term.pk]) if after != pending.before else set()
        if after != pending.before:
            languages = {pending.before.language, after.language} - {""}
            for language in languages:
                affected |= set(
                    relinking.mentioning(
                        pending.before.forms | after.forms,
                        exclude_ids=[term.pk],
                        language=language,
                    )
                )
        affected.discard(term.pk)
        rerendered = relinking.rerender(affected, name_index.current())
    if _preview_changed(term, pending.before_values):
        term_page.invalidate(relinking.linking_to([term.pk]))
    stamps.bump(versions.LISTINGS)
    return rerendered


def _preview_changed(term: Term, before_values: dict | None) -> bool:
    """Did what other articles' link previews show of this term change?"""
    if before_values is None:
        return False  # a new term: no article linked to it before this save
    return any(before_values.get(name) != getattr(term, name) for name in PREVIEW_FIELDS)


def before_delete(term: Term) -> None:
    """Remember its links both ways, before the delete drops them (pre_delete)."""
    term._linked_from = relinking.linking_to([term.pk])
    term._links_to = relinking.links_of(term.pk)
    term._was_public = NameState.of(state_of(term.pk)).public


def after_delete(term: Term) -> list[int]:
    """A deleted public term leaves 410 Gone; articles linking to it lose the link."""
    relinking.recount_inbound(getattr(term, "_links_to", set()))  # its own links are gone
    rerendered: list[int] = []
    if getattr(term, "_was_public", term.is_public):
        RetiredSlug.objects.update_or_create(
            slug=term.slug,
            language=term.language,
            defaults={"term": None, "title": term.title, "retired_at": timezone.now()},
        )
        _names_changed({term.pk: None})
        rerendered = relinking.rerender(getattr(term, "_linked_from", set()), name_index.current())
    stamps.bump(versions.LISTINGS)
    return rerendered


def _retire_moved_address(term: Term, before_values: dict | None) -> None:
    """A live term owns its slug; a public term that moved leaves a 301 at its old one."""
    RetiredSlug.objects.filter(slug=term.slug, language=term.language).delete()
    if (
        before_values
        and (before_values["slug"], before_values["language"]) != (term.slug, term.language)
        and Term.is_public_state(before_values["status"], before_values["published_at"])
    ):
        RetiredSlug.objects.update_or_create(
            slug=before_values["slug"],
            language=before_values["language"],
            defaults={"term": term, "title": before_values["title"], "retired_at": timezone.now()},
        )


def _names_changed(changes: dict[int, NameRow | None]) -> None:
    """Bump the names stamp, log which terms changed, and lay them over the index."""
    stamp = stamps.bump(versions.NAMES)[versions.NAMES]
    NameChange.record(stamp, list(changes))
    name_index.names_changed(changes, stamp - 1, stamp)
    transaction.on_commit(name_index.committed)


# --- Many terms -----------------------------------------------------------------------


def terms_loaded(term_ids: list[int], *, previously_linking: Iterable[int] = ()) -> int:
    """After a bulk write of these terms (import, demo data, seed content): one pass.

    Renders them, re-renders the other articles that mention their names or linked to
    them (`previously_linking`, gathered before the write), releases their addresses,
    and tells every cache and process. Returns how many articles were written.
    """
    stamps.bump(versions.LISTINGS)
    stamp = stamps.bump(versions.NAMES)[versions.NAMES]
    NameChange.record(stamp, None)  # "many terms": other processes rebuild their index
    index = name_index.current()
    loaded = set(term_ids)
    rows = Term.objects.filter(pk__in=term_ids).values_list("title", "aliases", "language")
    forms: dict[str, set[str]] = {}
    for title, aliases, language in rows.iterator(chunk_size=5000):
        forms.setdefault(language, set()).update(forms_of_names(title, aliases, language))
    others = set(previously_linking)
    for language, language_forms in forms.items():
        others.update(relinking.mentioning(language_forms, exclude_ids=loaded, language=language))
    others -= loaded
    written = relinking.rerender(loaded, index, whole=True)
    written += relinking.rerender(others, index)
    bulk.release_slugs(list(Term.objects.filter(pk__in=term_ids).values_list("language", "slug")))
    planner.refresh_statistics()
    return len(written)


def relink_all() -> int:
    """Re-render every article against the current names (after an upgrade or loaddata)."""
    stamps.bump(versions.LISTINGS)
    ids = list(Term.objects.order_by("pk").values_list("pk", flat=True))
    written = relinking.rerender(ids, name_index.current())
    bulk.recount_inbound(None)  # also right after links written without this module
    return len(written)


def publish_due(since: datetime.datetime) -> int:
    """Link the articles that mention terms that came due (went live) since `since`."""
    now = timezone.now()
    due = list(
        Term.objects.published().filter(published_at__gt=since, published_at__lte=now).name_rows()
    )
    if not due:
        return 0
    forms: dict[str, set[str]] = {}
    for _, _, title, aliases, language in due:
        forms.setdefault(language, set()).update(forms_of_names(title, aliases, language))
    affected: set[int] = set()
    for language, language_forms in forms.items():
        affected.update(relinking.mentioning(language_forms, language=language))
    # Laid over explicitly: the index may not have noticed the time yet.
    index = name_index.current().with_changes({row[0]: row for row in due})
    written = relinking.rerender(affected, index)
    stamps.bump(versions.LISTINGS)
    return len(written)


# --- References -----------------------------------------------------------------------


def reference_changed(keys: Iterable[str], reference_ids: Iterable[int] = ()) -> list[int]:
    """Render again every term showing these references; returns the ids written.

    A reference's metadata is shown on every term citing or listing it. A new key can turn
    a "citation needed" into a citation and a removed one the opposite, so terms citing
    the key before and after a rename are both rendered. Rendering writes only articles
    whose HTML changed, with a new page token, so exactly their cached pages renew.
    """
    return sources_changed(references.citing_terms(keys, reference_ids))


def sources_changed(term_ids: Iterable[int]) -> list[int]:
    """These terms' references changed: render them again (written where HTML changed)."""
    ids = set(term_ids)
    return relinking.rerender(ids, name_index.current()) if ids else []
