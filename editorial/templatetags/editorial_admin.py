"""The workflow panel on a term's admin change page (rendered below the term's form)."""

from __future__ import annotations

from django import template

from editorial import workflow
from editorial.models import Person, Review, State, TermWorkflow, Transition
from editorial.notifications import REVIEWERS_GROUP

register = template.Library()


@register.inclusion_tag("admin/editorial/workflow_panel.html", takes_context=True)
def workflow_panel(context, term) -> dict:
    request = context["request"]
    row = TermWorkflow.objects.filter(term=term).select_related("reviewer").first()
    row = row or TermWorkflow(term=term, state=State.DRAFT)
    offered, withheld = workflow.step_choices(request.user, term, row)
    reviews = Review.objects.filter(term=term).select_related("reviewer", "user")[:50]
    current_hash = term.content_hash()
    return {
        "term": term,
        "workflow": row,
        "actions": {action.name for action in offered},
        # Why a step the role allows is not offered (own work, no profile, nothing new).
        "withheld": sorted(set(withheld.values())),
        "transitions": Transition.objects.filter(term=term).select_related("user")[:100],
        "reviews": [(r, r.source_hash != current_hash) for r in reviews],
        "approval": workflow.current_approval(term),
        "reviewers": Person.objects.filter(user__groups__name=REVIEWERS_GROUP).distinct(),
        "csrf_token": context.get("csrf_token"),
    }
