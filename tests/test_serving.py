"""Serving: identical public pages, security headers, /healthz, 413 for oversized bodies,
and the production configuration under gunicorn (what `make serve` runs)."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client, override_settings
from PIL import Image

from glossary.models import Category
from tests import helpers
from tests.helpers import decided

ROOT = Path(__file__).resolve().parents[1]
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
SEED_TERM = "/glossary/resistance-training-neurological-benefits/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_urls(seed) -> list[str]:
    category = Category.objects.order_by("pk").first()
    return [
        "/",
        "/glossary/",
        "/glossary/letter/r/",
        SEED_TERM,
        category.get_absolute_url(),
        "/search/?q=exercise",
        "/search/?q=no+such+thing",
        "/cookies/",
        "/no-such-page/",
        "/feed/",
        "/sitemap.xml",
        "/robots.txt",
    ]


class TestIdenticalPages:
    def test_first_visitors_get_byte_identical_html_and_no_cookie(self, public_urls):
        for url in public_urls:
            first, second = Client().get(url), Client().get(url)
            assert first.status_code == (404 if url == "/no-such-page/" else 200), url
            assert first.content == second.content, url
            html = first.content.decode()
            if first["Content-Type"].startswith("text/html") and url != "/cookies/":
                assert 'id="consent-banner"' in html, url
            assert "csrfmiddlewaretoken" not in html, url
            assert not first.cookies, f"{url} sets {list(first.cookies)}"

    def test_decided_visitors_with_different_choices_get_identical_html(self, public_urls):
        everything = decided(analytics=True, personalization=True, marketing=True)
        nothing = decided(analytics=False, personalization=False, marketing=False)
        mixed = decided(analytics=True, personalization=False, marketing=True)
        for url in public_urls:
            if url == "/cookies/":
                continue  # the preferences form shows each visitor's own switches
            pages = [client.get(url) for client in (everything, nothing, mixed)]
            assert pages[0].content == pages[1].content == pages[2].content, url
            html = pages[0].content.decode()
            assert 'id="consent-banner"' not in html, url
            assert "csrfmiddlewaretoken" not in html, url
            assert not any(page.cookies for page in pages), url

    def test_the_personal_preferences_page_is_never_stored(self, seed):
        response = decided(analytics=True, personalization=False, marketing=False).get("/cookies/")
        assert "no-store" in response["Cache-Control"]

    def test_public_pages_do_not_vary_on_cookie_because_of_csrf(self, public_urls):
        # Pages that render the banner depend on the consent cookie (Vary: Cookie for now;
        # the page cache keys on banner state). Nothing else may add it: no CSRF cookie.
        for url in ("/glossary/", "/search/?q=exercise", "/feed/", "/sitemap.xml"):
            response = Client().get(url)
            assert settings.CSRF_COOKIE_NAME not in response.cookies, url
        assert "Cookie" not in Client().get("/robots.txt").get("Vary", "")
        assert "Cookie" not in Client().get("/search/suggest/?q=ex").get("Vary", "")


EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
DENIED_FEATURES = (
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "browsing-topics",
    "display-capture",
    "serial",
    "hid",
)


class TestSecurityHeaders:
    @pytest.mark.parametrize("url", ["/", SEED_TERM, "/admin/login/"])
    def test_security_headers(self, seed, url):
        Client().get(url)
        response = Client().get(url)  # public pages: answered from the page cache
        assert response.status_code == 200
        for name, value in EXPECTED_HEADERS.items():
            assert response[name] == value, name
        policy = dict(
            part.strip().split("=", 1) for part in response["Permissions-Policy"].split(",")
        )
        for feature in DENIED_FEATURES:
            assert policy[feature] == "()", feature
        assert "fullscreen" not in policy  # embedded videos may still go full screen
        csp = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp


class TestHealthz:
    def test_ok(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.content == b"ok\n"
        assert response["Cache-Control"] == "no-store"
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert not response.cookies

    def test_answers_load_balancers_by_ip_over_plain_http(self, client, settings):
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        assert client.get("/", HTTP_HOST="testserver").status_code == 301  # pages redirect
        response = client.get("/healthz", HTTP_HOST="10.1.2.3")
        assert response.status_code == 200

    def test_503_when_the_cache_does_not_answer(self, client, caplog):
        unreachable = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
            }
        }
        with caplog.at_level(logging.WARNING), override_settings(CACHES=unreachable):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.content == b"unavailable\n"  # no details
        assert response["Cache-Control"] == "no-store"
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert "the cache does not answer" in caplog.text

    def test_503_when_the_database_does_not_answer(self, client, monkeypatch, caplog):
        def refuse() -> None:
            raise OperationalError("connection refused")

        monkeypatch.setattr(connection, "ensure_connection", refuse)
        with caplog.at_level(logging.WARNING):
            response = client.get("/healthz")
        monkeypatch.undo()
        assert response.status_code == 503
        assert response.content == b"unavailable\n"
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert "the database does not answer" in caplog.text


class TestOversizedBodies:
    def test_oversized_consent_decision_is_413_with_a_page(self, seed):
        client = Client(headers=SAME_ORIGIN)
        big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
        response = client.post(
            "/cookies/accept/",
            f"all=1&next={big}",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 413
        html = response.content.decode()
        assert "<h1>Request too large</h1>" in html and "2.5\xa0MB" in html
        assert settings.COOKIE_CONSENT_NAME not in response.cookies

    def test_oversized_admin_form_is_413(self, admin_client, seed):
        big = "word " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 5 + 1)
        response = admin_client.post(
            "/admin/glossary/term/add/", {"title": "Huge", "slug": "huge", "body": big}
        )
        assert response.status_code == 413
        assert "Request too large" in response.content.decode()

    def test_a_body_under_the_limit_is_not_refused(self, seed):
        client = Client(headers=SAME_ORIGIN)
        response = client.post("/cookies/accept/", {"all": "1", "padding": "x" * 2_000_000})
        assert response.status_code == 302

    def test_image_uploads_larger_than_the_form_limit_still_work(
        self, admin_client, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
        buffer = io.BytesIO()
        noise.save(buffer, format="PNG")
        assert buffer.tell() > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        buffer.seek(0)
        buffer.name = "noise.png"
        response = admin_client.post(settings.MARKDOWNX_UPLOAD_URLS_PATH, {"image": buffer})
        assert response.status_code == 200, response.content
        assert response.json()["url"].startswith("/media/uploads/")


# --- The production configuration under gunicorn ------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, data: dict | None = None, **headers: str):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with _opener.open(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def production_env(tmp_path_factory) -> dict[str, str]:
    """DEBUG off, the two required variables, a migrated SQLite file, collected static files."""
    return helpers.production_env(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def gunicorn(production_env) -> Iterator:
    servers: list[subprocess.Popen] = []

    def start(**extra: str) -> str:
        port = _free_port()
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--config",
                "config/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env={**production_env, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        servers.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if fetch(base + "/healthz")[0] == 200:
                    return base
            except OSError:
                pass
            assert process.poll() is None, process.stdout.read().decode()
            time.sleep(0.2)
        raise AssertionError("gunicorn did not answer /healthz within 60 s")

    yield start
    for process in servers:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def plain_server(gunicorn) -> str:
    return gunicorn()


class TestProductionServer:
    def test_plain_http_on_localhost_works(self, plain_server):
        base = plain_server
        status, headers, body = fetch(base + "/cookies/")
        assert status == 200  # no redirect to https
        assert "Strict-Transport-Security" not in headers
        assert "camera=()" in headers["Permissions-Policy"]
        assert b"csrfmiddlewaretoken" not in body
        stylesheet = body.decode().split('rel="stylesheet" href="')[1].split('"')[0]
        assert stylesheet.startswith("/static/css/site.") and stylesheet.endswith(".css")
        assert fetch(base + stylesheet)[0] == 200  # hashed name from collectstatic

        status, headers, _ = fetch(
            base + "/cookies/accept/",
            {"all": "1", "next": "/cookies/"},
            Origin=base,
            **{"Sec-Fetch-Site": "same-origin"},
        )
        assert status == 302 and headers["Location"] == "/cookies/"
        consent = [c for c in headers.get_all("Set-Cookie") if c.startswith("cookie_consent=")]
        assert consent and "Secure" not in consent[0]  # usable over http

        assert (
            fetch(base + "/cookies/accept/", {"all": "1"}, Origin="https://evil.example")[0] == 403
        )

    def test_consent_script_is_served_compressed_within_its_5_kb_budget(self, plain_server):
        _, _, body = fetch(plain_server + SEED_TERM)
        script = body.decode().split('src="/static/js/consent.')[1].split('"')[0]
        url = f"{plain_server}/static/js/consent.{script}"
        for encoding in ("gzip", "br"):
            status, headers, compressed = fetch(url, **{"Accept-Encoding": encoding})
            assert status == 200 and headers["Content-Encoding"] == encoding
            assert len(compressed) < 5000, f"consent.js is {len(compressed)} B as {encoding}"

    def test_debug_is_off(self, plain_server):
        status, _, body = fetch(plain_server + "/no-such-page/")
        assert status == 404
        assert b"Page not found" in body and b"URLconf" not in body

    def test_behind_an_https_proxy(self, gunicorn):
        base = gunicorn(DJANGO_BEHIND_HTTPS_PROXY="1")
        status, headers, _ = fetch(base + "/glossary/")
        assert status == 301 and headers["Location"].startswith("https://127.0.0.1")
        for _ in range(2):  # stored, then answered from the page cache
            status, headers, _ = fetch(base + "/glossary/", **{"X-Forwarded-Proto": "https"})
            assert status == 200
            assert "max-age=31536000" in headers["Strict-Transport-Security"]
        assert headers["X-Page-Cache"] == "hit"
        status, headers, _ = fetch(base + "/glossary/")  # the stored https page is not it
        assert status == 301 and headers["Location"].startswith("https://127.0.0.1")
        status, headers, _ = fetch(
            base + "/cookies/decline/",
            {"all": "1"},
            Origin=base.replace("http://", "https://"),
            **{"Sec-Fetch-Site": "same-origin", "X-Forwarded-Proto": "https"},
        )
        assert status == 302
        assert all("Secure" in c for c in headers.get_all("Set-Cookie"))
        assert fetch(base + "/healthz")[0] == 200  # load balancers check over plain http
