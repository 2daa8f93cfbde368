"""Export every term to JSON or to a folder of markdown files, and import them back.

The fields written are the term's editable model fields plus its timestamps, found
from the model itself, so a field added to Term later travels without a change here.
Import is all or nothing: everything is read and checked first, and a problem is
reported with its file, line or record, and reason, before anything is written. The
writes are bulk operations in one transaction, ended by one cross-link pass.

The markdown format is one `<slug>.md` per term (`<slug>.<language>.md` for terms in
another language than the default): a YAML front-matter header between `---` lines and
the markdown body below it, so the content can live in git. Categories go to
`categories.yaml` beside the term files, the library of references to `references.yaml`
(docs/citations.md). A term's `references` lists the keys of the references listed on it;
a line that is no key (an export from before the library) is taken in as an unstructured
reference, as the migration did.

Languages: a term is named by its address, its language and slug. References to another
term (related terms, a translation's source, a redirect's target) are its slug when it is
in the referring term's language, else `language:slug`. The versions of one concept carry
`concept`, their text version (`content_version`) and, for a translation, `translation_of`
and the source's text version it was made from (`source_version`), so a round trip keeps
translations linked and their outdated marks (docs/translations.md).

Other apps' data travels in the same files (`register` an `Extension`): top-level lists
(a JSON key; a YAML file beside categories.yaml), keys in term records (in the markdown
format in the front matter, or in the term's side file `<slug>.history.yaml`), checked
with everything else and written in the same transaction. Glossary's own publications
travel this way (glossary/publication_transfer.py), the editorial app's people and
workflow record too (editorial/transfer.py; docs/editorial-workflow.md).
"""

from __future__ import annotations

import datetime
import json
import re
import reprlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import dateparse, timezone

from glossary import bulk, changes, planner, relinking
from glossary.citations import KIND_UNSTRUCTURED
from glossary.models import Category, Reference, RetiredSlug, Term, TermReference, default_language
from glossary.progress import Progress, listener, reported_to

FORMAT_NAME = "glossary-terms"
# 2: other apps' data may travel too (extensions, below); a version 1 file reads as before.
FORMAT_VERSION = 2
CATEGORIES_FILE = "categories.yaml"
RETIRED_FILE = "retired-slugs.yaml"
REFERENCES_FILE = "references.yaml"
# Beside <slug>.md in the markdown format: the term's history, from extensions.
HISTORY_SUFFIX = ".history.yaml"
# The markdown export's list of the files it wrote: the only files a later export may
# overwrite or remove. Not a .md file, so an import of the folder never reads it.
MANIFEST_FILE = ".glossary-export"
MANIFEST_HEADER = "# glossary-terms export manifest v1"
RETIRED_FIELDS = ("slug", "language", "term", "title", "retired_at")
# Stored as one item per line; written as lists so a diff shows one alias per line.
LINE_LIST_FIELDS = ("aliases",)
RELATION_KEYS = ("categories", "related", "references")
# A reference's fields as they travel; authors as a list (one per line when stored).
REFERENCE_FIELDS = (
    "key", "kind", "text", "authors", "title", "container", "year", "volume", "issue", "pages",
    "doi", "pmid", "url", "accessed", "evidence",
)  # fmt: skip
# A concept's versions: written only for terms that have another version or a source.
TRANSLATION_KEYS = ("concept", "content_version", "translation_of", "source_version")
CATEGORY_FIELDS = ("slug", "name", "description")
MAX_REPORTED_ERRORS = 20
# Messages quote values from the file; a hostile file must not turn them into megabytes.
MAX_SHOWN_CHARS = 80
MAX_PROBLEM_CHARS = 400
# How many terms or files make one step of a progress report.
EXPORT_REPORT_EVERY = 2000
FILE_REPORT_EVERY = 200
CHECK_REPORT_EVERY = 500

_value_repr = reprlib.Repr()
_value_repr.maxlevel, _value_repr.maxstring, _value_repr.maxother = 2, MAX_SHOWN_CHARS, 40
_value_repr.maxlist = _value_repr.maxtuple = _value_repr.maxdict = _value_repr.maxset = 4


def shown(value: Any) -> str:
    """A value from a file as a message quotes it: its repr, cut to about 80 characters."""
    text = _value_repr.repr(value)
    return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 1] + "…"


def _field_names(names: set) -> str:
    """Unknown keys for a message: sorted, each cut short, at most five of them."""
    listed = sorted(str(name)[:40] for name in names)
    extra = f" and {len(listed) - 5} more" if len(listed) > 5 else ""
    return ", ".join(listed[:5]) + extra


def _clip(problem: str) -> str:
    """One problem line of bounded length, keeping its start (where) and end (why)."""
    if len(problem) <= MAX_PROBLEM_CHARS:
        return problem
    tail = MAX_PROBLEM_CHARS // 3
    return f"{problem[: MAX_PROBLEM_CHARS - tail - 3]} … {problem[-tail:]}"


class TransferError(Exception):
    """One or more problems in the input; nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = [_clip(problem) for problem in problems]
        listed = self.problems[:MAX_REPORTED_ERRORS]
        more = len(problems) - len(listed)
        text = "\n".join(f"  - {p}" for p in listed)
        if more:
            text += f"\n  ... and {more} more"
        super().__init__(f"Nothing was imported: {len(problems)} problem(s) found.\n{text}")


class ExportRefused(Exception):
    """The export would overwrite files it did not write; nothing was written."""


# --- The fields that travel ----------------------------------------------------------------


# Not editable in the admin (the editorial workflow writes it), but content that travels.
TRAVELLING_RECORD = {"last_reviewed"}


def term_fields() -> list[models.Field]:
    """Editable fields plus created/updated times and the review date; derived fields (HTML,
    TOC...) are rebuilt."""
    fields = []
    for model_field in Term._meta.concrete_fields:
        if model_field.primary_key or model_field.is_relation:
            continue
        timestamp = getattr(model_field, "auto_now", False) or getattr(
            model_field, "auto_now_add", False
        )
        if model_field.editable or timestamp or model_field.name in TRAVELLING_RECORD:
            fields.append(model_field)
    return fields


def _required(model_field: models.Field) -> bool:
    return not model_field.blank and not model_field.has_default() and not model_field.null


def _dump_value(model_field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if model_field.name in LINE_LIST_FIELDS:
        return value.split("\n") if value else []
    if isinstance(model_field, models.DateTimeField):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(model_field, models.DateField):
        return value.isoformat()
    if isinstance(value, str | int | float | bool | list | dict):
        return value
    return model_field.value_to_string(Term(**{model_field.attname: value}))


def _load_value(model_field: models.Field, value: Any) -> Any:
    """A value from a file, checked and converted as the model field would (ValueError if bad)."""
    name = model_field.name
    if value is None:
        if model_field.null:
            return None
        raise ValueError(f"{name}: may not be empty")
    if name in LINE_LIST_FIELDS:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return "\n".join(value)
        if isinstance(value, str):
            return value
        raise ValueError(f"{name}: expected a list of strings")
    if isinstance(model_field, models.DateTimeField):
        parsed = dateparse.parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            raise ValueError(
                f"{name}: {shown(value)} is not a valid date and time "
                "(expected ISO 8601, for example 2026-01-31T09:30:00+00:00)"
            )
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed
    if isinstance(model_field, models.DateField):
        try:
            parsed = dateparse.parse_date(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValueError(
                f"{name}: {shown(value)} is not a valid date (expected YYYY-MM-DD, e.g. 2026-01-31)"
            )
        return parsed
    if isinstance(value, list | dict) and not isinstance(model_field, models.JSONField):
        raise ValueError(f"{name}: expected a single value, not {type(value).__name__}")
    try:
        return model_field.clean(value, None)
    except ValidationError as error:
        raise ValueError(f"{name}: {' '.join(error.messages)}") from None


# --- Addresses ---------------------------------------------------------------------------------

Address = tuple[str, str]  # (language, slug): a term, unique on the site


def address_text(address: Address, of_language: str) -> str:
    """How a record names another term: its slug in the record's language, else lang:slug."""
    language, slug = address
    return slug if language == of_language else f"{language}:{slug}"


def parse_address(text: str, of_language: str) -> Address:
    language, colon, slug = text.rpartition(":")
    return (language, slug) if colon else (of_language, text)


def markdown_file_name(record: dict) -> str:
    language = record.get("language") or default_language()
    suffix = "" if language == default_language() else f".{language}"
    return f"{record['slug']}{suffix}.md"


# --- Other apps' data: extensions ---------------------------------------------------------


@dataclass
class Incoming:
    """What an extension's check is handed: its own sections as read (a section the input
    does not have is absent, not empty) and every term of the input, whose records hold the
    extension's keys when the input has them (`plan.record.data`, `plan.record.at(key)`)."""

    sections: dict[str, list[Record]]
    terms: list[TermPlan]


@dataclass(frozen=True)
class Extension:
    """An app's data carried in the same export and taken back by the same import.

    glossary imports no app, so an app registers one of these (`register`) in its
    AppConfig.ready. `sections`: its top-level lists, by JSON key, each with the file that
    holds it in the markdown format (people: people.yaml). `term_keys`: the keys it adds to
    term records; those also in `history_keys` go to the term's side file
    `<slug>.history.yaml` in the markdown format, the others to the front matter.

    - `export_sections()`: {section key: records}; an empty list is not written.
    - `export_terms()`: {term pk: {key: value}} for the terms it has data of.
    - `check(incoming, problems)`: read and check everything without writing, add one
      "where: why" line to `problems` per problem, return a plan.
    - `write(plan, term_ids)`: called only when no check of the import found a problem,
      inside its transaction, after the terms were written and before they are rendered;
      `term_ids` holds every term of the input by address. An error rolls everything back.
    """

    name: str
    check: Callable[[Incoming, list[str]], Any]
    write: Callable[[Any, dict[Address, int]], None]
    export_terms: Callable[[], dict[int, dict[str, Any]]]
    export_sections: Callable[[], dict[str, list[dict]]] = dict
    sections: dict[str, str] = field(default_factory=dict)
    term_keys: tuple[str, ...] = ()
    history_keys: tuple[str, ...] = ()


_extensions: dict[str, Extension] = {}


def register(extension: Extension) -> None:
    """Carry an app's data in exports and imports (registered again by name: replaced)."""
    _extensions[extension.name] = extension


def extensions() -> list[Extension]:
    """The registered extensions, in the order they were registered."""
    return list(_extensions.values())


def _strict_type(model_field: models.Field, value: Any) -> None:
    """ValueError unless the value has the type the field holds (clean() would coerce)."""
    name = model_field.name
    if isinstance(model_field, models.BooleanField) and not isinstance(value, bool):
        raise ValueError(f"{name}: expected true or false, not {shown(value)}")
    if isinstance(model_field, models.IntegerField) and (
        isinstance(value, bool) or not isinstance(value, int)
    ):
        raise ValueError(f"{name}: expected a whole number, not {shown(value)}")
    if isinstance(model_field, models.CharField | models.TextField) and not isinstance(value, str):
        raise ValueError(f"{name}: expected text, not {type(value).__name__}")
    listed = isinstance(model_field, models.JSONField) and model_field.default is list
    if listed and not isinstance(value, list):
        raise ValueError(f"{name}: expected a list, not {type(value).__name__}")


def report_unknown(data: dict, allowed: Iterable[str], where: str, problems: list[str]) -> None:
    """Keys of `data` that are none of `allowed`, as one problem."""
    unknown = set(data) - set(allowed)
    if unknown:
        problems.append(f"{where}: unknown field(s) {_field_names(unknown)}")


def load_fields(
    model: type[models.Model], data: dict, names: Iterable[str], where: str, problems: list[str]
) -> dict[str, Any]:
    """The values of these fields in `data`, each checked as its model field checks it
    (choices, lengths, validators), with strict types: text a string, a number an integer,
    a flag true or false, a date ISO 8601. A missing required field and each bad value is
    added to `problems` as "where: why"; the values returned are the good ones."""
    values: dict[str, Any] = {}
    for name in names:
        model_field = model._meta.get_field(name)
        if name not in data:
            if _required(model_field):
                problems.append(f"{where}: missing required field {name!r}")
            continue
        value = data[name]
        try:
            if value is not None:
                _strict_type(model_field, value)
            values[name] = _load_value(model_field, value)
        except ValueError as error:
            problems.append(f"{where}: {error}")
    return values


def dump_time(value: datetime.datetime | None) -> str | None:
    """A time as every export writes it: ISO 8601 in UTC."""
    return None if value is None else value.astimezone(datetime.UTC).isoformat()


# --- Export ----------------------------------------------------------------------------------


def _relations() -> tuple[dict[int, list[str]], dict[int, list[Address]]]:
    """Category slugs and related terms of every term: two queries, whatever the count."""
    categories: dict[int, list[str]] = {}
    for term_id, slug in Term.categories.through.objects.values_list(
        "term_id", "category__slug"
    ).iterator(chunk_size=5000):
        categories.setdefault(term_id, []).append(slug)
    related: dict[int, list[Address]] = {}
    for term_id, language, slug in Term.related_terms.through.objects.values_list(
        "from_term_id", "to_term__language", "to_term__slug"
    ).iterator(chunk_size=5000):
        related.setdefault(term_id, []).append((language, slug))
    return categories, related


def _listed_references() -> dict[int, list[str]]:
    """The keys of the references listed on each term, in their order: one query."""
    listed: dict[int, list[str]] = {}
    for term_id, key in (
        TermReference.objects.order_by("term_id", "position", "pk")
        .values_list("term_id", "reference__key")
        .iterator(chunk_size=5000)
    ):
        listed.setdefault(term_id, []).append(key)
    return listed


def export_references() -> list[dict]:
    """The library, by key; empty fields left out."""
    records = []
    for reference in Reference.objects.order_by("key"):
        record = {}
        for name in REFERENCE_FIELDS:
            value = getattr(reference, name)
            if name == "authors":
                value = [line for line in value.splitlines() if line.strip()]
            elif name == "accessed" and value is not None:
                value = value.isoformat()
            if value not in ("", None, []):
                record[name] = value
        records.append(record)
    return records


def _translation_data() -> tuple[set, dict[int, Address]]:
    """(concepts with more than one version, each translation's source address)."""
    shared = set(
        Term.objects.values("concept")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .values_list("concept", flat=True)
    )
    sources = {
        pk: (language, slug)
        for pk, language, slug in Term.objects.filter(translation_of__isnull=False).values_list(
            "pk", "translation_of__language", "translation_of__slug"
        )
    }
    return shared, sources


def export_records(*, progress: Progress | None = None) -> tuple[list[dict], list[dict]]:
    """(categories, terms) as plain data, sorted by slug so exports diff cleanly.

    `progress` (by default the `reported_to` listener) hears of every batch of terms read.
    """
    report = progress or listener()
    total = Term.objects.count()
    fields = term_fields()
    categories_of, related_of = _relations()
    listed_of = _listed_references()
    shared, sources = _translation_data()
    extra = [(extension.term_keys, extension.export_terms()) for extension in extensions()]
    categories = [
        {name: getattr(category, name) for name in CATEGORY_FIELDS}
        for category in Category.objects.order_by("slug")
    ]
    terms = []
    names = ["pk", *(f.attname for f in fields), "concept", "content_version", "source_version"]
    ordered = Term.objects.order_by("language", "slug").values(*names)
    for row in ordered.iterator(chunk_size=2000):
        record = {"slug": row["slug"], "title": row["title"]}
        for model_field in fields:
            record[model_field.name] = _dump_value(model_field, row[model_field.attname])
            if model_field.name == "body":  # where the free-text references used to be
                record["references"] = listed_of.get(row["pk"], [])
        record["categories"] = sorted(categories_of.get(row["pk"], []))
        language = row["language"]
        record["related"] = sorted(
            address_text(address, language) for address in related_of.get(row["pk"], [])
        )
        if row["concept"] in shared or row["pk"] in sources:
            record["concept"] = str(row["concept"])
            record["content_version"] = row["content_version"]
        if row["pk"] in sources:
            record["translation_of"] = address_text(sources[row["pk"]], language)
            record["source_version"] = row["source_version"]
        for keys, by_term in extra:
            data = by_term.get(row["pk"], {})
            record.update((key, data[key]) for key in keys if key in data)
        terms.append(record)
        if len(terms) % EXPORT_REPORT_EVERY == 0 or len(terms) == total:
            report("Reading terms", len(terms), total)
    return categories, terms


def export_retired() -> list[dict]:
    """Old addresses: a redirect to a term (by address) or, with term null, 410 Gone."""
    rows = RetiredSlug.objects.order_by("language", "slug").values_list(
        "slug", "language", "term__language", "term__slug", "title", "retired_at"
    )
    exported = []
    for slug, language, term_language, term_slug, title, retired_at in rows:
        record: dict[str, Any] = {"slug": slug}
        if language != default_language():
            record["language"] = language
        target = (term_language, term_slug) if term_slug else None
        record["term"] = address_text(target, language) if target else None
        record["title"] = title
        record["retired_at"] = retired_at.astimezone(datetime.UTC).isoformat()
        exported.append(record)
    return exported


def export_json(path: Path, *, progress: Progress | None = None) -> int:
    """Every term, category and old address in one JSON document; returns the term count."""
    categories, terms = export_records(progress=progress)
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "categories": categories,
        "references": export_references(),
        **export_sections(),
        "terms": terms,
        "retired_slugs": export_retired(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(terms)


def export_sections() -> dict[str, list[dict]]:
    """The extensions' top-level lists that have records, by key."""
    found: dict[str, list[dict]] = {}
    for extension in extensions():
        for key, records in extension.export_sections().items():
            if records:
                found[key] = records
    return found


def _yaml_dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=88,
    )


def markdown_document(record: dict, leave_out: Iterable[str] = ()) -> str:
    skipped = {"body", *leave_out}
    header = {key: value for key, value in record.items() if key not in skipped}
    return f"---\n{_yaml_dump(header)}---\n{record.get('body', '')}"


def export_markdown(directory: Path, *, progress: Progress | None = None) -> int:
    """One <slug>.md per term, categories.yaml and retired-slugs.yaml, listed in a manifest.

    Only files named in the previous export's manifest are overwritten or, when their term
    is gone, removed. Any other file in the way stops the export before anything is written
    (ExportRefused), unless its content is exactly what would be written. `progress` (by
    default the `reported_to` listener) hears of the terms read and the files written.
    """
    report = progress or listener()
    categories, terms = export_records(progress=report)
    retired = export_retired()
    # File name -> its text, made when needed (50,000 documents need not sit in memory).
    files: dict[str, Callable[[], str]] = {
        CATEGORIES_FILE: partial(_yaml_dump, categories),
        REFERENCES_FILE: partial(_yaml_dump, export_references()),
        RETIRED_FILE: partial(_yaml_dump, retired),
    }
    section_files = _section_files()
    for key, records in export_sections().items():
        files[section_files[key]] = partial(_yaml_dump, records)
    history_keys = _history_keys()
    for record in terms:
        name = markdown_file_name(record)
        files[name] = partial(markdown_document, record, history_keys)
        history = {key: record[key] for key in history_keys if key in record}
        if history:
            files[history_file_name(name)] = partial(_yaml_dump, history)
    previous = _read_manifest(directory)
    _refuse_foreign_files(directory, files, previous)
    directory.mkdir(parents=True, exist_ok=True)
    # Listed before they are written, so an export cut short leaves no file unaccounted for.
    _write_manifest(directory, previous | set(files))
    for number, (name, text) in enumerate(files.items(), start=1):
        (directory / name).write_text(text(), encoding="utf-8")
        if number % FILE_REPORT_EVERY == 0 or number == len(files):
            report("Writing files", number, len(files))
    for name in sorted(previous - set(files)):
        stale = directory / name
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
    _write_manifest(directory, set(files))
    return len(terms)


def _section_files() -> dict[str, str]:
    """The markdown format's file of each extension section, by section key."""
    return {key: name for extension in extensions() for key, name in extension.sections.items()}


def _own_file_name(name: str) -> bool:
    """A name the export could have written: a plain file name in the folder itself."""
    fixed = {CATEGORIES_FILE, RETIRED_FILE, REFERENCES_FILE, *_section_files().values()}
    return (
        bool(name)
        and Path(name).name == name
        and "\\" not in name
        and not name.startswith(".")
        and (name.endswith((".md", HISTORY_SUFFIX)) or name in fixed)
    )


def _read_manifest(directory: Path) -> set[str]:
    """The files the previous export into this folder wrote (none if there was none)."""
    path = directory / MANIFEST_FILE
    if not path.exists() and not path.is_symlink():
        return set()
    try:
        if path.is_symlink() or not path.is_file():
            raise ValueError
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        lines = []
    if not lines or lines[0] != MANIFEST_HEADER:
        raise ExportRefused(
            f"{path} was not written by export_terms; move it away or export into "
            "another folder. Nothing was written."
        )
    return {line for line in lines[1:] if _own_file_name(line)}


def _refuse_foreign_files(
    directory: Path, files: dict[str, Callable[[], str]], previous: set[str]
) -> None:
    """ExportRefused if a file to write exists, was not exported here, and differs."""
    if not directory.exists():
        return
    if not directory.is_dir():
        raise ExportRefused(f"{directory} is a file; the markdown format writes a folder")
    foreign = []
    for name, text in files.items():
        path = directory / name
        if not path.exists() and not path.is_symlink():
            continue
        harmless = (
            path.is_file()
            and not path.is_symlink()
            and (name in previous or _has_content(path, text()))
        )
        if not harmless:
            foreign.append(name)
    if foreign:
        listed = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise ExportRefused(
            f"{directory} has {len(foreign)} file(s) that this export would overwrite but did "
            f"not write: {listed}. Export into an empty folder, or move those files away. "
            "Nothing was written."
        )


def _has_content(path: Path, text: str) -> bool:
    expected = text.encode("utf-8")
    try:
        return path.stat().st_size == len(expected) and path.read_bytes() == expected
    except OSError:
        return False


def _write_manifest(directory: Path, names: set[str]) -> None:
    listing = "\n".join(sorted(names))
    (directory / MANIFEST_FILE).write_text(f"{MANIFEST_HEADER}\n{listing}\n", encoding="utf-8")


# --- Reading files ----------------------------------------------------------------------------


class _FrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML where dates stay strings, so one parser (ours) checks every date.

    Load with `_load_yaml`, which refuses anchors and aliases first.
    """


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_yaml(text: str, where: str, first_line: int, what: str) -> Any:
    """Safe YAML without anchors or aliases: a few `*alias` lines can stand for gigabytes.

    The events are scanned before anything is built, so a "billion laughs" file costs
    the time to read its own bytes. `first_line` is the file line of the text's line 1.
    """
    try:
        for event in yaml.parse(text, Loader=_FrontMatterLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise TransferError(
                    [
                        f"{where}, line {event.start_mark.line + first_line}: YAML anchors and "
                        "aliases (&name, *name) are not allowed; write each value out in full"
                    ]
                )
        return yaml.load(text, Loader=_FrontMatterLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f", line {mark.line + first_line}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise TransferError([f"{where}{line}: {what}: {problem}"]) from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise TransferError([f"{where}: {what}: {_reason(error)}"]) from None


def _reason(error: ValueError) -> str:
    """The first clause of a parser's ValueError, without advice about Python internals."""
    return str(error).split(";")[0]


@dataclass
class Record:
    """One term or category read from a file, with where it came from (for messages)."""

    data: dict
    where: str
    lines: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # keys read from a side file

    def at(self, key: str | None = None) -> str:
        where = self.files.get(key, self.where) if key else self.where
        line = self.lines.get(key) if key else None
        return f"{where}, line {line}" if line else where


def _read_text(path: Path) -> str:
    if not path.is_file():  # a folder, or a pipe or device that would never end
        raise TransferError([f"{path}: not a regular file"])
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise TransferError(
            [
                f"{path}, line {line}: the file is not UTF-8 text "
                f"(byte 0x{raw[error.start]:02x}); save it as UTF-8"
            ]
        ) from None


@dataclass
class Bundle:
    """Everything one import reads: categories, terms and retired slugs, as records."""

    categories: list[Record]
    terms: list[Record]
    retired: list[Record] = field(default_factory=list)
    references: list[Record] = field(default_factory=list)
    # Extensions' top-level lists by key; a list the input does not have is absent.
    sections: dict[str, list[Record]] = field(default_factory=dict)


def _record_list(path: Path, document: dict, key: str) -> list[Record]:
    items = document.get(key, [])
    if not isinstance(items, list):
        raise TransferError([f'{path}: "{key}" must be a list'])
    return [Record(item, f"{path}, {key}[{n}]") for n, item in enumerate(items)]


def read_json(path: Path) -> Bundle:
    text = _read_text(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise TransferError(
            [f"{path}, line {error.lineno}, column {error.colno}: invalid JSON: {error.msg}"]
        ) from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise TransferError([f"{path}: invalid JSON: {_reason(error)}"]) from None
    except RecursionError:
        raise TransferError([f"{path}: invalid JSON: nested too deeply"]) from None
    if isinstance(document, list):
        document = {"terms": document}
    if not isinstance(document, dict) or not isinstance(document.get("terms"), list):
        raise TransferError([f'{path}: expected an object with a list of "terms"'])
    if document.get("format", FORMAT_NAME) != FORMAT_NAME:
        raise TransferError([f"{path}: not a glossary export (format {shown(document['format'])})"])
    version = document.get("version", FORMAT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version > FORMAT_VERSION:
        raise TransferError(
            [
                f"{path}: format version {shown(version)} is not one this site reads "
                f"(1 to {FORMAT_VERSION}); export it again with this version of the site"
            ]
        )
    sections = {
        key: _record_list(path, document, key)
        for extension in extensions()
        for key in extension.sections
        if key in document
    }
    return Bundle(
        _record_list(path, document, "categories"),
        [Record(item, _record_label(path, n, item)) for n, item in enumerate(document["terms"])],
        _record_list(path, document, "retired_slugs"),
        _record_list(path, document, "references"),
        sections,
    )


def _record_label(path: Path, number: int, item: Any) -> str:
    slug = item.get("slug") if isinstance(item, dict) else None
    return f"{path}, terms[{number}]" + (f" (slug {shown(slug)})" if isinstance(slug, str) else "")


def parse_markdown(text: str, where: str, default_slug: str | None = None) -> Record:
    """A term file: `---`, YAML front matter, `---`, then the markdown body, kept verbatim."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        raise TransferError([f"{where}, line 1: expected a front-matter header ('---' on line 1)"])
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip("\r\n") == "---":
            closing = number
            break
    else:
        raise TransferError(
            [f"{where}: the front matter opened on line 1 is never closed (no '---' line)"]
        )
    header = "".join(lines[1 : closing - 1])
    data = _load_yaml(header, where, first_line=2, what="invalid front matter")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TransferError([f"{where}, line 2: the front matter must be 'key: value' lines"])
    if "body" in data:
        raise TransferError([f"{where}: 'body' belongs below the front matter, not in it"])
    data["body"] = "".join(lines[closing:])
    if default_slug is not None:
        data.setdefault("slug", default_slug)
    return Record(data, where, _key_lines(lines[1 : closing - 1], first_line=2))


def _key_lines(lines: list[str], first_line: int) -> dict[str, int]:
    """The line of each top-level `key:` of a YAML mapping, for messages."""
    key_lines: dict[str, int] = {}
    for number, line in enumerate(lines, start=first_line):
        match = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if match:
            key_lines.setdefault(match.group(1), number)
    return key_lines


def history_file_name(term_file_name: str) -> str:
    """The side file of `<slug>.md`: `<slug>.history.yaml` (the term's history keys)."""
    return term_file_name.removesuffix(".md") + HISTORY_SUFFIX


def _history_keys() -> tuple[str, ...]:
    return tuple(key for extension in extensions() for key in extension.history_keys)


def _read_history(record: Record, path: Path, problems: list[str]) -> None:
    """A term's side file: its keys join the term's record, named by this file in messages."""
    try:
        text = _read_text(path)
        data = _load_yaml(text, str(path), first_line=1, what="invalid YAML")
    except TransferError as error:
        problems.extend(error.problems)
        return
    if data is None:
        return
    allowed = _history_keys()
    if not isinstance(data, dict):
        problems.append(f"{path}: expected 'key: value' lines ({', '.join(allowed) or 'none'})")
        return
    lines = _key_lines(text.splitlines(), first_line=1)
    unknown = {key for key in data if key not in allowed}
    if unknown:
        problems.append(f"{path}: unknown field(s) {_field_names(unknown)}")
    for key, value in data.items():
        if key not in allowed:
            continue
        if key in record.data:
            problems.append(f"{path}: {key} is also in the front matter of {record.where}")
            continue
        record.data[key] = value
        record.files[key] = str(path)
        if key in lines:
            record.lines[key] = lines[key]


def _yaml_list(path: Path) -> list[Record]:
    if not path.exists():
        return []
    items = _load_yaml(_read_text(path), str(path), first_line=1, what="invalid YAML") or []
    if not isinstance(items, list):
        raise TransferError([f"{path}: expected a list"])
    return [Record(item, f"{path}, item {n + 1}") for n, item in enumerate(items)]


def read_markdown_dir(directory: Path, *, progress: Progress | None = None) -> Bundle:
    """Every <slug>.md in the folder, with categories.yaml and retired-slugs.yaml."""
    report = progress or listener()
    problems: list[str] = []
    categories = _yaml_list(directory / CATEGORIES_FILE)
    retired = _yaml_list(directory / RETIRED_FILE)
    references = _yaml_list(directory / REFERENCES_FILE)
    sections = {
        key: _yaml_list(directory / name)
        for extension in extensions()
        for key, name in extension.sections.items()
        if (directory / name).exists() or (directory / name).is_symlink()
    }
    terms = []
    paths = sorted(directory.glob("*.md"))
    for number, path in enumerate(paths, start=1):
        try:
            record = parse_markdown(
                _read_text(path), str(path), default_slug=path.stem.split(".")[0]
            )
        except TransferError as error:
            problems += error.problems
        else:
            terms.append(record)
            side = path.with_name(history_file_name(path.name))
            if side.exists() or side.is_symlink():
                _read_history(record, side, problems)
        if number % FILE_REPORT_EVERY == 0 or number == len(paths):
            report("Reading files", number, len(paths))
    for side in sorted(directory.glob(f"*{HISTORY_SUFFIX}")):
        term_file = side.name.removesuffix(HISTORY_SUFFIX) + ".md"
        if not (directory / term_file).exists():
            problems.append(f"{side}: a term's history without its term file ({term_file})")
    if problems:
        raise TransferError(problems)
    if not terms:
        raise TransferError([f"{directory}: no .md term files found"])
    for record in terms:
        name = Path(record.where).name
        data = record.data
        if isinstance(data.get("slug"), str) and isinstance(data.get("language", ""), str):
            expected = markdown_file_name(data)
            if name != expected:
                problems.append(
                    f"{record.at('slug')}: slug {data['slug']!r} (language "
                    f"{data.get('language') or default_language()!r}) does not match the file "
                    f"name ({name}; expected {expected})"
                )
    if problems:
        raise TransferError(problems)
    return Bundle(categories, terms, retired, references, sections)


def read_path(path: Path, *, progress: Progress | None = None) -> Bundle:
    """Detect the format from the path: a .json file, a folder of .md files, or one .md file."""
    if not path.exists():
        raise TransferError([f"{path}: no such file or folder"])
    if path.is_dir():
        return read_markdown_dir(path, progress=progress)
    if path.suffix.lower() == ".json":
        return read_json(path)
    if path.suffix.lower() == ".md":
        return Bundle([], [parse_markdown(_read_text(path), str(path), default_slug=path.stem)])
    raise TransferError(
        [f"{path}: cannot tell the format (expected a .json file or a folder of .md files)"]
    )


# --- Checking -----------------------------------------------------------------------------------


@dataclass
class TermPlan:
    values: dict[str, Any]
    categories: list[str] | None
    related: list[str] | None
    record: Record
    references: list[str] | None = None  # keys, or free text from an older export
    translation_of: Address | None = None

    @property
    def language(self) -> str:
        return self.values.get("language") or default_language()

    @property
    def address(self) -> Address:
        return (self.language, self.values.get("slug") or "")


def _record_data(
    record: Record, fields: Iterable[str], expected: str, problems: list[str]
) -> dict | None:
    """A record's fields when it is an object (None, reported, when not); fields it should
    not have are reported too."""
    data = record.data
    if not isinstance(data, dict):
        problems.append(f"{record.where}: expected {expected}")
        return None
    unknown = set(data) - set(fields)
    if unknown:
        problems.append(f"{record.where}: unknown field(s) {_field_names(unknown)}")
    return data


def _check_categories(records: list[Record], problems: list[str]) -> dict[str, dict]:
    planned: dict[str, dict] = {}
    existing_names = dict(Category.objects.values_list("name", "slug"))
    names_seen: dict[str, str] = {}
    for record in records:
        data = _record_data(record, CATEGORY_FIELDS, "'slug', 'name' and 'description'", problems)
        if data is None:
            continue
        values = {}
        for name in CATEGORY_FIELDS:
            model_field = Category._meta.get_field(name)
            value = data.get(name, "")
            if not isinstance(value, str):
                problems.append(
                    f"{record.where}: {name}: expected text, not {type(value).__name__}"
                )
                continue
            try:
                values[name] = model_field.clean(value, None)
            except ValidationError as error:
                problems.append(f"{record.where}: {name}: {' '.join(error.messages)}")
        slug, name = values.get("slug"), values.get("name")
        if not slug or not name:
            continue
        if slug in planned:
            problems.append(f"{record.where}: category slug {slug!r} appears twice")
        if name in names_seen and names_seen[name] != slug:
            problems.append(f"{record.where}: category name {name!r} appears twice")
        if existing_names.get(name, slug) != slug:
            problems.append(
                f"{record.where}: category name {name!r} is already used by the category "
                f"{existing_names[name]!r}"
            )
        names_seen[name] = slug
        planned[slug] = values
    return planned


def _slug_list(record: Record, key: str, problems: list[str]) -> list[str] | None:
    if key not in record.data:
        return None
    value = record.data[key]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(f"{record.at(key)}: {key}: expected a list of slugs")
        return None
    return value


def _check_terms(
    records: list[Record],
    category_slugs: set[str],
    problems: list[str],
    progress: Progress | None = None,
) -> list[TermPlan]:
    """Each record checked on its own, then slugs and titles across records and against
    the database, then related terms. Every problem found is added to `problems`."""
    report = progress or listener()
    fields = {f.name: f for f in term_fields()}
    plans: list[TermPlan] = []
    for number, record in enumerate(records, start=1):
        plan = _plan_term(record, fields, category_slugs, problems)
        if plan is not None:
            plans.append(plan)
        if number % CHECK_REPORT_EVERY == 0 or number == len(records):
            report("Checking terms", number, len(records))
    by_address = _check_unique_names(plans, problems)
    _check_related(plans, set(by_address), problems)
    return plans


def _plan_term(
    record: Record,
    fields: dict[str, models.Field],
    category_slugs: set[str],
    problems: list[str],
) -> TermPlan | None:
    """One term's values, converted as its model fields would (None: not an object)."""
    data = record.data
    if not isinstance(data, dict):
        problems.append(f"{record.where}: expected an object with the term's fields")
        return None
    allowed = set(fields) | set(RELATION_KEYS) | set(TRANSLATION_KEYS)
    allowed |= {key for extension in extensions() for key in extension.term_keys}
    unknown = sorted((key for key in data if key not in allowed), key=str)
    if unknown:
        problems.append(
            f"{record.at(str(unknown[0]))}: unknown field(s) {_field_names(set(unknown))}"
        )
    values: dict[str, Any] = {}
    for name, model_field in fields.items():
        if name not in data:
            if _required(model_field):
                problems.append(f"{record.where}: missing required field {name!r}")
            continue
        try:
            values[name] = _load_value(model_field, data[name])
        except ValueError as error:
            problems.append(f"{record.at(name)}: {error}")
    categories = _slug_list(record, "categories", problems)
    related = _slug_list(record, "related", problems)
    references = _slug_list(record, "references", problems)
    for slug in categories or []:
        if slug not in category_slugs:
            problems.append(f"{record.at('categories')}: unknown category {shown(slug)}")
    plan = TermPlan(values, categories, related, record, references)
    _plan_translation(plan, problems)
    return plan


def _plan_translation(plan: TermPlan, problems: list[str]) -> None:
    """The concept keys of a record: checked and put into its values."""
    data, record = plan.record.data, plan.record
    for name in ("concept", "content_version", "source_version"):
        if data.get(name) is None:
            continue
        try:
            plan.values[name] = _load_value(Term._meta.get_field(name), data[name])
        except ValueError as error:
            problems.append(f"{record.at(name)}: {error}")
    source = data.get("translation_of")
    if source is None:
        return
    if not isinstance(source, str) or not source:
        problems.append(f"{record.at('translation_of')}: expected a term's slug or language:slug")
        return
    plan.translation_of = parse_address(source, plan.language)
    if plan.translation_of[0] == plan.language:
        problems.append(
            f"{record.at('translation_of')}: a translation is in another language than its "
            f"source {shown(source)}"
        )


def _check_unique_names(plans: list[TermPlan], problems: list[str]) -> dict[Address, TermPlan]:
    """Slugs and titles (ignoring case) appear once per language in the file, and no title
    belongs to another term of its language in the database. Returns the plans by address."""
    by_slug: dict[Address, TermPlan] = {}
    by_title: dict[tuple[str, str], TermPlan] = {}
    for plan in plans:
        slug, title = plan.values.get("slug"), plan.values.get("title")
        if slug:
            if plan.address in by_slug:
                problems.append(
                    f"{plan.record.at('slug')}: duplicate slug {slug!r} "
                    f"(also in {by_slug[plan.address].record.where})"
                )
            by_slug[plan.address] = plan
        if title:
            key = (plan.language, title.lower())
            if key in by_title:
                problems.append(
                    f"{plan.record.at('title')}: title {title!r} clashes with "
                    f"{by_title[key].values['title']!r} in {by_title[key].record.where} "
                    "(titles are unique, ignoring case)"
                )
            by_title[key] = plan
    rows = Term.objects.values_list("title", "language", "slug").iterator(chunk_size=5000)
    for title, language, slug in rows:
        plan = by_title.get((language, title.lower()))
        if plan and plan.values.get("slug") != slug and (language, slug) not in by_slug:
            problems.append(
                f"{plan.record.at('title')}: title {plan.values['title']!r} is already used by "
                f"the term {slug!r} (titles are unique, ignoring case)"
            )
    return by_slug


def _known_addresses(wanted: set[Address], in_file: set[Address]) -> set[Address]:
    """Which of these addresses name a term of the file or of the database."""
    missing = wanted - in_file
    known = wanted & in_file
    slugs = {slug for _, slug in missing}
    for chunk in _chunks(sorted(slugs), 2000):
        rows = Term.objects.filter(slug__in=chunk).values_list("language", "slug")
        known |= set(rows) & missing
    return known


def _check_related(
    plans: list[TermPlan], file_addresses: set[Address], problems: list[str]
) -> None:
    """Every related term and source is in the file or the database, and is not the term
    itself; a concept has one version per language."""
    wanted = {parse_address(s, p.language) for p in plans for s in p.related or []}
    wanted |= {p.translation_of for p in plans if p.translation_of}
    known = _known_addresses(wanted, file_addresses)
    for plan in plans:
        for text in plan.related or []:
            address = parse_address(text, plan.language)
            if address not in known:
                problems.append(f"{plan.record.at('related')}: unknown related term {shown(text)}")
            elif address == plan.address:
                problems.append(f"{plan.record.at('related')}: a term cannot be related to itself")
        if plan.translation_of and plan.translation_of not in known:
            problems.append(
                f"{plan.record.at('translation_of')}: unknown source term "
                f"{shown(address_text(plan.translation_of, plan.language))}"
            )
    versions: dict[tuple[str, str], TermPlan] = {}
    for plan in plans:
        concept = plan.values.get("concept")
        if concept is None:
            continue
        key = (str(concept), plan.language)
        if key in versions:
            problems.append(
                f"{plan.record.at('language')}: the concept {concept} has two versions in "
                f"{plan.language!r} (also {versions[key].record.where})"
            )
        versions[key] = plan


# --- Writing ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int
    updated: int
    categories: int


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_retired(records: list[Record], plans: list[TermPlan], problems: list[str]) -> list:
    """Retired slugs: each a redirect to a known term, or (term null) a 410 Gone address."""
    planned = []
    wanted = {
        parse_address(r.data["term"], r.data.get("language") or default_language())
        for r in records
        if isinstance(r.data, dict)
        and isinstance(r.data.get("term"), str)
        and isinstance(r.data.get("language", ""), str)
    }
    known = _known_addresses(wanted, {p.address for p in plans})
    for record in records:
        data = _record_data(record, RETIRED_FIELDS, ", ".join(RETIRED_FIELDS), problems)
        if data is None:
            continue
        values = {}
        for name in ("slug", "title", "retired_at"):
            try:
                values[name] = _load_value(RetiredSlug._meta.get_field(name), data.get(name))
            except ValueError as error:
                problems.append(f"{record.where}: {error}")
        try:
            values["language"] = _load_value(
                RetiredSlug._meta.get_field("language"), data.get("language") or default_language()
            )
        except ValueError as error:
            problems.append(f"{record.where}: {error}")
            values["language"] = default_language()
        target = data.get("term")
        address = parse_address(target, values["language"]) if isinstance(target, str) else None
        if target is not None and (address is None or address not in known):
            problems.append(f"{record.where}: redirects to an unknown term {shown(target)}")
        values["term"] = address
        planned.append(values)
    return planned


def import_bundle(bundle: Bundle, *, progress: Progress | None = None) -> ImportResult:
    """Check everything, then write everything in one transaction (or nothing at all).

    `progress` (by default the `reported_to` listener) hears of each phase: checking,
    writing rows and links, rendering, relinking.
    """
    report = progress or listener()
    problems: list[str] = []
    with transaction.atomic():
        planned_categories = _check_categories(bundle.categories, problems)
        category_slugs = set(planned_categories) | set(
            Category.objects.values_list("slug", flat=True)
        )
        planned_references = _check_references(bundle.references, problems)
        plans = _check_terms(bundle.terms, category_slugs, problems, report)
        retired = _check_retired(bundle.retired, plans, problems)
        extended = _check_extensions(bundle, plans, problems)
        if problems:
            raise TransferError(problems)
        try:
            changed_keys = _write_references(planned_references)
            result = _write(planned_categories, plans, report, extended)
            changes.reference_changed(changed_keys)  # terms outside the file citing them
            _write_retired(retired, [p.address for p in plans])
        except IntegrityError as error:
            raise TransferError([f"the database refused the import: {error}"]) from None
    planner.reclaim_after_bulk_load()
    return result


def _check_extensions(
    bundle: Bundle, plans: list[TermPlan], problems: list[str]
) -> list[tuple[Extension, Any]]:
    """Each extension's check of its own sections and term keys: (extension, its plan)."""
    checked = []
    for extension in extensions():
        read = bundle.sections
        sections = {key: read[key] for key in extension.sections if key in read}
        checked.append((extension, extension.check(Incoming(sections, plans), problems)))
    return checked


def _write_retired(retired: list[dict], live_addresses: list[Address]) -> None:
    """A live term owns its address again; other retired addresses are replaced by the
    file's."""
    bulk.release_slugs(live_addresses)
    live = set(live_addresses)
    rows = [r for r in retired if (r["language"], r["slug"]) not in live]
    if not rows:
        return
    ids = _ids_of({r["term"] for r in rows if r["term"]})
    for language in {r["language"] for r in rows}:
        RetiredSlug.objects.filter(
            language=language, slug__in=[r["slug"] for r in rows if r["language"] == language]
        ).delete()
    RetiredSlug.objects.bulk_create(
        [
            RetiredSlug(
                slug=r["slug"],
                language=r["language"],
                term_id=ids.get(r["term"]) if r["term"] else None,
                title=r["title"],
                retired_at=r["retired_at"],
            )
            for r in rows
        ],
        batch_size=bulk.BATCH_SIZE,
    )


def _write(
    planned_categories: dict[str, dict],
    plans: list[TermPlan],
    report: Progress,
    extended: Iterable[tuple[Extension, Any]] = (),
) -> ImportResult:
    """Categories, then new and updated terms, their categories and related terms, the
    extensions' data, then the one pass that renders and links them
    (`changes.terms_loaded`)."""
    category_ids = _write_categories(planned_categories)
    existing_ids = _ids_of({p.address for p in plans})
    new_terms, updates = _new_and_updated(plans, existing_ids)
    # Articles linking to a term whose names may change lose or keep that link after.
    linking = relinking.linking_to(updates)
    bulk.create_terms(new_terms, progress=report)
    _update_terms(updates, term_fields(), report)
    term_ids = {(t.language, t.slug): t.pk for t in new_terms} | existing_ids
    _write_sources(plans, term_ids)
    _write_term_categories(plans, term_ids, category_ids, report)
    _write_related(plans, term_ids, report)
    _write_listed_references(plans, term_ids)
    in_file = {p.address: term_ids[p.address] for p in plans}
    for extension, plan in extended:
        extension.write(plan, in_file)
    imported = [term_ids[p.address] for p in plans]
    with reported_to(report):
        changes.terms_loaded(imported, previously_linking=linking)
    return ImportResult(
        created=len(new_terms),
        updated=len(imported) - len(new_terms),
        categories=len(planned_categories),
    )


def _ids_of(addresses: set[Address]) -> dict[Address, int]:
    """The ids of the terms at these addresses, by address."""
    found: dict[Address, int] = {}
    for chunk in _chunks(sorted({slug for _, slug in addresses}), 2000):
        for language, slug, pk in Term.objects.filter(slug__in=chunk).values_list(
            "language", "slug", "pk"
        ):
            if (language, slug) in addresses:
                found[(language, slug)] = pk
    return found


def _write_sources(plans: list[TermPlan], term_ids: dict[Address, int]) -> None:
    """Each translation's source, and a concept for a translation whose record named none
    (its source's). Written after the rows, since a source may be in the same file."""
    with_source = [p for p in plans if p.translation_of]
    source_ids = _ids_of({p.translation_of for p in with_source}) | term_ids
    concepts = dict(
        Term.objects.filter(pk__in=[source_ids[p.translation_of] for p in with_source]).values_list(
            "pk", "concept"
        )
    )
    rows = []
    for plan in with_source:
        source_id = source_ids[plan.translation_of]
        term = Term(pk=term_ids[plan.address], translation_of_id=source_id)
        term.concept = plan.values.get("concept") or concepts[source_id]
        rows.append(term)
    bulk.update_rows(rows, ["translation_of", "concept"])


def _write_categories(planned_categories: dict[str, dict]) -> dict[str, int]:
    """Create or update the file's categories; returns every category's id by slug."""
    existing_categories = {c.slug: c for c in Category.objects.all()}
    new_categories, changed_categories = [], []
    for slug, values in planned_categories.items():
        category = existing_categories.get(slug)
        if category is None:
            new_categories.append(Category(**values))
        else:
            category.name, category.description = values["name"], values["description"]
            changed_categories.append(category)
    Category.objects.bulk_create(new_categories, batch_size=bulk.BATCH_SIZE)
    Category.objects.bulk_update(changed_categories, ["name", "description"], batch_size=500)
    return dict(Category.objects.values_list("slug", "pk"))


def _new_and_updated(
    plans: list[TermPlan], existing_ids: dict[Address, int]
) -> tuple[list[Term], dict[int, dict[str, Any]]]:
    """(unsaved new terms, new values by id of the terms already there), matched by
    address (language and slug)."""
    now = timezone.now()
    new_terms: list[Term] = []
    updates: dict[int, dict[str, Any]] = {}
    for plan in plans:
        values = dict(plan.values)
        pk = existing_ids.get(plan.address)
        values.setdefault("updated_at", now)
        if pk is None:
            values.setdefault("created_at", now)
            new_terms.append(Term(**values))
        else:
            updates[pk] = values
    return new_terms, updates


def _write_term_categories(
    plans: list[TermPlan],
    term_ids: dict[Address, int],
    category_ids: dict[str, int],
    report: Progress,
) -> None:
    """The categories of the terms whose record lists them replace the ones they had."""
    with_categories = [p for p in plans if p.categories is not None]
    through = Term.categories.through
    for chunk in _chunks([term_ids[p.address] for p in with_categories], 2000):
        through.objects.filter(term_id__in=chunk).delete()
    bulk.add_categories(
        (
            (term_ids[p.address], category_ids[slug])
            for p in with_categories
            for slug in p.categories or []
        ),
        progress=report,
    )


def _write_related(plans: list[TermPlan], term_ids: dict[Address, int], report: Progress) -> None:
    """The related terms of the terms whose record lists them replace the ones they had."""
    with_related = [p for p in plans if p.related is not None]
    if not with_related:
        return
    wanted = {parse_address(text, p.language) for p in with_related for text in p.related or []}
    all_ids = _ids_of(wanted) | term_ids
    through = Term.related_terms.through
    for chunk in _chunks([term_ids[p.address] for p in with_related], 2000):
        through.objects.filter(from_term_id__in=chunk).delete()
        through.objects.filter(to_term_id__in=chunk).delete()
    bulk.add_related(
        (
            (term_ids[p.address], all_ids[parse_address(text, p.language)])
            for p in with_related
            for text in p.related or []
        ),
        progress=report,
    )


def _update_terms(
    updates: dict[int, dict[str, Any]], fields: list[models.Field], report: Progress
) -> None:
    """Write the new values of the terms already there, one batch of rows at a time."""
    if not updates:
        return
    done = 0
    for chunk in _chunks(list(updates), 2000):
        terms = []
        for term in Term.objects.filter(pk__in=chunk):
            for name, value in updates[term.pk].items():
                setattr(term, name, value)
            terms.append(term)
        names = [f.name for f in fields] + ["concept", "content_version", "source_version"]
        bulk.update_rows(terms, names)
        done += len(chunk)
        report("Updating terms", done, len(updates))


# --- References -------------------------------------------------------------------------


def _check_references(records: list[Record], problems: list[str]) -> dict[str, dict]:
    """The file's library: each record checked as the reference form checks it."""
    planned: dict[str, dict] = {}
    for record in records:
        data = _record_data(record, REFERENCE_FIELDS, "a reference's fields", problems)
        if data is None:
            continue
        values = {name: data[name] for name in REFERENCE_FIELDS if data.get(name) is not None}
        authors = values.get("authors", [])
        if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
            problems.append(f"{record.where}: authors: expected a list of names")
            continue
        values["authors"] = "\n".join(authors)
        reference = Reference(**values)
        try:
            reference.clean_fields()
            reference.clean()
        except (ValidationError, TypeError, ValueError) as error:
            reasons = " ".join(getattr(error, "messages", [str(error)]))
            problems.append(f"{record.where} (key {shown(data.get('key'))}): {reasons}")
            continue
        if reference.key in planned:
            problems.append(f"{record.where}: reference key {reference.key!r} appears twice")
        planned[reference.key] = {name: getattr(reference, name) for name in REFERENCE_FIELDS}
    return planned


def _write_references(planned: dict[str, dict]) -> set[str]:
    """Create or update the file's references; returns the keys whose values changed."""
    existing = {r.key: r for r in Reference.objects.filter(key__in=list(planned))}
    new, changed = [], []
    for key, values in planned.items():
        reference = existing.get(key)
        if reference is None:
            new.append(Reference(**values))
        elif any(getattr(reference, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(reference, name, value)
            changed.append(reference)
    Reference.objects.bulk_create(new, batch_size=bulk.BATCH_SIZE)
    fields = [name for name in REFERENCE_FIELDS if name != "key"] + ["updated_at"]
    for reference in changed:
        reference.updated_at = timezone.now()
    Reference.objects.bulk_update(changed, fields, batch_size=500)
    return {reference.key for reference in changed}


def _write_listed_references(plans: list[TermPlan], term_ids: dict[Address, int]) -> None:
    """The listed references of the terms whose record has them replace the ones they had.

    A line that names no reference is free text (an export from before the library): it
    becomes an unstructured reference, one per distinct text, as the migration did. Rows
    are written in bulk, without signals: `changes.terms_loaded` renders these terms next.
    """
    with_references = [p for p in plans if p.references is not None]
    if not with_references:
        return
    wanted = {line for p in with_references for line in p.references or []}
    by_key = dict(Reference.objects.filter(key__in=wanted).values_list("key", "pk"))
    free = {line for line in wanted if line not in by_key}
    text_keys = dict(
        Reference.objects.filter(kind=KIND_UNSTRUCTURED, text__in=free).values_list("text", "key")
    )
    taken = set(Reference.objects.filter(key__startswith="ref-").values_list("key", flat=True))
    new = []
    for plan in with_references:
        for position, line in enumerate(plan.references or [], start=1):
            if line not in by_key and line not in text_keys:
                key = _unused_key(f"ref-{plan.values['slug']}"[:70], position, taken)
                text_keys[line] = key
                new.append(Reference(key=key, kind=KIND_UNSTRUCTURED, text=line))
    Reference.objects.bulk_create(new, batch_size=bulk.BATCH_SIZE)
    keys = {**{key: key for key in by_key}, **text_keys}
    ids = dict(Reference.objects.filter(key__in=set(keys.values())).values_list("key", "pk"))
    rows = [
        (term_ids[plan.address], ids[keys[line]], position)
        for plan in with_references
        for position, line in enumerate(plan.references or [], start=1)
    ]
    _replace_listed([term_ids[p.address] for p in with_references], rows)


def _replace_listed(term_ids: list[int], rows: list[tuple[int, int, int]]) -> None:
    """Plain DELETE and bulk INSERT: row by row signals would render each term again."""
    table = connection.ops.quote_name(TermReference._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in _chunks(term_ids, 500):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE term_id IN ({marks})", chunk)
    TermReference.objects.bulk_create(
        [TermReference(term_id=t, reference_id=r, position=p) for t, r, p in rows],
        batch_size=bulk.BATCH_SIZE,
        ignore_conflicts=True,  # a reference listed twice on one term is listed once
    )


def _unused_key(base: str, number: int, taken: set[str]) -> str:
    while f"{base}-{number}" in taken:
        number += 1000
    taken.add(f"{base}-{number}")
    return f"{base}-{number}"


def import_path(path: Path, *, progress: Progress | None = None) -> ImportResult:
    """Read a .json export, a folder of .md files or one .md file, and import it."""
    return import_bundle(read_path(path, progress=progress), progress=progress)
