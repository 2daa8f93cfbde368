# ruff: noqa: F811  (pytest fixtures imported from tests.glossary.editor_helpers)
"""The Editors group: write and publish, never delete terms or manage users."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from glossary.models import Term
from tests.glossary.editor_helpers import editor, editor_client  # noqa: F401

pytestmark = pytest.mark.django_db


def test_migration_creates_the_editors_group_with_exactly_its_permissions(db):
    group = Group.objects.get(name="Editors")
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert codenames == {
        ("glossary", "add_term"),
        ("glossary", "change_term"),
        ("glossary", "view_term"),
        ("glossary", "upload_image"),
        ("glossary", "add_category"),
        ("glossary", "change_category"),
        ("glossary", "view_category"),
        ("glossary", "view_retiredslug"),
        # Editors publish outside the review workflow (glossary 0013) and name authors.
        ("glossary", "publish_directly"),
        ("editorial", "add_authorship"),
        ("editorial", "change_authorship"),
        ("editorial", "delete_authorship"),
        ("editorial", "view_authorship"),
        ("editorial", "view_person"),
        # The library of references (0017): kept by editors, never deleted by them.
        ("glossary", "add_reference"),
        ("glossary", "change_reference"),
        ("glossary", "view_reference"),
        ("glossary", "add_termreference"),
        ("glossary", "change_termreference"),
        ("glossary", "delete_termreference"),
        ("glossary", "view_termreference"),
    }


@pytest.mark.parametrize(
    "url",
    [
        "/admin/glossary/term/",
        "/admin/glossary/term/add/",
        "/admin/glossary/category/add/",
        "/admin/glossary/term/recover/",
    ],
)
def test_editors_can_write(editor_client, url):
    assert editor_client.get(url).status_code == 200


def test_editors_cannot_delete_terms(editor_client, make_term):
    term = make_term("Autophagy")
    url = f"/admin/glossary/term/{term.pk}/delete/"
    assert editor_client.get(url).status_code == 403
    assert editor_client.post(url, {"post": "yes"}).status_code == 403
    assert Term.objects.filter(pk=term.pk).exists()


def test_editors_have_no_bulk_delete_action(editor_client, make_term):
    term = make_term("Autophagy")
    html = editor_client.get("/admin/glossary/term/").content.decode()
    assert "delete_selected" not in html
    response = editor_client.post(
        "/admin/glossary/term/", {"action": "delete_selected", "_selected_action": [term.pk]}
    )
    assert Term.objects.filter(pk=term.pk).exists()
    assert response.status_code in (200, 302)


def test_editors_cannot_delete_categories(editor_client, make_category):
    category = make_category("Sleep")
    assert editor_client.get(f"/admin/glossary/category/{category.pk}/delete/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/group/",
        "/admin/auth/group/add/",
    ],
)
def test_editors_cannot_manage_users_or_groups(editor_client, url):
    assert editor_client.get(url).status_code == 403


def test_editors_cannot_edit_their_own_account_in_the_admin(editor_client, editor):
    assert editor_client.get(f"/admin/auth/user/{editor.pk}/change/").status_code == 403


def test_editors_cannot_edit_redirects_by_hand(editor_client):
    assert editor_client.get("/admin/glossary/retiredslug/add/").status_code == 403


def test_create_editor_prints_a_generated_password_once(db, capsys):
    call_command("create_editor", "dana", "--email", "dana@example.com")
    output = capsys.readouterr().out
    password = output.splitlines()[1].strip()
    assert len(password) >= 16
    user = User.objects.get(username="dana")
    assert user.is_staff and not user.is_superuser
    assert user.check_password(password)
    assert list(user.groups.values_list("name", flat=True)) == ["Editors"]
    assert user.has_perm("glossary.change_term") and not user.has_perm("glossary.delete_term")


def test_create_editor_generates_a_different_password_each_time(db, capsys):
    call_command("create_editor", "one")
    call_command("create_editor", "two")
    lines = capsys.readouterr().out.splitlines()
    passwords = [lines[i + 1] for i, line in enumerate(lines) if "shown only once" in line]
    assert len(passwords) == 2 and passwords[0] != passwords[1]


def test_create_editor_without_an_email_says_they_get_no_workflow_emails(db, capsys):
    call_command("create_editor", "dana")
    assert "No email address: they get no workflow emails" in capsys.readouterr().out
    call_command("create_editor", "eve", "--email", "eve@example.com")
    assert "No email address" not in capsys.readouterr().out


def test_create_editor_help_describes_each_role_and_the_email(capsys):
    with pytest.raises(SystemExit):
        call_command("create_editor", "--help")
    text = " ".join(capsys.readouterr().out.split())
    assert "in the Editors group" not in text
    for role, group in [
        ("editor (default)", "Editors"),
        ("writer", "Writers"),
        ("reviewer", "Medical reviewers"),
        ("publisher", "Publishers"),
    ]:
        assert f"{role}: the {group} group" in text
    assert "needs a person profile" in text
    assert "--email EMAIL Their email address: workflow notifications" in text


def test_create_editor_refuses_an_existing_username(db):
    User.objects.create_user("Dana")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_editor", "dana")


def test_make_run_tells_how_to_create_the_first_admin_account():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run_target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "manage.py createsuperuser" in run_target
    assert "manage.py create_editor" in run_target
