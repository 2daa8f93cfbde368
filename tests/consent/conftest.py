"""Helpers for consent tests: build consent cookies the way the site writes them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.utils import timezone

from consent.state import cookie_value

OPTIONAL = ("analytics", "personalization", "marketing")


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
