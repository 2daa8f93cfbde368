"""Consent decisions are accepted only from the site's own pages, without a CSRF token.

The rules (consent/origin.py): ``Sec-Fetch-Site`` must be ``same-origin`` when sent; an
``Origin`` must be this site's (or a trusted) origin when sent; with neither header, the
``Referer`` must be this site; with nothing at all, the request is refused.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

NAME = settings.COOKIE_CONSENT_NAME
SITE = "http://testserver"

pytestmark = pytest.mark.django_db

DECISIONS = [
    ("/cookies/accept/", {"all": "1"}),
    ("/cookies/decline/", {"all": "1"}),
    ("/cookies/", {"action": "accept_all"}),
]


def post(url: str, data: dict, **headers: str):
    # enforce_csrf_checks: the only protection left is the origin check itself.
    return Client(enforce_csrf_checks=True, headers=headers).post(url, data)


class TestAccepted:
    @pytest.mark.parametrize(("url", "data"), DECISIONS)
    def test_form_posted_from_the_site_without_javascript(self, url, data):
        response = post(url, data, **{"Sec-Fetch-Site": "same-origin", "Origin": SITE})
        assert response.status_code == 302
        assert NAME in response.cookies

    def test_fetch_from_the_site(self):
        client = Client(
            enforce_csrf_checks=True,
            headers={"Sec-Fetch-Site": "same-origin", "Origin": SITE},
        )
        response = client.post(
            "/cookies/accept/", {"category": "analytics"}, HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 200
        assert json.loads(response.content)["granted"] == ["analytics"]

    def test_sec_fetch_site_alone_is_enough(self):
        response = post("/cookies/accept/", {"all": "1"}, **{"Sec-Fetch-Site": "same-origin"})
        assert response.status_code == 302

    def test_origin_alone_from_the_site(self):
        assert post("/cookies/accept/", {"all": "1"}, Origin=SITE).status_code == 302

    def test_old_browser_with_a_same_origin_referer(self):
        response = post("/cookies/decline/", {"all": "1"}, Referer=f"{SITE}/glossary/")
        assert response.status_code == 302

    def test_a_trusted_origin(self, settings):
        settings.CSRF_TRUSTED_ORIGINS = ["https://glossary.example.org"]
        response = post("/cookies/accept/", {"all": "1"}, Origin="https://glossary.example.org")
        assert response.status_code == 302

    def test_a_wildcard_trusted_origin(self, settings):
        settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org"]
        response = post("/cookies/accept/", {"all": "1"}, Origin="https://www.example.org")
        assert response.status_code == 302

    def test_https_behind_a_proxy(self, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        response = post(
            "/cookies/accept/",
            {"all": "1"},
            Origin="https://testserver",
            Host="testserver",
            **{"Sec-Fetch-Site": "same-origin", "X-Forwarded-Proto": "https"},
        )
        assert response.status_code == 302

    def test_plain_http_origin_is_refused_behind_an_https_proxy(self, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        response = post(
            "/cookies/accept/",
            {"all": "1"},
            Origin="http://testserver",
            Host="testserver",
            **{"X-Forwarded-Proto": "https"},
        )
        assert response.status_code == 403

    def test_reading_the_preferences_page_is_never_refused(self):
        response = Client(headers={"Sec-Fetch-Site": "cross-site"}).get("/cookies/")
        assert response.status_code == 200


REFUSED = {
    "cross-site": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    "same-site subdomain": {"Sec-Fetch-Site": "same-site", "Origin": "http://sub.testserver"},
    "typed or bookmarked": {"Sec-Fetch-Site": "none"},
    "cross-site, lying Origin": {"Sec-Fetch-Site": "cross-site", "Origin": SITE},
    "foreign Origin": {"Origin": "https://evil.example"},
    "foreign Origin, same-origin claim": {"Sec-Fetch-Site": "same-origin", "Origin": "http://x.y"},
    "null Origin": {"Origin": "null"},
    "null Origin, no Sec-Fetch-Site": {"Origin": "null", "Referer": f"{SITE}/"},
    "other scheme": {"Origin": "https://testserver"},
    "other port": {"Origin": "http://testserver:8080"},
    "look-alike host": {"Origin": "http://testserver.evil.example"},
    "garbled Origin": {"Origin": "http://[::1"},
    "nothing at all": {},
    "foreign Referer only": {"Referer": "https://evil.example/page"},
    "garbled Referer only": {"Referer": "javascript:alert(1)"},
}


class TestRefused:
    @pytest.mark.parametrize("headers", REFUSED.values(), ids=REFUSED.keys())
    @pytest.mark.parametrize(("url", "data"), DECISIONS)
    def test_refused_with_403_and_nothing_saved(self, url, data, headers):
        response = post(url, data, **headers)
        assert response.status_code == 403
        assert NAME not in response.cookies

    def test_the_page_says_why_and_links_back(self):
        response = post("/cookies/accept/", {"all": "1"}, **REFUSED["cross-site"])
        html = response.content.decode()
        assert response["Content-Type"].startswith("text/html")
        assert "<h1>Your cookie choice was not saved</h1>" in html
        assert "did not come from a page of" in html
        assert 'href="/cookies/"' in html
        assert 'id="consent-banner"' not in html
        assert 'link rel="stylesheet"' in html  # in the site's layout
        assert response["Cache-Control"] == "no-store"

    def test_fetch_gets_a_json_error(self):
        client = Client(headers=REFUSED["cross-site"])
        response = client.post("/cookies/accept/", {"all": "1"}, HTTP_ACCEPT="application/json")
        assert response.status_code == 403
        assert "did not come from this site" in json.loads(response.content)["error"]

    def test_an_untrusted_origin_is_not_rescued_by_trusted_ones(self, settings):
        settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org"]
        for origin in (
            "https://example.org.evil.example",
            "https://evilexample.org",
            "http://www.example.org",
        ):
            assert post("/cookies/accept/", {"all": "1"}, Origin=origin).status_code == 403
