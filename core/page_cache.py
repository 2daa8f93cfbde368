"""The whole-response cache for public pages: which requests, which key, how long.

A public page is the same for every reader with the same banner state (the consent
cookie holds a valid decision or not), so the final response (compressed, with its CSP
and headers) is kept in Django's default cache and served to the next such reader.

The key holds the tokens of the content and consent version stamps (``core.stamps``):
a change anywhere (admin, command, shell, another worker or app server) moves a stamp,
and the very next request looks up a new key. Nothing is ever deleted, with Redis or
with per-process memory. Each process also keeps copies of the entries it served last
(``PROCESS_COPIES``), which is safe for the same reason: a key's entry never changes.
Terms that become public on schedule announce nothing, so an entry (and its copies)
lives at most until the next scheduled publication (and ``PAGE_CACHE_SECONDS``).

HEAD requests are answered from the entry a GET made (the server sends no body).
Staff (anyone with a session cookie), the admin, search, previews and drafts, POSTs,
query strings other than ``?page=``, responses that set a cookie or are not 200, and
anything marked private or no-store are never stored.
"""

from __future__ import annotations

import datetime
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
)
from django.utils.http import http_date, parse_http_date_safe
from django.utils.regex_helper import _lazy_re_compile

from consent import middleware as consent_middleware
from consent import state as consent_state
from core import deploy, stamps, visitors

# URL names (``request.resolver_match.view_name``) of the pages that may be stored.
PUBLIC_PAGES = frozenset(
    {
        "glossary:home",
        "glossary:term_index",
        "glossary:letter_detail",
        "glossary:term_detail",
        "glossary:term_related",
        "glossary:category_detail",
        "glossary:feed",
        "glossary:robots_txt",
        "sitemap",
        "sitemap_section",
    }
)
# Query parameters a public page reads; any other (utm_…, cache busters) bypasses the
# cache, so nobody can fill it with endless variants of one page.
QUERY_KEYS = frozenset({"page"})
MAX_QUERY_LENGTH = 32
KEY_PREFIX = "page:v2"
SCHEDULE_KEY = "page:schedule:v1"
PRIVATE_DIRECTIVES = ("private", "no-store", "no-cache")
_accepts_gzip = _lazy_re_compile(r"\bgzip\b")


@dataclass(frozen=True)
class Entry:
    """What is kept: the final body and headers, and until when (epoch seconds)."""

    content: bytes
    headers: tuple[tuple[str, str], ...]
    expires_at: float

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content)
        # The headers were checked and encoded when the page was first answered; setting
        # them one by one again (Django re-encodes each) was a tenth of a hit's CPU.
        response.headers._store = {name.lower(): (name, value) for name, value in self.headers}
        return response


class ProcessCopies:
    """The entries this process served last, in front of the shared cache.

    A key holds the content and consent tokens, so what is stored under it never changes:
    a copy is as true as the shared entry until the entry's own expiry. It saves the
    round trip to Redis that every hit otherwise costs (with Redis, that round trip was
    most of a hit). Least recently used copies make room for new ones.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, cache_key: str) -> Entry | None:
        with self.lock:
            entry = self.entries.get(cache_key)
            if entry is None:
                return None
            if entry.expires_at <= time.time():
                del self.entries[cache_key]
                return None
            self.entries.move_to_end(cache_key)
            return entry

    def put(self, cache_key: str, entry: Entry) -> None:
        with self.lock:
            self.entries[cache_key] = entry
            self.entries.move_to_end(cache_key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def fetch(self, cache_key: str, kind: type) -> Any:
        """This process's copy, else the shared cache's live entry of ``kind`` (copied)."""
        entry = self.get(cache_key)
        if entry is None:
            entry = cache.get(cache_key)
            if not isinstance(entry, kind) or entry.expires_at <= time.time():
                return None
            self.put(cache_key, entry)
        return entry

    def keep(self, cache_key: str, entry: Any, seconds: int) -> None:
        """In the shared cache for ``seconds``, and as this process's copy."""
        cache.set(cache_key, entry, seconds)
        self.put(cache_key, entry)


PROCESS_COPIES = ProcessCopies(size=256)


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_ENABLED", True)


def can_look_up(request: HttpRequest) -> bool:
    """May this request be answered from the cache? Decided before any view runs."""
    if not enabled() or request.method not in ("GET", "HEAD"):
        return False
    if wants_static_file(request):
        return False
    if visitors.has_session_cookie(request):  # staff, or was: never load a session here
        return False
    query = request.META.get("QUERY_STRING", "")
    return not query or (len(query) <= MAX_QUERY_LENGTH and set(request.GET) <= QUERY_KEYS)


def wants_static_file(request: HttpRequest) -> bool:
    """A request WhiteNoise answers (under STATIC_URL): no stamps, no page cache."""
    prefix = settings.STATIC_URL
    return prefix.startswith("/") and request.path_info.startswith(prefix)


def is_public_page(request: HttpRequest, response: HttpResponseBase) -> bool:
    """A public page as every anonymous reader gets it (so: shareable headers).

    The caller has ruled out logged-in users (``core.middleware``)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in PUBLIC_PAGES:
        return False
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    if response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    return not any(directive in control for directive in PRIVATE_DIRECTIVES)


def encoding(request: HttpRequest) -> str:
    """The one request header besides the consent cookie that changes the stored bytes."""
    return (
        "gzip" if _accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")) else "identity"
    )


def key(request: HttpRequest) -> str:
    """Release; scheme, host, path and query; banner state; encoding; content and consent
    tokens."""
    versions = stamps.key_part(stamps.CONTENT, stamps.CONSENT)
    return (
        f"{KEY_PREFIX}:{deploy.version()}:{versions}:{audience(request)}:{encoding(request)}:"
        f"{address(request)}"
    )


def address(request: HttpRequest) -> str:
    """Scheme, host, path and query, hashed to a fixed length for a cache key."""
    text = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:40]


def audience(request: HttpRequest) -> str:
    """The one thing about a visitor that changes a public page: is the banner shown?"""
    return "banner" if consent_state.needs_decision(request) else "decided"


def fetch(cache_key: str) -> HttpResponse | None:
    entry = PROCESS_COPIES.fetch(cache_key, Entry)
    return entry.response() if entry is not None else None


@dataclass(frozen=True)
class Rendering:
    """A view's rendered HTML (before compression and headers), kept by the view itself
    under a key it proves current (``glossary.term_page``), with the embed origins its
    CSP must let in (rendering a consent-gated embed adds them to the request)."""

    content: bytes
    frame_sources: tuple[str, ...]
    expires_at: float


RENDERINGS = ProcessCopies(size=256)


def fetch_rendering(cache_key: str, request: HttpRequest) -> HttpResponse | None:
    rendering = RENDERINGS.fetch(cache_key, Rendering)
    if rendering is None:
        return None
    for origin in rendering.frame_sources:
        consent_middleware.allow_frame_source(request, origin)
    return HttpResponse(rendering.content)


def store_rendering(
    cache_key: str, request: HttpRequest, response: HttpResponseBase, seconds: int
) -> None:
    """Keep a 200 that sets no cookie (the caller vouches for the key)."""
    if response.status_code != 200 or response.cookies or response.streaming:
        return
    rendering = Rendering(
        response.content,
        tuple(consent_middleware.frame_sources(request)),
        time.time() + seconds,
    )
    RENDERINGS.keep(cache_key, rendering, seconds)


def store(cache_key: str, response: HttpResponseBase, now: datetime.datetime) -> bool:
    """Keep the response until the next scheduled publication or the ceiling."""
    seconds = lifetime(now)
    if seconds < 1:
        return False
    entry = Entry(response.content, tuple(response.items()), now.timestamp() + seconds)
    PROCESS_COPIES.keep(cache_key, entry, seconds)
    return True


def schedule() -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """(latest publication time already past, next one to come): one query per content stamp.

    Kept until the next publication time at most, so it is never read after it has passed;
    each process keeps the last one it read too (its key holds the content token), so a
    page built with Redis does not pay a round trip for it.
    """
    now = timezone.now()
    cache_key = f"{SCHEDULE_KEY}:{stamps.key_part(stamps.CONTENT)}"
    remembered = _last_schedule
    if remembered and remembered[0] == cache_key and _still_ahead(remembered[1], now):
        return remembered[1]
    cached = cache.get(cache_key)
    if cached is not None and _still_ahead(cached, now):
        _remember_schedule(cache_key, cached)
        return cached
    value = _publication_bounds(now)
    seconds = ceiling()
    if value[1] is not None:
        seconds = min(seconds, max(int((value[1] - now).total_seconds()), 1))
    cache.set(cache_key, value, seconds)
    _remember_schedule(cache_key, value)
    return value


_last_schedule: tuple | None = None


def _publication_bounds(now: datetime.datetime) -> tuple:
    """One statement, two seeks at the ends of the (status, published_at) index (an
    aggregate with filters read every published row: 12 ms at 50,000 terms, paid by each
    process after every edit)."""
    from glossary.models import Term

    sql = """SELECT
        (SELECT max(published_at) FROM glossary_term WHERE status = %s AND published_at <= %s),
        (SELECT min(published_at) FROM glossary_term WHERE status = %s AND published_at > %s)"""
    moment = connection.ops.adapt_datetimefield_value(now)
    published = Term.Status.PUBLISHED
    with connection.cursor() as cursor:
        cursor.execute(sql, [published, moment, published, moment])
        return tuple(stamps.aware_datetime(value) for value in cursor.fetchone())


def _still_ahead(value: tuple, now: datetime.datetime) -> bool:
    return value[1] is None or value[1] > now


def _remember_schedule(cache_key: str, value: tuple) -> None:
    global _last_schedule
    _last_schedule = (cache_key, value)


def forget_schedule() -> None:
    global _last_schedule
    _last_schedule = None


def ceiling() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 300))


def lifetime(now: datetime.datetime) -> int:
    """Seconds an entry stored now may live: until the next scheduled term goes public."""
    _, upcoming = schedule()
    if upcoming is None:
        return ceiling()
    return min(ceiling(), int((upcoming - now).total_seconds()))


def last_modified() -> datetime.datetime | None:
    """The newest of: the content and consent stamps' last bumps, the last publication."""
    moments = [
        changed_at for _, changed_at in stamps.tokens(stamps.CONTENT, stamps.CONSENT).values()
    ]
    moments.append(schedule()[0])
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def mark_public(response: HttpResponseBase) -> None:
    """Shareable: ETag (strong hash of these bytes), Last-Modified, a short s-maxage."""
    response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
    moment = last_modified()
    if moment is not None:
        response["Last-Modified"] = http_date(moment.timestamp())
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=getattr(settings, "PAGE_CACHE_SHARED_MAX_AGE", 60),
    )


def conditional(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """304 (or 412) when the request's validators say the reader's copy is current.

    Only requests that carry a validator pay for the check (most readers send none)."""
    if not any(header in request.META for header in _VALIDATOR_HEADERS):
        return response
    return get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
        response=response,
    )


_VALIDATOR_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def mark_private(response: HttpResponseBase) -> None:
    """For a logged-in user: never kept by a browser's shared cache, a CDN or a proxy."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
