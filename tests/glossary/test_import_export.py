"""export_terms / import_terms: lossless round trips, updates by slug, all-or-nothing import."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from glossary import rendering, transfer
from glossary.models import Category, RetiredSlug, Term

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(seed, make_term, make_category):
    """Seed terms, demo terms, and a term with every awkward value a field can hold."""
    call_command("generate_demo_terms", count=40, seed=11)
    odd = make_category("Odd: cases", description="Line one\nline two: with a colon")
    make_term(
        "Ångström-scale effects",
        slug="angstrom-scale-effects",
        aliases="Å effects\n\n  spaced alias  \nBDNF-like",
        summary="Quotes \" and 'single', a colon: here, # not a comment, and trailing space ",
        body="## Origin\n\nMentions myokines and neurogenesis.\r\n\n---\n\nNo final newline",
        references="- [A link](https://doi.org/10.1/x)\n*starred*",
        status=Term.Status.DRAFT,
        published_at=timezone.now() + datetime.timedelta(days=30),
        last_reviewed=None,
        categories=[odd],
    )
    moved = Term.objects.get(slug="myokines")
    moved.slug = "myokines-exercise-factors"
    moved.save()  # leaves a 301 from the old address
    Term.objects.get(slug="neurogenesis").delete()  # leaves a 410 Gone
    # A slug change does not relink the articles that mention the term (their links still
    # work through the 301); an import renders them afresh, so start from fresh HTML too.
    rendering.relink_all()
    return Term.objects.count()


def term_state() -> dict[str, dict]:
    """Every exported field of every term, plus its derived HTML and relations."""
    names = [f.name for f in transfer.term_fields()]
    state = {}
    for term in Term.objects.prefetch_related("categories", "related_terms", "linked_terms"):
        values = {name: getattr(term, name) for name in names}
        values["categories"] = sorted(c.slug for c in term.categories.all())
        values["related"] = sorted(t.slug for t in term.related_terms.all())
        values["linked"] = sorted(t.slug for t in term.linked_terms.all())
        values["body_html"] = term.body_html
        values["references_html"] = term.references_html
        values["toc"] = term.toc
        values["sort_title"], values["letter"] = term.sort_title, term.letter
        state[term.slug] = values
    state["retired slugs"] = sorted(
        RetiredSlug.objects.values_list("slug", "term__slug", "title", "retired_at")
    )
    return state


def differences(before: dict, after: dict) -> list[tuple[str, str]]:
    """(slug, field) pairs that differ: a readable failure instead of two huge dicts."""
    if set(before) != set(after):
        return [("slugs", str(set(before) ^ set(after)))]
    found = []
    for slug, values in before.items():
        if not isinstance(values, dict):
            if values != after[slug]:
                found.append((slug, "value"))
            continue
        found += [
            (slug, name, values[name], after[slug][name])
            for name in values
            if values[name] != after[slug][name]
        ]
    return found


def wipe() -> None:
    Term.objects.all().delete()
    Category.objects.all().delete()
    RetiredSlug.objects.all().delete()


def read_tree(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


class TestRoundTrip:
    def test_json_round_trip_is_lossless(self, content, tmp_path):
        before = term_state()
        call_command("export_terms", "--format", "json", str(tmp_path / "a.json"))
        wipe()
        call_command("import_terms", str(tmp_path / "a.json"))
        call_command("export_terms", "--format", "json", str(tmp_path / "b.json"))
        assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
        assert differences(before, term_state()) == []

    def test_markdown_round_trip_is_lossless(self, content, tmp_path):
        before = term_state()
        call_command("export_terms", "--format", "markdown", str(tmp_path / "a"))
        wipe()
        call_command("import_terms", str(tmp_path / "a"))
        call_command("export_terms", "--format", "markdown", str(tmp_path / "b"))
        assert read_tree(tmp_path / "a") == read_tree(tmp_path / "b")
        assert differences(before, term_state()) == []

    def test_every_field_of_the_model_is_exported(self, content, tmp_path):
        call_command("export_terms", "--format", "json", str(tmp_path / "a.json"))
        record = json.loads((tmp_path / "a.json").read_text())["terms"][0]
        expected = {f.name for f in transfer.term_fields()} | {"categories", "related"}
        assert set(record) == expected
        assert {"status", "published_at", "last_reviewed", "created_at", "updated_at"} <= expected

    def test_categories_travel_with_names_and_descriptions(self, content, tmp_path):
        call_command("export_terms", "--format", "json", str(tmp_path / "a.json"))
        wipe()
        call_command("import_terms", str(tmp_path / "a.json"))
        odd = Category.objects.get(name="Odd: cases")
        assert odd.description == "Line one\nline two: with a colon"

    def test_markdown_file_is_front_matter_then_the_body_verbatim(self, content, tmp_path):
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        text = (tmp_path / "angstrom-scale-effects.md").read_bytes().decode("utf-8")
        header, body = text.split("\n---\n", 1)
        assert header.startswith("---\nslug: angstrom-scale-effects\ntitle: Ångström-scale")
        assert "status: draft" in header
        assert body == Term.objects.get(slug="angstrom-scale-effects").body
        assert (tmp_path / "categories.yaml").exists()

    def test_export_removes_files_of_deleted_terms(self, content, tmp_path):
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        (tmp_path / "README.md").write_text("not a term\n")
        Term.objects.get(slug="angstrom-scale-effects").delete()
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        assert not (tmp_path / "angstrom-scale-effects.md").exists()
        assert (tmp_path / "README.md").exists()


class TestReimport:
    def test_reimport_updates_terms_matched_by_slug(self, content, tmp_path):
        path = tmp_path / "a.json"
        call_command("export_terms", "--format", "json", str(path))
        document = json.loads(path.read_text())
        record = next(t for t in document["terms"] if t["slug"] == "proprioception")
        record["title"] = "Proprioception (position sense)"
        record["updated_at"] = "2030-01-02T03:04:05+00:00"
        record["related"] = ["synaptic-plasticity"]
        for other in document["terms"]:
            if other is not record:
                other["related"] = [s for s in other["related"] if s != "proprioception"]
        path.write_text(json.dumps(document))
        call_command("import_terms", str(path))
        assert Term.objects.count() == content
        term = Term.objects.get(slug="proprioception")
        assert term.title == "Proprioception (position sense)"
        assert term.updated_at == datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
        assert [t.slug for t in term.related_terms.all()] == ["synaptic-plasticity"]
        # Symmetry: the other side lost the old relation too.
        other = Term.objects.get(slug="motor-unit-recruitment")
        assert "proprioception" not in {t.slug for t in other.related_terms.all()}

    def test_new_names_are_linked_in_articles_not_in_the_import(self, make_term, tmp_path):
        older = make_term("Sauna", body="Heat may raise hormetic stress levels.")
        (tmp_path / "hormetic-stress.md").write_text(
            "---\ntitle: Hormetic stress\nsummary: A helpful dose of stress.\n"
            "status: published\npublished_at: '2025-01-01T00:00:00+00:00'\n---\nBody.\n"
        )
        call_command("import_terms", str(tmp_path))
        older.refresh_from_db()
        assert 'data-term="hormetic-stress"' in older.body_html


DROP = object()  # a field the malformed record leaves out

MALFORMED_JSON = [
    ('{"terms": [', "invalid JSON", "line 1"),
    ({"title": DROP}, "missing required field 'title'", "terms[1]"),
    ({"published_at": "yesterday"}, "published_at: 'yesterday' is not a valid date", "terms[1]"),
    ({"last_reviewed": "2026-02-30"}, "last_reviewed: '2026-02-30' is not a valid date", ""),
    ({"status": "archived"}, "status: Value 'archived' is not a valid choice", "terms[1]"),
    ({"slug": "good-one"}, "duplicate slug 'good-one'", "terms[1]"),
    ({"title": "GOOD ONE"}, "clashes with 'Good one'", "terms[1]"),
    ({"title": "MYOKINES"}, "is already used by the term 'myokines'", "terms[1]"),
    ({"colour": "red"}, "unknown field(s) colour", "terms[1]"),
    ({"related": ["nowhere"]}, "unknown related term 'nowhere'", "terms[1]"),
    ({"categories": ["nowhere"]}, "unknown category 'nowhere'", "terms[1]"),
    ({"slug": "Not a slug!"}, "slug: Enter a valid", "terms[1]"),
    ({"aliases": 5}, "aliases: expected a list of strings", "terms[1]"),
]


def good_record(**changes) -> dict:
    record = {
        "slug": "good-one",
        "title": "Good one",
        "summary": "Fine.",
        "body": "Fine.",
        "status": "published",
        "published_at": "2025-01-01T00:00:00+00:00",
    }
    record.update(changes)
    return record


def database_state() -> tuple:
    return (
        sorted(Term.objects.values_list("slug", "title", "updated_at")),
        sorted(Category.objects.values_list("slug", "name")),
    )


class TestMalformedInput:
    @pytest.mark.parametrize(("second", "reason", "where"), MALFORMED_JSON)
    def test_bad_json_imports_nothing_and_says_where_and_why(
        self, seed, tmp_path, second, reason, where
    ):
        path = tmp_path / "terms.json"
        if isinstance(second, str):
            path.write_text(second)
        else:
            second = good_record(slug="second-one", title="Second one") | second
            second = {key: value for key, value in second.items() if value is not DROP}
            path.write_text(json.dumps({"terms": [good_record(), second]}))
        before = database_state()
        with pytest.raises(CommandError) as raised:
            call_command("import_terms", str(path))
        message = str(raised.value)
        assert str(path) in message
        assert reason in message
        assert where in message
        assert "Nothing was imported" in message or "invalid JSON" in message
        assert database_state() == before

    def test_file_that_is_not_utf8_is_refused(self, seed, tmp_path):
        path = tmp_path / "terms.json"
        path.write_bytes(b'{"terms": [\n{"title": "Caf\xe9"}]}')
        before = database_state()
        with pytest.raises(CommandError, match=r"line 2: the file is not UTF-8"):
            call_command("import_terms", str(path))
        assert database_state() == before

    def test_markdown_not_utf8_names_the_file(self, seed, tmp_path):
        (tmp_path / "good-one.md").write_text("---\ntitle: Good one\nsummary: Fine.\n---\nok\n")
        (tmp_path / "latin.md").write_bytes(b"---\ntitle: Caf\xe9\nsummary: x\n---\n")
        before = database_state()
        with pytest.raises(CommandError, match=r"latin\.md, line 2: the file is not UTF-8"):
            call_command("import_terms", str(tmp_path))
        assert database_state() == before

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("---\ntitle: Open\nsummary: never closed\n", "never closed"),
            ("title: No header\n", "line 1: expected a front-matter header"),
            ("---\ntitle: [unclosed\nsummary: x\n---\nbody\n", "line 3: invalid front matter"),
            ("---\ntitle: Bad date\nsummary: x\npublished_at: soon\n---\n", "line 4: published_at"),
            ("---\ntitle: Wrong\nslug: other-name\nsummary: x\n---\n", "does not match the file"),
            ("---\n- a list\n---\n", "must be 'key: value' lines"),
        ],
    )
    def test_bad_markdown_file_imports_nothing(self, seed, tmp_path, text, reason):
        (tmp_path / "good-one.md").write_text("---\ntitle: Good one\nsummary: Fine.\n---\nok\n")
        (tmp_path / "broken.md").write_text(text)
        before = database_state()
        with pytest.raises(CommandError) as raised:
            call_command("import_terms", str(tmp_path))
        assert "broken.md" in str(raised.value)
        assert reason in str(raised.value)
        assert database_state() == before

    def test_duplicate_slug_across_markdown_files_is_reported(self, db, tmp_path):
        (tmp_path / "one.md").write_text("---\ntitle: One\nsummary: x\n---\n")
        (tmp_path / "two.md").write_text("---\ntitle: ONE\nsummary: x\n---\n")
        with pytest.raises(CommandError, match=r"two\.md, line 2: title 'ONE' clashes with 'One'"):
            call_command("import_terms", str(tmp_path))
        assert not Term.objects.exists()

    def test_unknown_format_and_missing_path_are_clear(self, db, tmp_path):
        (tmp_path / "terms.csv").write_text("a,b\n")
        with pytest.raises(CommandError, match="cannot tell the format"):
            call_command("import_terms", str(tmp_path / "terms.csv"))
        with pytest.raises(CommandError, match="no such file or folder"):
            call_command("import_terms", str(tmp_path / "missing.json"))

    def test_many_problems_are_listed_together(self, db, tmp_path):
        path = tmp_path / "terms.json"
        records = [{"slug": f"t-{n}", "title": f"T {n}", "status": "nope"} for n in range(3)]
        path.write_text(json.dumps({"terms": records}))
        with pytest.raises(CommandError) as raised:
            call_command("import_terms", str(path))
        message = str(raised.value)
        assert "6 problem(s)" in message
        assert "terms[2] (slug 't-2')" in message

    def test_redirect_to_an_unknown_term_is_refused(self, seed, tmp_path):
        path = tmp_path / "terms.json"
        retired = {"slug": "old", "term": "nowhere", "title": "Old", "retired_at": "2025-01-01"}
        path.write_text(json.dumps({"terms": [good_record()], "retired_slugs": [retired]}))
        before = database_state()
        with pytest.raises(CommandError, match=r"retired_slugs\[0\]: redirects to an unknown term"):
            call_command("import_terms", str(path))
        assert database_state() == before


def test_moved_and_deleted_addresses_survive_a_round_trip(content, client, tmp_path):
    call_command("export_terms", "--format", "markdown", str(tmp_path))
    wipe()
    call_command("import_terms", str(tmp_path))
    response = client.get("/glossary/myokines/")
    assert response.status_code == 301
    assert response["Location"].endswith("/glossary/myokines-exercise-factors/")
    assert client.get("/glossary/neurogenesis/").status_code == 410
