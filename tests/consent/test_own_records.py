"""A visitor's own records on /cookies/: their consent id and decisions, a JSON download,
and "forget me". Only the cookie holder sees them; no parameter names another id."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from consent.catalog import get_catalog
from consent.models import ConsentRecord
from consent.records import ERASURE_ID_PREFIX

from .conftest import SAME_ORIGIN

pytestmark = pytest.mark.django_db


def visitor_who_decides(**form) -> tuple[Client, str]:
    """A browser that chose on /cookies/ (no JavaScript), and its consent id."""
    client = Client(headers=SAME_ORIGIN)
    response = client.post("/cookies/", form)
    assert response.status_code == 302
    record = ConsentRecord.objects.latest("pk")
    return client, record.consent_id


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


class TestHistoryOnTheCookiesPage:
    def test_shows_the_id_and_each_category_s_choice_with_version_and_method(self):
        client, consent_id = visitor_who_decides(action="save", granted=["analytics"])
        page = html(client.get("/cookies/"))
        assert f"<code data-consent-own-id>{consent_id}</code>" in page
        row = page.split("data-consent-history>")[1].split("</table>")[0]
        assert "Save preferences" in row
        assert row.count("Allowed") == 1 and row.count("Refused") == 2
        assert get_catalog().policy_version in row
        assert "Preferences page (no-JS form)" in row

    def test_every_decision_of_the_browser_is_one_history_oldest_first(self):
        client, consent_id = visitor_who_decides(action="accept_all")
        client.post("/cookies/", {"action": "save", "granted": ["analytics"]})
        client.post("/cookies/", {"action": "reject_all"})
        records = list(ConsentRecord.objects.order_by("pk"))
        assert {item.consent_id for item in records} == {consent_id}
        page = html(client.get("/cookies/"))
        history = page.split("data-consent-history>")[1].split("</table>")[0]
        assert history.count("<tr") == 1 + 3  # a header row and one row per decision
        download = client.get("/cookies/my-records.json").json()
        assert [item["action"] for item in download["records"]] == [
            "accept_all",
            "withdraw",
            "reject_all",
        ]
        client.post("/cookies/forget/")
        assert not ConsentRecord.objects.filter(consent_id=consent_id).exists()

    def test_a_visitor_without_a_cookie_is_told_why_there_is_nothing(self):
        page = html(Client().get("/cookies/"))
        assert "data-consent-no-records" in page
        assert "data-consent-history>" not in page

    def test_the_page_is_never_cached(self):
        client, _ = visitor_who_decides(action="accept_all")
        response = client.get("/cookies/")
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= control
        assert "Cookie" in response["Vary"]

    def test_one_query_more_than_without_records(self, django_assert_max_num_queries):
        client, _ = visitor_who_decides(action="accept_all")
        client.get("/cookies/")  # warm the catalog
        with django_assert_max_num_queries(3):
            client.get("/cookies/")


class TestDownload:
    def test_the_download_holds_exactly_the_visitors_records(self):
        client, consent_id = visitor_who_decides(action="reject_all")
        record = ConsentRecord.objects.get(consent_id=consent_id)
        response = client.get("/cookies/my-records.json")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == 'attachment; filename="my-consent-records.json"'
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= control
        assert json.loads(response.content) == {
            "consent_id": consent_id,
            "records": [
                {
                    "decided_at": record.decided_at.isoformat(timespec="seconds"),
                    "action": "reject_all",
                    "method": "preferences_no_js",
                    "reason": "first",
                    "policy_version": get_catalog().policy_version,
                    "language": "en-gb",
                    "text_version": 1,
                    "choices": {"analytics": False, "personalization": False, "marketing": False},
                    "gpc": False,
                }
            ],
        }

    def test_without_a_cookie_the_download_is_empty(self):
        response = Client().get("/cookies/my-records.json")
        assert json.loads(response.content) == {"consent_id": None, "records": []}


class TestAnotherVisitorsIdGivesNothing:
    def test_naming_an_id_in_the_query_shows_nothing_of_it(self):
        _, other_id = visitor_who_decides(action="accept_all")
        stranger = Client()
        assert other_id not in html(stranger.get("/cookies/", {"consent_id": other_id}))
        assert other_id not in html(stranger.get("/cookies/", {"id": other_id}))
        download = stranger.get("/cookies/my-records.json", {"consent_id": other_id})
        assert json.loads(download.content) == {"consent_id": None, "records": []}

    def test_naming_an_id_in_a_forget_form_erases_nothing_of_it(self):
        _, other_id = visitor_who_decides(action="accept_all")
        stranger, own_id = visitor_who_decides(action="reject_all")
        stranger.post("/cookies/forget/", {"consent_id": other_id, "id": other_id})
        assert ConsentRecord.objects.filter(consent_id=other_id).exists()
        assert not ConsentRecord.objects.filter(consent_id=own_id).exists()


class TestForgetMe:
    def test_deletes_exactly_the_visitors_records_and_expires_the_cookie(self):
        client, consent_id = visitor_who_decides(action="accept_all")
        other, other_id = visitor_who_decides(action="reject_all")
        before = ConsentRecord.objects.count()
        response = client.post("/cookies/forget/")
        assert response.status_code == 302
        assert response["Location"] == "/cookies/?forgotten=1"
        expired = response.cookies[settings.COOKIE_CONSENT_NAME]
        assert expired.value == "" and expired["max-age"] == 0
        assert not ConsentRecord.objects.filter(consent_id=consent_id).exists()
        assert ConsentRecord.objects.filter(consent_id=other_id).count() == 1
        assert ConsentRecord.objects.count() == before  # one deleted, one erasure written
        page = html(client.get(response["Location"]))
        assert "data-consent-forgotten" in page and consent_id not in page
        assert other_id in html(other.get("/cookies/"))

    def test_writes_one_erasure_record_without_the_id(self):
        client, consent_id = visitor_who_decides(action="accept_all")
        client.post("/cookies/forget/")
        erasure = ConsentRecord.objects.get(action=ConsentRecord.Action.ERASED)
        assert erasure.consent_id.startswith(ERASURE_ID_PREFIX)
        assert consent_id not in erasure.consent_id
        assert erasure.choices == {} and erasure.method == "preferences_no_js"

    def test_expires_the_cookies_of_optional_categories(self):
        from cookie_consent.models import Cookie, CookieGroup

        from consent.models import CookieDetails

        analytics = CookieGroup.objects.get(varname="analytics")
        cookie = Cookie.objects.create(cookiegroup=analytics, name="_stats", description="x")
        CookieDetails.objects.create(cookie=cookie, lifetime="1 day")
        client, _ = visitor_who_decides(action="accept_all")
        client.cookies["_stats"] = "1"
        response = client.post("/cookies/forget/")
        assert response.cookies["_stats"]["max-age"] == 0

    def test_with_nothing_to_forget_nothing_is_written(self):
        response = Client(headers=SAME_ORIGIN).post("/cookies/forget/")
        assert response.status_code == 302
        assert not ConsentRecord.objects.exists()

    def test_a_post_from_another_site_is_refused(self):
        client, consent_id = visitor_who_decides(action="accept_all")
        response = client.post(
            "/cookies/forget/",
            headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        )
        assert response.status_code == 403
        assert settings.COOKIE_CONSENT_NAME not in response.cookies
        assert ConsentRecord.objects.filter(consent_id=consent_id).exists()

    def test_get_is_not_allowed(self):
        client, consent_id = visitor_who_decides(action="accept_all")
        assert client.get("/cookies/forget/").status_code == 405
        assert ConsentRecord.objects.filter(consent_id=consent_id).exists()

    def test_consent_js_gets_json(self):
        client, _ = visitor_who_decides(action="accept_all")
        response = client.post("/cookies/forget/", headers={"Accept": "application/json"})
        assert json.loads(response.content) == {"deleted": 1}
        assert ConsentRecord.objects.get(action=ConsentRecord.Action.ERASED).method == "preferences"
