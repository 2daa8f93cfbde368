"""Proof of consent cannot be flooded: a GET never writes a record, a repeated decision
writes nothing, and one client gets a bounded number of records per window (a 429 after
that, with nothing saved); every decision that is saved still has exactly one record."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from consent import conf
from consent.catalog import get_catalog
from consent.models import ConsentRecord
from consent.state import read_cookie
from tests.consent.conftest import SAME_ORIGIN

NAME = settings.COOKIE_CONSENT_NAME
JSON = {"HTTP_ACCEPT": "application/json"}
GPC = {"HTTP_SEC_GPC": "1"}

pytestmark = pytest.mark.django_db


def consent_id(client: Client) -> str:
    return read_cookie(client.cookies[NAME].value, get_catalog()).consent_id


def visitor(address: str) -> Client:
    return Client(headers=SAME_ORIGIN, REMOTE_ADDR=address)


class TestNoRecordOnARead:
    def test_a_cross_site_image_of_the_cookie_page_with_gpc_writes_nothing(self, db):
        image = Client(headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image"})
        for _ in range(5):
            response = image.get("/cookies/", **GPC)
            assert response.status_code == 200
            assert NAME not in response.cookies
        assert ConsentRecord.objects.count() == 0

    def test_gpc_still_refuses_on_the_page_read(self, client):
        html = client.get("/cookies/", **GPC).content.decode()
        assert 'value="analytics"' in html
        assert 'value="marketing" checked' not in html
        assert ConsentRecord.objects.count() == 0


class TestRepeatedDecisions:
    @pytest.mark.parametrize("extra", [{}, JSON], ids=["no-js", "fetch"])
    def test_the_same_decision_twice_is_one_record(self, client, extra):
        client.post("/cookies/accept/", {"all": "1"}, **extra)
        first = consent_id(client)
        response = client.post("/cookies/accept/", {"all": "1"}, **extra)
        assert response.status_code in (200, 302)
        assert NAME not in response.cookies  # the cookie stays as it was
        assert consent_id(client) == first
        assert list(ConsentRecord.objects.values_list("consent_id", flat=True)) == [first]

    def test_the_same_choices_by_another_route_are_one_record(self, client):
        client.post("/cookies/", {"action": "save", "granted": ["analytics"]})
        client.post("/cookies/accept/", {"category": "analytics"}, **JSON)
        client.post("/cookies/decline/", {"category": ["marketing"]}, **JSON)
        assert ConsentRecord.objects.count() == 1

    def test_changing_the_decision_is_a_second_record(self, client):
        client.post("/cookies/accept/", {"all": "1"}, **JSON)
        first = consent_id(client)
        client.post("/cookies/decline/", {"category": "marketing"}, **JSON)
        assert consent_id(client) == first  # the browser's history goes on
        earlier, later = ConsentRecord.objects.filter(consent_id=first).order_by("pk")
        assert earlier.choices["marketing"] is True
        assert later.choices == {"analytics": True, "personalization": True, "marketing": False}
        assert later.reason == "change"


class TestOneClientsBudget:
    def test_500_alternating_decisions_add_a_bounded_number_of_records(self, client):
        limit = conf.records_per_client()
        answers = []
        for number in range(500):
            url = "/cookies/accept/" if number % 2 == 0 else "/cookies/decline/"
            answers.append(client.post(url, {"all": "1"}, **JSON).status_code)
        assert ConsentRecord.objects.count() == limit
        assert set(answers[:limit]) == {200}
        # Past the budget every change is refused; only repeating the decision the cookie
        # holds still answers 200 (and writes nothing).
        assert answers[limit:].count(429) == (500 - limit) // 2

    def test_500_posts_without_a_cookie_add_a_bounded_number_of_records(self, db):
        limit = conf.records_per_client()
        for _ in range(500):
            forgetful = visitor("203.0.113.9")  # keeps no cookie between posts
            forgetful.post("/cookies/accept/", {"all": "1"})
        assert ConsentRecord.objects.count() == limit

    def test_past_the_budget_nothing_is_saved_and_the_answer_says_so(self, client):
        for number in range(conf.records_per_client()):
            client.post(
                "/cookies/accept/" if number % 2 == 0 else "/cookies/decline/", {"all": "1"}
            )
        held = client.cookies[NAME].value
        response = client.post("/cookies/accept/", {"all": "1"}, **JSON)
        assert response.status_code == 429
        assert "try again in a few minutes" in response.json()["error"]
        assert int(response["Retry-After"]) == conf.record_window_seconds()
        assert NAME not in response.cookies
        assert client.cookies[NAME].value == held
        plain = client.post("/cookies/accept/", {"all": "1"})
        assert plain.status_code == 429 and b"Nothing was changed" in plain.content
        # The decision the cookie holds may still be repeated (it writes nothing).
        assert client.post("/cookies/decline/", {"all": "1"}, **JSON).status_code == 200

    def test_another_visitors_decision_is_still_recorded(self, db):
        flooder = visitor("203.0.113.9")
        for number in range(conf.records_per_client() + 20):
            url = "/cookies/accept/" if number % 2 == 0 else "/cookies/decline/"
            flooder.post(url, {"all": "1"}, **JSON)
        other = visitor("198.51.100.4")
        response = other.post("/cookies/accept/", {"category": "analytics"}, **JSON)
        assert response.status_code == 200
        assert ConsentRecord.objects.filter(consent_id=consent_id(other)).count() == 1

    def test_every_saved_decision_has_exactly_one_record(self, client):
        saved = []
        for number in range(conf.records_per_client() + 10):
            url = "/cookies/accept/" if number % 2 == 0 else "/cookies/decline/"
            response = client.post(url, {"all": "1"}, **JSON)
            if response.status_code == 200 and NAME in response.cookies:  # not a repeat
                saved.append("accept_all" if number % 2 == 0 else "reject_all")
        recorded = list(ConsentRecord.objects.order_by("pk").values_list("action", flat=True))
        assert recorded == saved
        assert len(recorded) == conf.records_per_client()
        assert set(ConsentRecord.objects.values_list("consent_id", flat=True)) == {
            consent_id(client)
        }

    def test_the_budget_follows_the_setting(self, client, settings):
        settings.CONSENT_RECORDS_PER_CLIENT = 3
        for number in range(10):
            client.post(
                "/cookies/accept/" if number % 2 == 0 else "/cookies/decline/", {"all": "1"}
            )
        assert ConsentRecord.objects.count() == 3

    def test_behind_a_proxy_the_named_header_tells_clients_apart(self, db, settings):
        settings.CONSENT_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
        settings.CONSENT_RECORDS_PER_CLIENT = 2
        for address in ("192.0.2.1", "192.0.2.2"):
            proxied = Client(headers={**SAME_ORIGIN, "X-Forwarded-For": f"10.9.9.9, {address}"})
            for number in range(5):
                url = "/cookies/accept/" if number % 2 == 0 else "/cookies/decline/"
                proxied.post(url, {"all": "1"})
        assert ConsentRecord.objects.count() == 4
