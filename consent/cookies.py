"""Declared cookie names: what may be declared, and which cookies are never expired.

A declared name is an RFC 6265 cookie-name token; a trailing ``*`` declares a prefix
(``_ga_*``) and needs at least two characters before it. The site's own strictly
necessary cookies (session, CSRF, consent, messages, language, and any cookie declared
in a required category) are never expired by a withdrawal, whatever else is declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

MIN_PREFIX = 2
# RFC 6265 cookie-name = token (RFC 2616): visible ASCII except separators.
_TOKEN = r"[A-Za-z0-9!#$%&'+\-.^_`|~]"
_NAME = re.compile(rf"{_TOKEN}+")
_PATTERN = re.compile(rf"(?P<prefix>{_TOKEN}{{{MIN_PREFIX},}})\*")
_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()+=:@/%]*")
_DOMAIN = re.compile(r"\.?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9-]+")


def name_is_valid(name: str) -> bool:
    return bool(_NAME.fullmatch(name) or _PATTERN.fullmatch(name))


def validate_declared_name(name: str) -> None:
    if name_is_valid(name):
        return
    if name.endswith("*"):
        raise ValidationError(
            gettext(
                "A name ending in * declares every cookie starting with what comes before it, "
                "which must be at least %(min)d cookie-name characters (e.g. _ga_*); "
                "* is allowed only at the end."
            )
            % {"min": MIN_PREFIX},
            code="bad_pattern",
        )
    raise ValidationError(
        gettext(
            "A cookie name may contain only letters, digits and ! # $ % & ' + - . ^ _ ` | ~ "
            "(no spaces, quotes, commas, semicolons, = or other separators), and * only at the "
            "end after a prefix.",
        ),
        code="bad_name",
    )


def validate_path(path: str) -> None:
    if path and not _PATH.fullmatch(path):
        raise ValidationError(
            gettext(
                "A cookie path starts with / and has no spaces, semicolons, commas or quotes.",
            ),
            code="bad_path",
        )


def validate_domain(domain: str) -> None:
    if domain and not _DOMAIN.fullmatch(domain):
        raise ValidationError(
            gettext(
                "A cookie domain is a host name such as example.org or .example.org.",
            ),
            code="bad_domain",
        )


def site_cookie_names() -> frozenset[str]:
    """The cookies this site itself needs to work, from the settings."""
    return frozenset(
        {
            settings.SESSION_COOKIE_NAME,
            settings.CSRF_COOKIE_NAME,
            settings.COOKIE_CONSENT_NAME,
            settings.LANGUAGE_COOKIE_NAME,
            CookieStorage.cookie_name,
        }
    )


def matches(declared: str, name: str) -> bool:
    """Does a declared name (or ``prefix*`` pattern) cover the cookie ``name``?"""
    if declared.endswith("*"):
        return name.startswith(declared[:-1])
    return name == declared


def is_necessary(name: str, necessary_declared: Iterable[str] = ()) -> bool:
    """A site cookie, or a cookie declared in a required category: never expired."""
    return name in site_cookie_names() or any(
        matches(declared, name) for declared in necessary_declared
    )


def covers_necessary(declared: str, necessary_declared: Iterable[str] = ()) -> str | None:
    """The necessary cookie an optional declaration would cover (so it must be refused)."""
    names = [*site_cookie_names(), *(n for n in necessary_declared if not n.endswith("*"))]
    for name in names:
        if matches(declared, name):
            return name
    return None
