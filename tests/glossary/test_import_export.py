"""export_terms / import_terms: lossless round trips, updates by slug, all-or-nothing import."""

from __future__ import annotations

import datetime
import json
import os
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.utils import timezone

from glossary import transfer
from glossary.models import Category, Reference, RetiredSlug, Term, TermReference

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
        status=Term.Status.DRAFT,
        published_at=timezone.now() + datetime.timedelta(days=30),
        last_reviewed=None,
        categories=[odd],
    )
    odd_term = Term.objects.get(slug="angstrom-scale-effects")
    free = Reference.objects.create(
        key="ref-odd-1", kind="unstructured", text="- [A link](https://doi.org/10.1/x)"
    )
    structured = Reference.objects.create(
        key="smith2020",
        authors="Smith J\nDoe A",
        title="A “quoted”: title",
        container="Journal",
        year=2020,
        doi="10.1000/xyz-1",
        pmid="12345",
        url="https://example.org/paper",
        accessed=datetime.date(2026, 1, 2),
        evidence="observational",
    )
    TermReference.objects.create(term=odd_term, reference=free, position=1)
    TermReference.objects.create(term=odd_term, reference=structured, position=2)
    odd_term.body += "\n\nCited [@smith2020; @pedersen2012]."
    odd_term.save()
    moved = Term.objects.get(slug="myokines")
    moved.slug = "myokines-exercise-factors"
    moved.save()  # leaves a 301 from the old address
    Term.objects.get(slug="neurogenesis").delete()  # leaves a 410 Gone
    return Term.objects.count()


KNOWN_RECORD = {
    "slug": "melatonin",
    "title": "Melatonin",
    "language": "en-gb",
    "aliases": ["N-acetyl-5-methoxytryptamine", "Sleep hormone: night"],
    "summary": "A hormone made at night.",
    "body": "## Origin\n\nThe pineal gland.\n",
    "references": ["ref-melatonin-1"],
    "status": "published",
    "published_at": "2025-01-02T03:04:05+00:00",
    "last_reviewed": "2026-11-01",
    "review_interval_months": None,
    "created_at": "2024-01-01T00:00:00+00:00",
    "updated_at": "2025-06-07T08:09:10+00:00",
    "categories": ["sleep"],
    "related": ["circadian-rhythm"],
}

# Written out by hand from the README's description of the format, not by the exporter.
KNOWN_MARKDOWN = """---
slug: melatonin
title: Melatonin
language: en-gb
aliases:
- N-acetyl-5-methoxytryptamine
- 'Sleep hormone: night'
summary: A hormone made at night.
references:
- ref-melatonin-1
status: published
published_at: '2025-01-02T03:04:05+00:00'
last_reviewed: '2026-11-01'
review_interval_months: null
created_at: '2024-01-01T00:00:00+00:00'
updated_at: '2025-06-07T08:09:10+00:00'
categories:
- sleep
related:
- circadian-rhythm
---
## Origin

The pineal gland.
"""


@pytest.fixture
def known_term(make_term, make_category):
    """Two terms, a category and a retired slug with every value known in advance."""
    sleep = make_category("Sleep", slug="sleep", description="Rest: and repair.")
    melatonin = make_term(
        "Melatonin",
        slug="melatonin",
        aliases="N-acetyl-5-methoxytryptamine\nSleep hormone: night",
        summary="A hormone made at night.",
        body="## Origin\n\nThe pineal gland.\n",
        published_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        last_reviewed=datetime.date(2026, 11, 1),
        categories=[sleep],
    )
    free = Reference.objects.create(
        key="ref-melatonin-1", kind="unstructured", text="- [A paper](https://doi.org/10.1/x)"
    )
    TermReference.objects.create(term=melatonin, reference=free, position=1)
    clock = make_term(
        "Circadian rhythm",
        slug="circadian-rhythm",
        summary="The body's daily clock.",
        body="A cycle.\n",
        status=Term.Status.DRAFT,
        published_at=datetime.datetime(2025, 2, 1, tzinfo=datetime.UTC),
    )
    melatonin.related_terms.add(clock)
    RetiredSlug.objects.create(
        slug="sleep-hormone",
        term=melatonin,
        title="Sleep hormone",
        retired_at=datetime.datetime(2025, 3, 4, 5, 6, 7, tzinfo=datetime.UTC),
    )
    new_year = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    Term.objects.update(created_at=new_year, updated_at=new_year)
    Term.objects.filter(slug="melatonin").update(
        updated_at=datetime.datetime(2025, 6, 7, 8, 9, 10, tzinfo=datetime.UTC)
    )
    return melatonin


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
        values["cited_sources"] = term.cited_sources
        values["listed"] = [r.reference.key for r in term.listed_references.all()]
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
    Reference.objects.all().delete()


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

    def test_json_export_is_the_documented_format(self, known_term, tmp_path):
        call_command("export_terms", "--format", "json", str(tmp_path / "a.json"))
        document = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
        assert document == {
            "format": "glossary-terms",
            "version": 2,
            "categories": [{"slug": "sleep", "name": "Sleep", "description": "Rest: and repair."}],
            "references": [
                {
                    "key": "ref-melatonin-1",
                    "kind": "unstructured",
                    "text": "- [A paper](https://doi.org/10.1/x)",
                }
            ],
            "terms": [
                {
                    "slug": "circadian-rhythm",
                    "title": "Circadian rhythm",
                    "language": "en-gb",
                    "aliases": [],
                    "summary": "The body's daily clock.",
                    "body": "A cycle.\n",
                    "references": [],
                    "status": "draft",
                    "published_at": "2025-02-01T00:00:00+00:00",
                    "last_reviewed": None,
                    "review_interval_months": None,
                    "created_at": "2024-01-01T00:00:00+00:00",
                    "updated_at": "2024-01-01T00:00:00+00:00",
                    "categories": [],
                    "related": ["melatonin"],
                },
                KNOWN_RECORD,
            ],
            "retired_slugs": [
                {
                    "slug": "sleep-hormone",
                    "term": "melatonin",
                    "title": "Sleep hormone",
                    "retired_at": "2025-03-04T05:06:07+00:00",
                }
            ],
        }

    def test_markdown_export_is_the_documented_format(self, known_term, tmp_path):
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        assert (tmp_path / "melatonin.md").read_text(encoding="utf-8") == KNOWN_MARKDOWN
        assert (tmp_path / "categories.yaml").read_text(encoding="utf-8") == (
            "- slug: sleep\n  name: Sleep\n  description: 'Rest: and repair.'\n"
        )
        assert (tmp_path / "retired-slugs.yaml").read_text(encoding="utf-8") == (
            "- slug: sleep-hormone\n  term: melatonin\n  title: Sleep hormone\n"
            "  retired_at: '2025-03-04T05:06:07+00:00'\n"
        )
        assert sorted(path.name for path in tmp_path.iterdir()) == [
            ".glossary-export",
            "categories.yaml",
            "circadian-rhythm.md",
            "melatonin.md",
            "references.yaml",
            "retired-slugs.yaml",
        ]

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


def billion_laughs(key: str, levels: int = 9, indent: str = "") -> str:
    """A few hundred bytes of YAML that stand for 9 ** (levels + 1) strings once expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    lines.append(f"{key}: *a{levels}")
    return "".join(f"{indent}{line}\n" for line in lines)


class TestHostileFiles:
    def test_yaml_aliases_are_refused_before_they_expand(self, seed, tmp_path):
        (tmp_path / "good-one.md").write_text("---\ntitle: Good one\nsummary: Fine.\n---\nok\n")
        laughs = tmp_path / "laughs.md"
        laughs.write_text(f"---\ntitle: Laughs\n{billion_laughs('summary')}---\nbody\n")
        assert len(laughs.read_bytes()) < 600
        before = database_state()
        started = time.perf_counter()
        with pytest.raises(CommandError) as raised:
            call_command("import_terms", str(tmp_path))
        assert time.perf_counter() - started < 5
        message = str(raised.value)
        assert (
            f"{laughs}, line 3: YAML anchors and aliases (&name, *name) are not allowed" in message
        )
        assert len(message) < 600
        assert database_state() == before

    @pytest.mark.parametrize(
        ("text", "line"),
        [
            ("- slug: a\n  name: &n Sleep\n  description: x\n- slug: b\n  name: *n\n", 2),
            ("- &base {slug: a, name: A, description: x}\n- <<: *base\n  slug: b\n", 1),
            ("- slug: a\n  name: A\n" + billion_laughs("description", indent="  "), 3),
        ],
        ids=["alias", "merge key", "billion laughs"],
    )
    def test_categories_file_with_aliases_is_refused(self, db, tmp_path, text, line):
        (tmp_path / "good-one.md").write_text("---\ntitle: Good one\nsummary: Fine.\n---\nok\n")
        (tmp_path / "categories.yaml").write_text(text)
        started = time.perf_counter()
        with pytest.raises(CommandError, match=rf"categories\.yaml, line {line}: YAML anchors"):
            call_command("import_terms", str(tmp_path))
        assert time.perf_counter() - started < 5
        assert not Term.objects.exists() and not Category.objects.exists()

    def test_huge_values_are_echoed_cut_short(self, seed, tmp_path):
        huge = "x" * 1_000_000
        path = tmp_path / "terms.json"
        records = [
            good_record(slug=huge),
            good_record(slug="two", title="Two", published_at=huge),
            good_record(slug="three", title="Three", status=huge),
            good_record(slug="four", title="Four", related=[huge], **{huge: 1}),
        ]
        path.write_text(json.dumps({"terms": records}))
        before = database_state()
        with pytest.raises(CommandError) as raised:
            call_command("import_terms", str(path))
        message = str(raised.value)
        assert len(message) < 4000
        assert "published_at: 'xxxxx" in message and "…" in message
        assert "is not a valid date and time" in message
        assert "is not a valid choice" in message
        assert "unknown related term 'xxxx" in message
        assert "unknown field(s) xxxx" in message
        assert database_state() == before

    @pytest.mark.parametrize(
        ("name", "text", "reason"),
        [
            ("terms.json", "[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply"),
            ("terms.json", '{"terms": [{"title": ' + "9" * 5000 + "}]}", "invalid JSON: Exceeds"),
            ("deep.md", "---\ntitle: " + "[" * 5000 + "\n---\n", "invalid front matter"),
            ("long.md", "---\ntitle: " + "9" * 5000 + "\n---\n", "invalid front matter: Exceeds"),
        ],
    )
    def test_pathological_files_give_a_message_not_a_traceback(
        self, db, tmp_path, name, text, reason
    ):
        (tmp_path / name).write_text(text)
        with pytest.raises(CommandError) as raised:
            call_command("import_terms", str(tmp_path / name))
        assert reason in str(raised.value)
        assert len(str(raised.value)) < 1000
        assert not Term.objects.exists()

    def test_a_pipe_named_like_a_term_file_is_refused_not_read(self, db, tmp_path):
        (tmp_path / "good-one.md").write_text("---\ntitle: Good one\nsummary: Fine.\n---\nok\n")
        os.mkfifo(tmp_path / "pipe.md")  # reading it would wait for a writer forever
        with pytest.raises(CommandError, match=r"pipe\.md: not a regular file"):
            call_command("import_terms", str(tmp_path))
        assert not Term.objects.exists()


class TestExportOwnsOnlyItsFiles:
    ABOUT = "---\ntitle: About this folder\n---\nNotes that are not a term.\n"

    def test_unrelated_markdown_with_front_matter_survives_exports(self, content, tmp_path):
        (tmp_path / "about.md").write_text(self.ABOUT)
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        Term.objects.get(slug="angstrom-scale-effects").delete()
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        assert (tmp_path / "about.md").read_text() == self.ABOUT

    def test_reexport_removes_files_of_terms_deleted_since(self, content, tmp_path):
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        assert (tmp_path / "angstrom-scale-effects.md").exists()
        Term.objects.get(slug="angstrom-scale-effects").delete()
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        assert not (tmp_path / "angstrom-scale-effects.md").exists()
        assert (tmp_path / "proprioception.md").exists()
        listed = (tmp_path / ".glossary-export").read_text().splitlines()
        assert "angstrom-scale-effects.md" not in listed and "proprioception.md" in listed

    def test_a_file_it_would_overwrite_but_did_not_write_stops_the_export(self, content, tmp_path):
        (tmp_path / "about.md").write_text(self.ABOUT)
        (tmp_path / "proprioception.md").write_text("---\ntitle: My own notes\n---\nMine.\n")
        before = read_tree(tmp_path)
        with pytest.raises(CommandError) as raised:
            call_command("export_terms", "--format", "markdown", str(tmp_path))
        assert "would overwrite but did not write: proprioception.md" in str(raised.value)
        assert "Nothing was written" in str(raised.value)
        assert read_tree(tmp_path) == before

    def test_the_refusal_exits_non_zero(self, content, tmp_path, capsys):
        (tmp_path / "categories.yaml").write_text("my: own file\n")
        command = ["manage.py", "export_terms", "--format", "markdown", str(tmp_path)]
        with pytest.raises(SystemExit) as exited:
            execute_from_command_line(command)
        assert exited.value.code != 0
        assert "would overwrite but did not write: categories.yaml" in capsys.readouterr().err
        assert (tmp_path / "categories.yaml").read_text() == "my: own file\n"

    def test_an_identical_file_from_an_export_without_manifest_is_accepted(self, content, tmp_path):
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        (tmp_path / ".glossary-export").unlink()  # as an export by an older version left it
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        assert (tmp_path / ".glossary-export").exists()

    def test_a_symlink_is_never_written_through(self, content, tmp_path):
        outside = tmp_path / "outside.txt"
        outside.write_text("precious\n")
        folder = tmp_path / "export"
        call_command("export_terms", "--format", "markdown", str(folder))
        (folder / "proprioception.md").unlink()
        (folder / "proprioception.md").symlink_to(outside)
        with pytest.raises(CommandError, match=r"proprioception\.md"):
            call_command("export_terms", "--format", "markdown", str(folder))
        assert outside.read_text() == "precious\n"

    def test_a_manifest_never_reaches_outside_the_folder(self, content, tmp_path):
        outside = tmp_path / "outside.md"
        outside.write_text(self.ABOUT)
        folder = tmp_path / "export"
        call_command("export_terms", "--format", "markdown", str(folder))
        manifest = folder / ".glossary-export"
        manifest.write_text(manifest.read_text() + "../outside.md\n/etc/hostname\n")
        call_command("export_terms", "--format", "markdown", str(folder))
        assert outside.read_text() == self.ABOUT

    def test_a_manifest_it_did_not_write_stops_the_export(self, content, tmp_path):
        (tmp_path / ".glossary-export").write_text("about.md\n")
        (tmp_path / "about.md").write_text(self.ABOUT)
        with pytest.raises(CommandError, match="was not written by export_terms"):
            call_command("export_terms", "--format", "markdown", str(tmp_path))
        assert (tmp_path / "about.md").read_text() == self.ABOUT

    def test_an_exported_folder_imports_without_its_manifest(self, content, tmp_path):
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        wipe()
        call_command("import_terms", str(tmp_path))
        assert Term.objects.count() == content


class TestReferences:
    def test_free_text_lines_of_an_older_export_become_unstructured_references(
        self, make_category, make_term, tmp_path
    ):
        make_category("Sleep", slug="sleep")
        make_term("Circadian rhythm", slug="circadian-rhythm")
        old = {**KNOWN_RECORD, "references": ["- [A paper](https://doi.org/10.1/x)", "*B*, 1999"]}
        (tmp_path / "old.json").write_text(json.dumps({"terms": [old]}))
        call_command("import_terms", str(tmp_path / "old.json"))
        term = Term.objects.get(slug="melatonin")
        texts = [row.reference.text for row in term.listed_references.all()]
        assert texts == ["- [A paper](https://doi.org/10.1/x)", "*B*, 1999"]
        assert '<li id="ref-2"><em>B</em>, 1999</li>' in term.references_html

    def test_a_malformed_reference_stops_the_import_with_its_reason(self, tmp_path):
        document = {
            "references": [{"key": "bad", "title": "T", "doi": "11.1/x"}],
            "terms": [good_record(references=["bad"])],
        }
        (tmp_path / "a.json").write_text(json.dumps(document))
        with pytest.raises(transfer.TransferError) as error:
            transfer.import_path(tmp_path / "a.json")
        assert "references[0] (key 'bad')" in str(error.value)
        assert "is not a DOI" in str(error.value)
        assert not Term.objects.filter(slug="good-one").exists()
        assert not Reference.objects.filter(key="bad").exists()

    def test_a_corrected_reference_re_renders_terms_outside_the_file(self, make_term, tmp_path):
        Reference.objects.create(key="smith2020", title="Old title", year=2020)
        outside = make_term(body="Cited [@smith2020].")
        document = {"references": [{"key": "smith2020", "title": "New title", "year": 2020}]}
        document["terms"] = [good_record()]
        (tmp_path / "a.json").write_text(json.dumps(document))
        transfer.import_path(tmp_path / "a.json")
        outside.refresh_from_db()
        assert "New title" in outside.references_html
