"""People, authors and each term's workflow record in `export_terms` / `import_terms`.

Registered with `glossary.transfer` (glossary imports no app) from `EditorialConfig.ready`:

- a top-level `people` list (`people.yaml` in the markdown format): every profile by
  slug, its account by username; an import creates or updates people by slug and never
  removes one;
- per term `authors` (person slugs, byline order; in the front matter), `workflow` (state,
  asked reviewer, submitter, the revision approved), `reviews` and `transitions` (oldest
  first; in the term's side file `<slug>.history.yaml`). A term with any of them is
  exported with all four, and a record that has a key replaces what the term had under
  it: a re-import never duplicates. A record without them leaves the term's record alone.

Accounts are named by username. The import creates no account: a username that names none
is a problem (the whole import stops, the record and username named); write null to keep
the step or review without its user.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.contrib.auth import get_user_model

from core import stamps
from editorial import due, views
from editorial.models import Authorship, Person, Review, TermWorkflow, Transition
from glossary import bulk, term_page, transfer
from glossary.models import Term

PEOPLE = "people"
PEOPLE_FILE = "people.yaml"
PERSON_FIELDS = (
    "slug", "name", "credentials", "specialty", "bio", "photo", "orcid", "website",
    "conflicts_of_interest", "public",
)  # fmt: skip
PERSON_KEYS = (*PERSON_FIELDS, "user")
WORKFLOW_FIELDS = ("state", "source_hash", "updated_at")
WORKFLOW_KEYS = ("state", "reviewer", "submitted_by", "source_hash", "updated_at")
REVIEW_FIELDS = ("decision", "comment", "source_hash", "created_at")
REVIEW_KEYS = ("reviewer", "user", *REVIEW_FIELDS)
TRANSITION_FIELDS = ("from_state", "to_state", "at", "comment", "non_medical_reason")
TRANSITION_KEYS = (*TRANSITION_FIELDS[:2], "user", *TRANSITION_FIELDS[2:])
HISTORY_KEYS = ("workflow", "reviews", "transitions")
TERM_KEYS = ("authors", *HISTORY_KEYS)
NO_USER = (
    "no account has this username (the import creates none): create it first, or write "
    "null to keep the record without its user"
)


# --- Export ---------------------------------------------------------------------------------


def _username_path() -> str:
    return get_user_model().USERNAME_FIELD


def export_sections() -> dict[str, list[dict]]:
    """Every person, by slug."""
    user_key = f"user__{_username_path()}"
    people = []
    for row in Person.objects.order_by("slug").values(*PERSON_FIELDS, user_key):
        record = {name: row[name] for name in PERSON_FIELDS}
        record["user"] = row[user_key]
        people.append(record)
    return {PEOPLE: people}


def export_terms() -> dict[int, dict[str, Any]]:
    """The authors and workflow record of every term that has any: four queries."""
    username = _username_path()
    found: dict[int, dict[str, Any]] = defaultdict(dict)
    authors = Authorship.objects.order_by("term_id", "position", "pk")
    for term_id, slug in authors.values_list("term_id", "person__slug"):
        found[term_id].setdefault("authors", []).append(slug)
    workflows = TermWorkflow.objects.values(
        "term_id", *WORKFLOW_FIELDS, "reviewer__slug", f"submitted_by__{username}"
    )
    for row in workflows:
        found[row["term_id"]]["workflow"] = {
            "state": row["state"],
            "reviewer": row["reviewer__slug"],
            "submitted_by": row[f"submitted_by__{username}"],
            "source_hash": row["source_hash"],
            "updated_at": transfer.dump_time(row["updated_at"]),
        }
    reviews = Review.objects.order_by("term_id", "created_at", "pk")
    for row in reviews.values("term_id", "reviewer__slug", f"user__{username}", *REVIEW_FIELDS):
        found[row["term_id"]].setdefault("reviews", []).append(
            {
                "reviewer": row["reviewer__slug"],
                "user": row[f"user__{username}"],
                "decision": row["decision"],
                "comment": row["comment"],
                "source_hash": row["source_hash"],
                "created_at": transfer.dump_time(row["created_at"]),
            }
        )
    transitions = Transition.objects.order_by("term_id", "at", "pk")
    for row in transitions.values("term_id", f"user__{username}", *TRANSITION_FIELDS):
        found[row["term_id"]].setdefault("transitions", []).append(
            {
                "from_state": row["from_state"],
                "to_state": row["to_state"],
                "user": row[f"user__{username}"],
                "at": transfer.dump_time(row["at"]),
                "comment": row["comment"],
                "non_medical_reason": row["non_medical_reason"],
            }
        )
    # All four keys together, so that importing the record makes the term's record whole.
    for data in found.values():
        data.setdefault("authors", [])
        data.setdefault("workflow", None)
        data.setdefault("reviews", [])
        data.setdefault("transitions", [])
    return dict(found)


# --- Checking -------------------------------------------------------------------------------


@dataclass
class TermRecord:
    """A term's editorial keys as checked: a key the record does not have stays absent."""

    authors: list[str] | None = None
    workflow: dict[str, Any] | None = None
    has_workflow: bool = False
    reviews: list[dict[str, Any]] | None = None
    transitions: list[dict[str, Any]] | None = None


@dataclass
class Plan:
    people: dict[str, dict[str, Any]] = field(default_factory=dict)  # by slug
    terms: dict[transfer.Address, TermRecord] = field(default_factory=dict)


class _Names:
    """The accounts (by username) and person slugs the input may name."""

    def __init__(self, usernames: set[str], person_slugs: set[str]) -> None:
        manager = get_user_model().objects
        self.users = dict(
            manager.filter(**{f"{_username_path()}__in": usernames}).values_list(
                _username_path(), "pk"
            )
        )
        self.people = person_slugs

    def user(self, data: dict, key: str, where: str, problems: list[str]) -> int | None:
        """The id of the account `data[key]` names (None: no user)."""
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            problems.append(
                f"{where}: {key}: expected a username or null, not {transfer.shown(value)}"
            )
            return None
        if value not in self.users:
            problems.append(f"{where}: {key}: unknown user {transfer.shown(value)}: {NO_USER}")
            return None
        return self.users[value]

    def person(
        self, data: dict, key: str, where: str, problems: list[str], *, required: bool = False
    ) -> str | None:
        """The person slug `data[key]`, known in the input or on this site."""
        value = data.get(key)
        if value is None:
            if required:
                problems.append(f"{where}: missing required field {key!r}")
            return None
        if not isinstance(value, str):
            problems.append(
                f"{where}: {key}: expected a person's slug, not {transfer.shown(value)}"
            )
            return None
        if value not in self.people:
            problems.append(
                f"{where}: {key}: unknown person {transfer.shown(value)} "
                f"(in neither {PEOPLE} nor this site's people)"
            )
            return None
        return value


def _usernames(incoming: transfer.Incoming) -> set[str]:
    """Every username the input names, to look them up in one query."""
    found: set[str] = set()

    def add(item: Any, key: str) -> None:
        if isinstance(item, dict) and isinstance(item.get(key), str):
            found.add(item[key])

    for record in incoming.sections.get(PEOPLE, []):
        add(record.data, "user")
    for plan in incoming.terms:
        data = plan.record.data
        add(data.get("workflow"), "submitted_by")
        for key, user_key in (("reviews", "user"), ("transitions", "user")):
            items = data.get(key)
            for item in items if isinstance(items, list) else []:
                add(item, user_key)
    return found


def _person_slugs(incoming: transfer.Incoming) -> set[str]:
    slugs = set(Person.objects.values_list("slug", flat=True))
    for record in incoming.sections.get(PEOPLE, []):
        if isinstance(record.data, dict) and isinstance(record.data.get("slug"), str):
            slugs.add(record.data["slug"])
    return slugs


def _photo_problem(path: str) -> str | None:
    """A photo is a name in the site's storage: relative, without `..`."""
    parts = PurePosixPath(path).parts
    if path and (path.startswith(("/", "\\")) or ".." in parts or "\\" in path or ":" in path):
        return f"photo: {transfer.shown(path)} is not a stored file's name (relative, no ..)"
    return None


def _check_people(records: list[transfer.Record], names: _Names, problems: list[str]) -> dict:
    planned: dict[str, dict[str, Any]] = {}
    where_of: dict[str, str] = {}
    for record in records:
        if not isinstance(record.data, dict):
            problems.append(f"{record.where}: expected an object with a person's fields")
            continue
        transfer.report_unknown(record.data, PERSON_KEYS, record.where, problems)
        values = transfer.load_fields(Person, record.data, PERSON_FIELDS, record.where, problems)
        problem = _photo_problem(values.get("photo") or "")
        if problem:
            problems.append(f"{record.where}: {problem}")
        values["user_id"] = names.user(record.data, "user", record.where, problems)
        slug = values.get("slug")
        if not slug:
            continue
        if slug in planned:
            problems.append(
                f"{record.where}: person slug {slug!r} appears twice (also {where_of[slug]})"
            )
        planned[slug] = values
        where_of[slug] = record.where
    # One person per account, as the site will have it after the import.
    owner = dict(Person.objects.exclude(user=None).values_list("slug", "user_id"))
    owner.update({slug: values["user_id"] for slug, values in planned.items()})
    by_user: dict[int, list[str]] = defaultdict(list)
    for slug, user_id in owner.items():
        if user_id is not None:
            by_user[user_id].append(slug)
    for slugs in by_user.values():
        for slug in sorted(slugs) if len(slugs) > 1 else []:
            if slug in planned:
                others = ", ".join(repr(s) for s in sorted(slugs) if s != slug)
                problems.append(
                    f"{where_of[slug]}: user: the account is also the person {others}'s "
                    "(one person per account)"
                )
    return planned


def _listed(data: dict, key: str, where: str, problems: list[str]) -> list | None:
    value = data[key]
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: {key}: expected a list, not {type(value).__name__}")
        return None
    return value


def _items(
    items: list, key: str, where: str, problems: list[str], allowed: tuple[str, ...]
) -> list[tuple[str, dict]]:
    """(where, item) of each item that is an object with known keys."""
    found = []
    for number, item in enumerate(items):
        place = f"{where}: {key}[{number}]"
        if not isinstance(item, dict):
            problems.append(f"{place}: expected an object ({', '.join(allowed)})")
            continue
        transfer.report_unknown(item, allowed, place, problems)
        found.append((place, item))
    return found


def _check_authors(data: dict, where: str, names: _Names, problems: list[str]) -> list[str] | None:
    authors = _listed(data, "authors", where, problems)
    if authors is None:
        return None
    seen: set[str] = set()
    for slug in authors:
        if not isinstance(slug, str):
            problems.append(f"{where}: authors: expected person slugs, not {transfer.shown(slug)}")
        elif slug not in names.people:
            problems.append(
                f"{where}: authors: unknown person {transfer.shown(slug)} "
                f"(in neither {PEOPLE} nor this site's people)"
            )
        elif slug in seen:
            problems.append(f"{where}: authors: {slug!r} is listed twice")
        seen.add(slug)
    return authors


def _check_workflow(data: dict, where: str, names: _Names, problems: list[str]) -> dict | None:
    workflow = data["workflow"]
    if workflow is None:
        return None
    if not isinstance(workflow, dict):
        problems.append(f"{where}: workflow: expected an object ({', '.join(WORKFLOW_KEYS)})")
        return None
    place = f"{where}: workflow"
    transfer.report_unknown(workflow, WORKFLOW_KEYS, place, problems)
    values = transfer.load_fields(TermWorkflow, workflow, WORKFLOW_FIELDS, place, problems)
    values["reviewer"] = names.person(workflow, "reviewer", place, problems)
    values["submitted_by_id"] = names.user(workflow, "submitted_by", place, problems)
    return values


def _check_reviews(data: dict, where: str, names: _Names, problems: list[str]) -> list[dict]:
    reviews = []
    for place, item in _items(
        _listed(data, "reviews", where, problems) or [], "reviews", where, problems, REVIEW_KEYS
    ):
        values = transfer.load_fields(Review, item, REVIEW_FIELDS, place, problems)
        values["reviewer"] = names.person(item, "reviewer", place, problems, required=True)
        values["user_id"] = names.user(item, "user", place, problems)
        reviews.append(values)
    return reviews


def _check_transitions(data: dict, where: str, names: _Names, problems: list[str]) -> list[dict]:
    transitions = []
    listed = _listed(data, "transitions", where, problems) or []
    for place, item in _items(listed, "transitions", where, problems, TRANSITION_KEYS):
        values = transfer.load_fields(Transition, item, TRANSITION_FIELDS, place, problems)
        values["user_id"] = names.user(item, "user", place, problems)
        transitions.append(values)
    return transitions


def check(incoming: transfer.Incoming, problems: list[str]) -> Plan:
    """The people and each term's editorial keys, checked; nothing is written."""
    names = _Names(_usernames(incoming), _person_slugs(incoming))
    plan = Plan(people=_check_people(incoming.sections.get(PEOPLE, []), names, problems))
    for term in incoming.terms:
        data = term.record.data
        if not any(key in data for key in TERM_KEYS):
            continue
        checked = TermRecord()
        if "authors" in data:
            checked.authors = _check_authors(data, term.record.at("authors"), names, problems)
        if "workflow" in data:
            checked.has_workflow = True
            checked.workflow = _check_workflow(data, term.record.at("workflow"), names, problems)
        if "reviews" in data:
            checked.reviews = _check_reviews(data, term.record.at("reviews"), names, problems)
        if "transitions" in data:
            where = term.record.at("transitions")
            checked.transitions = _check_transitions(data, where, names, problems)
        plan.terms[term.address] = checked
    return plan


# --- Writing --------------------------------------------------------------------------------


def _write_people(planned: dict[str, dict[str, Any]]) -> set[int]:
    """Create or update people by slug; returns the ids of the people changed."""
    existing = {person.slug: person for person in Person.objects.filter(slug__in=list(planned))}
    new, changed = [], []
    for slug, values in planned.items():
        person = existing.get(slug)
        if person is None:
            new.append(Person(**values))
        elif any(getattr(person, name) != value for name, value in values.items()):
            changed.append(person)
    moving = [p for p in changed if p.user_id and p.user_id != planned[p.slug]["user_id"]]
    for person in moving:  # an account handed from one person to another: free it first
        person.user_id = None
    Person.objects.bulk_update(moving, ["user"], batch_size=500)
    for person in changed:
        for name, value in planned[person.slug].items():
            setattr(person, name, value)
    Person.objects.bulk_create(new, batch_size=bulk.BATCH_SIZE)
    Person.objects.bulk_update(changed, [*PERSON_FIELDS, "user"], batch_size=500)
    return {person.pk for person in changed}


def _replace(model, term_ids: list[int]) -> None:
    for start in range(0, len(term_ids), 500):
        model.objects.filter(term_id__in=term_ids[start : start + 500]).delete()


def write(plan: Plan, term_ids: dict[transfer.Address, int]) -> None:
    """People first, then each term's authors and record, replacing what it had under each
    key its record has. Rows are written in bulk (no signals): the stamps and term pages
    the signals would renew are renewed here."""
    changed_people = _write_people(plan.people)
    person_ids = dict(Person.objects.values_list("slug", "pk"))
    terms = {term_ids[address]: checked for address, checked in plan.terms.items()}
    with_authors = [pk for pk, checked in terms.items() if checked.authors is not None]
    _replace(Authorship, with_authors)
    Authorship.objects.bulk_create(
        [
            Authorship(term_id=pk, person_id=person_ids[slug], position=position)
            for pk in with_authors
            for position, slug in enumerate(terms[pk].authors or [])
        ],
        batch_size=bulk.BATCH_SIZE,
    )
    _write_workflows({pk: c.workflow for pk, c in terms.items() if c.has_workflow}, person_ids)
    reviewed = [pk for pk, checked in terms.items() if checked.reviews is not None]
    _replace(Review, reviewed)
    Review.objects.bulk_create(
        [
            Review(term_id=pk, **_with_person(values, "reviewer", person_ids))
            for pk in reviewed
            for values in terms[pk].reviews or []
        ],
        batch_size=bulk.BATCH_SIZE,
    )
    stepped = [pk for pk, checked in terms.items() if checked.transitions is not None]
    _replace(Transition, stepped)
    Transition.objects.bulk_create(
        [
            Transition(term_id=pk, **values)
            for pk in stepped
            for values in terms[pk].transitions or []
        ],
        batch_size=bulk.BATCH_SIZE,
    )
    if plan.people or with_authors:
        stamps.bump(views.PEOPLE)
    credited = Term.objects.filter(authorships__person__in=changed_people, publication_number=0)
    term_page.invalidate({*with_authors, *credited.values_list("pk", flat=True)})
    # The review date is derived (last review + interval): it does not travel.
    due.refresh(
        Term.objects.filter(pk__in=list(terms))
        .exclude(last_reviewed=None)
        .values_list("pk", flat=True)
    )


def _with_person(values: dict[str, Any], key: str, person_ids: dict[str, int]) -> dict[str, Any]:
    """The checked values with a person's slug turned into its id (`<key>_id`)."""
    values = dict(values)
    slug = values.pop(key)
    values[f"{key}_id"] = person_ids[slug] if slug else None
    return values


def _write_workflows(workflows: dict[int, dict | None], person_ids: dict[str, int]) -> None:
    """The terms' workflow rows, their times as in the input (auto_now would set now)."""
    _replace(TermWorkflow, list(workflows))
    rows = [
        TermWorkflow(term_id=pk, **_with_person(values, "reviewer", person_ids))
        for pk, values in workflows.items()
        if values is not None
    ]
    TermWorkflow.objects.bulk_create(rows, batch_size=bulk.BATCH_SIZE)
    timed = [row for row in rows if workflows[row.term_id].get("updated_at")]
    for row in timed:
        row.updated_at = workflows[row.term_id]["updated_at"]
    TermWorkflow.objects.bulk_update(timed, ["updated_at"], batch_size=500)


EXTENSION = transfer.Extension(
    name="editorial",
    check=check,
    write=write,
    export_terms=export_terms,
    export_sections=export_sections,
    sections={PEOPLE: PEOPLE_FILE},
    term_keys=TERM_KEYS,
    history_keys=HISTORY_KEYS,
)
