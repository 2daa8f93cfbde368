"""Consent rates (Admin → Consent → Report): the numbers against hand-made records, the chart,
the CSV, the period chooser and who may see it."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from consent.models import ConsentRecord
from consent.records import erase
from consent.report import ConsentTally, rebuild_tallies

REPORT = "/admin/consent/report/"
CSV = "/admin/consent/report/csv/"
ALL_ON = {"analytics": True, "personalization": True, "marketing": True}
ALL_OFF = {"analytics": False, "personalization": False, "marketing": False}
_ids = iter(range(10**6))


def staff(username: str, *groups: str) -> User:
    user = User.objects.create_user(username, password="x", is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def at(days_ago: int, hour: int = 12, minute: int = 0) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def decision(when: datetime, action: str, method: str, choices: dict, version="v1", gpc=False):
    return ConsentRecord.objects.create(
        consent_id=f"test{next(_ids):018d}",
        decided_at=when,
        action=action,
        method=method,
        policy_version=version,
        choices=choices,
        gpc=gpc,
    )


@pytest.fixture
def records(db) -> None:
    """Seven decisions over three days, an erasure, and one decision before the period."""
    decision(at(2, 9), "accept_all", "banner", ALL_ON)
    decision(at(2, 10), "reject_all", "banner_no_js", ALL_OFF)
    decision(at(2, 11), "save", "preferences", {**ALL_OFF, "analytics": True})
    decision(at(1, 9), "gpc", "gpc", {"personalization": False, "marketing": False}, "v2", True)
    decision(at(1, 10), "grant", "embed", {"marketing": True}, "v2")
    decision(at(1, 11), "accept_all", "preferences_no_js", ALL_ON, "v2")
    decision(at(0, 0, 5), "withdraw", "preferences", ALL_OFF, "v2")
    decision(at(0, 0, 6), ConsentRecord.Action.ERASED, "preferences", {}, "v2")
    decision(at(40), "accept_all", "banner", ALL_ON, "v0")


@pytest.fixture
def privacy_client(client, db):
    client.force_login(staff("privacy", "Privacy"))
    return client


def test_the_period_shares_and_opt_in_rates_match_the_records(privacy_client, records):
    response = privacy_client.get(REPORT)

    assert response.status_code == 200
    overall = response.context["report"].overall
    assert overall.decisions == 7  # the erasure and the decision 40 days ago are not counted
    assert overall.kinds == {"accept_all": 2, "reject_all": 1, "custom": 3, "gpc": 1}
    assert overall.share("accept_all") == pytest.approx(2 / 7)
    rates = {varname: (rate.granted, rate.decided) for varname, rate in overall.rates.items()}
    assert rates == {"analytics": (3, 5), "personalization": (2, 6), "marketing": (3, 7)}
    text = response.text
    assert re.search(r"<th scope=\"row\">Accept all</th><td>2</td><td>28\.6%</td>", text)
    assert re.search(r"<th scope=\"row\">Analytics</th><td>5</td><td>3</td><td>60\.0%</td>", text)


def test_decisions_are_broken_down_by_method_and_by_policy_version(privacy_client, records):
    report = privacy_client.get(REPORT).context["report"]

    methods = {tally.key: tally for tally in report.methods}
    assert list(methods) == ["banner", "preferences", "embed", "gpc"]
    assert {key: tally.decisions for key, tally in methods.items()} == {
        "banner": 2,
        "preferences": 3,
        "embed": 1,
        "gpc": 1,
    }
    assert methods["banner"].kinds == {"accept_all": 1, "reject_all": 1, "custom": 0, "gpc": 0}
    assert methods["preferences"].kinds == {"accept_all": 1, "reject_all": 0, "custom": 2, "gpc": 0}
    assert (
        methods["preferences"].rates["analytics"].granted,
        methods["preferences"].rates["analytics"].decided,
    ) == (2, 3)
    assert methods["embed"].rates["analytics"].share is None  # nobody decided it there
    assert methods["embed"].rates["marketing"].share == 1
    assert methods["gpc"].rates["marketing"].share == 0

    versions = [(tally.key, tally.decisions) for tally in report.versions]
    assert versions == [("v2", 4), ("v1", 3)]  # the latest first; v0 is outside the period
    v2 = report.versions[0]
    assert v2.kinds == {"accept_all": 1, "reject_all": 0, "custom": 2, "gpc": 1}
    assert (v2.rates["personalization"].granted, v2.rates["personalization"].decided) == (1, 3)


def test_a_chosen_period_includes_its_last_day_to_midnight(privacy_client, records):
    decision(at(1, 23, 59), "accept_all", "banner", ALL_ON)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    report = privacy_client.get(REPORT, {"start": yesterday, "end": yesterday}).context["report"]

    assert report.overall.decisions == 4
    assert [day.key for day in report.days] == [yesterday]
    longer = privacy_client.get(
        REPORT, {"start": (timezone.localdate() - timedelta(days=45)).isoformat()}
    ).context["report"]
    assert longer.overall.decisions == 9


def test_the_chart_has_one_bar_per_day_of_the_period(privacy_client, records):
    response = privacy_client.get(REPORT)

    svg = re.search(r"<svg[^>]*data-consent-chart.*?</svg>", response.text, re.S).group(0)
    bars = re.findall(r'<g data-day="([\d-]+)" data-decisions="(\d+)">', svg)
    assert len(bars) == 30
    assert bars[-1] == (timezone.localdate().isoformat(), "1")
    by_day = dict(bars)
    assert by_day[(timezone.localdate() - timedelta(days=2)).isoformat()] == "3"
    assert sum(int(count) for _, count in bars) == 7
    # The day with three decisions stacks three kinds.
    two_days_ago = (timezone.localdate() - timedelta(days=2)).isoformat()
    group = re.search(rf'<g data-day="{two_days_ago}".*?</g>', svg, re.S).group(0)
    assert group.count("<rect") == 3


def test_the_csv_holds_the_same_numbers(privacy_client, records):
    response = privacy_client.get(CSV)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    sections = [row["section"] for row in rows]
    assert sections.count("period") == 1 and sections.count("day") == 30
    period = rows[0]
    today = timezone.localdate()
    assert period["key"] == f"{today - timedelta(days=29)}..{today}"
    assert (period["decisions"], period["accept_all"], period["reject_all"]) == ("7", "2", "1")
    assert (period["custom"], period["gpc"]) == ("3", "1")
    assert period["accept_all_share"] == "0.2857"
    assert (period["analytics_decided"], period["analytics_granted"]) == ("5", "3")
    assert period["analytics_opt_in_rate"] == "0.6000"
    assert period["personalization_opt_in_rate"] == "0.3333"
    assert period["marketing_opt_in_rate"] == "0.4286"
    methods = {row["key"]: row for row in rows if row["section"] == "method"}
    assert methods["embed"]["analytics_opt_in_rate"] == ""
    assert methods["banner"]["decisions"] == "2"
    versions = [
        (row["key"], row["decisions"]) for row in rows if row["section"] == "policy_version"
    ]
    assert versions == [("v2", "4"), ("v1", "3")]
    quiet_day = next(row for row in rows if row["key"] == str(today - timedelta(days=10)))
    assert (quiet_day["decisions"], quiet_day["accept_all_share"]) == ("0", "")


def test_a_policy_version_that_looks_like_a_formula_is_text_in_the_csv(privacy_client, db):
    decision(at(0), "accept_all", "banner", ALL_ON, version="=HYPERLINK(1)")

    text = privacy_client.get(CSV).content.decode()

    assert "policy_version,'=HYPERLINK(1)," in text


@pytest.mark.parametrize(
    "query",
    [
        {"start": "nonsense"},
        {"start": "2026-02-30"},
        {"end": "2025-13-01"},
        {"start": "2025-03-10", "end": "2025-03-01"},
        {"start": "2020-01-01", "end": "2025-01-01"},
        {"end": "9999-12-31"},
        {"start": "0001-01-01", "end": "0001-12-31"},
    ],
)
def test_a_bad_period_is_a_form_error_and_a_400_for_the_csv(privacy_client, records, query):
    response = privacy_client.get(REPORT, query)

    assert response.status_code == 200
    assert response.context["report"] is None
    assert response.context["form"].errors
    assert 'class="errorlist' in response.text
    assert "data-consent-chart" not in response.text
    assert privacy_client.get(CSV, query).status_code == 400


def test_an_empty_period_shows_zeros_not_errors(privacy_client, db):
    response = privacy_client.get(REPORT)

    assert response.status_code == 200
    assert response.context["report"].overall.decisions == 0
    assert "No decisions." in response.text
    assert privacy_client.get(CSV).status_code == 200


def test_the_report_takes_a_fixed_number_of_queries(
    privacy_client, records, django_assert_max_num_queries
):
    privacy_client.get(REPORT)  # the catalog and the session, once
    for day in range(30):
        decision(at(day, 15), "accept_all", "banner", ALL_ON)
    with django_assert_max_num_queries(10):
        assert privacy_client.get(REPORT).status_code == 200


def test_editors_get_no_access_and_anonymous_visitors_are_sent_to_sign_in(client, records):
    client.force_login(staff("editor", "Editors"))
    assert client.get(REPORT).status_code == 403
    assert client.get(CSV).status_code == 403
    assert 'href="/admin/consent/report/"' not in client.get("/admin/").text

    client.logout()
    for address in (REPORT, CSV):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_privacy_staff_find_the_report_in_the_admin(privacy_client, records):
    assert 'href="/admin/consent/report/"' in privacy_client.get("/admin/").text
    assert privacy_client.get(f"{REPORT}add/").status_code == 404


def test_each_decision_is_counted_as_it_is_made_and_a_rebuild_counts_the_same(
    privacy_client, records
):
    counted = sorted(ConsentTally.objects.values_list("day", "method", "action", "count"))
    assert sum(row[-1] for row in counted) == 8  # the erasure is no decision

    assert rebuild_tallies() == len(counted)

    assert sorted(ConsentTally.objects.values_list("day", "method", "action", "count")) == counted


def test_records_written_without_signals_are_counted_by_a_rebuild(privacy_client, db):
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            consent_id=f"bulk{number:018d}",
            decided_at=at(3),
            action="reject_all",
            method="banner",
            policy_version="v1",
            # The same choices written in another key order are one tally.
            choices=dict(reversed(ALL_OFF.items())) if number % 2 else ALL_OFF,
        )
        for number in range(5)
    )
    assert privacy_client.get(REPORT).context["report"].overall.decisions == 0

    assert rebuild_tallies() == 1

    overall = privacy_client.get(REPORT).context["report"].overall
    assert overall.kinds["reject_all"] == 5
    assert overall.rates["marketing"].decided == 5


def test_erasing_records_leaves_the_counts_of_decisions_made(privacy_client, records):
    record = ConsentRecord.objects.filter(action="accept_all").first()
    erase(record.consent_id, "preferences", "v2")

    assert privacy_client.get(REPORT).context["report"].overall.decisions == 7


def test_the_same_choices_in_another_key_order_are_counted_in_one_tally(db):
    decision(at(0), "save", "preferences", {"analytics": True, "marketing": False})
    decision(at(0), "save", "preferences", {"marketing": False, "analytics": True})

    assert list(ConsentTally.objects.values_list("count", flat=True)) == [2]
