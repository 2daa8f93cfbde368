"""What did this visitor grant? One answer, read from the consent cookie, for every decision.

The cookie keeps django-cookie-consent's format, ``varname=<version>|varname=-1`` (``-1`` is
a refusal), so its template filters keep working; the version we write is the moment of
the decision (ISO 8601, UTC, seconds). Parsing is stricter than upstream's: anything that
is not exactly what we write means "no decision yet" for the category concerned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cookie_consent.util import dict_to_cookie_str, set_cookie_dict_to_response
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from consent.catalog import Catalog, get_catalog

DECLINED = "-1"
# A cookie we write is well under 200 bytes; anything much longer was not written by us.
MAX_COOKIE_LENGTH = 1024
# App servers' clocks may differ a little; a version further in the future is forged.
CLOCK_SKEW = timedelta(minutes=5)
_VERSION_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$"
)
_REQUEST_ATTR = "_consent_state"


def parse_cookie(raw: str | None, catalog: Catalog, now: datetime | None = None) -> dict[str, bool]:
    """Valid decisions in a cookie value: ``{varname: True (granted) | False (refused)}``.

    Missing from the result means undecided: unknown or required categories, repeated
    keys, separators inside values, non-dates, future dates, and consent older than the
    newest cookie declared in its category. An oversized value is ignored entirely.
    """
    if not raw or len(raw) > MAX_COOKIE_LENGTH:
        return {}
    now = now or timezone.now()
    pairs = [part.split("=") for part in raw.split("|")]
    names = [pair[0] for pair in pairs]
    decisions: dict[str, bool] = {}
    for pair in pairs:
        if len(pair) != 2:
            continue
        varname, value = pair
        category = catalog.category(varname)
        if category is None or category.required or names.count(varname) != 1:
            continue
        if value == DECLINED:
            decisions[varname] = False
            continue
        moment = _parse_version(value)
        if moment is None or moment > now + CLOCK_SKEW:
            continue
        if category.version is not None and moment < category.version:
            continue
        decisions[varname] = True
    return decisions


def _parse_version(value: str) -> datetime | None:
    if not _VERSION_RE.match(value):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def format_version(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ConsentState:
    """The visitor's consent per category. Required categories are always granted.

    Templates read it as ``consent.analytics`` (True only when granted); code calls
    ``state.granted("analytics")``.
    """

    decisions: dict[str, bool]
    optional: tuple[str, ...]
    required: tuple[str, ...]

    def granted(self, varname: str) -> bool:
        return varname in self.required or self.decisions.get(varname) is True

    def refused(self, varname: str) -> bool:
        return self.decisions.get(varname) is False

    @property
    def granted_categories(self) -> tuple[str, ...]:
        return tuple(varname for varname in self.optional if self.granted(varname))

    @property
    def refused_categories(self) -> tuple[str, ...]:
        return tuple(varname for varname in self.optional if self.refused(varname))

    @property
    def undecided(self) -> tuple[str, ...]:
        return tuple(varname for varname in self.optional if varname not in self.decisions)

    @property
    def needs_decision(self) -> bool:
        """Show the banner: some optional category has no valid decision."""
        return bool(self.undecided)

    def __getitem__(self, varname: str) -> bool:
        return self.granted(varname)

    def __getattr__(self, varname: str) -> bool:
        if varname.startswith("_"):
            raise AttributeError(varname)
        return self.granted(varname)


def state_from_cookie(raw: str | None, catalog: Catalog | None = None) -> ConsentState:
    catalog = catalog or get_catalog()
    return ConsentState(
        decisions=parse_cookie(raw, catalog),
        optional=tuple(category.varname for category in catalog.optional),
        required=tuple(category.varname for category in catalog.categories if category.required),
    )


def for_request(request: HttpRequest) -> ConsentState:
    """The consent state of this request (computed once, from the cookie, no query when warm)."""
    state = getattr(request, _REQUEST_ATTR, None)
    if state is None:
        state = state_from_cookie(request.COOKIES.get(settings.COOKIE_CONSENT_NAME))
        setattr(request, _REQUEST_ATTR, state)
    return state


def needs_decision(request: HttpRequest) -> bool:
    """Would this request's pages show the banner? (The page cache keys on it.)

    Unlike ``for_request``, this does not count as reading the cookie, so a response that
    never looked at consent (robots.txt, the feed) gets no ``Vary: Cookie`` from it.
    """
    current = getattr(request, _REQUEST_ATTR, None)
    if current is None:
        current = state_from_cookie(request.COOKIES.get(settings.COOKIE_CONSENT_NAME))
    return current.needs_decision


def was_read(request: HttpRequest) -> bool:
    """Did anything on this request depend on the consent cookie (so: Vary: Cookie)?"""
    return getattr(request, _REQUEST_ATTR, None) is not None


@dataclass(frozen=True)
class Decision:
    """The outcome of one accept/decline/save: what changed and what the cookie now says."""

    state: ConsentState
    granted: tuple[str, ...]
    refused: tuple[str, ...]
    withdrawn: tuple[str, ...]
    decided_at: datetime


def decide(
    request: HttpRequest,
    response: HttpResponseBase,
    grant: Iterable[str] = (),
    refuse: Iterable[str] = (),
) -> Decision:
    """Record a decision in the consent cookie and expire the cookies of refused categories.

    Unknown and required categories are ignored. Earlier valid decisions for the other
    categories are kept; garbage in the old cookie is dropped.
    """
    catalog = get_catalog()
    before = for_request(request)
    optional = set(before.optional)
    grant = [varname for varname in dict.fromkeys(grant) if varname in optional]
    refuse = [
        varname for varname in dict.fromkeys(refuse) if varname in optional and varname not in grant
    ]
    now = timezone.now()
    version = format_version(now)
    values = {
        varname: (version if granted else DECLINED) for varname, granted in before.decisions.items()
    }
    values.update({varname: version for varname in grant})
    values.update({varname: DECLINED for varname in refuse})
    ordered = {varname: values[varname] for varname in before.optional if varname in values}
    set_cookie_dict_to_response(response, ordered)
    after = ConsentState(
        decisions={varname: value != DECLINED for varname, value in ordered.items()},
        optional=before.optional,
        required=before.required,
    )
    setattr(request, _REQUEST_ATTR, after)
    expire_cookies(request, response, catalog, refuse)
    return Decision(
        state=after,
        granted=tuple(grant),
        refused=tuple(refuse),
        withdrawn=tuple(varname for varname in refuse if before.granted(varname)),
        decided_at=now,
    )


def cookie_value(decisions: dict[str, bool], moment: datetime) -> str:
    """The cookie value for a set of decisions (tests and tools build cookies with it)."""
    version = format_version(moment)
    return dict_to_cookie_str(
        {varname: (version if granted else DECLINED) for varname, granted in decisions.items()}
    )


def expire_cookies(
    request: HttpRequest, response: HttpResponseBase, catalog: Catalog, varnames: Iterable[str]
) -> list[str]:
    """Expire the declared first-party cookies of these categories that the browser sent.

    Unlike upstream's CleanCookiesMiddleware, a declared name ending in * matches a prefix
    (``_ga_*``), so trackers' generated names are covered. HttpOnly cookies too: this
    happens in the response headers. The site's necessary cookies (session, CSRF, consent,
    messages, language, anything declared in a required category) are never expired.
    """
    expired = []
    for varname in varnames:
        category = catalog.category(varname)
        if category is None or category.required or not category.deletable:
            continue
        for declared in category.cookies:
            if declared.storage != "cookie":
                continue
            for name in request.COOKIES:
                if (
                    declared.matches(name)
                    and name not in response.cookies
                    and not catalog.is_necessary(name)
                ):
                    response.delete_cookie(
                        name, path=declared.path or "/", domain=declared.domain or None
                    )
                    expired.append(name)
    return expired
