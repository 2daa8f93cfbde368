"""Long commands show how far they are: a bar per phase on a terminal, one line otherwise.

`generate_demo_terms`, `import_terms`, `export_terms` and `relink_terms` draw a tqdm bar
with counts for each real phase of their work when stdout is a terminal; written to a
file or a pipe they print only their summary line.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from glossary import bulk, changes, demo, progress
from glossary.models import Term

pytestmark = pytest.mark.django_db


class Terminal(StringIO):
    """A stdout that says it is a terminal, as an interactive shell's does."""

    def isatty(self) -> bool:
        return True


class Recorder:
    """A Progress that keeps every report it hears."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, int, int]] = []

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.reports.append((phase, done, total))

    def of(self, phase: str) -> list[tuple[int, int]]:
        return [(done, total) for name, done, total in self.reports if name == phase]


def only_line(out: StringIO) -> str:
    """The output is one summary line and nothing a bar would draw."""
    text = out.getvalue()
    assert "\r" not in text and "|" not in text and "%" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def finished_bar(text: str, phase: str, count: int | None = None) -> bool:
    """A bar of this phase was drawn at 100% with its count, e.g. 'Writing terms: 100%|…| 5/5'
    (any count when none is given)."""
    done = str(count) if count is not None else r"(\d+)"
    total = str(count) if count is not None else r"\1"
    return re.search(rf"{phase}: 100%\|[^|\r\n]*\| {done}/{total} \[", text) is not None


def summary(text: str) -> str:
    return text.replace("\r", "\n").strip().splitlines()[-1]


@pytest.fixture
def exported(tmp_path) -> Path:
    """A JSON export of 30 demo terms, the database emptied after."""
    demo.generate_terms(30, seed=2)
    path = tmp_path / "terms.json"
    call_command("export_terms", "--format", "json", str(path), stdout=StringIO())
    Term.objects.all().delete()
    return path


class TestGenerateDemoTerms:
    def test_not_on_a_terminal_it_prints_one_summary_line(self):
        out = StringIO()
        call_command("generate_demo_terms", count=100, seed=3, stdout=out)
        assert re.fullmatch(r"Created 100 demo terms in \d+\.\d s \(--seed 3\)\.", only_line(out))

    def test_on_a_terminal_each_phase_has_a_bar_with_counts(self):
        out = Terminal()
        call_command("generate_demo_terms", count=100, seed=3, stdout=out)
        text = out.getvalue()
        for phase in ("Composing terms", "Writing terms", "Rendering terms"):
            assert finished_bar(text, phase, 100), text
        assert "<" in text  # the time left, as in [00:01<00:02, ...]
        assert summary(text).startswith("Created 100 demo terms in ")


class TestImportTerms:
    def test_not_on_a_terminal_it_prints_one_summary_line(self, exported):
        out = StringIO()
        call_command("import_terms", str(exported), stdout=out)
        assert re.fullmatch(
            rf"Imported 30 terms from {re.escape(str(exported))} in \d+\.\d s: 30 created, "
            r"0 updated, \d+ categories\.",
            only_line(out),
        )

    def test_on_a_terminal_checking_writing_and_rendering_have_bars(self, exported):
        out = Terminal()
        call_command("import_terms", str(exported), stdout=out)
        text = out.getvalue()
        for phase in ("Checking terms", "Writing terms", "Rendering terms"):
            assert finished_bar(text, phase, 30), text
        assert summary(text).startswith("Imported 30 terms from ")

    def test_a_reimport_shows_the_updated_rows(self, exported):
        call_command("import_terms", str(exported), stdout=StringIO())
        out = Terminal()
        call_command("import_terms", str(exported), stdout=out)
        assert finished_bar(out.getvalue(), "Updating terms", 30), out.getvalue()

    def test_a_folder_of_markdown_files_shows_the_files_read(self, tmp_path):
        demo.generate_terms(12, seed=4)
        folder = tmp_path / "terms"
        call_command("export_terms", "--format", "markdown", str(folder), stdout=StringIO())
        Term.objects.all().delete()
        out = Terminal()
        call_command("import_terms", str(folder), stdout=out)
        assert finished_bar(out.getvalue(), "Reading files", 12), out.getvalue()

    def test_a_refused_import_still_gives_its_message(self, tmp_path):
        path = tmp_path / "bad.json"
        path.write_text('{"terms": [{"slug": "a"}]}', encoding="utf-8")
        with pytest.raises(CommandError, match="missing required field 'title'"):
            call_command("import_terms", str(path), stdout=Terminal())
        assert not Term.objects.exists()


class TestExportTerms:
    def test_not_on_a_terminal_it_prints_one_summary_line(self, tmp_path):
        demo.generate_terms(20, seed=5)
        out = StringIO()
        call_command("export_terms", "--format", "json", str(tmp_path / "t.json"), stdout=out)
        assert re.fullmatch(r"Exported 20 terms to .*t\.json in \d+\.\d s\.", only_line(out))

    def test_on_a_terminal_json_shows_the_terms_read(self, tmp_path):
        demo.generate_terms(20, seed=5)
        out = Terminal()
        call_command("export_terms", "--format", "json", str(tmp_path / "t.json"), stdout=out)
        assert finished_bar(out.getvalue(), "Reading terms", 20), out.getvalue()
        assert summary(out.getvalue()).startswith("Exported 20 terms to ")

    def test_on_a_terminal_markdown_shows_the_files_written(self, tmp_path):
        demo.generate_terms(20, seed=5)
        out = Terminal()
        call_command("export_terms", "--format", "markdown", str(tmp_path / "md"), stdout=out)
        # One file per term, categories.yaml, references.yaml and retired-slugs.yaml.
        assert finished_bar(out.getvalue(), "Writing files", 23), out.getvalue()


class TestRelinkTerms:
    def test_not_on_a_terminal_it_prints_one_summary_line(self, make_term):
        make_term("Fasting", body="Fasting triggers autophagy.")
        out = StringIO()
        call_command("relink_terms", stdout=out)
        assert re.fullmatch(r"Re-rendered 0 articles in \d+\.\d s\.", only_line(out))

    def test_on_a_terminal_every_article_relinked_is_counted(self, make_term):
        for number in range(5):
            make_term(f"Article {number}", body="Fasting triggers autophagy.")
        out = Terminal()
        call_command("relink_terms", stdout=out)
        assert finished_bar(out.getvalue(), "Relinking articles", 5), out.getvalue()
        assert summary(out.getvalue()).startswith("Re-rendered 0 articles in ")

    def test_recently_published_shows_the_search_and_the_relinking(self, make_term):
        make_term(
            "Autophagy", slug="autophagy", published_at=timezone.now() + timezone.timedelta(hours=1)
        )
        make_term("Fasting", body="Fasting triggers autophagy.")
        Term.objects.filter(slug="autophagy").update(
            published_at=timezone.now() - timezone.timedelta(minutes=5)
        )
        out = Terminal()
        call_command("relink_terms", "--recently-published", "1", stdout=out)
        text = out.getvalue()
        # How many candidates the full-text index gives before the whole-word rule decides
        # differs between SQLite and PostgreSQL.
        assert finished_bar(text, "Finding mentions"), text
        assert finished_bar(text, "Relinking articles", 1), text
        assert summary(text).startswith("Re-rendered 1 articles in ")

    @pytest.mark.parametrize("hours", ["0", "-2", "nan", "1e12"])
    def test_a_window_that_is_not_a_sensible_number_of_hours_is_refused(self, db, hours):
        with pytest.raises(CommandError, match="positive number of hours"):
            call_command("relink_terms", "--recently-published", hours, stdout=Terminal())


class TestReportsFollowTheWork:
    def test_rows_are_reported_per_batch_written(self):
        terms = [Term(title=f"Term {n}", slug=f"term-{n}") for n in range(2500)]
        recorder = Recorder()
        with transaction.atomic():
            bulk.create_terms(terms, progress=recorder)
        assert recorder.of("Writing terms") == [(1000, 2500), (2000, 2500), (2500, 2500)]
        assert Term.objects.count() == 2500

    def test_relinking_inside_changes_reports_to_the_listener(self, make_term):
        for number in range(3):
            make_term(f"Article {number}", body="Plain text.")
        recorder = Recorder()
        with progress.reported_to(recorder):
            changes.relink_all()
        assert recorder.of("Relinking articles") == [(3, 3)]

    def test_outside_a_listener_nothing_is_reported_and_the_work_is_done(self, make_term):
        article = make_term("Fasting", body="Fasting triggers autophagy.")
        Term.objects.create(title="Autophagy", slug="autophagy", status="published")
        Term.objects.filter(pk=article.pk).update(body_html="stale")
        assert progress.listener() is progress.ignore
        changes.relink_all()
        article.refresh_from_db()
        assert 'href="/glossary/autophagy/"' in article.body_html


class TestOutput:
    def test_a_stream_that_is_not_a_terminal_gets_no_bar(self):
        with progress.for_output(StringIO()) as report:
            assert report is progress.ignore

    def test_each_phase_is_a_bar_of_its_own_left_on_screen(self):
        out = Terminal()
        with progress.for_output(out) as report:
            report("Writing terms", 2, 4)
            report("Writing terms", 4, 4)
            report("Rendering terms", 4, 4)
        text = out.getvalue()
        assert finished_bar(text, "Writing terms", 4)
        assert finished_bar(text, "Rendering terms", 4)
        assert text.endswith("\n")
