"""The editorial workflow's rules: who may move a term from which state to which.

    draft ──submit──▶ in review ──request changes──▶ changes requested ──submit──▶ …
                          │
                          └──approve──▶ approved ──publish──▶ published (or scheduled)

Writers submit; medical reviewers approve or request changes (never on a term they wrote
or submitted); publishers publish, schedule and unpublish. A review applies to one
revision (``Term.content_hash``): publishing needs an approval of the revision as it is
now, unless the publisher marks the change as non-medical and says why. Every step is a
``Transition`` row and an email (sent after the commit). Publishing writes a numbered
``glossary.Publication``: the version readers see until the next one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import stamps
from editorial import due, notifications
from editorial.models import Authorship, Person, Review, State, TermWorkflow, Transition
from glossary import term_page, versions
from glossary.models import Publication, Term


class TransitionRefused(Exception):
    """The step is not allowed now; the message says why, for the person who tried."""


@dataclass(frozen=True)
class Action:
    name: str
    label: str  # lazy: translated when shown
    permission: str
    from_states: frozenset[str]


EDITABLE = frozenset({State.DRAFT, State.CHANGES_REQUESTED})
ACTIONS = {
    a.name: a
    for a in (
        Action("submit", gettext_lazy("Submit for review"), "editorial.submit_term", EDITABLE),
        Action(
            "comment",
            gettext_lazy("Comment"),
            "editorial.review_term",
            frozenset({State.IN_REVIEW}),
        ),
        Action(
            "request_changes",
            gettext_lazy("Request changes"),
            "editorial.review_term",
            frozenset({State.IN_REVIEW}),
        ),
        Action(
            "approve",
            gettext_lazy("Approve"),
            "editorial.review_term",
            frozenset({State.IN_REVIEW}),
        ),
        Action(
            "publish",
            gettext_lazy("Publish"),
            "editorial.publish_term",
            frozenset({State.APPROVED, *EDITABLE, State.IN_REVIEW, State.PUBLISHED}),
        ),
        Action(
            "unpublish",
            gettext_lazy("Unpublish"),
            "editorial.publish_term",
            frozenset({State.PUBLISHED, State.SCHEDULED}),
        ),
    )
}


def locked_workflow(term_id: int) -> tuple[Term, TermWorkflow]:
    """The term and its workflow row, both locked until the transaction ends."""
    term = Term.objects.select_for_update().get(pk=term_id)
    workflow, _created = TermWorkflow.objects.select_for_update().get_or_create(term=term)
    return term, workflow


REVIEW_STEPS = frozenset({"comment", "request_changes", "approve"})
VERDICTS = frozenset({"request_changes", "approve"})


def available_actions(user: AbstractBaseUser, term: Term, workflow: TermWorkflow) -> list[Action]:
    """The steps this user may take now (what the admin offers)."""
    return step_choices(user, term, workflow)[0]


def step_choices(
    user: AbstractBaseUser, term: Term, workflow: TermWorkflow
) -> tuple[list[Action], dict[str, str]]:
    """The steps offered, and those the role and state allow but the rules would refuse
    anyway, each with the refusal's message (the panel says why instead of offering it).
    The step functions check the same rules again: this only decides what is shown."""
    allowed = [
        action
        for action in ACTIONS.values()
        if workflow.state in action.from_states and user.has_perm(action.permission)
    ]
    names = {action.name for action in allowed}
    withheld: dict[str, str] = {}
    if names & REVIEW_STEPS:
        person = Person.objects.filter(user=user).first()
        if person is None:
            unsigned = _(
                "Reviews are signed: link your account to a person profile (Editorial → People)."
            )
            withheld.update(dict.fromkeys(names & REVIEW_STEPS, unsigned))
        elif _is_own_work(term, person, user, workflow):
            own = _("You wrote or submitted this term: another reviewer decides.")
            withheld.update(dict.fromkeys(names & VERDICTS, own))
    if "publish" in names:
        live = unchanged_publication(term)
        if live is not None:
            withheld["publish"] = _nothing_to_publish(live)
    return [action for action in allowed if action.name not in withheld], withheld


def unchanged_publication(term: Term) -> Publication | None:
    """The public term's newest publication when the live text is exactly what it
    published (the same ``content_hash``): publishing again would copy it."""
    if not term.is_public or not term.publication_number:
        return None
    latest = Publication.objects.filter(term=term).order_by("-number").only("number", "source_hash")
    latest = latest.first()
    if latest is None or latest.source_hash != term.content_hash():
        return None
    return latest


def _nothing_to_publish(publication: Publication) -> str:
    return _("Nothing to publish: the term is public and unchanged since version %(number)s.") % {
        "number": publication.number
    }


def _record(
    term: Term, workflow: TermWorkflow, to_state: str, user, comment: str = "", **extra
) -> Transition:
    transition = Transition.objects.create(
        term=term,
        from_state=workflow.state,
        to_state=to_state,
        user=user,
        comment=comment,
        non_medical_reason=extra.get("non_medical_reason", ""),
    )
    workflow.state = to_state
    workflow.save()
    transaction.on_commit(lambda: notifications.transition_made(transition.pk))
    return transition


def _check(action_name: str, user, workflow: TermWorkflow) -> None:
    action = ACTIONS[action_name]
    if not user.has_perm(action.permission):
        raise PermissionError(action.permission)
    if workflow.state not in action.from_states:
        raise TransitionRefused(
            _("“%(action)s” is not possible while the term is “%(state)s”.")
            % {"action": action.label, "state": workflow.get_state_display()}
        )


def _reviewer_person(user) -> Person:
    person = Person.objects.filter(user=user).first()
    if person is None:
        raise TransitionRefused(
            _("Reviews are signed: link your account to a person profile (Editorial → People).")
        )
    return person


@transaction.atomic
def submit(
    term_id: int, user: AbstractBaseUser, *, comment: str = "", reviewer: Person | None = None
) -> Transition:
    term, workflow = locked_workflow(term_id)
    _check("submit", user, workflow)
    if not term.authorships.exists():
        raise TransitionRefused(_("Name at least one author before submitting."))
    workflow.submitted_by = user
    workflow.reviewer = reviewer or workflow.reviewer
    return _record(term, workflow, State.IN_REVIEW, user, comment)


def _is_own_work(term: Term, person: Person, user, workflow: TermWorkflow) -> bool:
    authored = Authorship.objects.filter(term=term, person=person).exists()
    return authored or (
        workflow.submitted_by_id is not None and workflow.submitted_by_id == user.pk
    )


@transaction.atomic
def review(
    term_id: int, user: AbstractBaseUser, decision: str, *, comment: str = ""
) -> Transition | None:
    """A medical reviewer's verdict on the term as it is now (approve, changes, comment)."""
    action = {
        Review.Decision.APPROVED: "approve",
        Review.Decision.CHANGES_REQUESTED: "request_changes",
        Review.Decision.COMMENT: "comment",
    }[decision]
    term, workflow = locked_workflow(term_id)
    _check(action, user, workflow)
    person = _reviewer_person(user)
    if decision != Review.Decision.COMMENT and _is_own_work(term, person, user, workflow):
        raise TransitionRefused(_("You wrote or submitted this term: another reviewer decides."))
    if decision == Review.Decision.CHANGES_REQUESTED and not comment.strip():
        raise TransitionRefused(_("Say which changes you need in the comment."))
    Review.objects.create(
        term=term,
        reviewer=person,
        user=user,
        decision=decision,
        comment=comment,
        source_hash=term.content_hash(),
    )
    if decision == Review.Decision.COMMENT:
        return None
    if decision == Review.Decision.APPROVED:
        workflow.source_hash = term.content_hash()
        workflow.reviewer = person
        return _record(term, workflow, State.APPROVED, user, comment)
    return _record(term, workflow, State.CHANGES_REQUESTED, user, comment)


def current_approval(term: Term) -> Review | None:
    """The approval of the revision as it is now, if there is one."""
    return (
        Review.objects.filter(
            term=term, decision=Review.Decision.APPROVED, source_hash=term.content_hash()
        )
        .select_related("reviewer")
        .first()
    )


def credited_authors(term: Term) -> list[dict]:
    """The term's authors now, in byline order, as a publication records them (one query):
    the snapshot of each publication, and what a term without one credits."""
    return [
        {
            "name": a.person.name,
            "credentials": a.person.credentials,
            "job_title": a.person.specialty,
            "path": a.person.profile_path,
        }
        for a in term.authorships.select_related("person")
    ]


@transaction.atomic
def publish(
    term_id: int,
    user: AbstractBaseUser,
    *,
    at: datetime.datetime | None = None,
    non_medical_reason: str = "",
    note: str = "",
) -> Publication:
    """Make the term's current revision public (now, or at ``at`` if it is not public yet)."""
    term, workflow = locked_workflow(term_id)
    _check("publish", user, workflow)
    live = unchanged_publication(term)
    if live is not None:
        raise TransitionRefused(_nothing_to_publish(live))
    non_medical_reason = non_medical_reason.strip()
    approval = current_approval(term)
    if approval is None and not non_medical_reason:
        ever = Review.objects.filter(term=term, decision=Review.Decision.APPROVED).exists()
        raise TransitionRefused(
            _("This revision has not been medically approved (it changed since the approval).")
            if ever
            else _("This term was never medically approved.")
            + " "
            + _("Have it reviewed, or mark the change as non-medical and give the reason.")
        )
    if approval is None:  # a non-medical change keeps the last medical review, if any
        approval = (
            Review.objects.filter(term=term, decision=Review.Decision.APPROVED)
            .select_related("reviewer")
            .first()
        )
    now = timezone.now()
    scheduled = at is not None and at > now and not term.is_public
    if at is not None and at > now and term.is_public:
        raise TransitionRefused(
            _("A public term is published now; schedule only unpublished terms.")
        )
    publication = make_publication(
        term, workflow, approval, reason=non_medical_reason, note=note, at=at if scheduled else now
    )
    _record(
        term,
        workflow,
        State.SCHEDULED if scheduled else State.PUBLISHED,
        user,
        note,
        non_medical_reason=non_medical_reason,
    )
    return publication


def make_publication(
    term: Term,
    workflow: TermWorkflow,
    approval: Review | None,
    *,
    reason: str = "",
    note: str = "",
    at: datetime.datetime,
) -> Publication:
    """Make the term's current revision public at ``at``: the term's row (status, review
    dates) and a new numbered ``Publication``; renews the term's page and the listings.
    The rules are the caller's (``publish``; the seed content)."""
    was_public = term.is_public
    term.status = Term.Status.PUBLISHED
    term.published_at = term.published_at if was_public else at
    workflow.source_hash = term.content_hash()  # before the save: it is no edit
    workflow.save(update_fields=["source_hash"])
    term.save()
    # The workflow's own fields: a save keeps them as stored (glossary.changes).
    term.publication_number += 1
    if approval is not None:
        term.last_reviewed = timezone.localdate(approval.created_at)
        term.review_due = due.add_months(term.last_reviewed, due.interval_months(term))
    Term.objects.filter(pk=term.pk).update(
        publication_number=term.publication_number,
        last_reviewed=term.last_reviewed,
        review_due=term.review_due,
    )
    publication = _publication(term, approval, reason, note, at)
    term_page.invalidate([term.pk])
    stamps.bump(versions.LISTINGS)
    return publication


def _publication(term: Term, approval: Review | None, reason: str, note: str, at) -> Publication:
    reviewer = approval.reviewer if approval else None
    return Publication.objects.create(
        term=term,
        number=term.publication_number,
        published_at=at,
        source_hash=term.content_hash(),
        title=term.title,
        summary=term.summary,
        body_html=term.body_html,
        references_html=term.references_html,
        cited_sources=term.cited_sources,
        toc=term.toc,
        authors=credited_authors(term),
        reviewer_name=reviewer.name if reviewer else "",
        reviewer_credentials=reviewer.credentials if reviewer else "",
        reviewer_job_title=reviewer.specialty if reviewer else "",
        reviewer_path=reviewer.profile_path if reviewer else "",
        reviewed_on=timezone.localdate(approval.created_at) if approval else None,
        non_medical=bool(reason),
        non_medical_reason=reason,
        note=note,
    )


@transaction.atomic
def unpublish(term_id: int, user: AbstractBaseUser, *, comment: str = "") -> Transition:
    term, workflow = locked_workflow(term_id)
    _check("unpublish", user, workflow)
    term.status = Term.Status.DRAFT
    term.save()
    return _record(term, workflow, State.DRAFT, user, comment)


def edited(term: Term, user: AbstractBaseUser | None = None) -> None:
    """After a save by ``user`` (None: a command or the shell): an approved or published
    term whose text changed is a draft again, a step recorded as that user's.

    One SELECT in the common case (nothing to outdate), so every save pays one query.
    """
    outdated = (
        TermWorkflow.objects.filter(
            term_id=term.pk, state__in=(State.APPROVED, State.PUBLISHED, State.SCHEDULED)
        )
        .exclude(source_hash=term.content_hash())
        .first()
    )
    if outdated is None:
        return
    _record(term, outdated, State.DRAFT, user, _("Edited after approval: the review is outdated."))
