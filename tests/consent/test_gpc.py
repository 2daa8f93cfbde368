"""Global Privacy Control: Sec-GPC: 1 (or consent.js's gpc=1 from
navigator.globalPrivacyControl) refuses marketing and personalization, unless the visitor
grants them explicitly on /cookies/; the refusal is recorded once, with method "gpc"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from consent.catalog import get_catalog
from consent.models import ConsentRecord
from consent.state import cookie_value, read_cookie, state_from_cookie

NAME = settings.COOKIE_CONSENT_NAME
GPC = {"HTTP_SEC_GPC": "1"}
BANNER = 'id="consent-banner"'
NOTICE = "Your browser sent a Global Privacy Control signal"

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_url(make_term) -> str:
    return make_term("Autophagy", slug="autophagy").get_absolute_url()


def test_the_header_refuses_marketing_and_personalization(client, page_url):
    response = client.get(page_url, **GPC)
    assert BANNER in response.content.decode()  # analytics is still undecided
    assert NAME not in response.cookies  # public pages set no cookie
    assert ConsentRecord.objects.count() == 0
    current = state_from_cookie("", gpc=True)
    assert current.refused_categories == ("personalization", "marketing")
    assert current.undecided == ("analytics",)


def test_an_earlier_banner_grant_does_not_outlive_the_signal(client):
    value = cookie_value(
        {"analytics": True, "personalization": True, "marketing": True}, timezone.now()
    )
    assert state_from_cookie(value, gpc=True).granted_categories == ("analytics",)
    assert state_from_cookie(value).granted_categories == (
        "analytics",
        "personalization",
        "marketing",
    )


def test_the_cookie_page_honours_the_signal_but_writes_nothing(client):
    # Any site can make a browser GET /cookies/ (an <img>): a GET never writes or records.
    for _ in range(3):
        response = client.get("/cookies/", **GPC)
        html = response.content.decode()
        assert NOTICE in html
        assert NAME not in response.cookies
    assert ConsentRecord.objects.count() == 0
    assert 'value="marketing" checked' not in html
    assert 'value="personalization" checked' not in html


def test_the_signal_is_recorded_once_when_consent_js_posts_it(client):
    refusal = {"category": ["marketing", "personalization"], "via": "gpc", "gpc": "1"}
    for _ in range(3):
        response = client.post("/cookies/decline/", refusal, HTTP_ACCEPT="application/json", **GPC)
        assert response.status_code == 200
    record = ConsentRecord.objects.get()
    assert (record.action, record.method, record.gpc) == ("gpc", "gpc", True)
    assert record.choices == {"personalization": False, "marketing": False}
    assert read_cookie(client.cookies[NAME].value, get_catalog()).consent_id == record.consent_id


def test_the_notice_is_there_for_consent_js_without_the_header(client):
    html = client.get("/cookies/").content.decode()
    assert "data-consent-gpc-notice hidden" in html
    assert ConsentRecord.objects.count() == 0


@pytest.mark.parametrize("how", ["header", "field"])
def test_accept_all_in_the_banner_keeps_them_refused(client, how):
    data = {"all": "1"} if how == "header" else {"all": "1", "gpc": "1"}
    extra = GPC if how == "header" else {}
    response = client.post("/cookies/accept/", data, **extra)
    record = ConsentRecord.objects.get()
    assert record.action == "accept_all" and record.gpc
    assert record.choices == {"analytics": True, "personalization": False, "marketing": False}
    assert read_cookie(response.cookies[NAME].value, get_catalog()).choices == record.choices


def test_consent_js_records_the_signal_with_method_gpc(client):
    client.post(
        "/cookies/decline/",
        {"category": ["marketing", "personalization"], "via": "gpc", "gpc": "1"},
        HTTP_ACCEPT="application/json",
    )
    record = ConsentRecord.objects.get()
    assert (record.action, record.method, record.gpc) == ("gpc", "gpc", True)


def test_an_explicit_grant_on_the_cookie_page_wins_over_the_signal(client, page_url):
    response = client.post(
        "/cookies/", {"action": "save", "granted": ["analytics", "marketing"]}, **GPC
    )
    stored = read_cookie(response.cookies[NAME].value, get_catalog())
    assert stored.gpc_grant
    record = ConsentRecord.objects.get()
    assert record.choices == {"analytics": True, "personalization": False, "marketing": True}
    current = state_from_cookie(response.cookies[NAME].value, gpc=True)
    assert current.granted_categories == ("analytics", "marketing")
    client.get("/cookies/", **GPC)  # nothing new to write
    assert ConsentRecord.objects.count() == 1
    # A later banner decision under the signal refuses them again.
    response = client.post("/cookies/accept/", {"all": "1"}, **GPC)
    assert state_from_cookie(response.cookies[NAME].value, gpc=True).granted_categories == (
        "analytics",
    )


def test_asked_again_under_the_signal_the_earlier_choices_still_prefill(client):
    earlier = {"analytics": True, "personalization": True, "marketing": False}
    client.cookies[NAME] = cookie_value(earlier, timezone.now() - timedelta(days=200))
    html = client.get("/cookies/", **GPC).content.decode()
    assert ConsentRecord.objects.count() == 0  # nothing written over the earlier choices
    assert 'id="switch-analytics" name="granted" value="analytics" checked' in html
    assert 'value="personalization" checked' not in html  # the signal refuses it now
    assert NOTICE in html
