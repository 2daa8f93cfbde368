"""Browser tests: Playwright driving the machine's Chromium against Django's live server.

Chromium comes from Debian (`apt-get install chromium`) or CHROMIUM_PATH; Playwright's own
browser download is never used. Without Chromium these tests are skipped (and `make test`
says so at the end), except under CI=true, where a missing Chromium fails the run.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (fixtures) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "tests/browser/" in str(item.fspath)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if chromium_path() or not browser_items:
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(
            "CI=true but Chromium was not found (install it with `apt-get install chromium` "
            "or set CHROMIUM_PATH): browser tests must run in CI."
        )
    skip = pytest.mark.skip(
        reason="Chromium not found (apt-get install chromium, or CHROMIUM_PATH)"
    )
    for item in browser_items:
        item.add_marker(skip)
    config._browser_tests_skipped = len(browser_items)


class InFlightRequests:
    """The live server's threads still answering a request (Django's request signals).

    The test's own thread (the test client, fixtures) is not the live server and is left out.
    """

    def __init__(self) -> None:
        self.threads: set[int] = set()
        self.idle = threading.Condition()

    def started(self, **kwargs) -> None:
        if threading.current_thread() is not threading.main_thread():
            with self.idle:
                self.threads.add(threading.get_ident())

    def finished(self, **kwargs) -> None:
        with self.idle:
            self.threads.discard(threading.get_ident())
            self.idle.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: not self.threads, timeout=timeout)


IN_FLIGHT = InFlightRequests()


@pytest.fixture(autouse=True)
def live_server_drained(transactional_db) -> Iterator[None]:
    """The test's last requests (a beacon, a late fetch) finish before the tables are emptied.

    Torn down after the page and its browser context close and before the database flush:
    a write still running during the flush deadlocks it on PostgreSQL.
    """
    from django.core.signals import request_finished, request_started

    request_started.connect(IN_FLIGHT.started, dispatch_uid="browser-in-flight-start")
    request_finished.connect(IN_FLIGHT.finished, dispatch_uid="browser-in-flight-finish")
    yield
    assert IN_FLIGHT.wait_until_idle(timeout=15), "the live server was still answering"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


PAGE_TIMEOUT_MS = 10_000


@pytest.fixture
def new_context(browser) -> Iterator[Callable[..., Any]]:
    """Opens fresh browser profiles (no cookies, no storage) with the options a test needs
    (a narrow screen, dark mode, no JavaScript, a second visitor); every one is closed when
    the test ends, passed or failed, so nothing a test did reaches the next."""
    opened: list[Any] = []

    def open_context(**options: Any) -> Any:
        ctx = browser.new_context(**options)
        ctx.set_default_timeout(PAGE_TIMEOUT_MS)
        opened.append(ctx)
        return ctx

    yield open_context
    for ctx in reversed(opened):
        ctx.close()


@pytest.fixture
def new_page(new_context) -> Callable[..., Any]:
    """A page in a fresh browser profile of its own: ``new_page(color_scheme="dark")``."""

    def open_page(**options: Any) -> Any:
        return new_context(**options).new_page()

    return open_page


@pytest.fixture
def context(new_context) -> Any:
    """A fresh browser profile per test: no cookies, no storage."""
    return new_context(viewport={"width": 1280, "height": 900})


@pytest.fixture
def page(context) -> Iterator:
    page = context.new_page()
    yield page
    page.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def seeded_live_server(live_server, transactional_db):
    """The live server with the seed content and the cookie categories a real install has.

    Live-server tests empty every table after each test, so what the data migrations
    created (the four cookie categories, the site's declared cookies and the consent texts
    in every language) is put back here.
    """
    import importlib

    from django.apps import apps

    from consent import catalog
    from glossary.seed import load_seed_content

    categories = importlib.import_module("consent.migrations.0002_categories_and_declared_cookies")
    categories.create(apps, None)
    # The consent texts in every language, as migration 0012 ships them.
    importlib.import_module("consent.migrations.0012_consent_texts_by_language").ship_texts(
        apps, None
    )
    catalog.invalidate()
    load_seed_content()
    return live_server
