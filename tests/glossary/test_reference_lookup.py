# ruff: noqa: F811  (pytest fixtures imported from tests.glossary.editor_helpers)
"""Optional metadata lookup (CITATION_LOOKUP): recorded Crossref and PubMed answers only."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from glossary import lookup
from glossary.models import Reference
from tests.glossary.editor_helpers import admin_user_client  # noqa: F401

pytestmark = pytest.mark.django_db

RECORDED = Path(__file__).parent / "recorded"
CROSSREF = json.loads((RECORDED / "crossref_10.1038_nrendo.2012.49.json").read_text())
PUBMED = json.loads((RECORDED / "pubmed_esummary_20101012.json").read_text())
LIST_URL = "/admin/glossary/reference/"


def test_a_crossref_answer_becomes_reference_fields():
    assert lookup.from_crossref(CROSSREF) == {
        "kind": "article",
        "authors": "Pedersen BK\nFebbraio MA",
        "title": "Muscles, exercise and obesity: skeletal muscle as a secretory organ",
        "container": "Nature Reviews Endocrinology",
        "year": 2012,
        "volume": "8",
        "issue": "8",
        "pages": "457-465",
        "doi": "10.1038/nrendo.2012.49",
    }


def test_a_pubmed_answer_becomes_reference_fields_with_a_suggested_level():
    found = lookup.from_pubmed(PUBMED, "20101012")
    assert found["authors"].splitlines()[0] == "Liu-Ambrose T"
    assert len(found["authors"].splitlines()) == 6
    assert found["title"].endswith("a 12-month randomized controlled trial")
    assert found["container"] == "Arch Intern Med"
    assert (found["year"], found["volume"], found["issue"]) == (2010, "170", "2")
    assert found["pages"] == "170-178"
    assert found["doi"] == "10.1001/archinternmed.2009.494"
    assert found["evidence"] == "rct"


def test_a_pmid_pubmed_does_not_know_is_a_clear_failure():
    with pytest.raises(lookup.LookupFailed, match="no record 1"):
        lookup.from_pubmed(PUBMED, "1")


@pytest.mark.parametrize(
    ("pages", "expected"),
    [("170-8", "170-178"), ("1313-7", "1313-1317"), ("457-465", "457-465"), ("e123", "e123")],
)
def test_abbreviated_page_ranges_are_written_out(pages, expected):
    assert lookup.full_pages(pages) == expected


class _Recorded(BaseHTTPRequestHandler):
    """Answers like the services, from the recorded files (or fails, when asked to)."""

    requests: list[str] = []
    broken = False

    def do_GET(self):  # the standard library names it
        type(self).requests.append(self.path)
        if type(self).broken:
            body, status = b"<html>Service unavailable</html>", 503
        elif self.path.startswith("/works/"):
            body, status = json.dumps(CROSSREF).encode(), 200
        else:
            body, status = json.dumps(PUBMED).encode(), 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def services(monkeypatch):
    """A local HTTP server standing in for Crossref and PubMed (no network in tests)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setattr(lookup, "CROSSREF_URL", base + "/works/{doi}")
    monkeypatch.setattr(lookup, "PUBMED_URL", base + "/esummary?db=pubmed&id={pmid}")
    _Recorded.requests, _Recorded.broken = [], False
    yield _Recorded
    server.shutdown()
    server.server_close()


def fill(client, *references: Reference):
    return client.post(
        LIST_URL,
        {"action": "fill_in_missing", "_selected_action": [r.pk for r in references]},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_off_by_default_nothing_is_asked_or_changed(admin_user_client, services, settings):
    assert settings.CITATION_LOOKUP is False
    reference = Reference.objects.create(key="p", title="Typed", doi="10.1038/nrendo.2012.49")
    response = fill(admin_user_client, reference)
    assert any("Metadata lookup is off" in m for m in messages_of(response))
    assert services.requests == []
    reference.refresh_from_db()
    assert reference.authors == "" and reference.title == "Typed"


def test_on_it_fills_only_the_empty_fields(admin_user_client, services, settings):
    settings.CITATION_LOOKUP = True
    by_doi = Reference.objects.create(
        key="pedersen", title="Title as the editor typed it", doi="10.1038/nrendo.2012.49"
    )
    by_pmid = Reference.objects.create(
        key="liu", kind="unstructured", text="Liu 2010", pmid="20101012"
    )
    response = fill(admin_user_client, by_doi, by_pmid)
    assert response.status_code == 200
    by_doi.refresh_from_db()
    assert by_doi.title == "Title as the editor typed it"
    assert by_doi.authors == "Pedersen BK\nFebbraio MA"
    assert (by_doi.container, by_doi.year, by_doi.pages) == (
        "Nature Reviews Endocrinology",
        2012,
        "457-465",
    )
    by_pmid.refresh_from_db()
    assert by_pmid.kind == "article" and by_pmid.text == "Liu 2010"
    assert by_pmid.evidence == "rct" and by_pmid.doi == "10.1001/archinternmed.2009.494"
    assert sorted(path.split("?")[0] for path in services.requests) == [
        "/esummary",
        "/works/10.1038/nrendo.2012.49",
    ]


def test_a_failing_service_is_a_warning_not_an_error(admin_user_client, services, settings):
    settings.CITATION_LOOKUP = True
    services.broken = True
    reference = Reference.objects.create(key="p", title="T", doi="10.1038/nrendo.2012.49")
    response = fill(admin_user_client, reference)
    assert response.status_code == 200
    assert any(m.startswith("p: not filled in:") for m in messages_of(response))
    reference.refresh_from_db()
    assert reference.authors == ""
