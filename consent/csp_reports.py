"""Blocked-request reports: what browsers tell us the Content-Security-Policy refused.

Every HTML page's policy names ``/csp-reports/`` twice: ``report-uri`` (older browsers
post ``application/csp-report``, ``{"csp-report": {...}}``) and ``report-to csp`` with a
``Reporting-Endpoints: csp="/csp-reports/"`` header (the Reporting API posts
``application/reports+json``, a list of ``{"type": "csp-violation", "body": {...}}``).
``consent.middleware`` adds both.

Only aggregates are kept: per day, effective directive and blocked origin
(``scheme://host[:port]``, or a keyword such as ``inline``/``eval``/``data``), a count with
the first and last time seen. Never the visitor's address or user agent, the page's
address, or the blocked URL's path or query. Bounded under a flood: a client has
``CSP_REPORTS_PER_CLIENT`` reports per ``CSP_REPORT_WINDOW_SECONDS`` (``consent.throttle``,
an expiring keyed hash of the address, never stored), and a day holds at most
``CSP_REPORT_MAX_ROWS_PER_DAY`` rows: past it, new origins are counted under ``other``.

The endpoint is ``csrf_exempt``: browsers send reports without a token or cookie, and a
forged report can do no more than raise a counter privacy staff read as a hint.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from consent import throttle

REPORT_URI_TYPE = "application/csp-report"
REPORTING_API_TYPE = "application/reports+json"
ENDPOINT_NAME = "csp"  # the Reporting-Endpoints name that report-to refers to

OTHER = "other"  # where a day's origins past its row bound are counted
# What the blocked URL may be instead of a network address (CSP3 keywords, and the
# schemes that carry no host). An empty blocked URL is what older browsers sent for inline.
KEYWORDS = frozenset(
    {"inline", "eval", "wasm-eval", "trusted-types-policy", "trusted-types-sink", "self"}
)
HOSTLESS_SCHEMES = frozenset(
    {
        "data",
        "blob",
        "filesystem",
        "about",
        "javascript",
        "chrome-extension",
        "moz-extension",
        "safari-web-extension",
        "ms-browser-extension",
    }
)
NETWORK_SCHEMES = {"http": 80, "https": 443, "ws": 80, "wss": 443}
DIRECTIVES = frozenset(
    {
        "default-src",
        "script-src",
        "script-src-elem",
        "script-src-attr",
        "style-src",
        "style-src-elem",
        "style-src-attr",
        "img-src",
        "font-src",
        "connect-src",
        "frame-src",
        "child-src",
        "worker-src",
        "manifest-src",
        "media-src",
        "object-src",
        "prefetch-src",
        "fenced-frame-src",
        "base-uri",
        "form-action",
        "frame-ancestors",
        "navigate-to",
        "sandbox",
        "require-trusted-types-for",
        "trusted-types",
        "webrtc",
    }
)
_HOST_RE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$|^\[[0-9a-f:.]+\]$"
)
MAX_REPORTS_PER_REQUEST = 20  # a Reporting API batch; the size bound is the real limit


class BlockedRequest(models.Model):
    """How often, on one day, the policy's ``directive`` blocked something from ``origin``."""

    day = models.DateField(_("day"))
    directive = models.CharField(_("effective directive"), max_length=32)
    origin = models.CharField(
        _("blocked origin"),
        max_length=300,
        help_text=_("scheme://host[:port], or inline, eval, data…; 'other' past the day's bound."),
    )
    count = models.PositiveBigIntegerField(_("count"), default=0)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("blocked request")
        verbose_name_plural = _("blocked requests")
        ordering = ["-day", "-count"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "directive", "origin"], name="consent_blocked_once_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.directive} {self.origin}"


# --- Settings -----------------------------------------------------------------------------


def max_body_bytes() -> int:
    return settings.CSP_REPORT_MAX_BYTES


def reports_per_client() -> int:
    return settings.CSP_REPORTS_PER_CLIENT


def report_window_seconds() -> int:
    return settings.CSP_REPORT_WINDOW_SECONDS


def max_rows_per_day() -> int:
    return settings.CSP_REPORT_MAX_ROWS_PER_DAY


# --- Reading reports ----------------------------------------------------------------------


class BadReport(ValueError):
    """The body is not a report we accept (answered with 400)."""


def blocked_origin(value: object) -> str | None:
    """What a blocked URL is stored as: its origin or keyword; None when it is neither."""
    if not isinstance(value, str) or len(value) > 4096:
        return None
    text = value.strip().lower()
    if text == "":
        return "inline"
    if text in KEYWORDS:
        return text
    scheme, _, rest = text.partition(":")
    if scheme in HOSTLESS_SCHEMES:
        return scheme
    if scheme not in NETWORK_SCHEMES or not rest.startswith("//"):
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if not host or len(host) > 253:
        return None
    if ":" in host:
        host = f"[{host}]"
    if not _HOST_RE.match(host):
        return None
    if port is not None and port != NETWORK_SCHEMES[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def effective_directive(value: object) -> str | None:
    """The directive's name (a ``violated-directive`` such as ``script-src 'self'`` gives
    ``script-src``); None for anything that is not a CSP directive."""
    if not isinstance(value, str):
        return None
    name = value.strip().lower().split(" ", 1)[0]
    return name if name in DIRECTIVES else None


def _violation(directive: object, blocked: object) -> tuple[str, str] | None:
    name, origin = effective_directive(directive), blocked_origin(blocked)
    return (name, origin) if name and origin else None


def violations(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """``[(directive, origin)]`` of a report body, or BadReport when it is malformed or
    holds no valid violation."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BadReport("The body is not JSON.") from error
    if content_type == REPORT_URI_TYPE:
        report = data.get("csp-report") if isinstance(data, dict) else None
        if not isinstance(report, dict):
            raise BadReport('A report-uri report is {"csp-report": {...}}.')
        found = [
            _violation(
                report.get("effective-directive") or report.get("violated-directive"),
                report.get("blocked-uri", ""),
            )
        ]
    else:
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise BadReport("A Reporting API body is a list of reports.")
        if len(data) > MAX_REPORTS_PER_REQUEST:
            raise BadReport(f"At most {MAX_REPORTS_PER_REQUEST} reports per request.")
        found = [
            _violation(item["body"].get("effectiveDirective"), item["body"].get("blockedURL", ""))
            for item in data
            if item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)
        ]
    kept = [item for item in found if item is not None]
    if not kept:
        raise BadReport("No valid CSP violation in the report.")
    return kept


# --- Counting -----------------------------------------------------------------------------


def count(found: Iterable[tuple[str, str]], now: datetime | None = None) -> None:
    """Add these violations to today's counters (one upsert per distinct pair)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    for (directive, origin), times in Counter(found).items():
        _add(day, directive, origin, times, now)


def _add(day: date, directive: str, origin: str, times: int, now: datetime) -> None:
    """Increment the row, or create it: an UPDATE with F() is atomic on every database; a
    concurrent creator makes our INSERT fail on the unique constraint, and we update the
    row it made."""
    if _increment(day, directive, origin, times, now):
        return
    if origin != OTHER and _day_is_full(day):
        origin = OTHER
        if _increment(day, directive, origin, times, now):
            return
    try:
        with transaction.atomic():
            BlockedRequest.objects.create(
                day=day,
                directive=directive,
                origin=origin,
                count=times,
                first_seen=now,
                last_seen=now,
            )
    except IntegrityError:
        _increment(day, directive, origin, times, now)


def _increment(day: date, directive: str, origin: str, times: int, now: datetime) -> bool:
    rows = BlockedRequest.objects.filter(day=day, directive=directive, origin=origin)
    return rows.update(count=F("count") + times, last_seen=now) > 0


def _day_is_full(day: date) -> bool:
    """A day's rows are bounded (a few more when creators race, one per concurrent request)."""
    return BlockedRequest.objects.filter(day=day).count() >= max_rows_per_day()


# --- The endpoint ---------------------------------------------------------------------------


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


@csrf_exempt  # browsers send reports without a token; a report only raises counters
@never_cache
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    """Count a report: 204 when counted (or past the client's budget, silently), 415 for
    another content type, 413 for a body over the limit, 400 for a malformed report."""
    content_type = request.content_type
    if content_type not in (REPORT_URI_TYPE, REPORTING_API_TYPE):
        return _refuse(415, f"Send {REPORT_URI_TYPE} or {REPORTING_API_TYPE}.")
    limit = max_body_bytes()
    length = _declared_length(request)
    if length is None:
        return _refuse(400, "Bad Content-Length.")
    if length > limit:
        return _refuse(413, f"A report is at most {limit} bytes.")
    body = request.read(limit + 1)
    if len(body) > limit:
        return _refuse(413, f"A report is at most {limit} bytes.")
    client = throttle.client_key(request)
    if not throttle.take("csp-reports", client, reports_per_client(), report_window_seconds()):
        return HttpResponse(status=204)  # nothing written; browsers never retry a report
    try:
        found = violations(content_type, body)
    except BadReport as error:
        return _refuse(400, str(error))
    count(found)
    return HttpResponse(status=204)


def _refuse(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
