"""When the database does not answer: a clear 503 page instead of a 500.

Every page needs the database (the page cache keys pages on versions read from it), so
every request gets ``templates/503.html`` with ``Retry-After``. The page is rendered without
a request context, since context processors may need the database that just failed.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def is_database_outage(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_ERRORS)


def unavailable(error: BaseException | None = None) -> HttpResponse:
    """The 503 page; logged once as a warning naming the error type (Django's own log
    line for it is dropped: ``core.logging_filters``)."""
    logger.warning(
        "The database does not answer (%s): 503", type(error).__name__ if error else "unknown"
    )
    response = HttpResponse(loader.render_to_string("503.html", {}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
