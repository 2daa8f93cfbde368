"""export_terms / import_terms carry people, authors, the workflow record and publications:
a lossless round trip into an emptied site, re-imports, older files, bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.test import Client

from editorial.models import Authorship, Person, Review, TermWorkflow, Transition
from glossary import publication_transfer
from glossary.models import Category, Publication, Reference, RetiredSlug, Term
from tests.glossary.test_import_export import read_tree, term_state

pytestmark = pytest.mark.django_db

PHOTO = "people/ann-other.webp"


@pytest.fixture
def history(draft, writer, reviewer, publisher, as_user, step, make_term):
    """Autophagy by two authors (in a set order) taken through the whole workflow:
    changes requested, approved, published twice with notes, a non-medical publication,
    then an edit not yet reviewed (readers keep version 3). Also a term with authors only
    and a term outside the workflow."""
    ann = Person.objects.create(
        name="Ann Other",
        slug="ann-other",
        credentials="RN",
        specialty="Nurse: intensive care",
        bio="Twenty years on the ward.\nSecond line.",
        photo=PHOTO,
        orcid="0000-0002-1825-0097",
        website="https://example.org/ann",
        conflicts_of_interest="None declared.",
        public=False,
    )
    Authorship.objects.filter(term=draft).update(position=1)
    Authorship.objects.create(term=draft, person=ann, position=0)
    rita = reviewer.editorial_person
    w, r, p = as_user(writer), as_user(reviewer), as_user(publisher)

    def edit(**fields) -> None:
        draft.refresh_from_db()
        for name, value in fields.items():
            setattr(draft, name, value)
        draft.save()

    assert step(w, draft, "submit", comment="Ready.", reviewer=rita.pk).status_code == 302
    step(r, draft, "request_changes", comment="Cite a source.")
    edit(body=draft.body + "\nA source: the lysosome.\n")
    step(w, draft, "submit")
    step(r, draft, "comment", comment="Reading it now.")
    step(r, draft, "approve", comment="Checked.")
    step(p, draft, "publish", note="First version.")
    edit(body=draft.body.replace("First text.", "Second text."))  # back to draft, no user
    step(w, draft, "submit")
    step(r, draft, "approve")
    step(p, draft, "publish", note="Rewrote the mechanism.")
    edit(summary="The cell's own recycling process.")
    step(p, draft, "publish", non_medical="1", non_medical_reason="Wording only.", note="Typo.")
    edit(body=draft.body + "\nAn unreviewed claim.\n")
    mitophagy = make_term("Mitophagy", slug="mitophagy", body="Mitochondria go too.")
    Authorship.objects.create(term=mitophagy, person=rita, position=0)
    Authorship.objects.create(term=mitophagy, person=ann, position=1)
    make_term("Lysosome", slug="lysosome", body="A bag of enzymes.")
    draft.refresh_from_db()
    assert draft.publication_number == 3
    return draft


def editorial_state() -> dict:
    """Everything editorial and every publication, by slugs and usernames (not ids)."""

    def username(user) -> str | None:
        return user.username if user else None

    return {
        "people": [
            {
                **{name: getattr(p, name) for name in person_fields()},
                "user": username(p.user),
            }
            for p in Person.objects.order_by("slug").select_related("user")
        ],
        "authors": [
            (a.term.slug, a.person.slug)
            for a in Authorship.objects.order_by("term__slug", "position", "pk")
        ],
        "workflow": [
            (
                w.term.slug,
                w.state,
                w.reviewer and w.reviewer.slug,
                username(w.submitted_by),
                w.source_hash,
                w.updated_at,
            )
            for w in TermWorkflow.objects.order_by("term__slug")
        ],
        "reviews": [
            (
                v.term.slug,
                v.reviewer.slug,
                username(v.user),
                v.decision,
                v.comment,
                v.source_hash,
                v.created_at,
                v.outdated,
            )
            for v in Review.objects.order_by("term__slug", "created_at", "pk")
        ],
        "transitions": [
            (
                t.term.slug,
                t.from_state,
                t.to_state,
                username(t.user),
                t.at,
                t.comment,
                t.non_medical_reason,
            )
            for t in Transition.objects.order_by("term__slug", "at", "pk")
        ],
        "publications": [
            (p.term.slug, *(getattr(p, name) for name in publication_transfer.FIELDS))
            for p in Publication.objects.order_by("term__slug", "number")
        ],
        "terms": sorted(
            Term.objects.values_list("slug", "publication_number", "last_reviewed", "review_due")
        ),
    }


def person_fields() -> list[str]:
    return [f.name for f in Person._meta.concrete_fields if f.name not in ("id", "user")]


def pages() -> dict[str, bytes]:
    """What a reader gets at the term pages and at every version's permanent address."""
    paths = [f"/glossary/{slug}/" for slug in ("autophagy", "mitophagy", "lysosome")]
    paths += [p.get_absolute_url() for p in Publication.objects.select_related("term")]
    paths += ["/people/ann-other/", "/people/rita-review/", "/people/wendy-writer/"]
    found = {}
    for path in paths:
        response = Client().get(path)
        found[path] = (response.status_code, response.content)
    return found


def wipe() -> None:
    """The site's content and people gone; its accounts stay (they are not exported)."""
    Term.objects.all().delete()
    Person.objects.all().delete()
    Category.objects.all().delete()
    RetiredSlug.objects.all().delete()
    Reference.objects.all().delete()


def export_json(path: Path) -> dict:
    call_command("export_terms", "--format", "json", str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def record_of(document: dict, slug: str) -> dict:
    return next(t for t in document["terms"] if t["slug"] == slug)


class TestRoundTrip:
    def test_json_round_trip_into_an_emptied_site(self, history, tmp_path):
        before, terms_before, pages_before = editorial_state(), term_state(), pages()
        assert pages_before["/people/ann-other/"][0] == 404  # not public: stays so
        export_json(tmp_path / "a.json")
        wipe()
        assert not Publication.objects.exists() and not Person.objects.exists()
        call_command("import_terms", str(tmp_path / "a.json"))
        export_json(tmp_path / "b.json")
        assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
        assert editorial_state() == before
        assert term_state() == terms_before
        assert pages() == pages_before

    def test_markdown_round_trip_into_an_emptied_site(self, history, tmp_path):
        before, terms_before, pages_before = editorial_state(), term_state(), pages()
        call_command("export_terms", "--format", "markdown", str(tmp_path / "a"))
        wipe()
        call_command("import_terms", str(tmp_path / "a"))
        call_command("export_terms", "--format", "markdown", str(tmp_path / "b"))
        assert read_tree(tmp_path / "a") == read_tree(tmp_path / "b")
        assert editorial_state() == before
        assert term_state() == terms_before
        assert pages() == pages_before

    def test_what_the_round_trip_keeps_is_what_readers_were_shown(self, history, tmp_path):
        export_json(tmp_path / "a.json")
        wipe()
        call_command("import_terms", str(tmp_path / "a.json"))
        html = Client().get("/glossary/autophagy/").content.decode()
        assert "Second text." in html and "An unreviewed claim." not in html  # held
        assert "First text." in Client().get("/glossary/autophagy/v/1/").content.decode()
        assert "Typo." in html and "Rewrote the mechanism." in html  # the changelog
        steps = Transition.objects.filter(term__slug="autophagy").order_by("at", "pk")
        assert [(t.to_state, t.user and t.user.username) for t in steps][-2:] == [
            ("published", "paul"),
            ("draft", None),  # the unreviewed edit
        ]
        last = Publication.objects.get(term__slug="autophagy", number=3)
        assert last.non_medical and last.non_medical_reason == "Wording only."
        assert last.reviewer_name == "Dr. Rita Review" and last.reviewed_on is not None
        assert [a["name"] for a in last.authors] == ["Ann Other", "Wendy Writer"]
        workflow = TermWorkflow.objects.get(term__slug="autophagy")
        assert (workflow.state, workflow.reviewer.slug, workflow.submitted_by.username) == (
            "draft",
            "rita-review",
            "wendy",
        )
        ann = Person.objects.get(slug="ann-other")
        assert (ann.photo, ann.orcid, ann.public) == (PHOTO, "0000-0002-1825-0097", False)
        assert ann.user is None
        assert Person.objects.get(slug="rita-review").user.username == "rita"

    def test_the_markdown_article_stays_the_body_and_the_history_is_beside_it(
        self, history, tmp_path
    ):
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        article = (tmp_path / "autophagy.md").read_text(encoding="utf-8")
        header, body = article.split("\n---\n", 1)
        assert body == Term.objects.get(slug="autophagy").body
        assert header.endswith("\nauthors:\n- ann-other\n- wendy-writer")
        assert "publications" not in header and "transitions" not in header
        side = (tmp_path / "autophagy.history.yaml").read_text(encoding="utf-8")
        assert side.startswith("publications:\n- number: 1\n")
        assert "\nworkflow:\n  state: draft\n" in side and "\ntransitions:\n" in side
        assert not (tmp_path / "lysosome.history.yaml").exists()
        assert "slug: ann-other" in (tmp_path / "people.yaml").read_text(encoding="utf-8")
        listed = (tmp_path / ".glossary-export").read_text().splitlines()
        assert {"people.yaml", "autophagy.history.yaml", "references.yaml"} <= set(listed)

    def test_a_later_export_rewrites_its_own_side_files(self, history, tmp_path):
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        Term.objects.filter(slug="autophagy").delete()
        Reference.objects.create(key="new2026", kind="unstructured", text="A new source.")
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        assert not (tmp_path / "autophagy.history.yaml").exists()
        assert "new2026" in (tmp_path / "references.yaml").read_text(encoding="utf-8")


class TestReimport:
    def test_importing_again_updates_and_duplicates_nothing(self, history, tmp_path):
        before, pages_before = editorial_state(), pages()
        document = export_json(tmp_path / "a.json")
        call_command("import_terms", str(tmp_path / "a.json"))
        call_command("import_terms", str(tmp_path / "a.json"))
        assert editorial_state() == before
        assert pages() == pages_before

        document["people"][0]["name"] = "Ann Other-Smith"
        record = record_of(document, "autophagy")
        record["publications"][0]["note"] = "First version, as corrected."
        record["authors"] = ["wendy-writer"]
        record["reviews"] = record["reviews"][:1]
        (tmp_path / "a.json").write_text(json.dumps(document))
        call_command("import_terms", str(tmp_path / "a.json"))
        assert Person.objects.get(slug="ann-other").name == "Ann Other-Smith"
        assert Person.objects.count() == 3
        autophagy = Term.objects.get(slug="autophagy")
        assert [a.person.slug for a in autophagy.authorships.all()] == ["wendy-writer"]
        assert Review.objects.filter(term=autophagy).count() == 1
        assert Publication.objects.filter(term=autophagy).count() == 3
        assert Publication.objects.get(term=autophagy, number=1).note.endswith("as corrected.")
        assert Transition.objects.filter(term=autophagy).count() == len(record["transitions"])

    def test_an_export_without_editorial_data_leaves_it_alone(self, history, tmp_path):
        """A file from before these keys travelled (version 1): terms update as before;
        people, authors, records and publications stay as they are."""
        before = editorial_state()
        document = export_json(tmp_path / "a.json")
        document["version"] = 1
        del document["people"]
        for record in document["terms"]:
            for key in ("authors", "workflow", "reviews", "transitions", "publications"):
                record.pop(key, None)
        record_of(document, "lysosome")["summary"] = "A bag of digestive enzymes."
        (tmp_path / "old.json").write_text(json.dumps(document))
        call_command("import_terms", str(tmp_path / "old.json"))
        assert Term.objects.get(slug="lysosome").summary == "A bag of digestive enzymes."
        after = editorial_state()
        assert {k: v for k, v in after.items() if k != "terms"} == {
            k: v for k, v in before.items() if k != "terms"
        }
        assert "First text." in Client().get("/glossary/autophagy/v/1/").content.decode()

    def test_a_step_without_its_account_is_kept_when_the_user_is_null(self, history, tmp_path):
        document = export_json(tmp_path / "a.json")
        record = record_of(document, "autophagy")
        record["transitions"][0]["user"] = None
        (tmp_path / "a.json").write_text(json.dumps(document))
        call_command("import_terms", str(tmp_path / "a.json"))
        first = Transition.objects.filter(term__slug="autophagy").order_by("at", "pk").first()
        assert first.user is None and first.comment == "Ready."


def database_state() -> tuple:
    return editorial_state(), term_state()


def mutate(document: dict, change) -> None:
    change(document, record_of(document, "autophagy"))


BAD_JSON = [
    (
        lambda d, t: t.update(authors=["ann-other", "nobody"]),
        "terms[0] (slug 'autophagy'): authors: unknown person 'nobody'",
    ),
    (lambda d, t: t.update(authors=["ann-other", "ann-other"]), "'ann-other' is listed twice"),
    (lambda d, t: t.update(authors="ann-other"), "authors: expected a list, not str"),
    (
        lambda d, t: d["people"].append(dict(d["people"][0], name="Another Ann")),
        "people[3]: person slug 'ann-other' appears twice (also ",
    ),
    (
        lambda d, t: d["people"][0].update(orcid="0000-0002-1825-0098"),
        "people[0]: orcid: Enter an ORCID iD",
    ),
    (lambda d, t: d["people"][0].update(website="http://example.org"), "Use an https://"),
    (lambda d, t: d["people"][0].update(public="no"), "public: expected true or false"),
    (lambda d, t: d["people"][0].update(name=None), "people[0]: name: may not be empty"),
    (lambda d, t: d["people"][0].update(photo="../../etc/passwd"), "photo: '../../etc/passwd'"),
    (lambda d, t: d["people"][0].update(user="rita"), "the account is also the person"),
    (
        lambda d, t: t["publications"][1].update(number=1),
        "publications[1]: number 1 appears twice (also publications[0])",
    ),
    (lambda d, t: t["publications"][0].update(number="1"), "number: expected a whole number"),
    (lambda d, t: t["publications"][0].update(number=0), "numbered from 1"),
    (lambda d, t: t["publications"][0].update(non_medical="no"), "non_medical: expected true"),
    (lambda d, t: t["publications"][0].update(toc="none"), "toc: expected a list, not str"),
    (lambda d, t: t["publications"][0].update(authors=[{"name": 5}]), "authors: each is name"),
    (lambda d, t: t["publications"][0].update(published_at="soon"), "'soon' is not a valid date"),
    (lambda d, t: t["publications"][0].pop("title"), "missing required field 'title'"),
    (lambda d, t: t["publications"][0].update(colour="red"), "unknown field(s) colour"),
    (lambda d, t: t.update(publications={"number": 1}), "expected a list of publications"),
    (
        lambda d, t: t["transitions"][0].update(to_state="archived"),
        "transitions[0]: to_state: Value 'archived' is not a valid choice",
    ),
    (lambda d, t: t["transitions"][0].update(at=5), "at: 5 is not a valid date and time"),
    (lambda d, t: t["transitions"][0].update(user="ghost"), "user: unknown user 'ghost'"),
    (lambda d, t: t["transitions"][0].update(user=7), "expected a username or null, not 7"),
    (lambda d, t: t["reviews"][0].update(decision="maybe"), "decision: Value 'maybe' is not"),
    (lambda d, t: t["reviews"][0].update(reviewer="nobody"), "reviewer: unknown person 'nobody'"),
    (lambda d, t: t["reviews"][0].pop("reviewer"), "missing required field 'reviewer'"),
    (lambda d, t: t.update(workflow="published"), "workflow: expected an object"),
    (lambda d, t: t["workflow"].update(state="done"), "workflow: state: Value 'done' is not"),
    (lambda d, t: t["workflow"].update(submitted_by="ghost"), "unknown user 'ghost'"),
    (lambda d, t: t.update(reviews=[1]), "reviews[0]: expected an object"),
    (lambda d, t: d.update(version=3), "format version 3 is not one this site reads"),
]


class TestBadInput:
    def test_bad_editorial_data_imports_nothing_and_says_where_and_why(self, history, tmp_path):
        # One history and one export for every case (building them is most of the cost);
        # each case starts from a fresh copy, and nothing may ever be written.
        good = export_json(tmp_path / "good.json")
        before = database_state()
        for number, (change, reason) in enumerate(BAD_JSON):
            document = copy.deepcopy(good)
            record_of(document, "autophagy")["summary"] = "Changed too: must not be written."
            document["people"][1]["bio"] = "Changed too: must not be written."
            mutate(document, change)
            path = tmp_path / f"bad-{number}.json"
            path.write_text(json.dumps(document))
            with pytest.raises(CommandError) as raised:
                call_command("import_terms", str(path))
            message = str(raised.value)
            assert str(path) in message and reason in message, (reason, message)
            assert database_state() == before, reason

    def test_a_bad_file_exits_non_zero(self, history, tmp_path, capsys):
        document = export_json(tmp_path / "a.json")
        record_of(document, "autophagy")["authors"] = ["nobody"]
        (tmp_path / "a.json").write_text(json.dumps(document))
        with pytest.raises(SystemExit) as exited:
            execute_from_command_line(["manage.py", "import_terms", str(tmp_path / "a.json")])
        assert exited.value.code != 0
        assert "unknown person 'nobody'" in capsys.readouterr().err
        # (The command closes the connection as it exits: the tests above check the rows.)

    @pytest.mark.parametrize(
        ("name", "text", "reason"),
        [
            ("autophagy.history.yaml", "colour: red\n", "autophagy.history.yaml: unknown field"),
            ("ghost.history.yaml", "reviews: []\n", "a term's history without its term file"),
            ("autophagy.history.yaml", "- a list\n", "expected 'key: value' lines"),
            ("autophagy.history.yaml", "authors: []\n", "unknown field(s) authors"),
        ],
    )
    def test_bad_side_files_are_named(self, history, tmp_path, name, text, reason):
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        (tmp_path / name).write_text(text)
        before = database_state()
        with pytest.raises(CommandError) as raised:
            call_command("import_terms", str(tmp_path))
        assert reason in str(raised.value)
        assert database_state() == before

    def test_a_problem_in_the_side_file_names_its_line(self, history, tmp_path):
        call_command("export_terms", "--format", "markdown", str(tmp_path))
        side = tmp_path / "autophagy.history.yaml"
        side.write_text(side.read_text().replace("to_state: published", "to_state: gone", 1))
        people = tmp_path / "people.yaml"
        people.write_text(people.read_text().replace("1825-0097", "1825-0098"))
        before = database_state()
        with pytest.raises(CommandError) as raised:
            call_command("import_terms", str(tmp_path))
        message = str(raised.value)
        line = side.read_text().splitlines().index("transitions:") + 1
        assert f"autophagy.history.yaml, line {line}: transitions[" in message
        assert "to_state: Value 'gone' is not a valid choice" in message
        assert "people.yaml, item 1: orcid: Enter an ORCID iD" in message
        assert database_state() == before


def test_editorial_keys_need_the_editorial_app(history, tmp_path):
    """Without an app to take them, the keys are unknown fields, not silently dropped."""
    from glossary import transfer

    document = export_json(tmp_path / "a.json")
    saved = dict(transfer._extensions)
    transfer._extensions.pop("editorial")
    try:
        with pytest.raises(CommandError, match=r"unknown field\(s\) authors, reviews"):
            (tmp_path / "a.json").write_text(json.dumps(document))
            call_command("import_terms", str(tmp_path / "a.json"))
    finally:
        transfer._extensions.update(saved)


def test_the_export_reads_the_editorial_data_in_a_fixed_number_of_queries(
    history, tmp_path, make_term
):
    """Four queries for authors, workflows, reviews and transitions, one for people and
    one for publications, however many terms have them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        export_json(tmp_path / "a.json")
    ann = Person.objects.get(slug="ann-other")
    for number in range(5):
        term = make_term(f"Extra {number}")
        Authorship.objects.create(term=term, person=ann)
        Transition.objects.create(term=term, from_state="draft", to_state="in_review")
        Publication.objects.create(term=term, number=1, published_at=term.published_at)
    with CaptureQueriesContext(connection) as many:
        document = export_json(tmp_path / "b.json")
    assert len(document["terms"]) == 8
    assert len(many.captured_queries) == len(few.captured_queries)
