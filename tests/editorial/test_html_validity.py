"""The editorial pages are valid HTML (the Nu HTML Checker, as for every reader page)."""

from __future__ import annotations

import pytest
from django.test import Client

from editorial.models import Person
from tests.glossary.test_html_validity import describe, validate

pytestmark = pytest.mark.django_db
SEED = "/glossary/myokines/"


def test_editorial_pages_are_valid_html(editorial_seed, tmp_path, writer, as_user):
    person = Person.objects.get(slug="jane-example")
    person.orcid, person.website = "0000-0002-1825-0097", "https://jane.example.org/"
    person.save()
    term = editorial_seed["myokines"]
    term.body += "\nAn edit waiting for review.\n"
    term.save()
    pages = {
        "reviewed-term": (Client(), SEED),
        "staff-preview-of-a-held-edit": (as_user(writer), SEED),
        "version": (Client(), "/glossary/myokines/v/1/"),
        "history": (Client(), "/glossary/myokines/history/"),
        "reviewer": (Client(), "/people/jane-example/"),
        "writer": (Client(), "/people/sam-sample/"),
        "policy": (Client(), "/editorial-policy/"),
    }
    files = []
    for name, (client, path) in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        target = tmp_path / f"{name}.html"
        target.write_bytes(response.content)
        files.append(target)
    errors = validate(files)
    assert errors == [], describe(errors)
