"""Site-wide middleware that belongs to no app: the health check, Permissions-Policy, the
language a URL names and the one redirect by browser language (from ``/``)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers

from core import languages

HEALTH_PATH = "/healthz"


def permissions_policy(features: dict[str, list[str]]) -> str:
    """``{"camera": [], "fullscreen": ["self"]}`` → ``camera=(), fullscreen=(self)``."""
    return ", ".join(f"{name}=({' '.join(allowed)})" for name, allowed in features.items())


class HealthCheckMiddleware:
    """Answer ``/healthz`` before anything else can fail or redirect.

    Load balancers call app servers directly: by IP address (not an allowed host), over
    plain http (no X-Forwarded-Proto), with no cookies. None of the rest of the stack
    (host validation, HTTPS redirect, sessions, the consent catalog) must decide the
    answer; only the database and the cache do (``core.views.healthz``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info.rstrip("/") == HEALTH_PATH:
            from core.views import healthz

            return healthz(request)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Send ``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY`` on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class UrlLanguageMiddleware:
    """Activate the language the URL names (``/de/…``), English for unprefixed paths.

    Django's ``LocaleMiddleware`` would also read the language cookie and
    ``Accept-Language`` for some paths and add ``Vary: Accept-Language`` to every
    unprefixed page, splitting shared caches for no reason: here the URL alone decides, so
    one URL is one page for everyone.

    The admin has no language in its URLs and is never cached: it follows the staff
    member's browser (``Accept-Language``), so a Dutch translator edits in Dutch.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        language = translation.get_language_from_path(request.path_info)
        staff_page = language is None and languages.is_admin_path(request.path_info)
        if staff_page:
            language = translation.get_language_from_request(request)
        language = language or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            # Nothing after this request (the next one in this thread, a warm-up) may
            # inherit its language: URL resolving depends on the active language.
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        if staff_page:
            patch_vary_headers(response, ("Accept-Language",))
        return response


class HomeLanguageRedirectMiddleware:
    """Send a visitor arriving at ``/`` to the home page in the language their browser
    prefers, once (``core.languages.home_redirect_target``).

    Sits above the page cache, whose key holds the URL only: the decision is made before
    the lookup, and the 302 is private (``Vary: Accept-Language``), never stored. Every
    answer for ``/`` says which request headers it depended on, so a shared cache keeps
    the English home page apart from the redirect.
    """

    VARY = ("Accept-Language", "Sec-Fetch-Site")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        target = languages.home_redirect_target(request)
        if target is not None:
            response: HttpResponseBase = HttpResponseRedirect(target)
            response["Cache-Control"] = "private"
        else:
            response = self.get_response(request)
        if request.path_info == "/":
            patch_vary_headers(response, self.VARY)
        return response
