# ruff: noqa: F811  (pytest fixtures imported from tests.glossary.editor_helpers)
"""Writing and publishing terms through the admin, driven by the test client."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone
from reversion.models import Version

from glossary.models import Term
from tests.glossary.editor_helpers import (  # noqa: F401 (fixtures)
    admin_user_client,
    change_url,
    editor,
    editor_client,
    term_form_data,
)

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/glossary/term/add/"
LIST_URL = "/admin/glossary/term/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


class TestWriting:
    def test_add_form_has_the_markdown_editor_with_live_preview(self, editor_client):
        html = editor_client.get(ADD_URL).content.decode()
        assert 'class="markdownx"' in html
        assert 'data-markdownx-urls-path="/admin/glossary/markdownx/markdownify/"' in html
        assert 'data-markdownx-upload-urls-path="/admin/glossary/markdownx/upload/"' in html
        assert "markdownx-preview" in html
        assert "/static/js/editor.js" in html

    def test_slug_is_prefilled_from_the_title(self, editor_client):
        html = editor_client.get(ADD_URL).content.decode()
        assert 'id="django-admin-prepopulated-fields-constants"' in html
        fields = html.split('data-prepopulated-fields="', 1)[1].split('"', 1)[0]
        fields = json.loads(fields.replace("&quot;", '"'))
        assert fields[0]["id"] == "#id_slug"
        assert fields[0]["dependency_ids"] == ["#id_title"]

    def test_rendered_fields_are_not_editable(self, editor_client):
        html = editor_client.get(ADD_URL).content.decode()
        for name in ["body_html", "references_html", "toc", "sort_title", "linked_terms"]:
            assert f'name="{name}"' not in html

    def test_creating_a_term_renders_it_and_records_a_revision(self, editor_client, editor):
        response = editor_client.post(
            ADD_URL, term_form_data(change_comment="First draft of autophagy"), follow=True
        )
        assert response.status_code == 200
        term = Term.objects.get(slug="autophagy")
        assert '<h2 id="section-origin">Origin</h2>' in term.body_html
        (version,) = Version.objects.get_for_object(term)
        assert version.revision.user == editor
        assert version.revision.get_comment().startswith("First draft of autophagy")
        assert version.field_dict["body"] == term.body

    def test_duplicate_title_is_refused_naming_the_other_term(self, editor_client, make_term):
        make_term("Autophagy", slug="autophagy-original")
        response = editor_client.post(ADD_URL, term_form_data(title="AUTOPHAGY", slug="x"))
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "“Autophagy” (/glossary/autophagy-original/)" in errors["title"][0]
        assert Term.objects.count() == 1

    def test_title_may_not_be_another_terms_alias(self, editor_client, make_term):
        make_term("Brain-derived neurotrophic factor", aliases="BDNF\nNeurotrophin")
        response = editor_client.post(ADD_URL, term_form_data(title="bdnf", slug="bdnf"))
        assert (
            "Brain-derived neurotrophic factor"
            in response.context["adminform"].form.errors["title"][0]
        )

    def test_aliases_may_not_clash_with_other_titles_or_aliases(self, editor_client, make_term):
        make_term("Myokines", slug="myokines")
        make_term("Brain-derived neurotrophic factor", aliases="BDNF")
        response = editor_client.post(
            ADD_URL, term_form_data(aliases="myokines\n  bdnf \nSelf-eating")
        )
        errors = response.context["adminform"].form.errors["aliases"]
        assert any("“myokines” is taken" in e and "“Myokines”" in e for e in errors)
        assert any("“bdnf” is taken" in e and "Brain-derived" in e for e in errors)
        assert len(errors) == 2

    def test_a_partial_name_inside_another_alias_is_not_a_clash(self, editor_client, make_term):
        make_term("Growth factor", aliases="Insulin-like growth factor 1")
        response = editor_client.post(ADD_URL, term_form_data(aliases="growth"))
        assert response.status_code == 302

    def test_saving_a_term_unchanged_is_not_a_clash_with_itself(self, editor_client, make_term):
        term = make_term("Autophagy", aliases="Self-eating")
        response = editor_client.post(change_url(term), term_form_data(term))
        assert response.status_code == 302

    def test_broken_internal_links_are_warned_about_but_saved(self, editor_client, make_term):
        make_term("Draft idea", slug="draft-idea", status=Term.Status.DRAFT)
        make_term("Myokines", slug="myokines")
        body = (
            "See [missing](/glossary/no-such-term/), [draft](/glossary/draft-idea/) "
            "and [fine](/glossary/myokines/)."
        )
        response = editor_client.post(ADD_URL, term_form_data(body=body), follow=True)
        warnings = [m for m in messages_of(response) if m.startswith("Check the link")]
        assert len(warnings) == 2
        assert any(
            "/glossary/no-such-term/" in w and "no term has this address" in w for w in warnings
        )
        assert any("/glossary/draft-idea/" in w and "draft" in w for w in warnings)
        assert Term.objects.filter(slug="autophagy").exists()

    def test_autocomplete_finds_terms_by_name(self, editor_client, make_term):
        make_term("Myokines", slug="myokines")
        make_term("Brain-derived neurotrophic factor", aliases="BDNF")
        make_term("Unrelated", body="This body mentions myokines.")
        response = editor_client.get(
            "/admin/autocomplete/",
            {
                "app_label": "glossary",
                "model_name": "term",
                "field_name": "related_terms",
                "term": "myok",
            },
        )
        assert [r["text"] for r in response.json()["results"]] == ["Myokines"]
        response = editor_client.get(
            "/admin/autocomplete/",
            {
                "app_label": "glossary",
                "model_name": "term",
                "field_name": "related_terms",
                "term": "bdnf",
            },
        )
        assert [r["text"] for r in response.json()["results"]] == [
            "Brain-derived neurotrophic factor"
        ]

    def test_categories_use_autocomplete(self, editor_client, make_category):
        make_category("Exercise & brain health")
        html = editor_client.get(ADD_URL).content.decode()
        assert 'data-field-name="categories"' in html and "admin-autocomplete" in html
        response = editor_client.get(
            "/admin/autocomplete/",
            {
                "app_label": "glossary",
                "model_name": "term",
                "field_name": "categories",
                "term": "brain",
            },
        )
        assert [r["text"] for r in response.json()["results"]] == ["Exercise & brain health"]


class TestPublishing:
    def test_future_publication_time_schedules_the_term(self, editor_client, client):
        tomorrow = timezone.localtime() + datetime.timedelta(days=1)
        editor_client.post(
            ADD_URL,
            term_form_data(
                published_at_0=tomorrow.strftime("%Y-%m-%d"),
                published_at_1=tomorrow.strftime("%H:%M:%S"),
            ),
        )
        term = Term.objects.get(slug="autophagy")
        assert term.is_scheduled
        client.logout()
        assert client.get("/glossary/autophagy/").status_code == 404
        Term.objects.filter(pk=term.pk).update(
            published_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        assert client.get("/glossary/autophagy/").status_code == 200

    def test_view_on_site_opens_a_draft_preview_with_a_banner_for_staff(
        self, editor_client, make_term
    ):
        draft = make_term("Draft idea", status=Term.Status.DRAFT)
        html = editor_client.get(change_url(draft)).content.decode()
        assert "View on site" in html
        assert "draft, visible to staff only" in html
        response = editor_client.get(f"/admin/r/{_content_type_id()}/{draft.pk}/", follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Draft — not public." in page
        assert response["Cache-Control"].startswith("max-age=0")

    def test_changelist_shows_status_and_links_to_the_site(self, editor_client, make_term):
        make_term("Published one")
        make_term("Draft one", status=Term.Status.DRAFT)
        make_term("Later one", published_at=timezone.now() + datetime.timedelta(days=2))
        html = editor_client.get(LIST_URL).content.decode()
        for label in ["Published", "Draft", "Scheduled"]:
            assert f">{label}<" in html
        assert ">Preview</a>" in html and ">View</a>" in html

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"state": "public"}, {"Published one"}),
            ({"state": "draft"}, {"Draft one"}),
            ({"state": "scheduled"}, {"Later one"}),
            ({"letter": "d"}, {"Draft one"}),
            ({"review": "due"}, {"Draft one", "Later one"}),
            ({"review": "ok"}, {"Published one"}),
            ({"q": "mitochondria"}, {"Published one"}),
            ({"q": "LATER ALIAS"}, {"Later one"}),
        ],
    )
    def test_changelist_search_and_filters(self, editor_client, make_term, query, expected):
        make_term("Published one", body="About mitochondria.", last_reviewed=timezone.localdate())
        make_term("Draft one", status=Term.Status.DRAFT)
        make_term(
            "Later one",
            aliases="Later alias",
            published_at=timezone.now() + datetime.timedelta(days=2),
        )
        response = editor_client.get(LIST_URL, query)
        assert {t.title for t in response.context["cl"].result_list} == expected

    def test_filter_facets_show_counts(self, editor_client, make_term):
        make_term("Draft one", status=Term.Status.DRAFT)
        make_term("Draft two", status=Term.Status.DRAFT)
        html = editor_client.get(LIST_URL).content.decode()
        assert "Draft (2)" in html

    def test_columns_are_sortable(self, editor_client, make_term):
        make_term("Beta", published_at=timezone.now() - datetime.timedelta(days=1))
        make_term("Alpha", published_at=timezone.now() - datetime.timedelta(days=2))
        by_title = editor_client.get(LIST_URL, {"o": "1"}).context["cl"].result_list
        assert [t.title for t in by_title] == ["Alpha", "Beta"]
        newest_first = editor_client.get(LIST_URL, {"o": "-3"}).context["cl"].result_list
        assert [t.title for t in newest_first] == ["Beta", "Alpha"]

    def test_bulk_publish_and_unpublish_record_a_revision_each(
        self, editor_client, editor, make_term
    ):
        one = make_term("One", status=Term.Status.DRAFT)
        two = make_term("Two", status=Term.Status.DRAFT)
        pks = [one.pk, two.pk]
        response = editor_client.post(
            LIST_URL, {"action": "publish", "_selected_action": pks}, follow=True
        )
        assert "Published 2 terms." in messages_of(response)
        assert set(Term.objects.filter(pk__in=pks).values_list("status", flat=True)) == {
            "published"
        }

        editor_client.post(LIST_URL, {"action": "unpublish", "_selected_action": [one.pk]})
        one.refresh_from_db()
        assert one.status == Term.Status.DRAFT

        versions = Version.objects.get_for_object(one)
        assert [v.revision.get_comment() for v in versions] == [
            "Unpublished (bulk action).",
            "Published (bulk action).",
        ]
        assert all(v.revision.user == editor for v in versions)
        # One revision per term: reverting one term never touches the other.
        assert all(v.revision.version_set.count() == 1 for v in versions)

    def test_bulk_publish_of_a_term_makes_it_linkable(self, editor_client, make_term):
        mention = make_term("Article", body="Autophagy matters.")
        draft = make_term("Autophagy", slug="autophagy", status=Term.Status.DRAFT)
        editor_client.post(LIST_URL, {"action": "publish", "_selected_action": [draft.pk]})
        mention.refresh_from_db()
        assert 'href="/glossary/autophagy/"' in mention.body_html

    def test_changing_the_slug_in_the_admin_redirects_the_old_address(
        self, editor_client, client, make_term
    ):
        term = make_term("Autophagy", slug="autophagy")
        response = editor_client.post(
            change_url(term), term_form_data(term, slug="autophagy-process")
        )
        assert response.status_code == 302
        client.logout()
        response = client.get("/glossary/autophagy/")
        assert response.status_code == 301
        assert response["Location"] == "/glossary/autophagy-process/"


def _content_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Term).pk
