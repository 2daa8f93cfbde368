# ruff: noqa: F811  (pytest fixtures imported from tests.glossary.editor_helpers)
"""Every save is a revision; editors compare, revert and recover; stale saves are refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from reversion.models import Version

from glossary.models import Term
from tests.glossary.editor_helpers import (  # noqa: F401 (fixtures)
    PASSWORD,
    change_url,
    editor,
    editor_client,
    ensure_editors_group,
    term_form_data,
)

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/glossary/term/add/"


@pytest.fixture
def written(editor_client) -> Term:
    """A term created and then edited twice through the admin: three revisions."""
    editor_client.post(ADD_URL, term_form_data(body="## Origin\n\nFirst line.\nSecond line.\n"))
    term = Term.objects.get(slug="autophagy")
    editor_client.post(
        change_url(term),
        term_form_data(term, summary="A better summary.", change_comment="Clearer summary"),
    )
    term.refresh_from_db()
    editor_client.post(
        change_url(term),
        term_form_data(term, body="## Origin\n\nFirst line.\nA changed line.\n"),
    )
    term.refresh_from_db()
    return term


def versions(term: Term) -> list[Version]:
    return list(Version.objects.get_for_object(term).select_related("revision__user"))


def test_every_admin_save_records_who_when_comment_and_full_content(written, editor):
    newest, middle, first = versions(written)
    assert [v.revision.user for v in (newest, middle, first)] == [editor] * 3
    assert middle.revision.get_comment().startswith("Clearer summary")
    assert middle.field_dict["summary"] == "A better summary."
    assert first.field_dict["body"].endswith("Second line.")
    assert newest.field_dict["body"] == written.body
    assert first.revision.date_created <= newest.revision.date_created


def test_history_page_lists_versions_with_compare_and_revert_links(editor_client, written):
    html = editor_client.get(f"/admin/glossary/term/{written.pk}/history/").content.decode()
    assert "Clearer summary" in html
    for version in versions(written):
        assert f"/history/{version.pk}/compare/" in html
        assert f'href="/admin/glossary/term/{written.pk}/history/{version.pk}/"' in html


def test_compare_shows_changed_fields_and_a_line_diff(editor_client, written):
    first = versions(written)[-1]
    response = editor_client.get(f"/admin/glossary/term/{written.pk}/history/{first.pk}/compare/")
    assert response.status_code == 200
    changes = {c.label: c for c in response.context["changes"]}
    assert set(changes) == {"Summary", "Body"}
    body_lines = [(line.kind, line.text) for line in changes["Body"].lines]
    assert ("removed", "Second line.") in body_lines
    assert ("added", "A changed line.") in body_lines
    assert ("context", "First line.") in body_lines
    html = response.content.decode()
    assert "A changed line." in html and "Second line." in html


def test_compare_with_the_current_version_shows_no_changes(editor_client, written):
    newest = versions(written)[0]
    response = editor_client.get(f"/admin/glossary/term/{written.pk}/history/{newest.pk}/compare/")
    assert response.context["changes"] == []


def test_compare_of_another_terms_version_is_404(editor_client, written, make_term):
    other = make_term("Other")
    version = versions(written)[0]
    url = f"/admin/glossary/term/{other.pk}/history/{version.pk}/compare/"
    assert editor_client.get(url).status_code == 404


def test_revert_restores_content_as_a_new_revision(editor_client, written, client):
    first = versions(written)[-1]
    url = f"/admin/glossary/term/{written.pk}/history/{first.pk}/"
    form = editor_client.get(url)
    assert form.status_code == 200
    data = term_form_data(
        written, **{"summary": first.field_dict["summary"], "body": first.field_dict["body"]}
    )
    data["base_token"] = form.context["adminform"].form["base_token"].value()
    response = editor_client.post(url, data)
    assert response.status_code == 302
    written.refresh_from_db()
    assert written.body.endswith("Second line.")
    assert "Second line." in written.body_html
    history = versions(written)
    assert len(history) == 4
    assert history[0].revision.get_comment().startswith("Reverted to previous version")


def test_a_revert_opened_before_someone_else_saved_is_refused_and_changes_nothing(
    editor_client, written
):
    first = versions(written)[-1]
    url = f"/admin/glossary/term/{written.pk}/history/{first.pk}/"
    form = editor_client.get(url)
    data = term_form_data(
        written, summary=first.field_dict["summary"], body=first.field_dict["body"]
    )
    data["base_token"] = form.context["adminform"].form["base_token"].value()

    alice = User.objects.create_user("alice", password=PASSWORD, is_staff=True)
    alice.groups.add(ensure_editors_group())
    alice_client = Client()
    alice_client.force_login(alice)
    newer = "## Origin\n\nAlice's newer text."
    assert (
        alice_client.post(change_url(written), term_form_data(written, body=newer)).status_code
        == 302
    )
    written.refresh_from_db()
    after_alice = (written.body, written.summary, written.edit_token)
    count = len(versions(written))

    followed = editor_client.post(url, data, follow=True)
    assert followed.redirect_chain[-1][0] == f"/admin/glossary/term/{written.pk}/history/"
    shown = " ".join(str(message) for message in followed.context["messages"])
    assert "Not restored: alice saved this term after you opened this version" in shown
    written.refresh_from_db()
    assert (written.body, written.summary, written.edit_token) == after_alice
    assert len(versions(written)) == count


def test_a_revert_without_its_token_is_refused(editor_client, written):
    first = versions(written)[-1]
    url = f"/admin/glossary/term/{written.pk}/history/{first.pk}/"
    data = term_form_data(written, body=first.field_dict["body"], base_token="")
    followed = editor_client.post(url, data, follow=True)
    shown = " ".join(str(message) for message in followed.context["messages"])
    assert "Not restored:" in shown
    written.refresh_from_db()
    assert written.body.endswith("A changed line.")


def test_reverting_an_earlier_slug_redirects_the_current_address(editor_client, client, written):
    first = versions(written)[-1]
    editor_client.post(change_url(written), term_form_data(written, slug="autophagy-new"))
    written.refresh_from_db()
    url = f"/admin/glossary/term/{written.pk}/history/{first.pk}/"
    form = editor_client.get(url)
    data = term_form_data(written, slug="autophagy", body=first.field_dict["body"])
    data["base_token"] = form.context["adminform"].form["base_token"].value()
    assert editor_client.post(url, data).status_code == 302
    client.logout()
    assert client.get("/glossary/autophagy/").status_code == 200
    assert client.get("/glossary/autophagy-new/")["Location"] == "/glossary/autophagy/"


def test_deleted_terms_can_be_recovered(written):
    superuser = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    admin_user_client = Client()
    admin_user_client.force_login(superuser)
    pk = written.pk
    response = admin_user_client.post(f"/admin/glossary/term/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Term.objects.filter(pk=pk).exists()
    recover_list = admin_user_client.get("/admin/glossary/term/recover/").content.decode()
    assert "Autophagy" in recover_list
    deleted = Version.objects.get_deleted(Term).get(object_id=str(pk))
    url = f"/admin/glossary/term/recover/{deleted.pk}/"
    form = admin_user_client.get(url)
    assert form.status_code == 200
    data = term_form_data(written)
    data["base_token"] = form.context["adminform"].form["base_token"].value()
    assert admin_user_client.post(url, data).status_code == 302
    recovered = Term.objects.get(pk=pk)
    assert recovered.body == written.body
    assert admin_user_client.get("/glossary/autophagy/").status_code == 200


class TestStaleSave:
    def test_second_save_on_a_stale_form_is_refused_with_what_changed(self, editor_client, editor):
        editor_client.post(ADD_URL, term_form_data())
        term = Term.objects.get(slug="autophagy")
        stale = term_form_data(term, summary="Bob's summary.")  # Bob opened the form now

        alice = User.objects.create_user("alice", password=PASSWORD, is_staff=True)
        alice.groups.add(ensure_editors_group())
        alice_client = Client()
        alice_client.force_login(alice)
        assert (
            alice_client.post(
                change_url(term), term_form_data(term, body="## Origin\n\nAlice rewrote this.\n")
            ).status_code
            == 302
        )

        response = editor_client.post(change_url(term), stale)
        assert response.status_code == 200
        form = response.context["adminform"].form
        (message,) = form.non_field_errors()
        assert message.startswith("Not saved: alice saved this term while you were editing it")
        assert "Changed in between: Body." in message
        html = response.content.decode()
        assert "Changes saved by alice while you were editing" in html
        assert "Alice rewrote this." in html
        term.refresh_from_db()
        assert term.body == "## Origin\n\nAlice rewrote this."
        assert term.summary != "Bob's summary."

    def test_saving_again_after_reading_the_conflict_replaces_the_other_version(
        self, editor_client
    ):
        editor_client.post(ADD_URL, term_form_data())
        term = Term.objects.get(slug="autophagy")
        stale = term_form_data(term, summary="Bob's summary.")
        Term.objects.get(pk=term.pk).save()  # someone else saves meanwhile
        response = editor_client.post(change_url(term), stale)
        refreshed_token = response.context["adminform"].form["base_token"].value()
        assert refreshed_token != stale["base_token"]
        stale["base_token"] = refreshed_token
        assert editor_client.post(change_url(term), stale).status_code == 302
        term.refresh_from_db()
        assert term.summary == "Bob's summary."

    def test_a_form_without_its_token_is_refused(self, editor_client, make_term):
        term = make_term("Autophagy")
        response = editor_client.post(change_url(term), term_form_data(term, base_token=""))
        assert response.status_code == 200
        assert "Not saved" in response.context["adminform"].form.non_field_errors()[0]


def test_reverting_to_a_title_another_term_now_has_is_refused_with_a_reason(
    editor_client, written, make_term
):
    first = versions(written)[-1]
    editor_client.post(
        change_url(written), term_form_data(written, title="Autophagy (cellular)", slug="x-auto")
    )
    written.refresh_from_db()
    make_term("Autophagy", slug="autophagy")
    url = f"/admin/glossary/term/{written.pk}/history/{first.pk}/"
    followed = editor_client.get(url, follow=True)
    assert followed.redirect_chain[-1][0] == f"/admin/glossary/term/{written.pk}/history/"
    shown = " ".join(str(message) for message in followed.context["messages"])
    assert "This version cannot be restored as it is" in shown
    assert "A term with this title already exists" in shown
    assert "/glossary/autophagy/ now belongs to" in shown
    written.refresh_from_db()
    assert written.title == "Autophagy (cellular)"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/glossary/term/abc/history/",
        "/admin/glossary/term/99999/history/",
        "/admin/glossary/term/abc/history/1/",
        "/admin/glossary/term/99999/history/1/",
        "/admin/glossary/term/abc/history/1/compare/",
        "/admin/glossary/term/99999/history/1/compare/",
        "/admin/glossary/term/1%2F2/history/",
    ],
)
def test_history_revert_and_compare_of_junk_or_unknown_ids_are_404(editor_client, path):
    assert editor_client.get(path).status_code == 404


def test_an_unknown_version_of_a_real_term_is_404(editor_client, written):
    assert (
        editor_client.get(f"/admin/glossary/term/{written.pk}/history/999999/").status_code == 404
    )
    compare = f"/admin/glossary/term/{written.pk}/history/999999/compare/"
    assert editor_client.get(compare).status_code == 404


def test_another_terms_version_cannot_be_reverted_into_this_one(editor_client, written, make_term):
    other = make_term("Unrelated")
    version = versions(written)[-1]
    url = f"/admin/glossary/term/{other.pk}/history/{version.pk}/"
    assert editor_client.get(url).status_code == 404


def test_history_pages_reveal_nothing_without_permission(client, written):
    """A staff member without glossary permissions gets 403 for real and junk ids alike."""
    User.objects.create_user("nobody", password=PASSWORD, is_staff=True)
    client.login(username="nobody", password=PASSWORD)
    version = versions(written)[0]
    real = [
        f"/admin/glossary/term/{written.pk}/history/",
        f"/admin/glossary/term/{written.pk}/history/{version.pk}/",
        f"/admin/glossary/term/{written.pk}/history/{version.pk}/compare/",
    ]
    junk = [url.replace(str(written.pk), "99999", 1) for url in real]
    assert [client.get(url).status_code for url in real + junk] == [403] * 6
