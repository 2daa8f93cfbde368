"""The workflow panel offers only the steps the user may take now (the step views still
refuse the others), says why a step is withheld, and names who made each step; the
workflow list tells a term's languages apart."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from editorial.models import Authorship, Review, State, TermWorkflow, Transition
from glossary.models import Publication, Term
from tests.editorial.conftest import messages_after
from tests.glossary.editor_helpers import term_form_data

pytestmark = pytest.mark.django_db
OWN_WORK = "You wrote or submitted this term: another reviewer decides."


def panel(client, term: Term) -> str:
    return client.get(reverse("admin:glossary_term_change", args=[term.pk])).content.decode()


class TestNothingToPublish:
    def test_an_unchanged_public_term_is_not_published_again(
        self, published, publisher, as_user, step
    ):
        client = as_user(publisher)
        html = panel(client, published)
        assert 'value="publish"' not in html and 'value="unpublish"' in html
        assert "Nothing to publish: the term is public and unchanged since version 1." in html
        response = step(client, published, "publish", note="Again.")
        assert "Nothing to publish" in " ".join(messages_after(response))
        assert Publication.objects.filter(term=published).count() == 1
        assert Transition.objects.filter(term=published).count() == 3  # no new step
        published.refresh_from_db()
        assert published.publication_number == 1

    def test_a_non_medical_reason_does_not_make_a_copy_either(
        self, published, publisher, as_user, step
    ):
        step(as_user(publisher), published, "publish", non_medical="1", non_medical_reason="x")
        assert Publication.objects.filter(term=published).count() == 1

    def test_an_edit_makes_publish_available_again(
        self, published, writer, publisher, as_user, step
    ):
        published.body += "\nA typo fixed.\n"
        published.save()
        client = as_user(publisher)
        assert 'value="publish"' in panel(client, published)
        step(client, published, "publish", non_medical="1", non_medical_reason="Typo.")
        assert Publication.objects.filter(term=published).count() == 2

    def test_an_unpublished_term_may_be_published_again(self, published, publisher, as_user, step):
        client = as_user(publisher)
        step(client, published, "unpublish")
        assert 'value="publish"' in panel(client, published)
        step(client, published, "publish")
        published.refresh_from_db()
        assert published.is_public and published.publication_number == 2


class TestReviewersOwnWork:
    def test_a_co_author_is_offered_only_a_comment(self, draft, writer, reviewer, as_user, step):
        Authorship.objects.create(term=draft, person=reviewer.editorial_person, position=1)
        step(as_user(writer), draft, "submit")
        client = as_user(reviewer)
        html = panel(client, draft)
        assert 'value="approve"' not in html and 'value="request_changes"' not in html
        assert 'value="comment"' in html and OWN_WORK in html
        # The refusal stays for a forged post.
        assert OWN_WORK in " ".join(messages_after(step(client, draft, "approve")))
        assert not Review.objects.filter(decision=Review.Decision.APPROVED).exists()

    def test_a_reviewer_who_submitted_is_not_offered_a_verdict(
        self, draft, writer, reviewer, as_user, step
    ):
        reviewer.user_permissions.add(Permission.objects.get(codename="submit_term"))
        client = as_user(reviewer)
        step(client, draft, "submit")
        assert TermWorkflow.objects.get(term=draft).state == State.IN_REVIEW
        html = panel(client, draft)
        assert 'value="approve"' not in html and OWN_WORK in html

    def test_another_reviewer_is_offered_a_verdict(self, draft, writer, reviewer, as_user, step):
        step(as_user(writer), draft, "submit")
        html = panel(as_user(reviewer), draft)
        assert 'value="approve"' in html and 'value="request_changes"' in html
        assert OWN_WORK not in html


class TestWhoEdited:
    def test_an_edit_that_outdates_an_approval_is_recorded_as_the_editors(
        self, published, writer, as_user
    ):
        client = as_user(writer)
        published.refresh_from_db()
        data = term_form_data(published, body=published.body + "\nA new claim.\n")
        assert client.post(reverse("admin:glossary_term_change", args=[published.pk]), data)
        outdated = Transition.objects.filter(term=published).first()
        assert outdated.to_state == State.DRAFT and outdated.user == writer
        html = panel(client, published)
        assert "<td>wendy</td><td>Published → Draft</td>" in html
        assert "an edit" not in html

    def test_an_edit_outside_the_admin_has_no_user(self, published):
        published.body += "\nFrom the shell.\n"
        published.save()
        assert Transition.objects.filter(term=published).first().user is None


def test_the_workflow_list_shows_and_filters_the_language(
    make_term, writer, reviewer, as_user, step
):
    english = make_term("Myokines", slug="myokines", status=Term.Status.DRAFT)
    french = make_term("Myokines", slug="myokines", language="fr", status=Term.Status.DRAFT)
    for term in (english, french):
        Authorship.objects.create(term=term, person=writer.editorial_person)
        step(as_user(writer), term, "submit")
    url = reverse("admin:editorial_termworkflow_changelist")
    client = as_user(reviewer)
    html = client.get(url).content.decode()
    assert '<td class="field-term_language">English</td>' in html
    assert '<td class="field-term_language">Français</td>' in html
    filtered = client.get(url, {"term__language__exact": "fr"})
    assert [row.term for row in filtered.context["cl"].result_list] == [french]
