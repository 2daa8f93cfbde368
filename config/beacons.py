"""The page-view beacon: where the glossary's counting meets the visitor's consent.

It lives here because ``glossary`` and ``consent`` never import each other; like
``config.urls``, this module may use both. A view is counted only when the consent
cookie sent with the beacon grants analytics, and only from this site's own pages
(``consent.origin``: the beacon carries no CSRF token, pages have none).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consent import state
from consent.origin import same_origin_only
from glossary import pageviews


@never_cache
@same_origin_only
@require_POST
def pageview(request: HttpRequest) -> HttpResponse:
    """Count one read of ``term`` (a slug) when analytics is granted; 204 either way."""
    if state.for_request(request).granted("analytics"):
        term_id = pageviews.published_term_id(request.POST.get("term", ""))
        if term_id is not None:
            pageviews.record(term_id)
    return HttpResponse(status=204)
