"""What consent tells the page cache (``core.page_cache``): every page differs by the
banner state and shows the catalog; a page served from the cache still expires the
cookies of categories the visitor has not granted."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from consent import catalog
from consent import state as consent_state
from core import stamps


def banner_state(request: HttpRequest, tokens: dict[str, stamps.Token]) -> str:
    """The one thing about a visitor that changes a public page: is the banner shown?
    Judged against the catalog at the stamp token the page's key was built from."""
    with catalog.request_scope(tokens[catalog.STAMP]):
        shown = consent_state.needs_decision(request)
    return "banner" if shown else "decided"


def expire_on_hit(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Cookies besides the consent cookie: let ConsentMiddleware expire those not granted
    (it sits below the page cache, so a hit does not pass through it)."""
    if not (set(request.COOKIES) - {settings.COOKIE_CONSENT_NAME}):
        return response
    from consent.middleware import ConsentMiddleware

    return ConsentMiddleware(lambda _request: response)(request)


def register() -> None:
    from core import page_cache

    page_cache.vary_on(banner_state, stamps=(catalog.STAMP,))
    page_cache.on_hit(expire_on_hit)
