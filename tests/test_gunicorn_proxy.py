"""gunicorn with the production configuration believes no forwarded header of its own:
whether a request came over HTTPS is Django's decision (X-Forwarded-Proto, and only with
DJANGO_BEHIND_HTTPS_PROXY), so a plain-http request carrying ``X-Forwarded-Ssl: on`` is
still redirected to HTTPS, and without the proxy setting no header makes a request secure."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import helpers

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
# What gunicorn's defaults took as "this request is secure" from 127.0.0.1.
GUNICORN_DEFAULT_HEADERS = [
    {"X-Forwarded-Ssl": "on"},
    {"X-Forwarded-Protocol": "ssl"},
]


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=20)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(self.path)


def _connection(address: str) -> http.client.HTTPConnection:
    if address.startswith("unix:"):
        return UnixConnection(address.removeprefix("unix:"))
    host, port = address.rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=20)


def get(address: str, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
    """One plain-http GET (no redirect followed): status, headers, body."""
    connection = _connection(address)
    try:
        connection.request("GET", path, headers={"Host": "localhost", **headers})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def production_env(tmp_path_factory) -> dict[str, str]:
    """DEBUG off, a secret key, allowed hosts, a migrated SQLite file, collected statics."""
    return helpers.production_env(
        tmp_path_factory.mktemp("proxy"), also_drop=frozenset({"FORWARDED_ALLOW_IPS"})
    )


@pytest.fixture(scope="module")
def start(production_env, tmp_path_factory) -> Iterator[Callable[..., str]]:
    servers: list[subprocess.Popen] = []

    def run(unix_socket: bool = False, **extra: str) -> str:
        if unix_socket:
            address = f"unix:{tmp_path_factory.mktemp('sock') / 'gunicorn.sock'}"
        else:
            address = f"127.0.0.1:{_free_port()}"
        process = subprocess.Popen(
            [GUNICORN, "--config", "config/gunicorn.conf.py", "--bind", address],
            cwd=ROOT,
            env={**production_env, **extra},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        servers.append(process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(address, "/healthz")[0] == 200:
                    return address
            except OSError:
                pass
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.2)
        raise AssertionError("gunicorn did not answer /healthz within 60 s")

    yield run
    for process in servers:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def behind_proxy(start) -> str:
    return start(DJANGO_BEHIND_HTTPS_PROXY="1")


@pytest.fixture(scope="module")
def without_proxy(start) -> str:
    return start()


@pytest.fixture(scope="module")
def behind_proxy_on_a_socket(start) -> str:
    return start(unix_socket=True, DJANGO_BEHIND_HTTPS_PROXY="1")


class TestBehindTheHttpsProxy:
    def test_plain_http_is_redirected(self, behind_proxy):
        status, headers, _ = get(behind_proxy, "/glossary/")
        assert status == 301
        assert headers["Location"] == "https://localhost/glossary/"

    @pytest.mark.parametrize("forged", GUNICORN_DEFAULT_HEADERS)
    def test_other_forwarded_headers_do_not_skip_the_redirect(self, behind_proxy, forged):
        status, headers, _ = get(behind_proxy, "/glossary/", **forged)
        assert status == 301
        assert headers["Location"] == "https://localhost/glossary/"

    @pytest.mark.parametrize("forged", GUNICORN_DEFAULT_HEADERS)
    def test_over_a_unix_socket_too(self, behind_proxy_on_a_socket, forged):
        status, headers, _ = get(behind_proxy_on_a_socket, "/glossary/", **forged)
        assert status == 301
        assert headers["Location"] == "https://localhost/glossary/"

    def test_the_proxys_own_header_is_https(self, behind_proxy):
        status, headers, body = get(behind_proxy, "/robots.txt", **{"X-Forwarded-Proto": "https"})
        assert status == 200
        assert "Sitemap: https://localhost/sitemap.xml" in body
        assert "Strict-Transport-Security" in headers

    def test_the_health_check_still_answers_plain_http(self, behind_proxy):
        assert get(behind_proxy, "/healthz")[0] == 200


class TestWithoutTheProxySetting:
    @pytest.mark.parametrize("forged", [*GUNICORN_DEFAULT_HEADERS, {"X-Forwarded-Proto": "https"}])
    def test_no_header_makes_a_request_secure(self, without_proxy, forged):
        status, headers, body = get(without_proxy, "/robots.txt", **forged)
        assert status == 200
        assert "Sitemap: http://localhost/sitemap.xml" in body
        assert "Strict-Transport-Security" not in headers
