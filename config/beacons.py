"""The page-view beacon: where the glossary's counting meets the visitor's consent.

It lives here because ``glossary`` and ``consent`` never import each other; like
``config.urls``, this module may use both. A view is counted only when the consent
cookie sent with the beacon grants analytics, and only from this site's own pages
(``consent.origin``: the beacon carries no CSRF token, pages have none).

One client cannot inflate the counts: one client address (a forged cookie per request
changes nothing there) has ``PAGEVIEWS_PER_CLIENT`` (120) beacons per
``PAGEVIEWS_WINDOW_SECONDS`` (1800), and within them a visitor (client address and
consent id) counts once per term per window. Addresses are kept only as keyed hashes
in expiring cache keys (``consent.throttle``). Whatever is posted, the answer is 204
(405/403 as the decorators say), never an error page.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consent import state, throttle
from consent.origin import same_origin_only
from glossary import pageviews


@never_cache
@same_origin_only
@require_POST
def pageview(request: HttpRequest) -> HttpResponse:
    """Count one read of ``term`` (a slug) when analytics is granted; 204 either way."""
    current = state.for_request(request)
    if current.granted("analytics"):
        term_id = pageviews.published_term_id(request.POST.get("term", ""))
        if term_id is not None and _counts(request, term_id, current.consent_id):
            pageviews.record(term_id)
    return HttpResponse(status=204)


def _counts(request: HttpRequest, term_id: int, consent_id: str) -> bool:
    """Within the client's budget (checked first, so a flood adds no keys but its counter),
    the visitor's first view of this term in the window."""
    seconds = int(getattr(settings, "PAGEVIEWS_WINDOW_SECONDS", 1800))
    budget = int(getattr(settings, "PAGEVIEWS_PER_CLIENT", 120))
    client = throttle.client_key(request)
    return throttle.take("pageviews", client, budget, seconds) and (
        pageviews.first_view_in_window(term_id, f"{client}:{consent_id}", seconds)
    )
