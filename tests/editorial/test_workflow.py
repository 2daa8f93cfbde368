"""The workflow's rules, step by step, through the admin as each role uses it."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from editorial.models import Authorship, Review, State, TermWorkflow, Transition
from glossary.models import Publication, Term
from tests.editorial.conftest import ensure_roles, messages_after

pytestmark = pytest.mark.django_db


def state_of(term: Term) -> str:
    row = TermWorkflow.objects.filter(term=term).first()
    return row.state if row else State.DRAFT


def steps_of(term: Term) -> list[tuple[str, str, str | None]]:
    return [
        (t.from_state, t.to_state, t.user.username if t.user else None)
        for t in Transition.objects.filter(term=term).order_by("at", "pk")
    ]


class TestWriters:
    def test_a_writer_submits_a_draft_for_review(self, draft, writer, as_user, step, mailoutbox):
        ensure_roles()
        reviewer = User.objects.create_user("rev2", email="rev2@example.org", is_staff=True)
        reviewer.groups.add(Group.objects.get(name="Medical reviewers"))
        response = step(as_user(writer), draft, "submit", comment="Ready for a look.")
        assert response.status_code == 302
        assert state_of(draft) == State.IN_REVIEW
        transition = Transition.objects.get(term=draft)
        assert (transition.from_state, transition.to_state) == (State.DRAFT, State.IN_REVIEW)
        assert transition.user == writer and transition.comment == "Ready for a look."
        assert transition.at <= timezone.now()
        # Every medical reviewer hears of it (no reviewer was asked by name).
        assert [m.to for m in mailoutbox] == [["rev2@example.org"]]
        assert "Autophagy" in mailoutbox[0].subject and "In review" in mailoutbox[0].subject
        assert "Ready for a look." in mailoutbox[0].body

    def test_a_term_without_an_author_cannot_be_submitted(self, make_term, writer, as_user, step):
        term = make_term("Orphan", status=Term.Status.DRAFT)
        response = step(as_user(writer), term, "submit")
        assert "Name at least one author" in " ".join(messages_after(response))
        assert state_of(term) == State.DRAFT

    @pytest.mark.parametrize("action", ["publish", "approve", "unpublish"])
    def test_a_writer_cannot_publish_or_approve(self, draft, writer, as_user, step, action):
        assert step(as_user(writer), draft, action).status_code == 403
        draft.refresh_from_db()
        assert not draft.is_public and not Publication.objects.exists()
        assert not Transition.objects.exists()

    def test_a_writer_cannot_publish_through_the_term_form(self, draft, writer, as_user):
        """The status field is read-only for them: a forged "published" is ignored."""
        from tests.glossary.editor_helpers import term_form_data

        client = as_user(writer)
        url = reverse("admin:glossary_term_change", args=[draft.pk])
        data = term_form_data(draft, status="published", base_token=str(draft.edit_token))
        assert client.post(url, data).status_code == 302
        draft.refresh_from_db()
        assert draft.status == Term.Status.DRAFT


class TestReviewers:
    def test_changes_requested_need_a_comment_and_reach_the_writer(
        self, draft, writer, reviewer, as_user, step, mailoutbox
    ):
        step(as_user(writer), draft, "submit")
        mailoutbox.clear()
        refused = step(as_user(reviewer), draft, "request_changes", comment="  ")
        assert "Say which changes you need" in " ".join(messages_after(refused))
        assert state_of(draft) == State.IN_REVIEW

        step(as_user(reviewer), draft, "request_changes", comment="Cite the 2019 trial.")
        assert state_of(draft) == State.CHANGES_REQUESTED
        review = Review.objects.get(term=draft)
        assert review.decision == Review.Decision.CHANGES_REQUESTED
        assert review.reviewer.user == reviewer
        assert [m.to for m in mailoutbox] == [["wendy@example.org"]]
        assert "Cite the 2019 trial." in mailoutbox[0].body

        queue = as_user(writer).get(
            reverse("admin:editorial_termworkflow_changelist"), {"queue": "my_changes"}
        )
        assert [row.term for row in queue.context["cl"].result_list] == [draft]

    def test_a_reviewer_cannot_approve_a_term_they_wrote(
        self, draft, writer, reviewer, as_user, step
    ):
        Authorship.objects.create(term=draft, person=reviewer.editorial_person, position=1)
        step(as_user(writer), draft, "submit")
        response = step(as_user(reviewer), draft, "approve")
        assert "another reviewer decides" in " ".join(messages_after(response))
        assert state_of(draft) == State.IN_REVIEW
        assert not Review.objects.filter(decision=Review.Decision.APPROVED).exists()

    def test_the_review_queue_holds_terms_awaiting_me_and_not_my_own(
        self, draft, make_term, writer, reviewer, as_user, step
    ):
        own = make_term("Own work", status=Term.Status.DRAFT)
        Authorship.objects.create(term=own, person=reviewer.editorial_person)
        Authorship.objects.create(term=own, person=writer.editorial_person)
        step(as_user(writer), draft, "submit")
        step(as_user(writer), own, "submit")
        queue = as_user(reviewer).get(
            reverse("admin:editorial_termworkflow_changelist"), {"queue": "my_reviews"}
        )
        assert [row.term for row in queue.context["cl"].result_list] == [draft]

    def test_a_review_is_signed_by_a_person_profile(self, draft, writer, as_user, step):
        nobody = User.objects.create_user("nemo", is_staff=True)
        nobody.user_permissions.add(
            *Permission.objects.filter(codename__in=["review_term", "view_termworkflow"])
        )
        step(as_user(writer), draft, "submit")
        response = step(as_user(nobody), draft, "approve")
        assert "link your account to a person profile" in " ".join(messages_after(response))

    def test_approval_records_the_revision_and_tells_the_writer(
        self, draft, writer, reviewer, as_user, step, mailoutbox
    ):
        step(as_user(writer), draft, "submit")
        mailoutbox.clear()
        step(as_user(reviewer), draft, "approve", comment="Accurate.")
        assert state_of(draft) == State.APPROVED
        review = Review.objects.get(term=draft)
        assert review.source_hash == draft.content_hash() and not review.outdated
        assert [m.to for m in mailoutbox] == [["wendy@example.org"]]
        assert "Approved" in mailoutbox[0].subject


class TestPublishers:
    def test_publishing_an_approved_term_makes_publication_one(
        self, published, reviewer, publisher, mailoutbox
    ):
        publication = Publication.objects.get(term=published)
        assert publication.number == 1
        assert (publication.reviewer_name, publication.reviewer_credentials) == (
            "Dr. Rita Review",
            "MD, PhD",
        )
        assert publication.reviewer_job_title == "Neurologist"
        assert publication.reviewer_path == "/people/rita-review/"
        assert publication.authors == [
            {
                "name": "Wendy Writer",
                "credentials": "",
                "job_title": "",
                "path": "/people/wendy-writer/",
            }
        ]
        assert publication.note == "First version." and not publication.non_medical
        assert published.last_reviewed == timezone.localdate()
        assert steps_of(published) == [
            (State.DRAFT, State.IN_REVIEW, "wendy"),
            (State.IN_REVIEW, State.APPROVED, "rita"),
            (State.APPROVED, State.PUBLISHED, "paul"),
        ]
        # Submitted, approved, published: one email each, never to the one who acted.
        assert len(mailoutbox) == 3
        assert sorted(mailoutbox[-1].to) == ["rita@example.org", "wendy@example.org"]

    def test_a_never_approved_term_cannot_be_published(self, draft, publisher, as_user, step):
        response = step(as_user(publisher), draft, "publish")
        assert "never medically approved" in " ".join(messages_after(response))
        draft.refresh_from_db()
        assert not draft.is_public and not Publication.objects.exists()

    def test_a_non_medical_change_needs_a_reason(self, draft, publisher, as_user, step):
        response = step(as_user(publisher), draft, "publish", non_medical="1")
        assert "Say why this change needs no medical review" in " ".join(messages_after(response))
        assert not Publication.objects.exists()

    def test_a_non_medical_change_is_published_and_its_reason_recorded(
        self, published, writer, publisher, as_user, step
    ):
        published.body = published.body.replace("First text.", "First txet fixed.")
        published.save()
        response = step(
            as_user(publisher),
            published,
            "publish",
            non_medical="1",
            non_medical_reason="Typo in the mechanism.",
            note="Fixed a typo.",
        )
        assert response.status_code == 302
        second = Publication.objects.get(term=published, number=2)
        assert second.non_medical and second.non_medical_reason == "Typo in the mechanism."
        # The medical review behind it is still the approval of version 1.
        assert second.reviewer_name == "Dr. Rita Review"
        last = Transition.objects.filter(term=published).first()
        assert (
            last.to_state == State.PUBLISHED and last.non_medical_reason == "Typo in the mechanism."
        )

    def test_an_edit_after_approval_needs_a_new_review(
        self, draft, writer, reviewer, publisher, as_user, step
    ):
        step(as_user(writer), draft, "submit")
        step(as_user(reviewer), draft, "approve")
        draft.refresh_from_db()
        draft.body += "\nA new claim.\n"
        draft.save()
        assert state_of(draft) == State.DRAFT
        outdated = Transition.objects.filter(term=draft).first()
        assert outdated.to_state == State.DRAFT and outdated.user is None
        assert "review is outdated" in outdated.comment
        assert Review.objects.get(term=draft).outdated
        response = step(as_user(publisher), draft, "publish")
        assert "has not been medically approved" in " ".join(messages_after(response))
        assert not Publication.objects.exists()

    def test_scheduling_publishes_later(self, draft, writer, reviewer, publisher, as_user, step):
        step(as_user(writer), draft, "submit")
        step(as_user(reviewer), draft, "approve")
        later = timezone.localtime() + datetime.timedelta(days=2)
        step(as_user(publisher), draft, "publish", at=later.strftime("%Y-%m-%dT%H:%M"))
        draft.refresh_from_db()
        assert state_of(draft) == State.SCHEDULED
        assert draft.is_scheduled and not draft.is_public
        assert Client().get("/glossary/autophagy/").status_code == 404
        assert Client().get("/glossary/autophagy/v/1/").status_code == 404

    def test_a_public_term_is_not_scheduled(self, published, publisher, as_user, step):
        published.summary = "A changed summary."  # something to publish
        published.save()
        later = timezone.localtime() + datetime.timedelta(days=2)
        response = step(
            as_user(publisher),
            published,
            "publish",
            at=later.strftime("%Y-%m-%dT%H:%M"),
            non_medical="1",
            non_medical_reason="Wording.",
        )
        assert "schedule only unpublished terms" in " ".join(messages_after(response))
        assert Publication.objects.filter(term=published).count() == 1

    def test_a_bad_schedule_time_is_a_message(self, published, publisher, as_user, step):
        response = step(as_user(publisher), published, "publish", at="next tuesday")
        assert "YYYY-MM-DD HH:MM" in " ".join(messages_after(response))

    def test_unpublishing_takes_the_term_off_the_site(self, published, publisher, as_user, step):
        step(as_user(publisher), published, "unpublish", comment="Outdated advice.")
        published.refresh_from_db()
        assert not published.is_public and state_of(published) == State.DRAFT
        assert Client().get("/glossary/autophagy/").status_code == 404


class TestBadRequests:
    def test_a_step_not_possible_in_this_state_is_a_message(self, draft, reviewer, as_user, step):
        response = step(as_user(reviewer), draft, "approve")
        assert response.status_code == 302
        assert "is not possible while the term is “Draft”" in " ".join(messages_after(response))
        assert not Review.objects.exists()

    def test_an_unknown_step_is_400(self, draft, writer, as_user, step):
        assert step(as_user(writer), draft, "delete_everything").status_code == 400

    def test_an_unknown_term_is_404(self, writer, as_user, db):
        url = reverse("admin:editorial_termworkflow_step", args=[999999])
        assert as_user(writer).post(url, {"action": "submit"}).status_code == 404

    def test_a_forged_post_without_the_csrf_token_is_refused(self, draft, writer):
        client = Client(enforce_csrf_checks=True)
        client.force_login(writer)
        url = reverse("admin:editorial_termworkflow_step", args=[draft.pk])
        assert client.post(url, {"action": "submit"}).status_code == 403
        assert not Transition.objects.exists()

    def test_a_get_is_405_and_anonymous_visitors_go_to_the_login(self, draft, writer, as_user):
        url = reverse("admin:editorial_termworkflow_step", args=[draft.pk])
        assert as_user(writer).get(url).status_code == 405
        assert Client().post(url, {"action": "submit"}).status_code == 302
        assert not Transition.objects.exists()


class TestAdminPage:
    def test_the_term_page_shows_every_step_and_the_allowed_actions(
        self, published, writer, as_user
    ):
        html = (
            as_user(writer)
            .get(reverse("admin:glossary_term_change", args=[published.pk]))
            .content.decode()
        )
        assert "Editorial workflow: Published" in html
        assert html.count("<tr><td><time") == 3  # submitted, approved, published
        assert "Approved" in html and "Checked." in html
        # A writer is offered no publishing step on a published term.
        assert 'value="publish"' not in html and 'value="unpublish"' not in html

    def test_a_publisher_is_offered_unpublish_and_publish_once_it_changed(
        self, published, publisher, as_user
    ):
        url = reverse("admin:glossary_term_change", args=[published.pk])
        html = as_user(publisher).get(url).content.decode()
        assert 'value="unpublish"' in html and 'value="publish"' not in html
        published.summary = "A new summary."
        published.save()
        assert 'value="publish"' in as_user(publisher).get(url).content.decode()


class TestEmailFailures:
    def test_a_mail_server_that_is_down_does_not_undo_or_break_the_step(
        self, draft, writer, reviewer, as_user, step, settings, caplog
    ):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", 1, False
        response = step(as_user(writer), draft, "submit")
        assert response.status_code == 302
        assert state_of(draft) == State.IN_REVIEW
        assert "Could not send the workflow email" in caplog.text
