"""Budgets per client in the shared cache: how often one client may do something in a window.

Used to bound what one client can make the site write: consent records (``views``) and
page views (``config.beacons``). A client is the network address the request came from
(``REMOTE_ADDR``, or the header named by ``CONSENT_CLIENT_ADDRESS_HEADER`` when a proxy in
front overwrites one with the visitor's address), kept only as a keyed hash
(HMAC-SHA256 with ``SECRET_KEY``) in cache keys that expire with their window: nothing
network-derived reaches the database.

A window starts with the client's first use and lasts ``seconds``; a cache that fails
(Redis down: ``core.cache.FailSoftRedisCache`` answers with misses) allows, so visitors
are never refused because of the cache. With the per-process cache (no Redis), each
process keeps its own budgets: the bound is per process.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

KEY_PREFIX = "budget:v1"


def client_address(request: HttpRequest) -> str:
    """Where the request came from: the proxy's header when one is named, else the socket."""
    header = getattr(settings, "CONSENT_CLIENT_ADDRESS_HEADER", "") or ""
    if header:
        forwarded = request.META.get(header, "")
        # A proxy that appends (X-Forwarded-For) puts the address it saw last.
        address = forwarded.rsplit(",", 1)[-1].strip()
        if address:
            return address
    return request.META.get("REMOTE_ADDR", "")


def client_key(request: HttpRequest) -> str:
    """A short keyed hash of the client's address: the same client, the same key; the
    address itself cannot be read back without the secret key."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), client_address(request).encode(), hashlib.sha256
    )
    return digest.hexdigest()[:24]


def take(bucket: str, client: str, limit: int, seconds: int) -> bool:
    """Use one of ``limit`` uses of ``bucket`` that ``client`` has per window; False when
    they are used up."""
    key = f"{KEY_PREFIX}:{bucket}:{client}"
    cache.add(key, 0, seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # expired just now, or the cache does not answer
        return True
    return used is None or used <= limit
