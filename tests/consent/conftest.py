"""Helpers for consent tests: build consent cookies the way the site writes them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from consent.state import cookie_value

OPTIONAL = ("analytics", "personalization", "marketing")
# What a browser sends with a form posted from one of the site's own pages.
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}


@pytest.fixture
def client() -> Client:
    """A client that posts like a browser on this site (consent views check the origin)."""
    return Client(headers=SAME_ORIGIN)


@pytest.fixture
def set_consent(client) -> Callable[..., str]:
    """``set_consent(analytics=True, marketing=False)`` puts a valid consent cookie on client."""

    def apply(**decisions: bool) -> str:
        value = cookie_value(decisions, timezone.now())
        client.cookies[settings.COOKIE_CONSENT_NAME] = value
        return value

    return apply


@pytest.fixture
def raw_consent(client) -> Callable[[str], None]:
    """Put an arbitrary (possibly forged) consent cookie value on the client."""

    def apply(value: str) -> None:
        client.cookies[settings.COOKIE_CONSENT_NAME] = value

    return apply


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """Requests to /de/… leave German active in this thread (the language middleware does
    not restore it); code that runs outside a request afterwards must not inherit it."""
    yield
    translation.deactivate()
