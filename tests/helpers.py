"""Helpers shared by tests: a visitor who decided on cookies earlier.

``decided`` for Django's test client, ``decided_in_browser`` for a Playwright browser
context; both carry the consent cookie the site itself would have set for these choices.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
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


ROOT = Path(__file__).resolve().parent.parent


def production_env(folder: Path, *, also_drop: frozenset[str] = frozenset()) -> dict[str, str]:
    """The environment of a production server started by a test: DEBUG off, a secret key,
    allowed hosts, a migrated SQLite file and collected static files in ``folder``; none
    of the caller's DJANGO_* variables, database or cache (nor ``also_drop``)."""
    dropped = {"DATABASE_URL", "REDIS_URL", *also_drop}
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in dropped
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        WEB_CONCURRENCY="1",
    )
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=180
        )
    return env
