"""The interface catalogs are complete: every marked string is in every language's catalog,
translated, not fuzzy, with the same placeholders, and the committed .mo files are compiled
from the committed .po files. Uses gettext's own tools (msgfmt, msgcat, xgettext through
makemessages). How to update the catalogs: docs/languages.md."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# The same ignore list as the documented command: never the tests, benchmarks, venv.
IGNORED = [".venv", "tests", "benchmarks", "static/*"]
PLURAL_FORMS = {"pl": 3, "ar": 6}

pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="gettext is not installed (apt-get install gettext)"
)


def catalog(code: str) -> Path:
    return LOCALE / code / "LC_MESSAGES" / "django.po"


def untranslated_or_fuzzy(po: Path) -> str:
    """msgattrib's listing of the entries that are untranslated or fuzzy ('' when none)."""
    found = []
    for flag in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(
            ["msgattrib", flag, "--no-wrap", str(po)], capture_output=True, text=True, check=True
        )
        found.append(result.stdout)
    return "".join(found)


@pytest.fixture(scope="module")
def fresh_catalogs(tmp_path_factory) -> Path:
    """The project copied with its catalogs, and makemessages run in the copy."""
    copy = tmp_path_factory.mktemp("project") / "site"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "node_modules", "*.pyc")
    )
    command = [sys.executable, "manage.py", "makemessages", "--no-location", "--no-obsolete"]
    command += [f"--locale={code}" for code in LANGUAGES]
    command += [f"--ignore={pattern}" for pattern in IGNORED]
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True)
    return copy / "locale"


@pytest.mark.parametrize("code", LANGUAGES)
def test_makemessages_finds_no_string_missing_from_the_catalog(code, fresh_catalogs):
    refreshed = fresh_catalogs / code / "LC_MESSAGES" / "django.po"
    missing = untranslated_or_fuzzy(refreshed)
    assert missing == "", (
        f"strings marked in the code have no {code} translation yet (run makemessages, "
        f"translate, compilemessages; docs/languages.md):\n{missing}"
    )


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(code):
    assert untranslated_or_fuzzy(catalog(code)) == ""
    assert "#, fuzzy" not in catalog(code).read_text(encoding="utf-8")


@pytest.mark.parametrize("code", LANGUAGES)
def test_msgfmt_check_passes(code):
    """Placeholders (%(name)s) match the English, plural forms match the header."""
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(catalog(code))],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("code", LANGUAGES)
def test_plural_forms_header_has_the_languages_number_of_forms(code):
    header = catalog(code).read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert f"nplurals={PLURAL_FORMS.get(code, 2)};" in header
    assert f'"Language: {code}\\n"' in header


def decompiled(mo: Path) -> str:
    """A compiled catalog back as text (msgunfmt), to compare catalogs by content."""
    return subprocess.run(
        ["msgunfmt", "--no-wrap", str(mo)], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("code", LANGUAGES)
def test_committed_mo_is_compiled_from_the_committed_po(code, tmp_path):
    """Compared by content, not bytes: another gettext version may lay out the file
    differently."""
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--output-file", str(compiled), str(catalog(code))], check=True)
    committed = catalog(code).with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run compilemessages"
    assert decompiled(committed) == decompiled(compiled), (
        f"{committed} is stale: run compilemessages"
    )
