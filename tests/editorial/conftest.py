"""Fixtures for the editorial workflow: one account per role, a term with an author, and
``step``: a workflow step posted to the admin as the panel's form does."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from editorial.models import Authorship, Person
from glossary.models import Term

PASSWORD = "A-long-Editorial-pass-123"


def ensure_roles() -> None:
    """The groups the data migrations create (again after a transactional flush)."""
    importlib.import_module("editorial.migrations.0002_editorial_groups").create_roles(
        django_apps, None
    )


def _account(username: str, group: str, person: dict | None = None) -> User:
    ensure_roles()
    user = User.objects.create_user(
        username, email=f"{username}@example.org", password=PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    if person is not None:
        Person.objects.create(user=user, **person)
    return user


@pytest.fixture
def writer(db) -> User:
    return _account("wendy", "Writers", {"name": "Wendy Writer", "slug": "wendy-writer"})


@pytest.fixture
def reviewer(db) -> User:
    return _account(
        "rita",
        "Medical reviewers",
        {
            "name": "Dr. Rita Review",
            "slug": "rita-review",
            "credentials": "MD, PhD",
            "specialty": "Neurologist",
        },
    )


@pytest.fixture
def publisher(db) -> User:
    return _account("paul", "Publishers")


@pytest.fixture
def as_user() -> Callable[[User], Client]:
    def login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def draft(make_term, writer) -> Term:
    """A draft written by the writer (their person profile is its author)."""
    term = make_term(
        "Autophagy",
        slug="autophagy",
        status=Term.Status.DRAFT,
        summary="The cell's recycling process.",
        body="## Mechanism\n\nLysosomes digest worn-out parts. First text.\n",
    )
    Authorship.objects.create(term=term, person=writer.editorial_person)
    return term


@pytest.fixture
def step(django_capture_on_commit_callbacks):
    """Post a workflow step for a term as ``client``; emails go out (on commit)."""

    def post(client: Client, term: Term, action: str, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("admin:editorial_termworkflow_step", args=[term.pk]),
                {"action": action, **fields},
            )

    return post


@pytest.fixture
def published(draft, writer, reviewer, publisher, as_user, step) -> Term:
    """The draft taken through the whole workflow: submitted, approved, published."""
    assert step(as_user(writer), draft, "submit").status_code == 302
    assert step(as_user(reviewer), draft, "approve", comment="Checked.").status_code == 302
    assert step(as_user(publisher), draft, "publish", note="First version.").status_code == 302
    draft.refresh_from_db()
    assert draft.is_public
    return draft


@pytest.fixture
def publish_correction(publisher, as_user, step):
    """Change a public term's summary and publish it as a non-medical change."""

    def publish(term: Term, summary: str, reason: str, note: str = ""):
        term.summary = summary
        term.save()
        fields = {"non_medical": "1", "non_medical_reason": reason}
        return step(
            as_user(publisher), term, "publish", **fields, **({"note": note} if note else {})
        )

    return publish


def messages_after(response) -> list[str]:
    """The messages shown on the page a step redirects to."""
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def editorial_seed(seed) -> dict[str, Term]:
    """The seed terms with their fictional authors, reviewer and first publication."""
    from editorial.seed import load_editorial_seed

    load_editorial_seed()
    return seed
