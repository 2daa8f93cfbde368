"""The admin's own labels speak the staff member's language: field names, help texts,
choices, fieldsets, list columns and model names of our apps, not only the words Django
brings (docs/languages.md, "The admin")."""

from __future__ import annotations

import html
import re

import pytest

pytestmark = pytest.mark.django_db

GERMAN_BROWSER = "de-DE,de;q=0.9,en;q=0.5"


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def german_page(client, path: str) -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=GERMAN_BROWSER)
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    return response.content.decode()


def label_of(page: str, field: str) -> str:
    """The text of the form label for ``id_<field>``."""
    found = re.search(rf'<label[^>]*for="id_{field}"[^>]*>(.*?)</label>', page, re.S)
    assert found, f"no label for {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def column_heading(page: str, column: str) -> str:
    """The text of the change list's heading of ``column``."""
    found = re.search(rf'<th[^>]*class="[^"]*column-{column}[^"]*"[^>]*>(.*?)</th>', page, re.S)
    assert found, f"no column {column}"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()[-2:]


class TestTheTermFormInGerman:
    @pytest.fixture
    def page(self, superuser_client, make_term) -> str:
        term = make_term("Ketosis", slug="ketosis")
        return german_page(superuser_client, f"/admin/glossary/term/{term.pk}/change/")

    def test_field_labels(self, page):
        assert label_of(page, "summary") == "Kurzdefinition:"
        assert label_of(page, "aliases") == "Andere Bezeichnungen:"
        assert label_of(page, "slug") == "Kurzname (URL):"
        assert label_of(page, "related_terms") == "Verwandte Begriffe:"
        assert "Summary" not in page
        assert "Aliases:" not in page

    def test_help_texts_choices_and_fieldsets(self, page):
        assert "Die einleitende Definition als reiner Text" in page
        assert "The lead definition in plain text" not in page
        assert re.search(r'<option value="draft"[^>]*>Entwurf</option>', page)
        assert '<option value="published" selected>Veröffentlicht</option>' in page
        for heading in ("Artikel", "Verknüpfungen", "Veröffentlichung"):
            assert re.search(rf"<h2[^>]*>\s*{heading}\s*</h2>", page), heading
        assert "Connections" not in page
        assert "Ein Entwurf ist nur für die Redaktion sichtbar." in page
        # Read-only fields are labelled too.
        assert "Prüfung fällig am" in page
        assert "Review due" not in page


class TestTheTermListInGerman:
    def test_columns_filters_and_model_name(self, superuser_client, make_term):
        make_term("Ketosis", slug="ketosis")
        page = german_page(superuser_client, "/admin/glossary/term/")
        assert column_heading(page, "published_at") == ["Veröffentlicht", "am"]
        assert column_heading(page, "updated_at") == ["Aktualisiert", "am"]
        assert "Nach Sprache" in page  # the language filter, titled by the field's name
        assert "Begriff zur Änderung auswählen" in page
        assert "Published at" not in page
        assert "Updated at" not in page


class TestModelAndAppNamesInGerman:
    def test_the_admin_index_names_every_app_and_model_of_ours_in_german(self, superuser_client):
        page = german_page(superuser_client, "/admin/")
        for german in (
            "Glossar",
            "Begriffe",
            "Quellen",
            "Stillgelegte Adressen",
            "Partnerplätze",
            "Einwilligung und Tracking",
            "Tracking-Skripte",
            "Änderungen an Tracking-Skripten",
            "Einwilligungsnachweise",
            "Tracker-Prüfungen",
            "Personen",
        ):
            assert f">{german}<" in page, german
        for english in (
            ">Glossary<",
            ">Consent and tracking<",
            ">Tracking scripts<",
            ">Terms<",
            ">References<",
            ">Retired slugs<",
            ">Partner slots<",
            ">Tracking script changes<",
            ">Consent records<",
            ">Tracker audits<",
        ):
            assert english not in page, english

    def test_a_consent_form_and_its_validation_message(self, superuser_client):
        page = german_page(superuser_client, "/admin/consent/trackingscript/add/")
        assert label_of(page, "src") == "Externe URL:"
        assert label_of(page, "placement") == "Platzierung:"
        assert "Ende von &lt;body&gt;" in page
        response = superuser_client.post(
            "/admin/consent/trackingscript/add/",
            {"name": "Both", "src": "", "code": "", "placement": "body", "order": "0"},
            HTTP_ACCEPT_LANGUAGE=GERMAN_BROWSER,
        )
        assert response.status_code == 200
        assert "Geben Sie entweder eine externe URL oder eingebetteten Code an" in (
            response.content.decode()
        )
