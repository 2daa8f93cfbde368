"""Per-request work every app shares: the page cache, compression, and a clear 503 when
the database does not answer."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils import timezone

from core import faults, page_cache, visitors

logger = logging.getLogger(__name__)


class PageCacheMiddleware:
    """Serve public pages from the whole-response cache (``core.page_cache``) and mark
    every response as shareable (public pages) or private (logged-in users).

    Sits above every other middleware but the health check, so it keeps the final
    response as they produce it (security headers, compression, CSP) and a hit runs no
    other middleware, view or template. It answers conditional requests for the pages it
    keeps itself (304), since it sets their ETag.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if page_cache.wants_static_file(request):
            return self.get_response(request)
        # The moment the page's data is read from: an entry may not outlive the next
        # publication after it (a term coming due while the view runs is not in the page).
        started = timezone.now()
        try:
            cache_key = page_cache.lookup_key(request)
        except faults.DATABASE_ERRORS as error:
            return faults.unavailable(error)
        if cache_key is not None:
            hit = page_cache.fetch(cache_key)
            if hit is not None:
                hit["X-Page-Cache"] = "hit"
                return page_cache.answer_hit(request, hit)
        response = self.get_response(request)
        if self._is_personal(request):
            page_cache.mark_private(response)
        elif cache_key is not None and page_cache.is_public(response):
            page_cache.mark_public(response)
            try:
                if page_cache.store(cache_key, response, started):
                    response["X-Page-Cache"] = "miss"
            except faults.DATABASE_ERRORS:
                logger.warning("page cache: the database does not answer; page not stored")
            return page_cache.conditional(request, response)
        return response

    @staticmethod
    def _is_personal(request: HttpRequest) -> bool:
        """A logged-in user (only a session cookie can say so: nothing loaded without)."""
        if not visitors.has_session_cookie(request):
            return False
        try:
            return visitors.is_authenticated(request)
        except faults.DATABASE_ERRORS:
            return True  # cannot tell: treat as personal


class PageGZipMiddleware:
    """Django's GZipMiddleware, with deterministic output for pages that hold no secret.

    Django pads gzip output with random bytes against BREACH, which guesses secrets in a
    compressed page. Public pages hold none (no CSRF token, no per-visitor data), so they
    are compressed without padding: the same bytes for every reader, stable ETags. The
    admin, logged-in users and responses that set a cookie keep the padding.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.plain = GZipMiddleware(get_response)
        self.plain.max_random_bytes = 0
        self.padded = GZipMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        secretless = not (
            response.cookies
            or visitors.has_session_cookie(request)
            or (match is not None and "admin" in match.app_names)
        )
        return (self.plain if secretless else self.padded).process_response(request, response)


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with a page, not 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if faults.is_database_outage(exception):
            return faults.unavailable(exception)
        return None
