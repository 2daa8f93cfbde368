"""Where a decision sends the visitor back to: this site only, an absolute path, else the
home page; never a 500, whatever ``next`` or ``Referer`` holds."""

from __future__ import annotations

import pytest

from consent.models import ConsentRecord

pytestmark = pytest.mark.django_db

UNUSABLE = [
    "foo",  # a bare word: Django's redirect() would look it up as a view name
    "foo/bar",
    "consent:preferences",
    "//evil.example",
    "//evil.example/x",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "\x00/glossary/",
    "/" + "a" * 5000,  # longer than any address here
    "http://testserver",  # no path
]


@pytest.mark.parametrize("target", UNUSABLE)
@pytest.mark.parametrize("url", ["/cookies/accept/", "/cookies/decline/"])
def test_an_unusable_next_falls_back_to_home(client, url, target):
    response = client.post(url, {"all": "1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert ConsentRecord.objects.count() == 1  # the decision itself was saved


@pytest.mark.parametrize("target", UNUSABLE)
def test_an_unusable_referer_falls_back_to_home(client, target):
    response = client.post("/cookies/accept/", {"all": "1"}, HTTP_REFERER=target)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", UNUSABLE)
def test_the_preferences_form_drops_an_unusable_next(client, target):
    response = client.post("/cookies/", {"action": "save", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/cookies/?saved=1"
    page = client.get("/cookies/", {"saved": "1", "next": target})
    assert page.status_code == 200


def test_a_non_ascii_path_on_this_site_is_kept_and_encoded(client):
    response = client.post("/cookies/accept/", {"all": "1", "next": "/glossary/café/?q=ü"})
    assert response.status_code == 302
    assert response["Location"] == "/glossary/caf%C3%A9/?q=%C3%BC"


def test_a_path_on_this_site_is_kept(client):
    response = client.post("/cookies/decline/", {"all": "1", "next": "/glossary/autophagy/"})
    assert response["Location"] == "/glossary/autophagy/"
    response = client.post("/cookies/", {"action": "reject_all", "next": "/glossary/x/"})
    assert response["Location"] == "/cookies/?saved=1&next=%2Fglossary%2Fx%2F"
