"""The admin on its own host name (``settings.ADMIN_HOST``), out of reach of tracking scripts.

A tracking script runs with the privileges of the page's origin. With ``ADMIN_HOST`` set
(e.g. ``admin.glossary.example.org``), the admin answers only there and that host serves
nothing but the admin (static files and media aside), so a script on a public page is on
another origin: it cannot read an admin page or its CSRF token, and its requests to the
public host's ``/admin/`` get 404. ``ConsentMiddleware`` applies this before any view.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest
from django.http.request import split_domain_port
from django.urls import NoReverseMatch, reverse


def admin_host() -> str:
    return (getattr(settings, "ADMIN_HOST", "") or "").strip().lower().rstrip(".")


def admin_prefix() -> str | None:
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return None


def check_host(request: HttpRequest) -> None:
    """Raise Http404 when ADMIN_HOST is set and this path does not belong on this host."""
    host = admin_host()
    if not host:
        return
    prefix = admin_prefix()
    if prefix is None:
        return
    on_admin_host = split_domain_port(request.get_host())[0] == host
    path = request.path_info
    is_admin = path.startswith(prefix)
    if on_admin_host:
        shared = tuple(p for p in (settings.STATIC_URL, settings.MEDIA_URL) if p)
        if not is_admin and not path.startswith(shared):
            raise Http404("Only the admin is served on this host.")
    elif is_admin:
        raise Http404("The admin is served on its own host name.")


def check_settings(app_configs=None, **kwargs) -> list:
    """System checks: ADMIN_HOST must be an allowed host, and cookies must stay host-only."""
    from django.core.checks import Warning
    from django.http.request import validate_host

    host = admin_host()
    if not host:
        return []
    problems = []
    if not validate_host(host, settings.ALLOWED_HOSTS):
        problems.append(
            Warning(
                f"ADMIN_HOST {host!r} is not in ALLOWED_HOSTS: the admin cannot be reached.",
                hint="Add it to DJANGO_ALLOWED_HOSTS.",
                id="consent.W001",
            )
        )
    for name in ("SESSION_COOKIE_DOMAIN", "CSRF_COOKIE_DOMAIN"):
        if getattr(settings, name, None):
            problems.append(
                Warning(
                    f"{name} is set while ADMIN_HOST is: the public host would receive the "
                    "admin's cookie.",
                    hint=f"Leave {name} unset (host-only cookies).",
                    id="consent.W002",
                )
            )
    return problems
