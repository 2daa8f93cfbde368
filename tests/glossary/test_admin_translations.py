# ruff: noqa: F811  (pytest fixtures imported from tests.glossary.editor_helpers)
"""Translations in the editor: a term's versions side by side, starting a translation from
the source, the outdated mark, and refusals that are messages, never errors."""

from __future__ import annotations

import re

import pytest

from glossary.models import Term
from tests.glossary.editor_helpers import (  # noqa: F401 (fixtures)
    change_url,
    editor,
    editor_client,
    term_form_data,
)

pytestmark = pytest.mark.django_db


def translate_url(term: Term) -> str:
    return f"/admin/glossary/term/{term.pk}/translate/"


def versions_table(html: str) -> list[list[str]]:
    table = re.search(r'<table class="term-translations">.*?</table>', html, re.S)
    assert table, "no versions table"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)[1:]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in rows
    ]


@pytest.fixture
def source(make_term, make_category):
    return make_term(
        "Insulin resistance",
        slug="insulin-resistance",
        summary="Cells respond less to insulin.",
        body="## Mechanism\n\nReceptors signal less.",
        categories=[make_category("Metabolism")],
    )


class TestSideBySide:
    def test_the_change_page_lists_every_version_with_its_state(
        self, editor_client, source, make_term
    ):
        german = make_term(
            "Insulinresistenz", slug="insulinresistenz", language="de", translation_of=source
        )
        make_term(
            "Résistance à l'insuline",
            slug="resistance-a-linsuline",
            language="fr",
            translation_of=source,
            status=Term.Status.DRAFT,
        )
        source.body += "\n\nMore on the liver."
        source.save()
        html = editor_client.get(change_url(german)).content.decode()
        assert versions_table(html) == [
            ["English", "Insulin resistance", "Published", "Source", "View"],
            ["Deutsch", "Insulinresistenz", "Published", "Outdated", "View"],
            ["Français", "Résistance à l&#x27;insuline", "Draft", "Outdated", "Preview"],
        ]
        assert f'href="{change_url(source)}"' in html
        assert 'href="/de/glossary/insulinresistenz/"' in html

    def test_ticking_up_to_date_clears_the_outdated_mark(self, editor_client, source, make_term):
        german = make_term(
            "Insulinresistenz", slug="insulinresistenz", language="de", translation_of=source
        )
        source.summary = "Cells answer insulin less."
        source.save()
        german.refresh_from_db()
        assert german.is_outdated
        data = term_form_data(german, translation_up_to_date="on")
        response = editor_client.post(change_url(german), data)
        assert response.status_code == 302
        german.refresh_from_db()
        assert not german.is_outdated


class TestStartingATranslation:
    def test_a_translator_starts_a_draft_prefilled_from_the_source(self, editor_client, source):
        page = editor_client.get(translate_url(source)).content.decode()
        assert '<option value="nl">Nederlands</option>' in page
        assert '<option value="en-gb">' not in page
        response = editor_client.post(translate_url(source), {"language": "nl"})
        draft = Term.objects.get(language="nl")
        assert response.status_code == 302
        assert response["Location"] == change_url(draft)
        assert (draft.concept, draft.translation_of) == (source.concept, source)
        assert (draft.status, draft.body, draft.slug) == (
            Term.Status.DRAFT,
            source.body,
            "insulin-resistance",
        )
        assert list(draft.categories.all()) == list(source.categories.all())
        assert not draft.is_outdated
        assert editor_client.get("/nl/glossary/insulin-resistance/").status_code == 200  # preview

    def test_then_saving_the_dutch_text_in_the_form(self, editor_client, source):
        editor_client.post(translate_url(source), {"language": "nl"})
        draft = Term.objects.get(language="nl")
        data = term_form_data(
            draft,
            title="Insulineresistentie",
            slug="insulineresistentie",
            summary="Cellen reageren minder op insuline.",
            status="published",
        )
        assert editor_client.post(change_url(draft), data).status_code == 302
        assert editor_client.get("/nl/glossary/insulineresistentie/").status_code == 200

    def test_a_language_the_concept_has_is_refused_with_a_message(
        self, editor_client, source, make_term
    ):
        make_term("Insulinresistenz", slug="insulinresistenz", language="de", translation_of=source)
        response = editor_client.post(translate_url(source), {"language": "de"}, follow=True)
        assert response.status_code == 200
        assert "already has a version in that language" in response.content.decode()
        assert Term.objects.filter(language="de").count() == 1

    def test_a_language_not_enabled_is_refused_with_a_message(self, editor_client, source):
        response = editor_client.post(translate_url(source), {"language": "xx"}, follow=True)
        assert response.status_code == 200
        assert "is not one of this site" in response.content.decode()

    def test_a_second_version_in_one_language_through_the_form_is_a_form_error(
        self, editor_client, source, make_term
    ):
        make_term("Insulinresistenz", slug="insulinresistenz", language="de", translation_of=source)
        data = term_form_data(
            title="Insulinunempfindlichkeit",
            slug="insulinunempfindlichkeit",
            language="de",
            translation_of=source.pk,
        )
        response = editor_client.post("/admin/glossary/term/add/", data)
        assert response.status_code == 200
        assert "already has a version in this language" in response.content.decode()
        bad = editor_client.post(
            "/admin/glossary/term/add/", term_form_data(slug="other", language="klingon")
        )
        assert bad.status_code == 200
        assert "errorlist" in bad.content.decode()
