"""Import and export carry languages and translations losslessly: each version at its
address, linked to its source as one concept, with its outdated mark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from glossary import transfer
from glossary.models import Category, RetiredSlug, Term

pytestmark = pytest.mark.django_db


@pytest.fixture
def translated(seed_translations, make_term):
    """The seed in three languages, demo translations, an outdated translation, a moved
    German term (a German 301) and a version whose source was deleted (still one concept)."""
    call_command("generate_demo_terms", count=10, seed=3, languages="de")
    source = Term.objects.get(language="en-gb", slug="neurogenesis")
    source.body += "\n\nNew: a 2026 study."
    source.save()  # its German and French versions are now outdated
    moved = Term.objects.get(language="de", slug="myokine")
    moved.slug = "myokine-muskelbotenstoffe"
    moved.save()
    orphan_source = make_term("Ketosis", slug="ketosis")
    make_term("Ketose", slug="ketose", language="de", translation_of=orphan_source)
    orphan_source.delete()


def state() -> dict:
    """Every term by address, with what makes it a version of its concept."""
    by_address = {}
    terms = Term.objects.select_related("translation_of").prefetch_related(
        "related_terms", "categories"
    )
    concepts: dict = {}
    for term in terms:
        concepts.setdefault(term.concept, set()).add((term.language, term.slug))
    for term in terms:
        source = term.translation_of
        by_address[(term.language, term.slug)] = {
            "fields": {f.name: getattr(term, f.name) for f in transfer.term_fields()},
            "source": (source.language, source.slug) if source else None,
            "versions": sorted(concepts[term.concept]),
            "outdated": term.is_outdated,
            "related": sorted((t.language, t.slug) for t in term.related_terms.all()),
            "categories": sorted(c.slug for c in term.categories.all()),
            "body_html": term.body_html,
            "letter": term.letter,
        }
    by_address["retired"] = sorted(
        RetiredSlug.objects.values_list("language", "slug", "term__language", "term__slug")
    )
    return by_address


def wipe() -> None:
    Term.objects.all().delete()
    Category.objects.all().delete()
    RetiredSlug.objects.all().delete()


@pytest.mark.parametrize("form", ["json", "markdown"])
def test_a_round_trip_keeps_every_version_linked(translated, tmp_path, form):
    before = state()
    assert before[("de", "neurogenese")]["outdated"] is True
    assert before[("de", "ketose")]["source"] is None
    assert ("de", "ketose") in before[("de", "ketose")]["versions"]
    target = tmp_path / ("a.json" if form == "json" else "a")
    call_command("export_terms", "--format", form, str(target))
    wipe()
    call_command("import_terms", str(target))
    after = state()
    assert set(after) == set(before)
    changed = [address for address in before if before[address] != after[address]]
    assert changed == []
    again = tmp_path / ("b.json" if form == "json" else "b")
    call_command("export_terms", "--format", form, str(again))
    if form == "json":
        assert target.read_bytes() == again.read_bytes()
    else:
        names = sorted(p.name for p in target.iterdir())
        assert "neurogenese.de.md" in names and "neurogenesis.md" in names
        assert {p.name: p.read_bytes() for p in target.iterdir()} == {
            p.name: p.read_bytes() for p in again.iterdir()
        }


def test_a_translation_record_names_its_source_and_versions(translated, tmp_path):
    call_command("export_terms", "--format", "json", str(tmp_path / "a.json"))
    document = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    german = next(
        t for t in document["terms"] if (t["language"], t["slug"]) == ("de", "neurogenese")
    )
    english = next(
        t for t in document["terms"] if (t["language"], t["slug"]) == ("en-gb", "neurogenesis")
    )
    assert german["translation_of"] == "en-gb:neurogenesis"
    assert german["concept"] == english["concept"]
    assert german["source_version"] < english["content_version"]
    assert "neurologische-effekte-des-krafttrainings" in german["related"]  # the slug alone
    retired = next(r for r in document["retired_slugs"] if r["slug"] == "myokine")
    assert (retired["language"], retired["term"]) == ("de", "myokine-muskelbotenstoffe")


def import_document(tmp_path: Path, terms: list[dict]) -> str:
    path = tmp_path / "bad.json"
    document = {"format": "glossary-terms", "version": 1, "categories": [], "terms": terms}
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_terms", str(path))
    return str(error.value)


def record(**values) -> dict:
    return {"summary": "x", "body": "", **values}


class TestBadInput:
    def test_a_language_not_enabled_is_refused(self, db, tmp_path):
        message = import_document(tmp_path, [record(slug="a", title="A", language="pt")])
        assert "language" in message and "'pt'" in message
        assert Term.objects.count() == 0

    def test_two_versions_of_a_concept_in_one_language_are_refused(self, db, tmp_path):
        concept = "6f1c8a52-7c0e-4c55-9d43-1d8f6b0c2a11"
        message = import_document(
            tmp_path,
            [
                record(slug="a", title="A", language="de", concept=concept),
                record(slug="b", title="B", language="de", concept=concept),
            ],
        )
        assert "has two versions in 'de'" in message
        assert Term.objects.count() == 0

    def test_an_unknown_source_or_one_in_the_same_language_is_refused(self, db, tmp_path):
        message = import_document(
            tmp_path,
            [
                record(slug="a", title="A", language="de", translation_of="en-gb:nowhere"),
                record(slug="b", title="B", language="de", translation_of="a"),
            ],
        )
        assert "unknown source term 'en-gb:nowhere'" in message
        assert "another language than its source" in message

    def test_the_same_slug_and_title_in_two_languages_is_fine(self, db, tmp_path):
        path = tmp_path / "ok.json"
        terms = [
            record(slug="insulin", title="Insulin", status="published"),
            record(slug="insulin", title="Insulin", language="de", translation_of="en-gb:insulin"),
        ]
        path.write_text(
            json.dumps(
                {"format": "glossary-terms", "version": 1, "categories": [], "terms": terms}
            ),
            encoding="utf-8",
        )
        call_command("import_terms", str(path))
        german = Term.objects.get(language="de")
        assert german.translation_of == Term.objects.get(language="en-gb")
        assert german.concept == german.translation_of.concept
