"""Tracker self-audit: what a real browser stores and contacts on this site, per consent choice,
compared with what the consent catalog declares (``manage.py audit_trackers``).

A pass is one fresh browser profile that makes one decision the way a visitor does (the
banner's buttons, the preferences form on ``/cookies/``), so the site's own code (its
views, ``consent.js``, the tracking scripts it activates) decides what runs. In each pass
every cookie (from a response's ``Set-Cookie``, or written by a script), every
localStorage/sessionStorage key and every request to another origin is recorded, each with
what the visitor had granted at that moment, and judged against the catalog:

- ``undeclared``: a cookie or storage key no category declares;
- ``early``: seen while its category was not granted;
- ``longer_lived``: it expires later than its declared lifetime (plus a small tolerance);
- ``third_party_without_consent``: another origin contacted while no granted category
  declares its host (a category declares a host through its enabled tracking scripts'
  URLs and its declared cookies' domains).

The judging, the page list and the reports are plain functions over plain data; only
``run_audit`` needs Playwright, imported there (it is the optional ``audit`` extra).
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from consent.catalog import Catalog

UNDECLARED = "undeclared"
EARLY = "early"
LONGER_LIVED = "longer_lived"
THIRD_PARTY = "third_party_without_consent"
KINDS = (UNDECLARED, EARLY, LONGER_LIVED, THIRD_PARTY)
KIND_LABELS = {
    UNDECLARED: "Undeclared",
    EARLY: "Before consent",
    LONGER_LIVED: "Lives longer than declared",
    THIRD_PARTY: "Other origin without consent",
}

COOKIE = "cookie"
LOCAL_STORAGE = "localStorage"
SESSION_STORAGE = "sessionStorage"

# A lifetime may exceed the declared one by this much before it counts: clocks, rounding
# ("1 year" for 364 days, leap years) and the seconds between setting and reading.
LIFETIME_TOLERANCE = 0.01
LIFETIME_TOLERANCE_SECONDS = 120

DAY = 86_400.0
_UNITS = {
    "second": 1.0,
    "minute": 60.0,
    "hour": 3_600.0,
    "day": DAY,
    "week": 7 * DAY,
    "month": 365.25 / 12 * DAY,
    "year": 365.25 * DAY,
}
_DURATION = re.compile(
    r"(?P<count>\d+(?:\.\d+)?|an?|one)\s*(?P<unit>second|minute|hour|day|week|month|year)s?\b",
    re.IGNORECASE,
)
_SESSION_WORDS = re.compile(r"session|close (?:the|your) browser|browser is closed", re.IGNORECASE)

# Chromium as the browser tests launch it (tests/browser/conftest.py); never a download.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Images, fonts and media cost time and set nothing a script would not (the request is still
# seen, and judged, before it is aborted).
BLOCKED_RESOURCES = re.compile(
    r"\.(?:png|jpe?g|gif|webp|avif|svg|ico|bmp|woff2?|ttf|otf|eot|mp4|webm|mp3|ogg)(?:[?#]|$)",
    re.IGNORECASE,
)
PAGE_TIMEOUT_MS = 15_000
# How long one page may keep fetching after `load` before it is read anyway.
SETTLE_BUDGET_SECONDS = 3.0
SITEMAP_MAX_BYTES = 10 * 1024 * 1024
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

# Wraps document.cookie's setter: which script wrote which cookie (the first http(s) frame of
# the stack; an inline script shows as the page's own address). Reads pass straight through.
COOKIE_WRITE_LOGGER = r"""
(() => {
  const proto = Document.prototype;
  const original = Object.getOwnPropertyDescriptor(proto, "cookie");
  if (!original || !original.set || window.__trackerAuditWrites) return;
  const writes = [];
  Object.defineProperty(window, "__trackerAuditWrites", { value: writes });
  Object.defineProperty(proto, "cookie", {
    configurable: true,
    enumerable: original.enumerable,
    get() { return original.get.call(this); },
    set(value) {
      let source = "";
      try {
        const found = String(new Error().stack).match(/(https?:\/\/[^\s()]+?):\d+:\d+/);
        if (found) source = found[1];
      } catch (error) {}
      if (writes.length < 1000) writes.push([String(value).slice(0, 4096), source]);
      original.set.call(this, value);
    },
  });
})();
"""
READ_PAGE = """() => {
  const keys = (store) => { try { return Object.keys(store); } catch (e) { return []; } };
  const writes = window.__trackerAuditWrites ? window.__trackerAuditWrites.splice(0) : [];
  return {local: keys(localStorage), session: keys(sessionStorage), writes: writes};
}"""
# Three turns of the event loop: consent.js activates granted scripts in short tasks.
FLUSH_TASKS = """() => new Promise((done) =>
  setTimeout(() => setTimeout(() => setTimeout(done, 0), 0), 0))"""


class AuditError(Exception):
    """The audit cannot run (no browser, no Playwright, the site does not answer)."""


# --- What is declared ------------------------------------------------------------------


def parse_lifetime(text: str) -> float | None:
    """Seconds a declared lifetime allows: "1 year", "2 weeks", "14 days, or until you sign
    out" (the durations named, added up); 0 for a session cookie ("Until you close the
    browser"); None when the text names no duration at all (nothing to compare)."""
    total, found = 0.0, False
    for match in _DURATION.finditer(text or ""):
        count = match["count"].lower()
        number = 1.0 if count in ("a", "an", "one") else float(count)
        total += number * _UNITS[match["unit"].lower()]
        found = True
    if found:
        return total
    if _SESSION_WORDS.search(text or ""):
        return 0.0
    return None


@dataclass(frozen=True)
class Declaration:
    category: str
    required: bool
    name: str
    storage: str
    lifetime: str
    domain: str

    def covers(self, kind: str, name: str, domain: str) -> bool:
        is_cookie = kind == COOKIE
        if is_cookie != (self.storage == COOKIE):
            return False
        named = name.startswith(self.name[:-1]) if self.name.endswith("*") else name == self.name
        return named and (not is_cookie or host_in_domain(domain, self.domain))


def host_in_domain(host: str, declared_domain: str) -> bool:
    """An empty declared domain means the site's own host (any domain is accepted)."""
    if not declared_domain:
        return True
    host = host.lstrip(".").lower()
    domain = declared_domain.lstrip(".").lower()
    return host == domain or host.endswith("." + domain)


def declarations(catalog: Catalog) -> list[Declaration]:
    return [
        Declaration(
            category=category.varname,
            required=category.required,
            name=cookie.name,
            storage=cookie.storage,
            lifetime=cookie.lifetime,
            domain=cookie.domain,
        )
        for category in catalog.categories
        for cookie in category.cookies
    ]


def declared_hosts(catalog: Catalog) -> dict[str, set[str]]:
    """Category varname → hosts it declares: its enabled scripts' hosts, its cookies' domains."""
    hosts: dict[str, set[str]] = {category.varname: set() for category in catalog.categories}
    for script in catalog.scripts:
        host = urlsplit(script.src).hostname if script.src.startswith("https://") else None
        if host:
            hosts.setdefault(script.category, set()).add(host.lower())
    for category in catalog.categories:
        for cookie in category.cookies:
            if cookie.domain:
                hosts[category.varname].add(cookie.domain.lstrip(".").lower())
    return hosts


# --- What was seen ---------------------------------------------------------------------


@dataclass
class Seen:
    """A cookie or storage key as first seen in a pass."""

    kind: str
    name: str
    domain: str = ""
    # Seconds it was set to live; None for a session cookie and for storage keys.
    lifetime: float | None = None
    set_by: str = ""
    page: str = ""
    granted: tuple[str, ...] = ()
    pages: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.name, self.domain)


@dataclass
class Contact:
    """A request to another origin."""

    origin: str
    host: str
    url: str
    page: str
    resource: str
    granted: tuple[str, ...] = ()


@dataclass
class PassResult:
    name: str
    intended: tuple[str, ...]
    granted: tuple[str, ...] = ()
    pages: list[str] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    error: str = ""


@dataclass
class Finding:
    kind: str
    pass_name: str
    item: str  # cookie, localStorage, sessionStorage, request
    name: str  # cookie/key name, or the other origin
    domain: str
    category: str
    granted: tuple[str, ...]
    page: str
    set_by: str
    detail: str
    pages: list[str] = field(default_factory=list)


@dataclass
class AuditResult:
    base_url: str
    started_at: datetime
    duration_seconds: float
    pages: list[str]
    passes: list[PassResult]
    findings: list[Finding]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for finding in self.findings:
            counts[finding.kind] += 1
        return counts

    @property
    def errors(self) -> list[str]:
        return [f"{result.name}: {result.error}" for result in self.passes if result.error]

    def exit_status(self, fail_on: Iterable[str] = KINDS) -> int:
        """2 when a pass could not be run, 1 when a finding of a failing kind, else 0."""
        if self.errors:
            return 2
        failing = set(fail_on)
        return 1 if any(finding.kind in failing for finding in self.findings) else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "started_at": self.started_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 2),
            "pages": self.pages,
            "passes": [pass_summary(result, with_details=True) for result in self.passes],
            "counts": self.counts,
            "findings": [finding_json(finding) for finding in self.findings],
        }


def pass_summary(result: PassResult, *, with_details: bool = False) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "name": result.name,
        "intended": list(result.intended),
        "granted": list(result.granted),
        "pages": len(result.pages),
        "cookies": sum(1 for seen in result.seen if seen.kind == COOKIE),
        "storage_keys": sum(1 for seen in result.seen if seen.kind != COOKIE),
        "other_origins": sorted({contact.origin for contact in result.contacts}),
        "error": result.error,
    }
    if with_details:
        summary["seen"] = [
            {**asdict(seen), "granted": list(seen.granted), "pages": seen.pages[:20]}
            for seen in result.seen
        ]
        summary["requests"] = [
            {**asdict(contact), "granted": list(contact.granted)} for contact in result.contacts
        ]
    return summary


def finding_json(finding: Finding) -> dict[str, Any]:
    data = asdict(finding)
    data["pass"] = data.pop("pass_name")
    data["granted"] = list(finding.granted)
    data["pages"] = finding.pages[:20]
    return data


def cookie_from_header(line: str, default_domain: str, now: float) -> Seen | None:
    """A ``Set-Cookie`` line or a ``document.cookie`` write as a Seen cookie; None for a
    deletion (``Max-Age=0``, a past ``Expires``) or something that is no cookie."""
    parts = [part.strip() for part in line.split(";")]
    name, sep, _value = parts[0].partition("=")
    name = name.strip()
    if not sep or not name:
        return None
    attributes: dict[str, str] = {}
    for part in parts[1:]:
        key, _, value = part.partition("=")
        attributes[key.strip().lower()] = value.strip()
    lifetime: float | None = None
    if "max-age" in attributes:
        try:
            lifetime = float(int(attributes["max-age"]))
        except ValueError:
            lifetime = None
    elif "expires" in attributes:
        try:
            lifetime = parsedate_to_datetime(attributes["expires"]).timestamp() - now
        except (TypeError, ValueError):
            lifetime = None
    if lifetime is not None and lifetime <= 0:
        return None
    domain = attributes.get("domain", "").lstrip(".").lower() or default_domain
    return Seen(kind=COOKIE, name=name, domain=domain, lifetime=lifetime)


# --- Judging ---------------------------------------------------------------------------


def judge(passes: list[PassResult], catalog: Catalog) -> list[Finding]:
    """Every finding of every pass, in pass order."""
    declared = declarations(catalog)
    hosts = declared_hosts(catalog)
    required = {category.varname for category in catalog.categories if category.required}
    findings: list[Finding] = []
    for result in passes:
        for seen in result.seen:
            findings.extend(_judge_seen(result.name, seen, declared, required))
        findings.extend(_judge_contacts(result, hosts, required))
    return findings


def _judge_seen(
    pass_name: str, seen: Seen, declared: list[Declaration], required: set[str]
) -> list[Finding]:
    def finding(kind: str, category: str, detail: str) -> Finding:
        return Finding(
            kind=kind,
            pass_name=pass_name,
            item=seen.kind,
            name=seen.name,
            domain=seen.domain,
            category=category,
            granted=seen.granted,
            page=seen.page,
            set_by=seen.set_by,
            detail=detail,
            pages=seen.pages,
        )

    match = next((d for d in declared if d.covers(seen.kind, seen.name, seen.domain)), None)
    if match is None:
        what = "cookie" if seen.kind == COOKIE else f"{seen.kind} key"
        return [finding(UNDECLARED, "", f"No category declares this {what}.")]
    found = []
    granted = set(seen.granted) | required
    if not match.required and match.category not in granted:
        shown = ", ".join(seen.granted) or "nothing"
        found.append(
            finding(
                EARLY,
                match.category,
                f"Its category {match.category} was not granted (granted: {shown}).",
            )
        )
    allowed = parse_lifetime(match.lifetime)
    if seen.kind == COOKIE and lives_longer(seen.lifetime, allowed):
        found.append(
            finding(
                LONGER_LIVED,
                match.category,
                f'Set to live {describe_seconds(seen.lifetime)}; declared "{match.lifetime}".',
            )
        )
    return found


def lives_longer(lifetime: float | None, allowed: float | None) -> bool:
    """Longer than declared beyond the tolerance; a session cookie (None) never is, and a
    declaration naming no duration (None) cannot be compared."""
    if lifetime is None or allowed is None:
        return False
    return lifetime > allowed * (1 + LIFETIME_TOLERANCE) + LIFETIME_TOLERANCE_SECONDS


def _judge_contacts(
    result: PassResult, hosts: dict[str, set[str]], required: set[str]
) -> list[Finding]:
    """One finding per other origin contacted while no granted category declares its host."""
    grouped: dict[str, Finding] = {}
    for contact in result.contacts:
        granted = set(contact.granted) | required
        declaring = sorted(
            varname
            for varname, names in hosts.items()
            if any(host_in_domain(contact.host, name) for name in names)
        )
        if any(varname in granted for varname in declaring):
            continue
        existing = grouped.get(contact.origin)
        if existing is not None:
            if contact.page not in existing.pages:
                existing.pages.append(contact.page)
            continue
        if declaring:
            detail = f"Declared by {', '.join(declaring)}, which was not granted."
        else:
            detail = "No category declares this host."
        grouped[contact.origin] = Finding(
            kind=THIRD_PARTY,
            pass_name=result.name,
            item="request",
            name=contact.origin,
            domain=contact.host,
            category=", ".join(declaring),
            granted=contact.granted,
            page=contact.page,
            set_by=contact.url,
            detail=f"{detail} First request: {contact.resource} {contact.url}",
            pages=[contact.page],
        )
    return list(grouped.values())


def describe_seconds(seconds: float) -> str:
    if seconds >= 2 * DAY:
        return f"{seconds / DAY:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds:.0f} seconds"


# --- Pages -----------------------------------------------------------------------------


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def validate_base_url(base_url: str) -> str:
    """The site's address without a trailing slash; only http(s) with a host name."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuditError(
            f"BASE_URL must be an http:// or https:// address with a host name, not {base_url!r}."
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def fetch_text(url: str, timeout: float = 15.0) -> str:
    request = urllib.request.Request(url, headers={"User-Agent": "tracker-audit"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(SITEMAP_MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise AuditError(f"Could not read {url}: {error}") from error
    if len(body) > SITEMAP_MAX_BYTES:
        raise AuditError(f"{url} is larger than {SITEMAP_MAX_BYTES} bytes.")
    return body.decode("utf-8", errors="replace")


def sitemap_locations(xml_text: str) -> tuple[list[str], list[str]]:
    """(section sitemaps, page addresses) named by a sitemap index or a sitemap."""
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as error:
        raise AuditError(f"The sitemap is not well-formed XML: {error}") from error
    sections = [
        (loc.text or "").strip()
        for loc in root.iter(f"{SITEMAP_NS}loc")
        if root.tag == f"{SITEMAP_NS}sitemapindex"
    ]
    if sections:
        return [s for s in sections if s], []
    pages = [(loc.text or "").strip() for loc in root.iter(f"{SITEMAP_NS}loc")]
    return [], [p for p in pages if p]


def on_site(base_url: str, location: str) -> str:
    """A sitemap address as this base URL's address: the sitemap may name the canonical host
    (``SITE_URL``) while the audit runs against another (a staging or test server)."""
    parts = urlsplit(location)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return urljoin(base_url + "/", path.lstrip("/"))


def pages_to_visit(
    base_url: str,
    limit: int,
    extra_paths: Iterable[str] = (),
    fetch: Callable[[str], str] = fetch_text,
) -> list[str]:
    """``/``, ``/cookies/``, any extra paths, then up to ``limit`` sitemap pages, taken from
    each section in turn so every kind of page is in a short audit."""
    fixed = [on_site(base_url, path) for path in ("/", "/cookies/", *extra_paths)]
    sections, pages = sitemap_locations(fetch(f"{base_url}/sitemap.xml"))
    per_section = [pages] if pages else []
    for section in sections:
        per_section.append(sitemap_locations(fetch(on_site(base_url, section)))[1])
    chosen: list[str] = []
    queues = [[on_site(base_url, loc) for loc in section] for section in per_section]
    while len(chosen) < limit and any(queues):
        for queue in queues:
            while queue:
                url = queue.pop(0)
                if url not in fixed and url not in chosen:
                    chosen.append(url)
                    break
            if len(chosen) >= limit:
                break
    return list(dict.fromkeys(fixed)) + chosen


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


# --- Passes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PassPlan:
    name: str
    # None: make no decision; () reject all; every optional category: accept all; else one.
    grant: tuple[str, ...] | None


def plan_passes(catalog: Catalog) -> list[PassPlan]:
    optional = tuple(category.varname for category in catalog.optional)
    plans = [PassPlan("no-decision", None)]
    if not optional:
        return plans
    plans.append(PassPlan("reject-all", ()))
    plans.extend(PassPlan(f"only-{varname}", (varname,)) for varname in optional)
    plans.append(PassPlan("accept-all", optional))
    return plans


def granted_in_cookie(raw: str, optional: Iterable[str]) -> tuple[str, ...]:
    """The categories a consent cookie value grants (``varname=<moment>``; ``-1`` refuses)."""
    value = raw.strip('"')
    pairs = dict(part.partition("=")[::2] for part in value.split("|") if "=" in part)
    return tuple(varname for varname in optional if pairs.get(varname, "-1") not in ("-1", ""))


class _PassRecorder:
    """Collects what one browser context shows while the pass's pages are visited."""

    def __init__(self, result: PassResult, base_url: str) -> None:
        self.result = result
        self.base_origin = origin_of(base_url)
        self.base_host = (urlsplit(base_url).hostname or "").lower()
        self.page = "/"
        self.granted: tuple[str, ...] = ()
        # What the pass is about to grant: it counts from the decision's own POST on, since
        # consent.js activates scripts as soon as the answer arrives, before any read-back.
        self.deciding: tuple[str, ...] | None = None
        self.in_flight: set[Any] = set()
        self.responses: list[Any] = []
        self.by_key: dict[tuple[str, str, str], Seen] = {}

    # Playwright event handlers: cheap, no calls back into the browser.
    def on_request(self, request: Any) -> None:
        self.in_flight.add(request)
        url = request.url
        if not url.startswith(("http://", "https://", "ws://", "wss://")):
            return
        origin = origin_of(url)
        if self.deciding is not None and request.method == "POST" and origin == self.base_origin:
            self.granted, self.deciding = self.deciding, None
        if origin != self.base_origin:
            self.result.contacts.append(
                Contact(
                    origin=origin,
                    host=(urlsplit(url).hostname or "").lower(),
                    url=url[:300],
                    page=self.page,
                    resource=request.resource_type,
                    granted=self.granted,
                )
            )

    def on_done(self, request: Any) -> None:
        self.in_flight.discard(request)

    def on_response(self, response: Any) -> None:
        self.responses.append(response)

    def see(self, seen: Seen) -> None:
        seen.page, seen.granted = self.page, self.granted
        known = self.by_key.get(seen.key)
        if known is None:
            seen.pages = [self.page]
            self.by_key[seen.key] = seen
            self.result.seen.append(seen)
            return
        if self.page not in known.pages:
            known.pages.append(self.page)
        if seen.lifetime is not None and (known.lifetime is None or seen.lifetime > known.lifetime):
            known.lifetime = seen.lifetime
        if seen.set_by and (not known.set_by or known.set_by == "script"):
            known.set_by = seen.set_by
        # Judged by the least that was granted when it was seen (e.g. before the decision).
        if len(seen.granted) < len(known.granted):
            known.granted = seen.granted

    def read_responses(self) -> None:
        """The cookies responses set (asked only now: reading headers is a browser call)."""
        responses, self.responses = self.responses, []
        now = time.time()
        for response in responses:
            try:
                headers = response.headers_array()
            except Exception:  # the page went away: its headers with it
                continue
            host = (urlsplit(response.url).hostname or "").lower()
            for header in headers:
                if header["name"].lower() != "set-cookie":
                    continue
                for line in header["value"].split("\n"):
                    seen = cookie_from_header(line, host, now)
                    if seen is not None:
                        seen.set_by = f"Set-Cookie on {response.url[:300]}"
                        self.see(seen)

    def read_page(self, page: Any, context: Any) -> None:
        """Storage keys, script cookie writes and every cookie the profile now holds."""
        self.read_responses()
        now = time.time()
        try:
            state = page.evaluate(READ_PAGE)
        except Exception:  # navigated away meanwhile: read on the next page
            state = {"local": [], "session": [], "writes": []}
        for line, source in state["writes"]:
            seen = cookie_from_header(line, self.base_host, now)
            if seen is not None:
                seen.set_by = f"script {source}" if source else "script"
                self.see(seen)
        for kind, keys in ((LOCAL_STORAGE, state["local"]), (SESSION_STORAGE, state["session"])):
            for key in keys:
                self.see(Seen(kind=kind, name=key, domain=self.base_host))
        for cookie in context.cookies():
            expires = cookie.get("expires", -1)
            lifetime = expires - now if expires and expires > 0 else None
            self.see(
                Seen(
                    kind=COOKIE,
                    name=cookie["name"],
                    domain=cookie["domain"].lstrip(".").lower(),
                    lifetime=lifetime,
                    set_by="script",
                )
            )

    def settle(self, page: Any) -> None:
        """After `load`: until no request is in flight across a few event-loop turns (the
        scripts consent.js activates load one after another), at most SETTLE_BUDGET_SECONDS."""
        deadline = time.monotonic() + SETTLE_BUDGET_SECONDS
        quiet = 0
        while time.monotonic() < deadline and quiet < 2:
            try:
                page.evaluate(FLUSH_TASKS)
            except Exception:  # a reload: wait for its load below
                page.wait_for_load_state("load")
            if self.in_flight:
                quiet = 0
                page.wait_for_timeout(20)
            else:
                quiet += 1


def _decide(
    page: Any, base_url: str, plan: PassPlan, optional: tuple[str, ...], recorder: _PassRecorder
) -> None:
    """Make the plan's decision as a visitor does: the banner's buttons for reject all and
    accept all, the preferences form for one category alone."""
    if plan.grant is None:
        return
    posted = lambda response: (  # noqa: E731
        response.request.method == "POST" and origin_of(response.url) == origin_of(base_url)
    )
    if plan.grant == () or set(plan.grant) == set(optional):
        label = "Reject all" if plan.grant == () else "Accept all"
        button = page.locator("[data-consent-banner]").get_by_role("button", name=label)
        where = "the banner on /"
    else:
        recorder.page = "/cookies/"
        page.goto(f"{base_url}/cookies/", wait_until="load")
        form = page.locator("form[data-consent-preferences]")
        for box in form.locator('input[type="checkbox"][name="granted"]').all():
            box.set_checked(box.get_attribute("value") in plan.grant)
        button = form.get_by_role("button", name="Save preferences")
        where = "the preferences form on /cookies/"
    if button.count() != 1:
        raise AuditError(f'No "{button}" button in {where}: the decision cannot be made.')
    recorder.deciding = tuple(plan.grant)
    with page.expect_response(posted) as answer:
        button.click()
    status = answer.value.status
    if status >= 400:
        hint = (
            " (too many decisions from this address; wait and run again)" if status == 429 else ""
        )
        raise AuditError(f"The site refused the decision with HTTP {status}{hint}.")


def run_pass(
    browser: Any,
    base_url: str,
    pages: list[str],
    plan: PassPlan,
    optional: tuple[str, ...],
    consent_cookie: str,
) -> PassResult:
    result = PassResult(name=plan.name, intended=plan.grant or ())
    recorder = _PassRecorder(result, base_url)
    context = browser.new_context(service_workers="block")
    try:
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        context.add_init_script(COOKIE_WRITE_LOGGER)
        context.route(BLOCKED_RESOURCES, lambda route: route.abort())
        context.on("request", recorder.on_request)
        context.on("requestfinished", recorder.on_done)
        context.on("requestfailed", recorder.on_done)
        context.on("response", recorder.on_response)
        page = context.new_page()
        if plan.grant is not None:
            recorder.page = "/"
            page.goto(f"{base_url}/", wait_until="load")
            recorder.settle(page)
            recorder.read_page(page, context)
            _decide(page, base_url, plan, optional, recorder)
            recorder.settle(page)
            stored = next(
                (c["value"] for c in context.cookies() if c["name"] == consent_cookie), ""
            )
            recorder.granted = result.granted = granted_in_cookie(stored, optional)
            recorder.read_page(page, context)
        for url in pages:
            recorder.page = path_of(url)
            response = page.goto(url, wait_until="load")
            result.pages.append(recorder.page)
            if response is not None and response.status >= 400:
                result.error = f"{recorder.page} answered HTTP {response.status}"
            recorder.settle(page)
            recorder.read_page(page, context)
    except AuditError as error:
        result.error = str(error)
    except Exception as error:  # Playwright's timeouts and browser errors
        result.error = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    finally:
        context.close()
    return result


def chromium_executable(configured: str = "") -> str:
    """``CHROMIUM_PATH`` or Debian's Chromium; never a browser download."""
    import shutil

    if configured:
        if not Path(configured).exists():
            raise AuditError(f"CHROMIUM_PATH={configured} does not exist.")
        return configured
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    raise AuditError(
        "Chromium was not found: install Debian's (apt-get install chromium) or set "
        "CHROMIUM_PATH. The audit never downloads a browser."
    )


def sync_playwright_or_explain() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise AuditError(
            "Playwright is not installed. Install the audit extra: "
            "pip install -e '.[audit]' (or pip install 'playwright>=1.45,<2'). "
            "Do not run `playwright install`: the audit uses Debian's Chromium."
        ) from error
    return sync_playwright


def run_audit(
    base_url: str,
    pages: list[str],
    catalog: Catalog,
    *,
    chromium: str,
    consent_cookie: str,
    progress: Callable[[str], None] = lambda message: None,
) -> AuditResult:
    """Every pass over the pages in one browser (a fresh profile each), then the findings."""
    sync_playwright = sync_playwright_or_explain()
    optional = tuple(category.varname for category in catalog.optional)
    started_at, started = datetime.now(UTC), time.monotonic()

    def browse() -> list[PassResult]:
        results = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=list(CHROMIUM_FLAGS)
            )
            try:
                for plan in plan_passes(catalog):
                    pass_started = time.monotonic()
                    result = run_pass(browser, base_url, pages, plan, optional, consent_cookie)
                    results.append(result)
                    progress(
                        f"{plan.name}: {len(result.pages)} pages in "
                        f"{time.monotonic() - pass_started:.1f} s"
                        + (f" ({result.error})" if result.error else "")
                    )
            finally:
                browser.close()
        return results

    # Playwright's sync API refuses to run in a thread that has an asyncio loop (a caller
    # that is itself driving a browser, an async server): its own thread has none.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as worker:
        results = worker.submit(browse).result()
    return AuditResult(
        base_url=base_url,
        started_at=started_at,
        duration_seconds=time.monotonic() - started,
        pages=[path_of(url) for url in pages],
        passes=results,
        findings=judge(results, catalog),
    )


# --- Reports ---------------------------------------------------------------------------


def text_report(result: AuditResult) -> str:
    lines = [
        f"Tracker audit of {result.base_url}",
        f"{result.started_at:%Y-%m-%d %H:%M:%S} UTC, {result.duration_seconds:.1f} s, "
        f"{len(result.pages)} pages × {len(result.passes)} passes",
        "",
        "Passes:",
    ]
    for item in result.passes:
        summary = pass_summary(item)
        granted = ", ".join(item.granted) or "nothing optional"
        lines.append(
            f"  {item.name:<22} granted: {granted:<40} cookies {summary['cookies']:>3}  "
            f"storage keys {summary['storage_keys']:>3}  other origins "
            f"{len(summary['other_origins']):>3}"
        )
        if item.error:
            lines.append(f"    ERROR: {item.error}")
    lines.append("")
    if not result.findings:
        lines.append(
            "No findings: everything seen is declared, waits for its category and "
            "lives no longer than declared."
        )
        return "\n".join(lines) + "\n"
    counts = ", ".join(f"{kind} {count}" for kind, count in result.counts.items() if count)
    lines.append(f"Findings ({len(result.findings)}: {counts}):")
    for finding in result.findings:
        where = f" on {finding.domain}" if finding.domain and finding.item != "request" else ""
        lines.append(
            f"  [{finding.kind}] {finding.pass_name}: {finding.item} {finding.name}{where}"
        )
        lines.append(f"      {finding.detail}")
        if finding.set_by and finding.item != "request":
            lines.append(f"      set by {finding.set_by}")
        lines.append(f"      first seen on {finding.page}")
    return "\n".join(lines) + "\n"


def html_report(result: AuditResult) -> str:
    """A self-contained page (inline style, no script), every value escaped."""
    from django.template.loader import render_to_string

    return render_to_string(
        "admin/consent/trackeraudit/report.html",
        {
            "result": result,
            "summaries": [
                {**pass_summary(item), "granted_text": ", ".join(item.granted) or "nothing"}
                for item in result.passes
            ],
            "counts": [(KIND_LABELS[kind], count) for kind, count in result.counts.items()],
        },
    )


def write_json(result: AuditResult, path: str) -> None:
    Path(path).write_text(json.dumps(result.as_json(), indent=2, ensure_ascii=False) + "\n")


def store_summary(result: AuditResult, exit_status: int) -> Any:
    """The run as a ``TrackerAudit`` row (Admin → Consent and tracking → Tracker audits)."""
    from consent.tracker_audit_models import TrackerAudit

    counts = result.counts
    return TrackerAudit.objects.create(
        ran_at=result.started_at,
        base_url=result.base_url[:500],
        duration_seconds=round(result.duration_seconds, 2),
        pages=result.pages,
        passes=[pass_summary(item) for item in result.passes],
        undeclared=counts[UNDECLARED],
        early=counts[EARLY],
        longer_lived=counts[LONGER_LIVED],
        third_party=counts[THIRD_PARTY],
        findings=[finding_json(finding) for finding in result.findings],
        exit_status=exit_status,
    )
