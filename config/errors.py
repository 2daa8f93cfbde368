"""Error pages in the site's layout. The 500 page renders without database access."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import bad_request as django_bad_request

from core import faults


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400, except a body over DATA_UPLOAD_MAX_MEMORY_SIZE, which is 413 with its own page."""
    if isinstance(exception, RequestDataTooBig):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        response = HttpResponse(
            loader.render_to_string(
                "413.html", {"limit": limit, "hide_consent_banner": True}, request
            ),
            status=413,
        )
        response["Cache-Control"] = "no-store"
        return response
    return django_bad_request(request, exception)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponse(loader.render_to_string("404.html", {}, request), status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # The database down anywhere in the stack (a middleware too, not only a view): 503.
    error = sys.exc_info()[1]
    if faults.is_database_outage(error):
        return faults.unavailable(error)
    # No request context: context processors may need the database that just failed.
    return HttpResponseServerError(loader.render_to_string("500.html", {}))
