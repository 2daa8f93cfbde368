"""Blocked-request reports: the CSP names the endpoint; the endpoint counts well-formed
reports per day, directive and origin, keeps nothing about the visitor, and stays bounded."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.utils import timezone

from consent import csp_reports
from consent.csp_reports import BlockedRequest

ENDPOINT = "/csp-reports/"
ADMIN_LIST = "/admin/consent/blockedrequest/"
VISITOR = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "SecretBrowser/1.0"}


def report_uri_body(blocked: str, directive: str = "script-src-elem") -> dict:
    return {
        "csp-report": {
            "document-uri": "http://testserver/glossary/private-page/?token=abc",
            "referrer": "https://search.example/?q=me",
            "violated-directive": directive,
            "effective-directive": directive,
            "original-policy": "default-src 'self'",
            "blocked-uri": blocked,
            "status-code": 200,
        }
    }


def reporting_api_body(*blocked: str, directive: str = "script-src-elem") -> list:
    return [
        {
            "type": "csp-violation",
            "age": 10,
            "url": "http://testserver/glossary/private-page/?token=abc",
            "user_agent": "SecretBrowser/1.0",
            "body": {
                "documentURL": "http://testserver/glossary/private-page/?token=abc",
                "effectiveDirective": directive,
                "blockedURL": url,
                "disposition": "enforce",
                "statusCode": 200,
            },
        }
        for url in blocked
    ]


def post(client: Client, body, content_type: str = csp_reports.REPORT_URI_TYPE, **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(ENDPOINT, data=data, content_type=content_type, **{**VISITOR, **extra})


def counts() -> dict[tuple[str, str], int]:
    return {(row.directive, row.origin): row.count for row in BlockedRequest.objects.all()}


# --- Ingestion ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_report_uri_report_is_counted_under_its_directive_and_origin(client):
    response = post(client, report_uri_body("https://evil.example/x.js"))

    assert response.status_code == 204
    row = BlockedRequest.objects.get()
    assert (row.day, row.directive, row.origin, row.count) == (
        timezone.localdate(),
        "script-src-elem",
        "https://evil.example",
        1,
    )
    assert row.first_seen == row.last_seen


@pytest.mark.django_db
def test_a_reporting_api_batch_is_counted_and_other_report_types_are_ignored(client):
    body = [
        *reporting_api_body("https://a.example/t.js", "https://b.example/u.js"),
        {
            "type": "deprecation",
            "body": {"effectiveDirective": "script-src-elem", "blockedURL": "https://c.example/"},
        },
    ]

    response = post(client, body, content_type=csp_reports.REPORTING_API_TYPE)

    assert response.status_code == 204
    assert counts() == {
        ("script-src-elem", "https://a.example"): 1,
        ("script-src-elem", "https://b.example"): 1,
    }


@pytest.mark.django_db
def test_an_older_browsers_violated_directive_is_read_without_its_sources(client):
    body = {
        "csp-report": {
            "violated-directive": "img-src 'self' data:",
            "blocked-uri": "https://i.example/p.gif",
        }
    }

    assert post(client, body).status_code == 204
    assert counts() == {("img-src", "https://i.example"): 1}


@pytest.mark.django_db
def test_the_same_origin_twice_is_one_row_counted_twice(client):
    post(client, report_uri_body("https://evil.example/one.js"))
    post(client, report_uri_body("https://evil.example/two.js?x=1"))
    post(
        client,
        reporting_api_body("https://evil.example/three.js"),
        content_type=csp_reports.REPORTING_API_TYPE,
    )

    row = BlockedRequest.objects.get()
    assert row.count == 3
    assert row.last_seen >= row.first_seen


@pytest.mark.django_db
def test_each_day_and_directive_has_its_own_row():
    now = timezone.now()
    csp_reports.count([("script-src-elem", "https://evil.example")], now - timedelta(days=1))
    csp_reports.count([("script-src-elem", "https://evil.example")], now)
    csp_reports.count([("connect-src", "https://evil.example")], now)

    assert BlockedRequest.objects.count() == 3


@pytest.mark.parametrize(
    ("blocked", "stored"),
    [
        ("https://evil.example/path/x.js?user=42&token=s3cret#frag", "https://evil.example"),
        ("https://Evil.Example:8443/x.js?q=1", "https://evil.example:8443"),
        ("https://evil.example:443/x.js", "https://evil.example"),
        ("http://user:password@evil.example/x", "http://evil.example"),
        ("wss://socket.example/feed?id=7", "wss://socket.example"),
        ("http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080"),
        ("inline", "inline"),
        ("eval", "eval"),
        ("", "inline"),
        ("data:image/png;base64,iVBORw0KGgo=", "data"),
        ("blob:https://site.example/1234-5678", "blob"),
        ("chrome-extension://abcdefghijklmnop/content.js", "chrome-extension"),
    ],
)
def test_only_the_origin_or_keyword_of_the_blocked_address_is_kept(blocked, stored):
    assert csp_reports.blocked_origin(blocked) == stored


@pytest.mark.parametrize(
    "blocked",
    [
        "ftp://files.example/x",
        "https://",
        "https://bad host.example/",
        "https://a.example:99999/",
        "nonsense",
        42,
        None,
    ],
)
def test_an_address_that_is_neither_origin_nor_keyword_is_refused(blocked):
    assert csp_reports.blocked_origin(blocked) is None


@pytest.mark.django_db
def test_nothing_about_the_visitor_or_the_page_is_stored(client):
    post(client, report_uri_body("https://evil.example/path/x.js?user=42&token=s3cret"))
    post(
        client,
        reporting_api_body("https://evil.example/other.js?user=42"),
        content_type=csp_reports.REPORTING_API_TYPE,
    )

    fields = {field.name for field in BlockedRequest._meta.get_fields()}
    assert fields == {"id", "day", "directive", "origin", "count", "first_seen", "last_seen"}
    stored = json.dumps(list(BlockedRequest.objects.values()), default=str)
    for secret in (
        "203.0.113.9",
        "SecretBrowser",
        "private-page",
        "token",
        "user=42",
        "/path/",
        "search.example",
    ):
        assert secret not in stored


# --- Refusals ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", csp_reports.REPORT_URI_TYPE, 400),
        (b"\xff\xfe\x00", csp_reports.REPORT_URI_TYPE, 400),
        (b"   ", csp_reports.REPORT_URI_TYPE, 400),
        ({"csp-report": "script-src"}, csp_reports.REPORT_URI_TYPE, 400),
        ([{"csp-report": {}}], csp_reports.REPORT_URI_TYPE, 400),
        ({"type": "csp-violation"}, csp_reports.REPORTING_API_TYPE, 400),
        (["csp-violation"], csp_reports.REPORTING_API_TYPE, 400),
        ([{"type": "deprecation", "body": {}}], csp_reports.REPORTING_API_TYPE, 400),
        (
            report_uri_body("https://evil.example/", directive="evil-src"),
            csp_reports.REPORT_URI_TYPE,
            400,
        ),
        (report_uri_body("ftp://evil.example/x"), csp_reports.REPORT_URI_TYPE, 400),
        (report_uri_body("https://evil.example/x.js"), "application/json", 415),
        (report_uri_body("https://evil.example/x.js"), "text/plain", 415),
        (report_uri_body("https://evil.example/x.js"), "application/x-www-form-urlencoded", 415),
        (reporting_api_body(*["https://evil.example/"] * 21), csp_reports.REPORTING_API_TYPE, 400),
    ],
)
def test_malformed_reports_and_other_content_types_are_refused_and_nothing_is_stored(
    client, body, content_type, status
):
    response = post(client, body, content_type=content_type)

    assert response.status_code == status
    assert BlockedRequest.objects.count() == 0


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_with_413(client, settings):
    settings.CSP_REPORT_MAX_BYTES = 2048
    body = report_uri_body("https://evil.example/" + "a" * 3000)

    response = post(client, body)

    assert response.status_code == 413
    assert BlockedRequest.objects.count() == 0


@pytest.mark.django_db
def test_only_post_is_answered(client):
    assert client.get(ENDPOINT).status_code == 405
    assert (
        client.put(ENDPOINT, data=b"{}", content_type=csp_reports.REPORT_URI_TYPE).status_code
        == 405
    )


@pytest.mark.django_db
def test_reports_need_no_csrf_token():
    strict = Client(enforce_csrf_checks=True)

    response = post(strict, report_uri_body("https://evil.example/x.js"))

    assert response.status_code == 204
    assert BlockedRequest.objects.count() == 1


# --- Bounds ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_flood_of_ten_thousand_reports_from_one_client_writes_at_most_its_budget(
    client, settings
):
    settings.CSP_REPORTS_PER_CLIENT = 100
    statuses = set()
    for number in range(10_000):
        response = post(client, report_uri_body(f"https://host{number}.example/x.js"))
        statuses.add(response.status_code)

    assert statuses == {204}
    assert sum(counts().values()) == 100
    assert BlockedRequest.objects.count() == 100
    # Another client still reports.
    assert (
        post(
            client, report_uri_body("https://evil.example/"), REMOTE_ADDR="198.51.100.4"
        ).status_code
        == 204
    )
    assert ("script-src-elem", "https://evil.example") in counts()


@pytest.mark.django_db
def test_origins_past_the_days_bound_are_counted_under_other(client, settings):
    settings.CSP_REPORTS_PER_CLIENT = 100_000
    settings.CSP_REPORT_MAX_ROWS_PER_DAY = 50
    for number in range(200):
        assert (
            post(client, report_uri_body(f"https://host{number}.example/x.js")).status_code == 204
        )
    post(client, report_uri_body("https://host3.example/again.js"))

    stored = counts()
    assert len(stored) == 51
    assert stored[("script-src-elem", csp_reports.OTHER)] == 150
    assert stored[("script-src-elem", "https://host3.example")] == 2
    assert sum(stored.values()) == 201


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
def test_concurrent_reports_of_a_new_origin_are_all_counted_in_one_row():
    from django.db import connections

    workers, each = 8, 25
    start = threading.Barrier(workers)

    def report() -> None:
        start.wait()
        try:
            for _ in range(each):
                csp_reports.count([("script-src-elem", "https://race.example")])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=report) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert counts() == {("script-src-elem", "https://race.example"): workers * each}


# --- The policy names the endpoint -------------------------------------------------------


@pytest.mark.django_db
def test_every_page_policy_names_the_report_endpoint_both_ways(client):
    for _ in range(2):  # the second answer may come from the page cache
        response = client.get("/")
        policy = response["Content-Security-Policy"]
        assert "report-uri /csp-reports/" in policy
        assert "report-to csp" in policy
        assert response["Reporting-Endpoints"] == 'csp="/csp-reports/"'

    cookies_page = client.get("/cookies/")
    assert "report-uri /csp-reports/" in cookies_page["Content-Security-Policy"]
    assert cookies_page["Reporting-Endpoints"] == 'csp="/csp-reports/"'


@pytest.mark.django_db
def test_admin_pages_report_too_unless_the_admin_has_its_own_host(client, admin_user, settings):
    client.force_login(admin_user)
    assert "report-to csp" in client.get("/admin/")["Content-Security-Policy"]

    settings.ALLOWED_HOSTS = ["testserver", "admin.testserver"]
    settings.ADMIN_HOST = "admin.testserver"
    on_admin_host = client.get("/admin/", HTTP_HOST="admin.testserver")
    assert on_admin_host.status_code == 200
    assert "report-to" not in on_admin_host["Content-Security-Policy"]
    assert "Reporting-Endpoints" not in on_admin_host
    assert "report-to csp" in client.get("/cookies/")["Content-Security-Policy"]


# --- The admin ---------------------------------------------------------------------------


def staff(username: str, *groups: str) -> User:
    user = User.objects.create_user(username, password="x", is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


@pytest.fixture
def blocked(db) -> None:
    now = timezone.now()
    for days_ago, times in ((0, 3), (1, 2), (40, 7)):
        moment = now - timedelta(days=days_ago)
        csp_reports.count([("script-src-elem", "https://evil.example")] * times, moment)
    csp_reports.count([("img-src", "https://pixel.example")], now)


def test_privacy_staff_see_blocked_origins_summed_over_the_chosen_days(client, blocked):
    client.force_login(staff("privacy", "Privacy"))

    response = client.get(ADMIN_LIST)

    assert response.status_code == 200
    rows = {(row["directive"], row["origin"]): row for row in response.context["rows"]}
    assert rows[("script-src-elem", "https://evil.example")]["total"] == 5  # day 40 is outside
    assert rows[("script-src-elem", "https://evil.example")]["days"] == 2
    assert rows[("img-src", "https://pixel.example")]["total"] == 1
    assert "https://evil.example" in response.text
    assert "no-store" in response["Cache-Control"]

    today = timezone.localdate()
    longer = client.get(ADMIN_LIST, {"start": (today - timedelta(days=45)).isoformat()})
    totals = {(row["directive"], row["origin"]): row["total"] for row in longer.context["rows"]}
    assert totals[("script-src-elem", "https://evil.example")] == 12

    one_day = client.get(ADMIN_LIST, {"start": today.isoformat(), "end": today.isoformat()})
    rows = {(row["directive"], row["origin"]): row for row in one_day.context["rows"]}
    assert rows[("script-src-elem", "https://evil.example")]["total"] == 3
    first = rows[("script-src-elem", "https://evil.example")]["first"]
    assert timezone.localdate(first) == today


@pytest.mark.parametrize(
    "query",
    [
        {"start": "yesterday"},
        {"start": "2026-02-30"},
        {"start": "2026-03-10", "end": "2026-03-01"},
        {"start": "2020-01-01", "end": "2026-01-01"},
    ],
)
def test_a_bad_day_range_is_a_form_error(client, blocked, query):
    client.force_login(staff("privacy", "Privacy"))

    response = client.get(ADMIN_LIST, query)

    assert response.status_code == 200
    assert response.context["rows"] is None
    assert response.context["form"].errors
    assert 'class="errorlist' in response.text


def test_blocked_requests_are_read_only_for_everyone(client, blocked, admin_user):
    row = BlockedRequest.objects.first()
    for user in (staff("privacy", "Privacy"), admin_user):
        client.force_login(user)
        assert client.get(f"{ADMIN_LIST}add/").status_code == 404
        assert client.get(f"{ADMIN_LIST}{row.pk}/change/").status_code == 404
        assert client.post(f"{ADMIN_LIST}{row.pk}/delete/").status_code == 404
    assert BlockedRequest.objects.filter(pk=row.pk).exists()


def test_editors_get_no_access_and_anonymous_visitors_are_sent_to_sign_in(client, blocked):
    client.force_login(staff("editor", "Editors"))
    assert client.get(ADMIN_LIST).status_code == 403
    assert "blockedrequest" not in client.get("/admin/").text

    client.logout()
    response = client.get(ADMIN_LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
