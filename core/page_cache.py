"""The whole-response cache for public pages: which requests, which key, how long.

A public page is the same bytes for every anonymous reader who asks for its address in
the same banner state, so the final response (compressed, with its CSP and headers) is
kept in Django's default cache and served to the next such reader.

Apps say which pages may be kept and what each shows (``register``), and what about a
visitor changes every page (``vary_on``: consent's banner state). A key holds:

- the release (``core.deploy``), the scheme, host, path and query, the encoding;
- every ``vary_on`` part (the banner state);
- the tokens of the version stamps the page shows (``core.stamps``);
- the page's own version, if it has one (a term page: renewed in the transaction of
  every change that page shows, and no other).

So an edit changes the keys of the pages that show it and no others, and nothing is
ever deleted. A key's parts are read before the view reads the data they guard, so a
page built from older data can only be stored under an older key. Entries live at most
``PAGE_CACHE_SECONDS`` and never past a moment an app names (``cap_lifetime``: the next
scheduled publication).

Only canonical addresses are kept, so no client can fill the cache with variants of a
page: a host named literally in ``ALLOWED_HOSTS`` or ``SITE_URL`` (lower case, no
trailing dot, no port or the server's own), no query string except a canonical
``?page=N`` (N ≥ 2) on pages that paginate. Anything else is served but not kept.

Each process keeps its own copies of the entries it served lately (``LocalCopies``): a
key names everything its page shows, so an entry never changes and a copy needs no
catch-up, only the entry's own end and a short lease, after which the shared cache is
asked again. With Redis as the shared cache this saves a round trip and an unpickling per
hit (measured in benchmarks/pages.py: cached/static about 0.47 without, 0.6 and more with).

The cache is an optimization: the cache backend fails soft (``core.cache``), so Redis
failing means rendering every page, never an error.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.request import split_domain_port
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import timezone, translation
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
)

from core import deploy, stamps, visitors

KEY_PREFIX = "page:v4"
PRIVATE_DIRECTIVES = ("private", "no-store", "no-cache")
# A page number as listings write it: page 1 is the bare address, no leading zeros.
CANONICAL_PAGE_NUMBER = re.compile(r"[2-9]|[1-9][0-9]{1,5}")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")

Version = Callable[[HttpRequest, dict[str, Any]], "str | None"]
# A part of every key about the visitor, given the stamp tokens this key is built from.
Part = Callable[[HttpRequest, dict[str, stamps.Token]], str]


@dataclass(frozen=True)
class CachedPage:
    """What a cacheable page shows: version stamps, and its own version (None: do not
    keep this one, e.g. a draft)."""

    stamps: tuple[str, ...] = ()
    version: Version | None = None
    paginated: bool = False


@dataclass(frozen=True)
class Variant:
    """Something about the visitor that changes every page (with the stamps it reads)."""

    part: Part
    stamps: tuple[str, ...] = ()


_pages: dict[str, CachedPage] = {}
_variants: list[Variant] = []
_hit_hooks: list[Callable[[HttpRequest, HttpResponseBase], HttpResponseBase]] = []
_lifetime_caps: list[Callable[[datetime.datetime], datetime.datetime | None]] = []


def register(
    view_name: str,
    *,
    stamps: tuple[str, ...] = (),
    version: Version | None = None,
    paginated: bool = False,
) -> None:
    """Let the page at ``view_name`` (a namespaced URL name) be kept, keyed on these."""
    _pages[view_name] = CachedPage(tuple(stamps), version, paginated)


def vary_on(part: Part, *, stamps: tuple[str, ...] = ()) -> None:
    """Every page differs by ``part(request, tokens)`` and shows these stamps; ``tokens``
    holds the tokens the key is built from, so the part can use them instead of reading
    the stamps a second time."""
    _variants.append(Variant(part, tuple(stamps)))


def on_hit(hook: Callable[[HttpRequest, HttpResponseBase], HttpResponseBase]) -> None:
    """Run ``hook`` on every response served from the cache (the middlewares below the
    page cache do not run for a hit)."""
    _hit_hooks.append(hook)


def cap_lifetime(moment: Callable[[datetime.datetime], datetime.datetime | None]) -> None:
    """No entry stored at ``now`` outlives ``moment(now)`` (None: no limit)."""
    _lifetime_caps.append(moment)


@dataclass(frozen=True)
class Entry:
    """What is kept: the final body and headers, and when the entry ends (epoch seconds)."""

    content: bytes
    headers: tuple[tuple[str, str], ...]
    expires: float

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content)
        for name, value in self.headers:
            response[name] = value
        return response


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_ENABLED", True)


def wants_static_file(request: HttpRequest) -> bool:
    """A request WhiteNoise answers (under STATIC_URL): never the page cache's."""
    prefix = settings.STATIC_URL
    return prefix.startswith("/") and request.path_info.startswith(prefix)


def resolve_in_its_language(path: str) -> ResolverMatch:
    """Resolve ``path`` with the language its prefix names active (the default language
    for unprefixed paths), as the language middleware will: i18n_patterns resolve against
    the active language, which before that middleware is whatever the thread's previous
    request left, so ``/de/`` would not resolve after an English request, nor ``/`` after
    a German one."""
    language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
    with translation.override(language):
        return resolve(path)


def lookup_key(request: HttpRequest) -> str | None:
    """The cache key of this request, or None when it may not use the cache.

    Decided before any view runs; reads the stamps and the page's version (the
    database), which may raise the database's errors."""
    if not enabled() or request.method not in ("GET", "HEAD"):
        return None
    if wants_static_file(request) or visitors.has_session_cookie(request):
        return None
    host = canonical_host(request)
    if host is None:
        return None
    try:
        match = resolve_in_its_language(request.path_info)
    except Resolver404:
        return None
    page = _pages.get(match.view_name)
    if page is None or not _canonical_query(request, page):
        return None
    version = page.version(request, match.kwargs) if page.version else ""
    if version is None:
        return None
    keys = page.stamps + tuple(key for variant in _variants for key in variant.stamps)
    read = stamps.tokens(*keys) if keys else {}
    versions = stamps.key_text(read)
    visitor = ":".join(variant.part(request, read) for variant in _variants)
    address = f"{request.scheme}://{host}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()[:40]
    return (
        f"{KEY_PREFIX}:{deploy.version()}:{digest}:{encoding(request)}:{visitor}:"
        f"{versions}:{version}"
    )


def canonical_host(request: HttpRequest) -> str | None:
    """The request's host when it is written the one way this site names itself."""
    host = request.get_host()  # validated against ALLOWED_HOSTS (else DisallowedHost: 400)
    name, port = split_domain_port(host)  # lower case, without a trailing dot
    if host != (f"{name}:{port}" if port else name):
        return None
    if port and port != str(request.META.get("SERVER_PORT", "")):
        return None
    return host if name in _literal_hosts() else None


def _literal_hosts() -> frozenset[str]:
    site = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    named = {host.lower() for host in settings.ALLOWED_HOSTS if host and host[0] not in ".*"}
    return frozenset({site, *named})


def _canonical_query(request: HttpRequest, page: CachedPage) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if not query:
        return True
    name, _, value = query.partition("=")
    return page.paginated and name == "page" and CANONICAL_PAGE_NUMBER.fullmatch(value) is not None


def encoding(request: HttpRequest) -> str:
    """The one request header besides the consent cookie that changes the stored bytes."""
    accepted = request.META.get("HTTP_ACCEPT_ENCODING", "")
    return "gzip" if ACCEPTS_GZIP.search(accepted) else "identity"


class LocalCopies:
    """This process's copies of entries, least recently used dropped first beyond
    ``PAGE_CACHE_LOCAL_BYTES``; each kept until its entry ends or for
    ``PAGE_CACHE_LOCAL_SECONDS``, whichever is sooner (so emptying the shared cache reaches
    every process within that lease)."""

    def __init__(self) -> None:
        self._copies: OrderedDict[str, tuple[float, Entry]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # runserver and threaded servers share a process

    def get(self, key: str) -> Entry | None:
        with self._lock:
            kept = self._copies.get(key)
            if kept is None:
                return None
            if kept[0] <= time.time():
                self._drop(key)
                return None
            self._copies.move_to_end(key)
            return kept[1]

    def keep(self, key: str, entry: Entry) -> None:
        budget = getattr(settings, "PAGE_CACHE_LOCAL_BYTES", 16 * 1024 * 1024)
        lease = getattr(settings, "PAGE_CACHE_LOCAL_SECONDS", 30)
        if len(entry.content) > budget:
            return
        with self._lock:
            self._drop(key)
            self._copies[key] = (min(entry.expires, time.time() + lease), entry)
            self._bytes += len(entry.content)
            while self._bytes > budget:
                self._drop(next(iter(self._copies)))

    def forget(self) -> None:
        with self._lock:
            self._copies.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        kept = self._copies.pop(key, None)
        if kept is not None:
            self._bytes -= len(kept[1].content)


local_copies = LocalCopies()


def fetch(cache_key: str) -> HttpResponseBase | None:
    entry = local_copies.get(cache_key)
    if entry is None:
        entry = cache.get(cache_key)
        if not isinstance(entry, Entry) or entry.expires <= time.time():
            return None
        local_copies.keep(cache_key, entry)
    return entry.response()


def answer_hit(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    for hook in _hit_hooks:
        response = hook(request, response)
    return conditional(request, response)


def is_public(response: HttpResponseBase) -> bool:
    """A response every anonymous reader of this address may share."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    return not any(directive in control for directive in PRIVATE_DIRECTIVES)


def store(cache_key: str, response: HttpResponseBase, now: datetime.datetime) -> bool:
    """Keep the response until the ceiling or the earliest moment an app named after
    ``now``, the moment its data was read from (the time since is taken off)."""
    elapsed = max((timezone.now() - now).total_seconds(), 0.0)
    seconds = int(lifetime(now) - elapsed)
    if seconds < 1:
        return False
    entry = Entry(response.content, tuple(response.items()), time.time() + seconds)
    cache.set(cache_key, entry, seconds)
    local_copies.keep(cache_key, entry)
    return True


def ceiling() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 3600))


def lifetime(now: datetime.datetime) -> int:
    """Seconds an entry stored now may live."""
    seconds = ceiling()
    for moment in _lifetime_caps:
        until = moment(now)
        if until is not None:
            seconds = min(seconds, int((until - now).total_seconds()))
    return seconds


def mark_public(response: HttpResponseBase) -> None:
    """Shareable: ETag (strong hash of these bytes), a short s-maxage."""
    response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=getattr(settings, "PAGE_CACHE_SHARED_MAX_AGE", 60),
    )


VALIDATOR_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def conditional(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """304 (or 412) when the request's validators say the reader's copy is current."""
    if not any(header in request.META for header in VALIDATOR_HEADERS):
        return response
    return get_conditional_response(request, etag=response.get("ETag"), response=response)


def mark_private(response: HttpResponseBase) -> None:
    """For a logged-in user: never kept by a browser's shared cache, a CDN or a proxy."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
