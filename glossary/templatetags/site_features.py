"""The site's own features that run in the browser: recently viewed terms, the partner slot."""

from __future__ import annotations

from django import template

from glossary import marketing
from glossary.models import Term
from glossary.templatetags.glossary_tags import json_data

register = template.Library()

RELATED_KEPT = 6


@register.simple_tag
def recent_term_data(term: Term, related: list[Term], title: str) -> str:
    """The term page's entry for "Recently viewed" (static/js/recent.js keeps it), with
    the title shown (a publication's, while an edit waits for review)."""
    return json_data(
        "recent-term",
        {
            "url": term.get_absolute_url(),
            "title": title,
            "related": [
                {"url": other.get_absolute_url(), "title": other.title}
                for other in related[:RELATED_KEPT]
            ],
        },
    )


@register.inclusion_tag("glossary/partner_slot.html")
def partner_slot() -> dict:
    """The partner slot, inert until consent.js puts it in place for marketing; else nothing."""
    return {"slot": marketing.current()}
