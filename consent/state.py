"""What did this visitor grant? One answer, read from the consent cookie, for every decision.

The cookie keeps django-cookie-consent's pairs, ``varname=<moment>|varname=-1`` (``-1`` is a
refusal), so its template filters keep working, and adds the decision's metadata as pairs
whose keys start with a dot (never a category varname):

``analytics=2026-03-01T10:00:00Z|personalization=-1|marketing=-1|.at=2026-03-01T10:00:00Z|.v=3f2a9c01b7de|.l=de|.t=2|.id=k3v9…``

``.at`` is the moment of the decision, ``.v`` the policy version it was made under
(``consent.catalog.policy_version``), ``.l`` the language of the page it was made on and
``.t`` the version of that language's texts (``ConsentText.text_version``), ``.id`` the
consent id of its record (``ConsentRecord``), and ``.g=1`` marks marketing/personalization
grants made explicitly on /cookies/ while a Global Privacy Control signal was on. A
decision counts only while ``.v`` is the current version, ``.t`` the current version of
the texts in ``.l`` (so a material change in German asks again only those who decided in
German) and ``.at`` is younger than ``CONSENT_MAX_AGE_DAYS``; otherwise the visitor is asked
again and the old choices only pre-fill the form. Parsing is strict: anything that is not
exactly what we write means "no decision" for the category concerned (or, for the
metadata, for the whole cookie).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cookie_consent.util import dict_to_cookie_str
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from consent import conf
from consent.catalog import Catalog, get_catalog

DECLINED = "-1"
# A cookie we write is well under 250 bytes; anything much longer was not written by us.
MAX_COOKIE_LENGTH = 1024
# App servers' clocks may differ a little; a moment further in the future is forged.
CLOCK_SKEW = timedelta(minutes=5)
_MOMENT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$")
_REQUEST_ATTR = "_consent_state"

AT, VERSION, LANGUAGE, TEXT_VERSION, ID, GPC_GRANT = ".at", ".v", ".l", ".t", ".id", ".g"
META_KEYS = (AT, VERSION, LANGUAGE, TEXT_VERSION, ID, GPC_GRANT)
# Consent ids: 22 characters of lowercase Crockford base32 (110 bits), easy to read out
# and to quote; no "-" or "=" at the start, so a spreadsheet never reads one as a formula.
ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_LENGTH = 22
_ID_RE = re.compile(rf"^[{ID_ALPHABET}]{{{ID_LENGTH}}}$")
_POLICY_RE = re.compile(r"^[0-9a-f]{12}$")
_TEXT_VERSION_RE = re.compile(r"^[1-9][0-9]{0,8}$")

# Why a stored decision does or does not count (``StoredConsent.status``).
NONE, CURRENT, OUTDATED, EXPIRED = "none", "current", "outdated", "expired"


def new_consent_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def consent_id_is_valid(value: str) -> bool:
    return bool(_ID_RE.match(value))


@dataclass(frozen=True)
class StoredConsent:
    """What a consent cookie holds, valid or not. ``choices`` are the well-formed pairs."""

    choices: dict[str, bool] = field(default_factory=dict)
    decided_at: datetime | None = None
    policy_version: str = ""
    # The language the decision was made in and the version of its texts then.
    language: str = ""
    text_version: int | None = None
    consent_id: str = ""
    gpc_grant: bool = False
    status: str = NONE

    @property
    def current(self) -> bool:
        return self.status == CURRENT


def read_cookie(raw: str | None, catalog: Catalog, now: datetime | None = None) -> StoredConsent:
    """Everything in a consent cookie value, with whether its decision still counts.

    Pairs: unknown or required categories, repeated keys, separators inside values,
    non-dates and future dates are dropped. Metadata: a missing, repeated or malformed
    ``.at``, ``.v``, ``.l`` or ``.t`` makes the cookie ``outdated`` (the choices pre-fill
    the form; a cookie from before policy versions or languages reads so); so does a
    ``.v`` that is not the current policy version, a ``.l`` that is not an enabled
    language, or a ``.t`` that is not that language's current text version; an ``.at``
    older than CONSENT_MAX_AGE_DAYS makes it ``expired``.
    An oversized value is ignored entirely.
    """
    if not raw or len(raw) > MAX_COOKIE_LENGTH:
        return StoredConsent()
    now = now or timezone.now()
    pairs = [part.split("=") for part in raw.split("|")]
    names = [pair[0] for pair in pairs]
    choices: dict[str, bool] = {}
    meta: dict[str, str] = {}
    for pair in pairs:
        if len(pair) != 2 or names.count(pair[0]) != 1:
            continue
        key, value = pair
        if key in META_KEYS:
            meta[key] = value
            continue
        category = catalog.category(key)
        if category is None or category.required:
            continue
        if value == DECLINED:
            choices[key] = False
            continue
        moment = _parse_moment(value)
        if moment is None or moment > now + CLOCK_SKEW:
            continue
        choices[key] = True
    decided_at = _parse_moment(meta.get(AT, ""))
    if decided_at is not None and decided_at > now + CLOCK_SKEW:
        decided_at = None
    version = meta.get(VERSION, "")
    version = version if _POLICY_RE.match(version) else ""
    consent_id = meta.get(ID, "")
    consent_id = consent_id if consent_id_is_valid(consent_id) else ""
    language = meta.get(LANGUAGE, "")
    language = language if language in catalog.text_versions else ""
    text_version = meta.get(TEXT_VERSION, "")
    text_version = int(text_version) if _TEXT_VERSION_RE.match(text_version) else None
    texts_current = bool(language) and text_version == catalog.text_versions.get(language)
    if not choices:
        status = NONE
    elif decided_at is None or version != catalog.policy_version or not texts_current:
        status = OUTDATED
    elif decided_at < now - timedelta(days=conf.max_age_days()):
        status = EXPIRED
    else:
        status = CURRENT
    return StoredConsent(
        choices=choices,
        decided_at=decided_at,
        policy_version=version,
        language=language,
        text_version=text_version,
        consent_id=consent_id,
        gpc_grant=meta.get(GPC_GRANT) == "1",
        status=status,
    )


def parse_cookie(raw: str | None, catalog: Catalog, now: datetime | None = None) -> dict[str, bool]:
    """Decisions that count: ``{varname: True (granted) | False (refused)}``; missing means
    undecided. Empty unless the cookie's decision is current (see ``read_cookie``)."""
    stored = read_cookie(raw, catalog, now)
    return dict(stored.choices) if stored.current else {}


def _parse_moment(value: str) -> datetime | None:
    if not _MOMENT_RE.match(value):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def format_version(moment: datetime) -> str:
    """A moment as written in the cookie (ISO 8601, UTC, seconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gpc_signal(request: HttpRequest) -> bool:
    """Did the browser send Global Privacy Control (``Sec-GPC: 1``)?"""
    return request.META.get("HTTP_SEC_GPC", "").strip() == "1"  # not request.headers:
    # building that mapping of every header was a sixth of a cached page's CPU


@dataclass(frozen=True)
class ConsentState:
    """The visitor's consent per category. Required categories are always granted.

    Templates read it as ``consent.analytics`` (True only when granted); code calls
    ``state.granted("analytics")``. ``stored`` is the cookie as read (consent id, the
    earlier choices of an outdated or expired decision); ``gpc`` whether a Global Privacy
    Control signal refused, on this request, categories the cookie does not refuse.
    """

    decisions: dict[str, bool]
    optional: tuple[str, ...]
    required: tuple[str, ...]
    stored: StoredConsent = field(default_factory=StoredConsent)
    gpc: bool = False

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

    @property
    def asked_again(self) -> str:
        """``outdated``/``expired`` when an earlier decision no longer counts, else ``""``."""
        return self.stored.status if self.stored.status in (OUTDATED, EXPIRED) else ""

    @property
    def consent_id(self) -> str:
        return self.stored.consent_id

    def prefill(self, varname: str) -> bool:
        """Whether /cookies/ shows the switch on: the current choice, or when asked again
        the earlier one (unless a privacy signal refuses it now)."""
        if self.asked_again:
            return self.stored.choices.get(varname) is True and not self.refused(varname)
        return self.granted(varname)

    def __getitem__(self, varname: str) -> bool:
        """``{{ consent.analytics }}`` (templates look names up as items first); an unknown
        name is simply not granted."""
        return self.granted(varname)

    # The four categories the site ships with, for code and templates alike. Any other
    # attribute is an AttributeError, so a misspelt category never reads as an answer.
    @property
    def necessary(self) -> bool:
        return self.granted("necessary")

    @property
    def analytics(self) -> bool:
        return self.granted("analytics")

    @property
    def personalization(self) -> bool:
        return self.granted("personalization")

    @property
    def marketing(self) -> bool:
        return self.granted("marketing")


def state_from_cookie(
    raw: str | None, catalog: Catalog | None = None, gpc: bool = False
) -> ConsentState:
    """The state for a cookie value; with ``gpc`` the signal refuses marketing and
    personalization, unless the cookie holds a grant made explicitly on /cookies/."""
    catalog = catalog or get_catalog()
    stored = read_cookie(raw, catalog)
    optional = tuple(category.varname for category in catalog.optional)
    decisions = dict(stored.choices) if stored.current else {}
    applied = False
    if gpc:
        for varname in conf.gpc_refuses():
            if varname not in optional or (stored.gpc_grant and decisions.get(varname)):
                continue
            applied = applied or decisions.get(varname) is not False
            decisions[varname] = False
    return ConsentState(
        decisions={varname: decisions[varname] for varname in optional if varname in decisions},
        optional=optional,
        required=tuple(category.varname for category in catalog.categories if category.required),
        stored=stored,
        gpc=applied,
    )


def _compute(request: HttpRequest) -> ConsentState:
    return state_from_cookie(
        request.COOKIES.get(settings.COOKIE_CONSENT_NAME), gpc=gpc_signal(request)
    )


def for_request(request: HttpRequest) -> ConsentState:
    """The consent state of this request (computed once, from the cookie, no query when warm)."""
    state = getattr(request, _REQUEST_ATTR, None)
    if state is None:
        state = _compute(request)
        setattr(request, _REQUEST_ATTR, state)
    return state


def needs_decision(request: HttpRequest) -> bool:
    """Would this request's pages show the banner? (The page cache keys on it.)

    Unlike ``for_request``, this does not count as reading the cookie, so a response that
    never looked at consent (robots.txt, the feed) gets no ``Vary: Cookie`` from it.
    """
    current = getattr(request, _REQUEST_ATTR, None)
    if current is None:
        current = _compute(request)
    return current.needs_decision


def was_read(request: HttpRequest) -> bool:
    """Did anything on this request depend on the consent cookie (so: Vary: Cookie)?"""
    return getattr(request, _REQUEST_ATTR, None) is not None


@dataclass(frozen=True)
class Decision:
    """The outcome of one decision: what changed, what the cookie now says, and its id.

    ``changed`` is False when the visitor repeated the decision the cookie already holds:
    the cookie, its consent id and its time stay as they were and nothing is recorded.
    """

    state: ConsentState
    granted: tuple[str, ...]
    refused: tuple[str, ...]
    withdrawn: tuple[str, ...]
    decided_at: datetime
    consent_id: str = ""
    policy_version: str = ""
    # The language of the texts the visitor decided on, and their version.
    language: str = ""
    text_version: int | None = None
    # Why the visitor decided: first decision, a change, or asked again (outdated/expired).
    reason: str = "first"
    gpc: bool = False
    changed: bool = True


# Grants of GPC-refused categories count under the signal only when given here.
EXPLICIT_METHODS = ("preferences", "preferences_no_js", "embed")


def decide(
    request: HttpRequest,
    response: HttpResponseBase,
    grant: Iterable[str] = (),
    refuse: Iterable[str] = (),
    method: str = "",
    gpc: bool | None = None,
) -> Decision:
    """Write a decision into the consent cookie and expire the cookies of refused categories.

    Unknown and required categories are ignored. Earlier decisions for the other
    categories are kept while they count; garbage in the old cookie is dropped. With a
    Global Privacy Control signal (``gpc``, default: the request's ``Sec-GPC`` header),
    marketing and personalization are refused unless ``method`` is one of the explicit
    ones (/cookies/, an embed's own button). The decision the cookie already holds, made
    again, leaves the cookie as it is (``Decision.changed`` is False).
    """
    catalog = get_catalog()
    before = for_request(request)
    gpc = gpc_signal(request) if gpc is None else gpc
    grant, refuse, gpc_grant = _apply_signal(before, grant, refuse, method, gpc)
    choices = _choices_after(before, grant, refuse)
    now = timezone.now()
    if _repeats_stored(before.stored, choices, gpc_grant):
        stored = before.stored
    else:
        consent_id = before.stored.consent_id or new_consent_id()
        stored = _write_cookie(response, choices, gpc_grant, catalog, now, consent_id)
    after = ConsentState(
        decisions=dict(stored.choices),
        optional=before.optional,
        required=before.required,
        stored=stored,
        gpc=gpc,
    )
    setattr(request, _REQUEST_ATTR, after)
    expire_cookies(request, response, catalog, refuse)
    changed = stored is not before.stored
    return Decision(
        state=after,
        granted=tuple(grant),
        refused=tuple(refuse),
        withdrawn=tuple(varname for varname in refuse if before.granted(varname)),
        decided_at=now if changed else stored.decided_at,
        consent_id=stored.consent_id,
        policy_version=catalog.policy_version,
        language=stored.language,
        text_version=stored.text_version,
        reason=_reason(before),
        gpc=gpc,
        changed=changed,
    )


def is_repeat(
    request: HttpRequest,
    grant: Iterable[str] = (),
    refuse: Iterable[str] = (),
    method: str = "",
    gpc: bool | None = None,
) -> bool:
    """Would ``decide`` with these arguments leave the cookie as it is (the visitor making
    the decision it already holds)? Writes nothing."""
    before = for_request(request)
    gpc = gpc_signal(request) if gpc is None else gpc
    grant, refuse, gpc_grant = _apply_signal(before, grant, refuse, method, gpc)
    return _repeats_stored(before.stored, _choices_after(before, grant, refuse), gpc_grant)


def _apply_signal(
    before: ConsentState, grant: Iterable[str], refuse: Iterable[str], method: str, gpc: bool
) -> tuple[list[str], list[str], bool]:
    """(categories to grant, to refuse, whether the cookie marks a grant made under the
    signal): only optional categories, each once; the signal turns a banner grant of
    marketing or personalization into a refusal."""
    optional = set(before.optional)
    grant = [varname for varname in dict.fromkeys(grant) if varname in optional]
    explicit = method in EXPLICIT_METHODS
    gpc_grant = before.stored.gpc_grant and before.stored.current
    if gpc:
        signalled = [varname for varname in conf.gpc_refuses() if varname in optional]
        if explicit and any(varname in grant for varname in signalled):
            gpc_grant = True
        elif not explicit:
            grant = [varname for varname in grant if varname not in signalled]
            refuse = [*refuse, *signalled]
    refuse = [
        varname for varname in dict.fromkeys(refuse) if varname in optional and varname not in grant
    ]
    return grant, refuse, gpc_grant


def _choices_after(before: ConsentState, grant: list[str], refuse: list[str]) -> dict[str, bool]:
    """Every decided optional category after this decision, in the catalog's order."""
    choices = dict(before.decisions)
    choices.update({varname: True for varname in grant})
    choices.update({varname: False for varname in refuse})
    return {varname: choices[varname] for varname in before.optional if varname in choices}


def _repeats_stored(stored: StoredConsent, choices: dict[str, bool], gpc_grant: bool) -> bool:
    """Is this the decision the cookie already holds (current, with a consent id)?"""
    return (
        stored.current
        and bool(stored.consent_id)
        and stored.choices == choices
        and stored.gpc_grant == gpc_grant
    )


def _write_cookie(
    response: HttpResponseBase,
    choices: dict[str, bool],
    gpc_grant: bool,
    catalog: Catalog,
    now: datetime,
    consent_id: str,
) -> StoredConsent:
    """Set the consent cookie for a new decision and return what it holds: made under the
    current policy, in the catalog's (the page's) language. The consent id stays the
    browser's for all its decisions, so its records read as one history."""
    moment = format_version(now)
    values = {varname: (moment if granted else DECLINED) for varname, granted in choices.items()}
    meta = {
        AT: moment,
        VERSION: catalog.policy_version,
        LANGUAGE: catalog.language,
        TEXT_VERSION: str(catalog.text_version),
        ID: consent_id,
    }
    if gpc_grant:
        meta[GPC_GRANT] = "1"
    set_consent_cookie(response, {**values, **meta})
    return StoredConsent(
        choices=dict(choices),
        decided_at=now.replace(microsecond=0),
        policy_version=catalog.policy_version,
        language=catalog.language,
        text_version=catalog.text_version,
        consent_id=consent_id,
        gpc_grant=gpc_grant,
        status=CURRENT,
    )


def _reason(before: ConsentState) -> str:
    if before.asked_again:
        return "policy" if before.asked_again == OUTDATED else "expired"
    return "change" if before.stored.current else "first"


def cookie_lifetime() -> timedelta:
    """The consent cookie lives exactly as long as the decision it holds, which is what its
    declaration on the cookie policy says (``COOKIE_CONSENT_MAX_AGE`` follows
    ``CONSENT_MAX_AGE_DAYS``): a cookie outliving its declared lifetime is a finding."""
    return timedelta(days=conf.max_age_days())


def set_consent_cookie(response: HttpResponseBase, values: dict[str, str]) -> None:
    response.set_cookie(
        settings.COOKIE_CONSENT_NAME,
        dict_to_cookie_str(values),
        max_age=int(cookie_lifetime().total_seconds()),
        domain=settings.COOKIE_CONSENT_DOMAIN,
        secure=settings.COOKIE_CONSENT_SECURE,
        httponly=settings.COOKIE_CONSENT_HTTPONLY,
        samesite=settings.COOKIE_CONSENT_SAMESITE,
    )


def cookie_value(
    decisions: dict[str, bool],
    moment: datetime,
    catalog: Catalog | None = None,
    *,
    policy_version: str | None = None,
    consent_id: str | None = None,
    language: str | None = None,
    text_version: int | None = None,
) -> str:
    """The cookie value for a set of decisions made at ``moment`` under the current policy,
    in ``language`` (default: the catalog's) at its current text version (tests and tools
    build cookies with it)."""
    catalog = catalog or get_catalog()
    language = language or catalog.language
    if text_version is None:
        text_version = catalog.text_versions.get(language, 1)
    stamp = format_version(moment)
    values = {varname: (stamp if granted else DECLINED) for varname, granted in decisions.items()}
    values.update(
        {
            AT: stamp,
            VERSION: catalog.policy_version if policy_version is None else policy_version,
            LANGUAGE: language,
            TEXT_VERSION: str(text_version),
            ID: consent_id or new_consent_id(),
        }
    )
    return dict_to_cookie_str(values)


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
