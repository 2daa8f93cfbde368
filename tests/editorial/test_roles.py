"""The workflow's roles are groups created by the migrations, with what each may do."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def perms(group: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=group).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_writers_draft_and_submit_but_neither_review_nor_publish(db):
    writers = perms("Writers")
    assert {"glossary.add_term", "glossary.change_term", "editorial.submit_term"} <= writers
    assert not writers & {
        "editorial.review_term",
        "editorial.publish_term",
        "glossary.publish_directly",
        "glossary.delete_term",
    }


def test_reviewers_review_and_change_no_text(db):
    reviewers = perms("Medical reviewers")
    assert "editorial.review_term" in reviewers
    assert not reviewers & {
        "glossary.change_term",
        "editorial.submit_term",
        "editorial.publish_term",
        "glossary.publish_directly",
    }


def test_publishers_publish_through_the_workflow_only(db):
    publishers = perms("Publishers")
    assert {"editorial.publish_term", "editorial.change_person"} <= publishers
    assert "editorial.change_editorialpolicy" in publishers
    assert not publishers & {
        "glossary.change_term",
        "editorial.review_term",
        "glossary.publish_directly",
    }


@pytest.mark.parametrize(
    ("role", "group"),
    [("writer", "Writers"), ("reviewer", "Medical reviewers"), ("publisher", "Publishers")],
)
def test_create_editor_makes_an_account_in_a_role(capsys, role, group):
    call_command("create_editor", "sam", "--role", role)
    assert f"Created {role} “sam” ({group})" in capsys.readouterr().out
    user = User.objects.get(username="sam")
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == [group]


def test_create_editor_tells_how_a_reviewer_signs_reviews(capsys, db):
    call_command("create_editor", "rita", "--role", "reviewer", "--email", "rita@example.org")
    output = capsys.readouterr().out
    assert "Editorial → People → Add person, with User “rita”" in output
    call_command("create_editor", "walt", "--role", "writer")
    assert "person profile" not in capsys.readouterr().out


def test_create_editor_refuses_an_unknown_role(db):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("create_editor", "sam", "--role", "boss")
