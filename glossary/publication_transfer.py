"""A term's numbered publications in exports and imports: `publications`, oldest first.

Publications are glossary's own rows, so glossary carries them itself, through the same
extension API the editorial app uses (`transfer.register`, from `GlossaryConfig.ready`).
Every field travels as stored (the frozen HTML, the review copy, the authors as they were
credited), so `/glossary/<slug>/v/<n>/` and the changelog read the same after an import.

A term record with `publications` has exactly those afterwards (a re-import replaces,
never duplicates) and its `publication_number` is the highest number; a record without
the key leaves the term's publications alone (exports from before they travelled). In the
markdown format they are in the term's side file `<slug>.history.yaml`, not the article.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from glossary import bulk, term_page, transfer
from glossary.models import Publication, Term

KEY = "publications"
FIELDS = (
    "number", "published_at", "source_hash", "title", "summary", "body_html",
    "references_html", "toc", "cited_sources", "authors", "reviewer_name",
    "reviewer_credentials", "reviewer_job_title", "reviewer_path", "reviewed_on",
    "non_medical", "non_medical_reason", "note",
)  # fmt: skip
# What `Publication.authors` holds of each author (editorial.workflow.credited_authors).
AUTHOR_KEYS = ("name", "credentials", "job_title", "path")
# Lists whose items are objects: the table of contents, the sources the references show.
OBJECT_LISTS = ("toc", "cited_sources", "authors")

Planned = dict[transfer.Address, list[dict[str, Any]]]


def _dumped(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return transfer.dump_time(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def export_terms() -> dict[int, dict[str, Any]]:
    """{term pk: {"publications": [...]}} for every term that has any (one query)."""
    found: dict[int, dict[str, Any]] = {}
    rows = Publication.objects.order_by("term_id", "number").values("term_id", *FIELDS)
    for row in rows.iterator(chunk_size=500):
        record = {name: _dumped(row[name]) for name in FIELDS}
        found.setdefault(row["term_id"], {KEY: []})[KEY].append(record)
    return found


def _check_objects(values: dict[str, Any], where: str, problems: list[str]) -> None:
    """The JSON lists hold objects; an author is named, with text values."""
    for name in OBJECT_LISTS:
        items = values.get(name) or []
        if not all(isinstance(item, dict) for item in items):
            problems.append(f"{where}: {name}: expected a list of objects")
            values.pop(name, None)
    for author in values.get("authors") or []:
        odd = set(author) - set(AUTHOR_KEYS)
        if odd or not all(isinstance(value, str) for value in author.values()):
            problems.append(
                f"{where}: authors: each is {', '.join(AUTHOR_KEYS)} as text "
                f"(not {transfer.shown(author)})"
            )
        elif not author.get("name"):
            problems.append(f"{where}: authors: an author without a name")


def _check_term(plan: transfer.TermPlan, problems: list[str]) -> list[dict[str, Any]] | None:
    record = plan.record
    items = record.data[KEY]
    if items is None:
        return []
    if not isinstance(items, list):
        problems.append(f"{record.at(KEY)}: {KEY}: expected a list of publications")
        return None
    rows: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    for position, item in enumerate(items):
        where = f"{record.at(KEY)}: {KEY}[{position}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected an object with a publication's fields")
            continue
        transfer.report_unknown(item, FIELDS, where, problems)
        values = transfer.load_fields(Publication, item, FIELDS, where, problems)
        _check_objects(values, where, problems)
        number = values.get("number")
        if number is not None and number < 1:
            problems.append(f"{where}: number: versions are numbered from 1, not {number}")
        elif number is not None and number in seen:
            problems.append(
                f"{where}: number {number} appears twice (also {KEY}[{seen[number]}]); "
                "each version of a term has its own number"
            )
        elif number is not None:
            seen[number] = position
        rows.append(values)
    return rows


def check(incoming: transfer.Incoming, problems: list[str]) -> Planned:
    """Each term's publications, checked as the model checks them: by term address."""
    planned: Planned = {}
    for plan in incoming.terms:
        if KEY in plan.record.data:
            rows = _check_term(plan, problems)
            if rows is not None:
                planned[plan.address] = rows
    return planned


def write(planned: Planned, term_ids: dict[transfer.Address, int]) -> None:
    """Replace the publications of the terms whose record lists them; set their numbers."""
    if not planned:
        return
    ids = [term_ids[address] for address in planned]
    for start in range(0, len(ids), 500):
        Publication.objects.filter(term_id__in=ids[start : start + 500]).delete()
    Publication.objects.bulk_create(
        [
            Publication(term_id=term_ids[address], **values)
            for address, rows in planned.items()
            for values in rows
        ],
        batch_size=bulk.BATCH_SIZE,
    )
    newest: dict[int, list[int]] = defaultdict(list)
    for address, rows in planned.items():
        newest[max((values["number"] for values in rows), default=0)].append(term_ids[address])
    for number, terms in newest.items():
        for start in range(0, len(terms), 500):
            Term.objects.filter(pk__in=terms[start : start + 500]).update(publication_number=number)
    term_page.invalidate(ids)


EXTENSION = transfer.Extension(
    name="glossary.publications",
    check=check,
    write=write,
    export_terms=export_terms,
    term_keys=(KEY,),
    history_keys=(KEY,),
)
