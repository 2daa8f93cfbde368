"""Cross-site request forgery protection without a per-page token: same-origin POSTs only.

Public pages carry no CSRF token (they are identical for every visitor, so caches may
share them). Consent decisions are instead accepted only from this site's own pages,
judged from what the browser says about where the request came from:

1. ``Sec-Fetch-Site`` (every current browser; pages cannot forge it): only
   ``same-origin`` is accepted. ``same-site`` (a sibling subdomain), ``cross-site`` and
   ``none`` are refused.
2. ``Origin``, when sent, must be this site's origin (the request's scheme, which honours
   ``SECURE_PROXY_SSL_HEADER``, and its validated host) or one of
   ``CSRF_TRUSTED_ORIGINS``. ``null`` (sandboxed frames, data: pages, some redirects) is
   refused.
3. A request with neither header (browsers from before 2020) must carry a ``Referer``
   from this site; with none at all it is refused. A client that sends nothing (curl, a
   script) can set any header it likes anyway, so this only decides which old browsers
   keep working: those that send a Referer do, privacy settings that strip it do not.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def _origin(scheme: str, netloc: str) -> str:
    """``scheme://host[:port]`` in lower case, without the scheme's default port."""
    scheme, netloc = scheme.lower(), netloc.lower()
    netloc = netloc.removesuffix(_DEFAULT_PORTS.get(scheme, ""))
    return f"{scheme}://{netloc}"


def request_origin(request: HttpRequest) -> str:
    """This site's origin as the browser sees it (the scheme honours the proxy setting)."""
    return _origin(request.scheme, request.get_host())


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc or "@" in parts.netloc:
        return None
    return _origin(parts.scheme, parts.netloc)


def _trusted(origin: str, request: HttpRequest) -> bool:
    if origin == request_origin(request):
        return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        trusted = trusted.lower().rstrip("/")
        if "*" not in trusted:
            trusted = _origin_of(trusted) or trusted
        if origin == trusted:
            return True
        # Django's own wildcard form: https://*.example.com
        scheme, _, host = trusted.partition("://*.")
        if host and origin.startswith(f"{scheme}://") and origin.endswith(f".{host}"):
            return True
    return False


def is_same_origin(request: HttpRequest) -> bool:
    """Did this request come from one of this site's own pages (see the module notes)?"""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if fetch_site is not None and fetch_site.strip().lower() != "same-origin":
        return False
    if origin is not None:
        sent = _origin_of(origin.strip())
        return sent is not None and _trusted(sent, request)
    if fetch_site is not None:
        return True
    referer = _origin_of(request.headers.get("Referer", "").strip())
    return referer is not None and _trusted(referer, request)


def forbidden(request: HttpRequest) -> HttpResponseBase:
    """The 403 page: the decision was not saved because it did not come from this site."""
    if "application/json" in request.headers.get("Accept", ""):
        response: HttpResponseBase = JsonResponse(
            {"error": "Not saved: the request did not come from this site."}, status=403
        )
    else:
        response = render(
            request, "consent/forbidden.html", {"hide_consent_banner": True}, status=403
        )
    response["Cache-Control"] = "no-store"
    return response


def same_origin_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Refuse unsafe requests that did not come from this site; no CSRF token needed."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method not in SAFE_METHODS and not is_same_origin(request):
            return forbidden(request)
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapped)
