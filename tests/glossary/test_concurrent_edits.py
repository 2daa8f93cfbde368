"""Two editors saving the same term: the check of the edit token and the write are one step.

The edit token is compared with the form's base token while the term's row is locked,
in the transaction that writes it, so of two saves based on the same version exactly one
is written and the other gets its form back; nothing either editor wrote is lost silently.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from reversion.models import Version

from glossary.admin import TermForm
from glossary.models import Term
from tests.glossary.editor_helpers import (
    PASSWORD,
    change_url,
    ensure_editors_group,
    term_form_data,
)

ADD_URL = "/admin/glossary/term/add/"
LIST_URL = "/admin/glossary/term/"
STALE_MESSAGE = "Not saved: "
ROUNDS = 10

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL behaviour: runs when DATABASE_URL points at PostgreSQL (CI does)",
)


def logged_in_editor(username: str) -> Client:
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(ensure_editors_group())
    client = Client()
    client.force_login(user)
    return client


def form_errors(response) -> list[str]:
    if response.status_code != 200 or not response.context:
        return []
    return list(response.context["adminform"].form.non_field_errors())


@pytest.mark.django_db
def test_a_save_based_on_an_outdated_version_is_refused_and_writes_nothing(make_term):
    term = make_term("Autophagy", body="## Origin\n\nThe first text.\n")
    alice, bob = logged_in_editor("alice"), logged_in_editor("bob")
    base = term_form_data(term)  # both open the form on the same version

    alice_saves = alice.post(change_url(term), {**base, "body": "Text by Alice."})
    assert alice_saves.status_code == 302
    term.refresh_from_db()
    after_alice = (term.body, term.edit_token, term.updated_at)
    versions = Version.objects.get_for_object(term).count()

    bob_saves = bob.post(change_url(term), {**base, "body": "Text by Bob."})
    assert bob_saves.status_code == 200
    (message,) = form_errors(bob_saves)
    assert message.startswith("Not saved: alice saved this term while you were editing it")
    assert "Text by Bob." in bob_saves.content.decode()  # his text is still in the form
    term.refresh_from_db()
    assert (term.body, term.edit_token, term.updated_at) == after_alice
    assert Version.objects.get_for_object(term).count() == versions


@pytest.mark.django_db(transaction=True)
def test_the_token_check_runs_only_inside_the_transaction_that_saves(make_term):
    """Checked outside it, another save could land between the check and the write."""
    term = make_term("Autophagy")
    data = {**term_form_data(term), "published_at": term.published_at.isoformat()}
    with pytest.raises(transaction.TransactionManagementError, match="same transaction"):
        TermForm(data, instance=term).is_valid()
    with transaction.atomic():
        form = TermForm(data, instance=term)
        assert form.is_valid(), form.errors


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_saves_on_one_version_exactly_one_is_written():
    ensure_editors_group()
    clients = {"alice": logged_in_editor("alice"), "bob": logged_in_editor("bob")}
    clients["alice"].post(ADD_URL, term_form_data(body="## Origin\n\nThe first text.\n"))
    term = Term.objects.get(slug="autophagy")

    for round_number in range(ROUNDS):
        term.refresh_from_db()
        base = term_form_data(term)
        bodies = {name: f"Text by {name}, round {round_number}." for name in clients}
        responses = save_at_the_same_moment(term, base, clients, bodies)

        statuses = {name: response.status_code for name, response in responses.items()}
        winners = [name for name, status in statuses.items() if status == 302]
        assert len(winners) == 1, f"round {round_number}: {statuses}"
        (loser,) = set(clients) - set(winners)
        assert statuses[loser] == 200
        # The page, not response.context: template signals are shared by both threads.
        refused = responses[loser].content.decode()
        assert f"Not saved: {winners[0]} saved this term while you were editing it" in refused
        term.refresh_from_db()
        assert term.body == bodies[winners[0]]


def save_at_the_same_moment(
    term: Term, base: dict, clients: dict[str, Client], bodies: dict[str, str]
) -> dict:
    """Each editor posts the same version's form with their own body, in their own thread
    (and database connection), released together by a barrier."""
    barrier = threading.Barrier(len(clients))
    responses: dict = {}
    errors: list[BaseException] = []

    def save(name: str) -> None:
        try:
            barrier.wait(timeout=30)
            responses[name] = clients[name].post(change_url(term), {**base, "body": bodies[name]})
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(name,)) for name in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    assert set(responses) == set(clients), "a save did not finish"
    return responses


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_bulk_action_keeps_an_edit_saved_while_it_ran(make_term):
    """The action reads the selected terms, then saves each: an edit committed in between
    (here: one that holds the row until the action waits for it) is kept."""
    term = make_term("Autophagy", status=Term.Status.DRAFT, body="The first text.")
    editor = logged_in_editor("erin")
    edit_locked, waiter_seen = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def edit_and_commit_once_the_action_waits() -> None:
        try:
            with transaction.atomic():
                edited = Term.objects.select_for_update().get(pk=term.pk)
                edited.body = "Text by another editor."
                edited.save()
                edit_locked.set()
                if wait_for_a_session_blocked_on_a_lock():
                    waiter_seen.set()
        except BaseException as error:
            errors.append(error)
        finally:
            edit_locked.set()
            connection.close()

    other_editor = threading.Thread(target=edit_and_commit_once_the_action_waits)
    other_editor.start()
    assert edit_locked.wait(timeout=30)
    response = editor.post(LIST_URL, {"action": "publish", "_selected_action": [term.pk]})
    other_editor.join(timeout=60)

    assert not errors, errors
    assert waiter_seen.is_set(), "the action never waited for the other editor's row lock"
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.status == Term.Status.PUBLISHED
    assert term.body == "Text by another editor."


def wait_for_a_session_blocked_on_a_lock(limit_seconds: float = 30) -> bool:
    """Poll until another session of this database waits for a lock (the action)."""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.01)
    return False
