"""``/healthz``: is this app server able to serve pages?"""

from __future__ import annotations

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

# Each probe writes its own key: with one fixed key, concurrent probes on a shared cache
# overwrote each other's value and reported a working cache as down.
PROBE_KEY_PREFIX = "healthz:probe:"


def _database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("the database gave a wrong answer")


def _cache_answers() -> None:
    token = secrets.token_hex(8)
    key = PROBE_KEY_PREFIX + token
    cache.set(key, token, timeout=30)
    try:
        if cache.get(key) != token:
            raise RuntimeError("the cache did not keep a value")
    finally:
        cache.delete(key)


def healthz(request: HttpRequest) -> HttpResponse:
    """200 ``ok`` when the database and the cache answer, else 503; never any details.

    A failure is logged as a warning (it is the check doing its job, not a bug); Django's
    own server-error line for the 503 is dropped by ``core.logging_filters``.
    """
    failed = []
    for name, probe in (("database", _database_answers), ("cache", _cache_answers)):
        try:
            probe()
        except Exception as error:
            failed.append(name)
            logger.warning("healthz: the %s does not answer (%s)", name, type(error).__name__)
    response = HttpResponse("unavailable\n", status=503) if failed else HttpResponse("ok\n")
    response["Content-Type"] = "text/plain; charset=utf-8"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
