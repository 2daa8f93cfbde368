"""The page-view beacon cannot be inflated by one client, and bad input is never a 500:
a visitor counts once per term per window; one client address has a budget of counted
views per window, whatever consent cookies it forges; junk slugs answer 204."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DataError, connection, transaction
from django.test import Client
from django.utils import timezone

from consent.state import cookie_value
from glossary import pageviews
from glossary.models import Term, TermViews

pytestmark = pytest.mark.django_db

BEACON = "/pageviews/"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
JUNK = [
    "auto\x00phagy",
    "\x00",
    "autophagy\x00",
    "auto phagy",
    "auto\nphagy",
    "../autophagy",
    "autophagy/",
    "%00",
    "caf\u00e9",
    "x" * 221,
]


@pytest.fixture(params=["cache", "database"])
def store(request, settings) -> str:
    settings.PAGEVIEWS_STORE = request.param
    return request.param


@pytest.fixture
def term(make_term) -> Term:
    return make_term("Autophagy", slug="autophagy")


def reader(address: str = "127.0.0.1") -> Client:
    """A visitor with analytics granted (a consent cookie with its own consent id)."""
    client = Client(headers=SAME_ORIGIN, REMOTE_ADDR=address)
    client.cookies[settings.COOKIE_CONSENT_NAME] = cookie_value({"analytics": True}, timezone.now())
    return client


def counted(term: Term) -> int:
    pageviews.flush()
    return sum(TermViews.objects.filter(term=term).values_list("count", flat=True))


@pytest.mark.parametrize("slug", JUNK)
def test_junk_slugs_answer_204_and_count_nothing(store, term, slug):
    assert reader().post(BEACON, {"term": slug}).status_code == 204
    assert counted(term) == 0


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL behaviour: runs when DATABASE_URL points at PostgreSQL (CI does)",
)
def test_a_nul_byte_never_reaches_postgresql(store, term):
    with pytest.raises(DataError), transaction.atomic():  # the beacon's old 500
        Term.objects.filter(slug="auto\x00phagy").exists()
    assert reader().post(BEACON, {"term": "auto\x00phagy"}).status_code == 204
    assert reader().post(BEACON, {"term": "autophagy"}).status_code == 204
    assert counted(term) == 1


def test_a_visitor_counts_once_per_term_per_window(store, term, make_term):
    other = make_term("Senescence", slug="senescence")
    visitor = reader()
    for _ in range(50):
        assert visitor.post(BEACON, {"term": "autophagy"}).status_code == 204
    visitor.post(BEACON, {"term": "senescence"})
    assert counted(term) == 1
    assert counted(other) == 1


def test_two_visitors_on_one_address_count_twice(store, term):
    reader().post(BEACON, {"term": "autophagy"})
    reader().post(BEACON, {"term": "autophagy"})
    assert counted(term) == 2


def test_forged_cookies_from_one_address_stay_within_its_budget(store, term, settings):
    settings.PAGEVIEWS_PER_CLIENT = 5
    for _ in range(40):  # a new consent id every time
        reader("203.0.113.9").post(BEACON, {"term": "autophagy"})
    assert counted(term) == 5
    reader("198.51.100.4").post(BEACON, {"term": "autophagy"})  # someone else
    assert counted(term) == 6


def test_bytes_that_are_not_utf_8_answer_204(store, term):
    body = b"term=auto%FF%FEphagy"
    response = reader().post(BEACON, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204
    assert counted(term) == 0


def test_the_default_budget_bounds_a_flood(store, term):
    for _ in range(300):
        reader("203.0.113.9").post(BEACON, {"term": "autophagy"})
    assert counted(term) == 120
