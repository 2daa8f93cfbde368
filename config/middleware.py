"""Site-wide middleware that belongs to no app: the health check, Permissions-Policy and
the language a URL names."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

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
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        language = translation.get_language_from_path(request.path_info)
        language = language or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
