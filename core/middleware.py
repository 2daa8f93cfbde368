"""Per-request work every app shares: version stamps, the page cache, compression, and
a clear 503 when the database does not answer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils import timezone

from core import faults, page_cache, stamps, visitors

logger = logging.getLogger(__name__)

# Set on a request whose stamps are the last ones this process saw (database down).
STALE_STAMPS_ATTR = "_core_stale_stamps"

_last_seen: dict[str, stamps.Token] = {}
_last_seen_lock = threading.Lock()


class StampSnapshotMiddleware:
    """Reads every version stamp once at the start of a request (one query).

    The caches consulted while the request runs (navigation, consent catalog, pages)
    compare against this snapshot, so checking them all costs that one query. When the
    database does not answer, the last stamps this process read stand in, so pages in the
    cache are still served (nothing can change while the database is down).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if page_cache.wants_static_file(request):
            return self.get_response(request)
        try:
            previous = stamps.take_snapshot()
        except faults.DATABASE_ERRORS:
            with _last_seen_lock:
                remembered = dict(_last_seen)
            previous = stamps.use_snapshot(remembered) if remembered else None
            setattr(request, STALE_STAMPS_ATTR, True)
        else:
            taken = stamps.tokens(*stamps.ALL_KEYS)  # from the snapshot: no query
            with _last_seen_lock:
                _last_seen.update(taken)
        try:
            return self.get_response(request)
        finally:
            stamps.drop_snapshot(previous)


class PageCacheMiddleware:
    """Serve public pages from the whole-response cache (``core.page_cache``) and mark
    every response as shareable (public pages) or private (logged-in users).

    Sits right after StampSnapshotMiddleware, above every other middleware, so it keeps
    the final response as they produce it (security headers, compression, CSP) and a hit
    costs the stamps read and a lookup in this process's copies: no other middleware, no
    view, no template. It answers conditional requests for public pages itself (304),
    since its ETag and Last-Modified are set here, above ConditionalGetMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        cache_key = None
        if page_cache.can_look_up(request):
            try:
                cache_key = page_cache.key(request)
            except faults.DATABASE_ERRORS as error:
                return faults.unavailable(error)
            hit = page_cache.fetch(cache_key)
            if hit is not None:
                hit["X-Page-Cache"] = "hit"
                return self._as_consent_would(request, page_cache.conditional(request, hit))
        response = self.get_response(request)
        if self._is_personal(request):
            page_cache.mark_private(response)
        elif page_cache.is_public_page(request, response):
            try:
                page_cache.mark_public(response)
                fresh = not getattr(request, STALE_STAMPS_ATTR, False)
                if cache_key and fresh and page_cache.store(cache_key, response, timezone.now()):
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

    def _as_consent_would(self, request: HttpRequest, response: HttpResponseBase):
        """Cookies other than the consent cookie: let consent expire those not granted."""
        if not (set(request.COOKIES) - {settings.COOKIE_CONSENT_NAME}):
            return response
        from consent.middleware import ConsentMiddleware

        return ConsentMiddleware(lambda _request: response)(request)


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
