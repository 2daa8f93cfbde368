from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from consent import state


def consent(request: HttpRequest) -> dict:
    """``{{ consent.analytics }}`` in any template; read from the cookie only when used."""
    return {"consent": SimpleLazyObject(lambda: state.for_request(request))}
