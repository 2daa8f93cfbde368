"""Per-request work every app shares."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from core import stamps


class StampSnapshotMiddleware:
    """Reads every version stamp once at the start of a request (one query).

    The caches consulted while the request runs (navigation, consent catalog, pages)
    compare against this snapshot, so checking them all costs that one query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        previous = stamps.take_snapshot()
        try:
            return self.get_response(request)
        finally:
            stamps.drop_snapshot(previous)
