"""Helpers shared by tests: a visitor who decided on cookies earlier.

``decided`` for Django's test client, ``decided_in_browser`` for a Playwright browser
context; both carry the consent cookie the site itself would have set for these choices.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.test import Client
from django.utils import timezone

from consent.state import cookie_value


def consent_cookie(days_ago: float = 0, **choices: bool) -> str:
    """The consent cookie's value for these choices, decided ``days_ago`` days ago."""
    return cookie_value(choices, timezone.now() - timedelta(days=days_ago))


def decided(client: Client | None = None, *, days_ago: float = 0, **choices: bool) -> Client:
    """A test client (a new one unless given) whose visitor made these choices."""
    if client is None:
        client = Client()
    client.cookies[settings.COOKIE_CONSENT_NAME] = consent_cookie(days_ago, **choices)
    return client


def decided_in_browser(context: Any, url: str, *, days_ago: float = 0, **choices: bool) -> None:
    """Give a browser context (``page.context``) the consent cookie for ``url``'s site, quoted
    as Django's response sets it."""
    value = consent_cookie(days_ago, **choices)
    context.add_cookies([{"name": settings.COOKIE_CONSENT_NAME, "value": f'"{value}"', "url": url}])
