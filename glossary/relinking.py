"""Which articles mention a name, and re-rendering them in batches.

`mentioning` is the one answer to "which articles mention these names?": it looks for
the renderer's own name forms (glossary.rendering.name_forms) with the renderer's own
whole-word rule. The database's full-text index narrows 50,000 bodies down to the few
that hold the words, in milliseconds; the rule then decides. `rerender` renders
articles against a name index and writes only those whose HTML or links changed.

Writes here are plain UPDATEs and link-table inserts: they send no model signals, so a
django-reversion revision open around an editor's save never takes in other articles.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import uuid
from collections.abc import Callable, Iterable, Sequence

from django.db import connection

from glossary import bulk, references
from glossary.citations import ArticleSources
from glossary.models import Term, letter_group, sort_key
from glossary.progress import Progress, listener
from glossary.rendering import FormMatcher, RenderedTerm, TermIndex, render_body

BATCH_SIZE = 1000
# Past this many name forms, one pass over every body beats a full-text query per form.
MAX_INDEXED_FORMS = 200
# Below this many articles a second process costs more than it saves.
PARALLEL_MIN_ITEMS = 3000
# Past this many terms whose inbound count changed, one grouped count over every link is
# cheaper than a count per term.
RECOUNT_ALL_ABOVE = 5000
WORDS = re.compile(r"\w+")


def mentioning(
    forms: set[str],
    exclude_ids: Iterable[int] = (),
    *,
    progress: Progress | None = None,
    language: str | None = None,
) -> list[int]:
    """Ids of the articles (in this language, or in any) whose body mentions one of these
    name forms as a whole word.

    `progress` (by default the `reported_to` listener) hears of each batch of candidate
    articles read ("Finding mentions").
    """
    report = progress or listener()
    matcher = FormMatcher(forms)
    if matcher.empty:
        return []
    excluded = set(exclude_ids)
    articles = Term.objects.in_language(language) if language else Term.objects.all()
    if len(forms) <= MAX_INDEXED_FORMS and all(WORDS.search(form) for form in forms):
        candidates = _indexed_candidates(forms, language)
    else:  # one pass over the bodies beats a full-text query per form
        candidates = list(articles.order_by("pk").values_list("pk", flat=True))
    candidates = [pk for pk in candidates if pk not in excluded]
    found = []
    for start in range(0, len(candidates), BATCH_SIZE):
        rows = articles.filter(pk__in=candidates[start : start + BATCH_SIZE]).values_list(
            "pk", "body"
        )
        found += [pk for pk, body in rows if matcher.found_in(body)]
        report("Finding mentions", min(start + BATCH_SIZE, len(candidates)), len(candidates))
    return sorted(found)


def _indexed_candidates(forms: set[str], language: str | None) -> list[int]:
    """Articles whose indexed text holds the words of a form in a row (a superset).

    Each language's bodies are indexed with its own stemming (glossary.search_index), so
    the forms are looked up as that language writes them; with no language, in each."""
    if language is None:
        found: set[int] = set()
        for code in Term.objects.order_by().values_list("language", flat=True).distinct():
            found.update(_indexed_candidates(forms, code))
        return sorted(found)
    if connection.vendor == "postgresql":
        return _postgres_candidates(forms, language)
    if connection.vendor == "sqlite":
        return _sqlite_candidates(forms, language)
    return list(Term.objects.in_language(language).order_by("pk").values_list("pk", flat=True))


def _sqlite_candidates(forms: set[str], language: str) -> list[int]:
    from glossary.search_index import FTS_TABLE, in_language, indexed_text

    phrases = " OR ".join(
        '"' + " ".join(WORDS.findall(indexed_text(language, form))) + '"' for form in sorted(forms)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY rowid",
            [in_language(f"body : ({phrases})", language)],
        )
        return [row[0] for row in cursor.fetchall()]


def _postgres_candidates(forms: set[str], language: str) -> list[int]:
    from glossary.search_index import PG_VECTOR_COLUMN, pg_config

    config = pg_config(language)
    ordered = sorted(forms)
    with connection.cursor() as cursor:
        # A form made only of stop words ("it") has an empty query: look for it literally.
        cursor.execute(
            "SELECT form FROM unnest(%s::text[]) AS form "
            f"WHERE numnode(phraseto_tsquery('{config}', form)) = 0",
            [ordered],
        )
        literal = [row[0] for row in cursor.fetchall()]
        indexed = [form for form in ordered if form not in literal]
        ids: set[int] = set()
        if indexed:
            query = " || ".join([f"phraseto_tsquery('{config}', %s)"] * len(indexed))
            cursor.execute(
                f"SELECT id FROM glossary_term WHERE language = %s "
                f"AND {PG_VECTOR_COLUMN} @@ ({query})",
                [language, *indexed],
            )
            ids |= {row[0] for row in cursor.fetchall()}
        for form in literal:
            ids |= set(
                Term.objects.in_language(language)
                .filter(body__icontains=form)
                .values_list("pk", flat=True)
            )
    return sorted(ids)


def linking_to(term_ids: Iterable[int]) -> set[int]:
    """Articles whose stored HTML links to any of these terms."""
    ids = list(term_ids)
    found: set[int] = set()
    links = Term.linked_terms.through.objects
    for start in range(0, len(ids), BATCH_SIZE):
        found |= set(
            links.filter(to_term_id__in=ids[start : start + BATCH_SIZE]).values_list(
                "from_term_id", flat=True
            )
        )
    return found


def links_of(term_id: int) -> set[int]:
    """The terms one article links to."""
    through = Term.linked_terms.through
    return set(through.objects.filter(from_term_id=term_id).values_list("to_term_id", flat=True))


# --- Re-rendering ---------------------------------------------------------------------

_worker_index: TermIndex | None = None
# (title, aliases, body, its references, own id, language): what rendering needs of one
# article.
RenderInput = tuple[str, str, str, ArticleSources, int, str]


def _render_one(item: RenderInput) -> RenderedTerm:
    title, aliases, body, sources, own_id, language = item
    assert _worker_index is not None
    return render_body(title, aliases, body, _worker_index, own_id, sources, language)


# How often rendering reports how many articles it has done.
REPORT_EVERY = 250


def render_many(
    items: Sequence[RenderInput],
    index: TermIndex,
    *,
    rendered: Callable[[int], None] | None = None,
) -> list[RenderedTerm]:
    """Render many articles, on every core when there are enough of them.

    Rendering is pure CPU work, so forked workers that inherit the index share it
    copy-on-write; they never touch the database. `rendered` is told how many are done
    every REPORT_EVERY articles and at the end.
    """
    global _worker_index
    _worker_index = index
    processes = min(os.cpu_count() or 1, 4)
    try:
        if processes < 2 or len(items) < PARALLEL_MIN_ITEMS or os.name != "posix":
            return _counted(map(_render_one, items), rendered)
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            # imap hands results back in order as they come, so the count moves as they do.
            return _counted(pool.imap(_render_one, items, chunksize=250), rendered)
    finally:
        _worker_index = None


def _counted(
    results: Iterable[RenderedTerm], rendered: Callable[[int], None] | None
) -> list[RenderedTerm]:
    done: list[RenderedTerm] = []
    for result in results:
        done.append(result)
        if rendered is not None and len(done) % REPORT_EVERY == 0:
            rendered(len(done))
    if rendered is not None and len(done) % REPORT_EVERY:
        rendered(len(done))
    return done


BODY_FIELDS = ["body_html", "references_html", "cited_sources", "toc", "page_token"]
# A freshly loaded row has none of its derived fields yet.
WHOLE_FIELDS = [*BODY_FIELDS, "sort_title", "letter", "edit_token"]


def rerender(
    ids: Iterable[int],
    index: TermIndex,
    *,
    whole: bool = False,
    progress: Progress | None = None,
) -> list[int]:
    """Render these articles' bodies; write those whose HTML or links changed.

    Returns the ids written. With `whole` (rows a bulk load just wrote), every derived
    field is filled in and every row written. `progress` (by default the `reported_to`
    listener) hears how many are rendered ("Rendering terms" with `whole`, else
    "Relinking articles").
    """
    report = progress or listener()
    phase = "Rendering terms" if whole else "Relinking articles"
    ordered = sorted(set(ids))
    written: list[int] = []
    link_targets: set[int] = set()  # terms whose inbound count may change
    chunk = BATCH_SIZE * 10 if len(ordered) >= PARALLEL_MIN_ITEMS else BATCH_SIZE
    page_token = uuid.uuid4()
    for start in range(0, len(ordered), chunk):
        batch_written, batch_targets = _rerender_batch(
            ordered[start : start + chunk],
            index,
            whole=whole,
            page_token=page_token,
            rendered=lambda done, before=start: report(phase, before + done, len(ordered)),
        )
        written += batch_written
        link_targets |= batch_targets
    recount_inbound(link_targets)
    return written


def _rerender_batch(
    ids: list[int],
    index: TermIndex,
    *,
    whole: bool,
    page_token: uuid.UUID,
    rendered: Callable[[int], None],
) -> tuple[list[int], set[int]]:
    """Render one batch and write what changed: (ids written, terms whose inbound count
    may have changed)."""
    batch = list(
        Term.objects.filter(pk__in=ids)
        .order_by("pk")
        .only("pk", "title", "aliases", "body", "language", *BODY_FIELDS)
    )
    old_links = _links_from([t.pk for t in batch])
    sources = references.sources_for_many((t.pk, t.body) for t in batch)
    results = render_many(
        [(t.title, t.aliases, t.body, sources[t.pk], t.pk, t.language) for t in batch],
        index,
        rendered=rendered,
    )
    changed = []
    link_rows = []
    link_targets: set[int] = set()
    for term, result in zip(batch, results, strict=True):
        same = (
            result.body_html == term.body_html
            and result.references_html == term.references_html
            and result.cited_sources == term.cited_sources
            and result.toc == term.toc
            and set(result.linked_term_ids) == old_links.get(term.pk, set())
        )
        if same and not whole:
            continue
        term.body_html, term.toc = result.body_html, result.toc
        term.references_html = result.references_html
        term.cited_sources = result.cited_sources
        term.page_token = page_token  # its page in the page cache is invalidated
        if whole:
            term.sort_title = sort_key(term.title, term.language)[:200]
            term.letter = letter_group(term.title, term.language)
            term.edit_token = uuid.uuid4()  # forms opened before the load are stale
        changed.append(term)
        link_rows += [(term.pk, target) for target in result.linked_term_ids]
        link_targets |= old_links.get(term.pk, set()) ^ set(result.linked_term_ids)
    _write_rendered(changed, link_rows, WHOLE_FIELDS if whole else BODY_FIELDS)
    return [term.pk for term in changed], link_targets


def _links_from(term_ids: list[int]) -> dict[int, set[int]]:
    """The stored links of these articles, by article."""
    links: dict[int, set[int]] = {}
    for from_id, to_id in Term.linked_terms.through.objects.filter(
        from_term_id__in=term_ids
    ).values_list("from_term_id", "to_term_id"):
        links.setdefault(from_id, set()).add(to_id)
    return links


def _write_rendered(
    changed: list[Term], link_rows: list[tuple[int, int]], fields: list[str]
) -> None:
    """The rendered fields of these articles, and their links in place of the old ones."""
    through = Term.linked_terms.through
    bulk.update_rows(changed, fields)
    changed_ids = [term.pk for term in changed]
    for part in range(0, len(changed_ids), BATCH_SIZE):
        through.objects.filter(from_term_id__in=changed_ids[part : part + BATCH_SIZE]).delete()
    bulk.insert_pairs(through, "from_term", "to_term", link_rows)


def recount_inbound(term_ids: set[int]) -> None:
    """Counts for these terms, or for all of them in one statement when that is less work."""
    if len(term_ids) > RECOUNT_ALL_ABOVE:
        bulk.recount_inbound(None)
    elif term_ids:
        bulk.recount_inbound(term_ids)


def set_links(term_id: int, targets: Iterable[int]) -> None:
    """Store the terms one article links to (its own save), without m2m signals."""
    through = Term.linked_terms.through
    wanted = set(targets)
    current = links_of(term_id)
    if wanted == current:  # a plain edit: nothing to write
        return
    through.objects.filter(from_term_id=term_id, to_term_id__in=current - wanted).delete()
    through.objects.bulk_create(
        [through(from_term_id=term_id, to_term_id=target) for target in wanted - current]
    )
    recount_inbound(wanted ^ current)
