# ruff: noqa: F811  (pytest fixtures imported from tests.glossary.editor_helpers)
"""First-party page views: counted only with analytics granted, flushed as daily rows."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.state import cookie_value
from glossary import pageviews
from glossary.models import Term, TermViews
from tests.glossary.editor_helpers import PASSWORD, editor, editor_client  # noqa: F401

pytestmark = pytest.mark.django_db

BEACON = "/pageviews/"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
STATS = "/admin/glossary/termviews/"


@pytest.fixture(params=["cache", "database"])
def store(request, settings) -> str:
    """Every rule holds whether views are counted in the cache or written at once."""
    settings.PAGEVIEWS_STORE = request.param
    return request.param


@pytest.fixture
def term(make_term) -> Term:
    return make_term("Autophagy", slug="autophagy")


def reader(**decisions: bool) -> Client:
    client = Client(headers=SAME_ORIGIN)
    if decisions:
        client.cookies[settings.COOKIE_CONSENT_NAME] = cookie_value(decisions, timezone.now())
    return client


def counted(term: Term) -> int:
    pageviews.flush()
    return sum(TermViews.objects.filter(term=term).values_list("count", flat=True))


# The beacon ---------------------------------------------------------------------------


def test_a_view_with_analytics_granted_is_counted(store, term):
    response = reader(analytics=True).post(BEACON, {"term": "autophagy"})
    assert response.status_code == 204
    assert counted(term) == 1


def test_nothing_is_counted_without_a_consent_cookie(store, term):
    assert reader().post(BEACON, {"term": "autophagy"}).status_code == 204
    assert counted(term) == 0


def test_nothing_is_counted_when_analytics_was_refused(store, term):
    client = reader(analytics=False, personalization=True, marketing=True)
    assert client.post(BEACON, {"term": "autophagy"}).status_code == 204
    assert counted(term) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://sub.testserver"},
        {},  # nothing says where it came from
    ],
)
def test_a_beacon_from_another_site_is_refused(store, term, headers):
    client = Client(headers=headers)
    client.cookies[settings.COOKIE_CONSENT_NAME] = cookie_value({"analytics": True}, timezone.now())
    assert client.post(BEACON, {"term": "autophagy"}).status_code == 403
    assert counted(term) == 0


def test_unknown_draft_and_junk_slugs_count_nothing(store, make_term, term):
    make_term("Draft", slug="draft", status=Term.Status.DRAFT)
    client = reader(analytics=True)
    for slug in ("no-such-term", "draft", "", "x" * 500):
        assert client.post(BEACON, {"term": slug}).status_code == 204
    pageviews.flush()
    assert not TermViews.objects.exists()


def test_the_beacon_answers_only_posts(term):
    assert reader(analytics=True).get(BEACON, {"term": "autophagy"}).status_code == 405


def test_with_a_shared_cache_a_view_writes_nothing_to_the_database(settings, term):
    settings.PAGEVIEWS_STORE = "cache"
    client = reader(analytics=True)
    with CaptureQueriesContext(connection) as queries:
        client.post(BEACON, {"term": "autophagy"})
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert not TermViews.objects.exists()


def test_a_cache_that_refuses_the_counter_falls_back_to_the_database(settings, term, monkeypatch):
    settings.PAGEVIEWS_STORE = "cache"

    def down(*args, **kwargs):
        raise ValueError("the cache does not answer")

    monkeypatch.setattr(cache, "incr", down)
    reader(analytics=True).post(BEACON, {"term": "autophagy"})
    assert TermViews.objects.get(term=term).count == 1


def test_the_term_page_itself_writes_nothing(term):
    with CaptureQueriesContext(connection) as queries:
        assert reader(analytics=True).get(term.get_absolute_url()).status_code == 200
    assert [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))] == []


def test_a_counter_whose_index_failed_is_retried_by_the_next_view(settings, term, monkeypatch):
    settings.PAGEVIEWS_STORE = "cache"
    real_incr = cache.incr
    down = [True]

    def index_down(key, delta=1, version=None):
        if down[0] and ":seen:" in key:
            raise ValueError("the cache does not answer")
        return real_incr(key, delta, version)

    monkeypatch.setattr(cache, "incr", index_down)
    pageviews.record(term.pk)  # written to the database instead
    down[0] = False
    pageviews.record(term.pk)  # counted and indexed this time
    assert pageviews.flush() == 1
    assert TermViews.objects.get(term=term).count == 2


# Flushing -----------------------------------------------------------------------------


def test_flush_adds_one_row_per_term_and_day(settings, make_term, term):
    settings.PAGEVIEWS_STORE = "cache"
    other = make_term("Senescence")
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    for _ in range(3):
        pageviews.record(term.pk, today)
    pageviews.record(term.pk, yesterday)
    pageviews.record(other.pk, today)
    assert not TermViews.objects.exists()

    assert pageviews.flush(today) == 5
    rows = set(TermViews.objects.values_list("term_id", "day", "count"))
    assert rows == {(term.pk, today, 3), (term.pk, yesterday, 1), (other.pk, today, 1)}


def test_flush_is_idempotent_and_adds_later_views(settings, term):
    settings.PAGEVIEWS_STORE = "cache"
    pageviews.record(term.pk)
    pageviews.record(term.pk)
    assert pageviews.flush() == 2
    assert pageviews.flush() == 0
    assert TermViews.objects.get(term=term).count == 2

    pageviews.record(term.pk)
    call_command("flush_pageviews", verbosity=0)
    call_command("flush_pageviews", verbosity=0)
    assert TermViews.objects.get(term=term).count == 3


def test_a_failed_write_gives_the_views_back_for_the_next_flush(settings, term, monkeypatch):
    settings.PAGEVIEWS_STORE = "cache"
    pageviews.record(term.pk)
    real = pageviews.add_to_database

    def broken(counts):
        raise RuntimeError("database down")

    monkeypatch.setattr(pageviews, "add_to_database", broken)
    with pytest.raises(RuntimeError):
        pageviews.flush()
    monkeypatch.setattr(pageviews, "add_to_database", real)
    assert pageviews.flush() == 1
    assert TermViews.objects.get(term=term).count == 1


def test_views_of_a_term_deleted_before_the_flush_are_dropped(settings, term):
    settings.PAGEVIEWS_STORE = "cache"
    pageviews.record(term.pk)
    Term.objects.filter(pk=term.pk).delete()
    pageviews.flush()
    assert not TermViews.objects.exists()


# What editors see ---------------------------------------------------------------------


def test_the_daily_series_covers_90_days_with_zeros(make_term, term):
    today = datetime.date(2026, 3, 31)
    TermViews.objects.create(term=term, day=today, count=4)
    TermViews.objects.create(term=make_term(), day=today, count=1)
    TermViews.objects.create(term=term, day=today - datetime.timedelta(days=89), count=2)
    TermViews.objects.create(term=term, day=today - datetime.timedelta(days=90), count=99)

    series = pageviews.daily_series(90, today)
    assert len(series) == 90
    assert series[0] == (today - datetime.timedelta(days=89), 2)
    assert series[-1] == (today, 5)
    assert sum(views for _, views in series) == 7


def test_top_terms_rank_by_views_in_the_period(make_term, term):
    today = datetime.date(2026, 3, 31)
    other = make_term("Senescence", slug="senescence")
    TermViews.objects.create(term=term, day=today, count=3)
    TermViews.objects.create(term=other, day=today - datetime.timedelta(days=1), count=2)
    TermViews.objects.create(term=other, day=today - datetime.timedelta(days=20), count=5)

    assert [(t.slug, t.views) for t in pageviews.top_terms(7, today=today)] == [
        ("autophagy", 3),
        ("senescence", 2),
    ]
    assert [(t.slug, t.views) for t in pageviews.top_terms(30, today=today)] == [
        ("senescence", 7),
        ("autophagy", 3),
    ]


def test_the_chart_scales_bars_to_the_busiest_day():
    day = datetime.date(2026, 3, 1)
    chart = pageviews.chart([(day, 0), (day, 10), (day, 5)])
    assert chart.bars[0].height == 0
    assert chart.bars[1].height == pytest.approx(2 * chart.bars[2].height)
    assert chart.ticks[-1][0] >= 10
    assert (chart.total, chart.peak) == (15, 10)


@pytest.fixture
def privacy_client(db) -> Client:
    user = User.objects.create_user("pat", password=PASSWORD, is_staff=True)
    group, _ = Group.objects.get_or_create(name="Privacy")
    from django.contrib.auth.models import Permission

    group.permissions.add(Permission.objects.get(codename="view_cookiegroup"))
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


def test_editors_see_the_chart_table_and_top_terms_flushed_on_opening(
    settings, editor_client, term
):
    settings.PAGEVIEWS_STORE = "cache"
    pageviews.record(term.pk)
    pageviews.record(term.pk)
    response = editor_client.get(STATS)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert '<title id="chart-title">' in html and '<desc id="chart-desc">' in html
    assert html.count('<tr><th scope="row"><time') == 90
    assert f'data-day="{timezone.localdate():%Y-%m-%d}" data-views="2"' in html
    assert '<a href="/glossary/autophagy/">Autophagy</a></td><td>2</td>' in html


@pytest.mark.parametrize("days", ["7", "30", "90"])
def test_the_period_chooses_the_top_terms(editor_client, term, days):
    TermViews.objects.create(
        term=term, day=timezone.localdate() - datetime.timedelta(days=8), count=1
    )
    response = editor_client.get(STATS, {"days": days})
    assert response.context["period"] == int(days)
    assert bool(response.context["top_terms"]) == (days != "7")


def test_privacy_staff_see_the_statistics(privacy_client):
    assert privacy_client.get(STATS).status_code == 200
    assert b"Page views" in privacy_client.get("/admin/").content


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(STATS)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_a_role_are_refused(client):
    user = User.objects.create_user("sam", password=PASSWORD, is_staff=True)
    client.force_login(user)
    assert client.get(STATS).status_code == 403


@pytest.mark.parametrize("path", ["add/", "1/change/", "1/delete/"])
def test_counts_cannot_be_edited_in_the_admin(editor_client, term, path):
    TermViews.objects.create(term=term, day=timezone.localdate(), count=1)
    assert editor_client.get(STATS + path).status_code == 404
