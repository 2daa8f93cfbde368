"""Compliance checks: what privacy staff declared, held against the cookie guidance.

The same findings three ways: ``manage.py check`` (system checks ``consent.W020``…
``consent.W025``, registered in ``consent.apps``), the admin's compliance page, and
warnings on the change forms of categories, cookies and tracking scripts
(``consent.compliance_admin``). Each finding's hint names the rule it follows:

- the EDPB Cookie Banner Taskforce report (January 2023),
- the CNIL guidelines and recommendation on cookies and other trackers (2020),
- ePrivacy Directive 2002/58/EC, Article 5(3) (storage needs consent unless strictly
  necessary; clear and comprehensive information).

| Id | Rule |
| --- | --- |
| ``consent.W020`` | a tracking script in a strictly necessary category |
| ``consent.W021`` | a declared cookie without purpose, provider or lifetime |
| ``consent.W022`` | a declared lifetime past 13 months |
| ``consent.W023`` | a category without description |
| ``consent.E010`` | the consent lifetime past 13 months (``consent.conf``, reused here) |
| ``consent.W024`` | a banner or category text empty in an enabled language |
| ``consent.W025`` | an enabled script whose host no cookie or provider entry declares |

The checks read the database. Before ``migrate`` has made the tables they find nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.core import checks
from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError

from consent import conf, texts
from consent import scripts as script_rules
from consent.models import ConsentText, TrackingScript

EDPB = "EDPB Cookie Banner Taskforce report (2023)"
CNIL = "CNIL guidelines on cookies and other trackers (2020)"
EPRIVACY = "ePrivacy Directive Art. 5(3)"

# Thirteen months in days (CNIL 2020: trackers kept at most 13 months); conf's limit for
# the consent lifetime, 395 days, is the same period in whole days.
THIRTEEN_MONTHS_DAYS = 13 * 365.25 / 12
_UNIT_DAYS = {
    "second": 1 / 86400,
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1,
    "week": 7,
    "month": 365.25 / 12,
    "year": 365.25,
}
# Host names inside a provider entry ("Google (www.googletagmanager.com)").
_HOST_RE = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}\b", re.IGNORECASE)
_DURATION_RE = re.compile(
    r"\b(\d+(?:[.,]\d+)?|an?|one)\s*(second|minute|hour|day|week|month|year)s?\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Finding:
    """One thing the guidance would object to, about one object (or the settings)."""

    id: str
    message: str
    hint: str
    subject: str  # what it is about, e.g. "Cookie _ga (Analytics)"
    admin_url: str = ""  # where to fix it, when it is an object in the admin

    def as_check(self) -> checks.CheckMessage:
        level = checks.Error if self.id.startswith("consent.E") else checks.Warning
        return level(f"{self.subject}: {self.message}", hint=self.hint, obj=None, id=self.id)


def _url(name: str, pk: object) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(f"admin:{name}_change", args=[pk])
    except NoReverseMatch:
        return ""


def _changelist(name: str) -> str:
    """The list page (the policy's one row is created there when it does not exist yet)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(f"admin:{name}_changelist")
    except NoReverseMatch:
        return ""


def _category_subject(group: CookieGroup) -> str:
    return f"Category {group.name or group.varname!r}"


def _cookie_subject(cookie: Cookie) -> str:
    group = cookie.cookiegroup if cookie.cookiegroup_id else None
    where = f" ({group.name or group.varname})" if group else ""
    return f"Cookie {cookie.name!r}{where}"


def _script_subject(script: TrackingScript) -> str:
    return f"Tracking script {script.name!r}"


# --- Languages ------------------------------------------------------------------------


def enabled_languages() -> list[str]:
    """Language codes visitors can be shown (``consent.texts``): every one of ``LANGUAGES``
    with USE_I18N, else only ``LANGUAGE_CODE``."""
    return texts.enabled_languages()


def text_in(obj: CookieGroup | ConsentText | None, field: str, language: str) -> str:
    """A text as stored in ``language``, without falling back (``consent.texts``): a
    category's own field in the default language, else its ``CategoryText`` row for that
    language; for the banner, ``obj`` is that language's ``ConsentText`` row (or None)."""
    if obj is None:
        return ""
    if isinstance(obj, CookieGroup):
        return texts.category_text(obj, field, language)
    return (getattr(obj, field, "") or "").strip()


def _missing_languages(group: CookieGroup, field: str, skip_default: bool = False) -> list[str]:
    return [
        language
        for language in enabled_languages()
        if not (skip_default and language == settings.LANGUAGE_CODE)
        and not text_in(group, field, language)
    ]


# --- Cookies --------------------------------------------------------------------------


def _details(cookie: Cookie):
    if cookie.pk is None:
        return None
    try:
        return cookie.details
    except (ObjectDoesNotExist, ValueError):
        return None


def provider_of(cookie: Cookie) -> str:
    """Who sets and reads the cookie: a ``provider`` on its details when the model has one,
    else its Domain. Blank: the site itself."""
    details = _details(cookie)
    provider = details.provider.strip() if details else ""
    return provider or (cookie.domain or "").strip().lstrip(".").lower()


def lifetime_days(text: str) -> float | None:
    """The longest duration a lifetime text states, in days ("1 year", "13 months",
    "2 weeks, or until you sign out"); None when it states none ("Until you close the
    browser")."""
    longest = None
    for amount, unit in _DURATION_RE.findall(text or ""):
        number = 1.0 if amount.lower() in ("a", "an", "one") else float(amount.replace(",", "."))
        days = number * _UNIT_DAYS[unit.lower()]
        longest = days if longest is None else max(longest, days)
    return longest


def cookie_findings(cookie: Cookie) -> list[Finding]:
    """W021 (purpose, provider, lifetime) and W022 (lifetime past 13 months) for one cookie.

    A provider is needed in optional categories only: the site's own necessary cookies
    are the site's, and a local storage key lives on the site's origin."""
    subject, url = _cookie_subject(cookie), _url("cookie_consent_cookie", cookie.pk)
    details = _details(cookie)
    lifetime = (details.lifetime or "").strip() if details else ""
    storage = details.storage if details else "cookie"
    group = cookie.cookiegroup if cookie.cookiegroup_id else None
    missing = []
    if not (cookie.description or "").strip():
        missing.append("purpose")
    needs_provider = group is not None and not group.is_required and storage == "cookie"
    if needs_provider and not provider_of(cookie):
        missing.append("provider (the domain it is set on)")
    if not lifetime:
        missing.append("lifetime")
    found = []
    if missing:
        found.append(
            Finding(
                "consent.W021",
                f"declared without {', '.join(missing)}.",
                f"{CNIL} and the {EDPB}: for each cookie say what it is for, who sets it "
                "and how long it lasts, so consent is informed.",
                subject,
                url,
            )
        )
    days = lifetime_days(lifetime)
    if days is not None and days > THIRTEEN_MONTHS_DAYS:
        found.append(
            Finding(
                "consent.W022",
                f"declared lifetime {lifetime!r} is longer than 13 months.",
                f"{CNIL}: trackers should be kept at most 13 months; shorten it (and the "
                "cookie's real Max-Age) or explain why.",
                subject,
                url,
            )
        )
    return found


# --- Categories -----------------------------------------------------------------------


def category_findings(group: CookieGroup, scripts: Iterable[TrackingScript] | None = None):
    """W023 (no description), W024 (name or description empty in an enabled language) and
    W020 for the scripts filed under a strictly necessary category."""
    subject, url = _category_subject(group), _url("cookie_consent_cookiegroup", group.pk)
    found: list[Finding] = []
    if not (group.description or "").strip():
        found.append(
            Finding(
                "consent.W023",
                "has no description.",
                f"{EPRIVACY} and the {CNIL}: each purpose is described before consent is "
                "asked, in words a visitor understands.",
                subject,
                url,
            )
        )
    # The description in the default language is W023's; W024 is every other gap.
    for field, label, skip_default in (("name", "name", False), ("description", "text", True)):
        languages = _missing_languages(group, field, skip_default)
        if languages:
            found.append(_empty_text_finding(subject, url, label, languages))
    if group.pk is not None and group.is_required:
        in_group = scripts if scripts is not None else TrackingScript.objects.filter(category=group)
        found.extend(
            _necessary_script_finding(script)
            for script in in_group
            if script.category_id == group.pk
        )
    return found


def _empty_text_finding(subject: str, url: str, label: str, languages: list[str]) -> Finding:
    return Finding(
        "consent.W024",
        f"{label} is empty in {', '.join(languages)}.",
        f"{EPRIVACY} (clear and comprehensive information) and the {EDPB}: visitors in "
        "every language the site offers read the same information before they choose.",
        subject,
        url,
    )


def banner_findings(rows: dict[str, ConsentText] | None = None) -> list[Finding]:
    """W024 for the banner text: ``rows`` are the ``ConsentText`` rows by language (default:
    as stored)."""
    if rows is None:
        rows = {row.language: row for row in ConsentText.objects.all()}
    languages = [
        language
        for language in enabled_languages()
        if not text_in(rows.get(language), "banner_text", language)
    ]
    if not languages:
        return []
    return [
        _empty_text_finding(
            "Cookie banner", _changelist("consent_consenttext"), "banner text", languages
        )
    ]


# --- Scripts --------------------------------------------------------------------------


def _necessary_script_finding(script: TrackingScript) -> Finding:
    return Finding(
        "consent.W020",
        "is in a strictly necessary category: it would never wait for consent.",
        f"{EPRIVACY} exempts only storage strictly necessary for the service the visitor "
        f"asked for; the {EDPB} names trackers filed as essential. Move it to the optional "
        "category it belongs to.",
        _script_subject(script),
        _url("consent_trackingscript", script.pk),
    )


def script_host(script: TrackingScript) -> str | None:
    """The host an external script is loaded from (parsed as the CSP parses it); None for
    inline code, same-origin paths and URLs that are not valid script URLs."""
    origin = script_rules.script_origin(script.src) if script.src else None
    return urlsplit(origin).hostname if origin else None


def declared_hosts(cookies: Iterable[Cookie]) -> set[str]:
    """Host names the declarations name: every cookie's Domain, and a provider entry that is
    a host name."""
    hosts = set()
    for cookie in cookies:
        domain = (cookie.domain or "").strip().lstrip(".").lower()
        if domain:
            hosts.add(domain)
        hosts.update(host.lower() for host in _HOST_RE.findall(provider_of(cookie)))
    return hosts


def host_is_declared(host: str, hosts: Iterable[str]) -> bool:
    """The host is a declared domain or under one (``www.example.com`` under ``example.com``)."""
    host = host.lower()
    return any(host == domain or host.endswith("." + domain) for domain in hosts)


def script_findings(script: TrackingScript, hosts: set[str] | None = None) -> list[Finding]:
    """W020 (in a necessary category) and W025 (enabled, from a host nothing declares)."""
    found = []
    category = script.category if script.category_id else None
    if category is not None and category.is_required:
        found.append(_necessary_script_finding(script))
    host = script_host(script)
    if script.enabled and host:
        if hosts is None:
            hosts = declared_hosts(Cookie.objects.select_related("details"))
        if not host_is_declared(host, hosts):
            found.append(
                Finding(
                    "consent.W025",
                    f"loads from {host}, which no declared cookie or provider names.",
                    f"{CNIL} and the {EDPB}: visitors are told which third parties read or "
                    "write on their device; declare the provider's cookies with their Domain "
                    f"(covering {host}).",
                    _script_subject(script),
                    _url("consent_trackingscript", script.pk),
                )
            )
    return found


# --- Everything -----------------------------------------------------------------------


def settings_findings() -> list[Finding]:
    """The consent lifetime (``CONSENT_MAX_AGE_DAYS``) as ``consent.conf`` checks it (E010:
    the site refuses to start with it), so the list is complete without a second rule."""
    return [
        Finding(
            error.id,
            error.msg,
            f"{CNIL}: consent is asked again at least every 13 months. {error.hint}",
            "Setting CONSENT_MAX_AGE_DAYS",
        )
        for error in conf.check_settings()
        if error.id == "consent.E010"
    ]


def database_findings() -> list[Finding]:
    """Every finding about what is stored: categories, cookies, scripts, banner text."""
    groups = list(CookieGroup.objects.order_by("ordering", "pk").prefetch_related("texts__texts"))
    cookies = list(
        Cookie.objects.select_related("cookiegroup", "details").order_by(
            "cookiegroup__ordering", "name", "pk"
        )
    )
    scripts = list(TrackingScript.objects.select_related("category").order_by("order", "pk"))
    hosts = declared_hosts(cookies)
    found = banner_findings()
    for group in groups:
        found.extend(category_findings(group, scripts=[]))
    for cookie in cookies:
        found.extend(cookie_findings(cookie))
    for script in scripts:
        found.extend(script_findings(script, hosts))
    return found


def all_findings() -> list[Finding]:
    """What the admin's compliance page lists: the settings, then the database."""
    return [*settings_findings(), *database_findings()]


def check_declarations(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The system check (``manage.py check``). E010 is reported by ``conf.check_settings``
    itself, so it is not repeated here."""
    try:
        return [finding.as_check() for finding in database_findings()]
    except DatabaseError:  # before migrate: no tables to read, nothing declared yet
        return []
