"""Emails about workflow steps: who hears of which step (sent after the step commits).

Submitted → the reviewer asked, else every medical reviewer; changes requested or
approved → whoever submitted it and the authors; published, scheduled, unpublished or
outdated by an edit → the submitter, the authors and the reviewer. Never the person who
took the step; only accounts with an address. The backend is Django's (``EMAIL_BACKEND``:
the console in development, SMTP from the environment in production).
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from editorial.models import State, Transition

REVIEWERS_GROUP = "Medical reviewers"
logger = logging.getLogger(__name__)


def recipients(transition: Transition) -> list[str]:
    term = transition.term
    workflow = getattr(term, "workflow", None)
    users = set()
    if transition.to_state == State.IN_REVIEW:
        if workflow and workflow.reviewer and workflow.reviewer.user_id:
            users.add(workflow.reviewer.user_id)
        else:
            users |= set(
                get_user_model()
                .objects.filter(groups__name=REVIEWERS_GROUP, is_active=True)
                .values_list("pk", flat=True)
            )
    else:
        if workflow and workflow.submitted_by_id:
            users.add(workflow.submitted_by_id)
        users |= {a.person.user_id for a in term.authorships.select_related("person")}
        if transition.to_state != State.CHANGES_REQUESTED and workflow and workflow.reviewer:
            users.add(workflow.reviewer.user_id)
    users.discard(None)
    users.discard(transition.user_id)
    found = get_user_model().objects.filter(pk__in=users, is_active=True).exclude(email="")
    return sorted(found.values_list("email", flat=True))


def transition_made(transition_id: int) -> int:
    """Send the step's email; returns how many messages went out (0 or 1)."""
    transition = Transition.objects.select_related("term", "user").filter(pk=transition_id).first()
    if transition is None:
        return 0
    to = recipients(transition)
    if not to:
        return 0
    term = transition.term
    state = State(transition.to_state).label
    who = transition.user.get_username() if transition.user else _("an edit")
    link = settings.SITE_URL + reverse("admin:glossary_term_change", args=[term.pk])
    lines = [
        _("“%(term)s” is now: %(state)s (by %(who)s).")
        % {"term": term.title, "state": state, "who": who},
        "",
    ]
    if transition.comment:
        lines += [_("Comment:"), transition.comment, ""]
    if transition.non_medical_reason:
        lines += [_("Published as a non-medical change:"), transition.non_medical_reason, ""]
    lines.append(link)
    subject = f"[{settings.SITE_NAME}] {term.title}: {state}"
    try:
        return send_mail(subject, "\n".join(lines), None, to)
    except (smtplib.SMTPException, OSError):
        # The step is saved already; a mail server that is down must not turn it into a 500.
        logger.warning("Could not send the workflow email for transition %s", transition_id)
        return 0
