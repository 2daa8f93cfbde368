"""Proof of consent: one record per decision, shown to privacy staff, exported, pruned."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from consent import records
from consent.catalog import get_catalog
from consent.models import ConsentRecord
from consent.state import read_cookie

NAME = settings.COOKIE_CONSENT_NAME
JSON = {"HTTP_ACCEPT": "application/json"}

pytestmark = pytest.mark.django_db


def stored(response):
    return read_cookie(response.cookies[NAME].value, get_catalog())


def only_record() -> ConsentRecord:
    assert ConsentRecord.objects.count() == 1
    return ConsentRecord.objects.get()


class TestOneRecordPerDecision:
    def test_banner_accept_all_without_js(self, client):
        response = client.post("/cookies/accept/", {"all": "1", "next": "/"})
        assert response.status_code == 302
        record = only_record()
        assert record.action == "accept_all" and record.method == "banner_no_js"
        assert record.choices == {"analytics": True, "personalization": True, "marketing": True}
        assert record.policy_version == get_catalog().policy_version
        assert record.reason == "first" and not record.gpc
        assert stored(response).consent_id == record.consent_id
        assert abs(record.decided_at - timezone.now()) < timedelta(seconds=5)

    def test_banner_reject_all_by_fetch(self, client):
        response = client.post("/cookies/decline/", {"all": "1"}, **JSON)
        record = only_record()
        assert (record.action, record.method) == ("reject_all", "banner")
        assert record.choices == {
            "analytics": False,
            "personalization": False,
            "marketing": False,
        }
        assert json.loads(response.content)["consentId"] == record.consent_id

    def test_preferences_save_without_js_then_withdrawal_by_fetch(self, client):
        client.post("/cookies/", {"action": "save", "granted": ["analytics", "marketing"]})
        first = only_record()
        assert (first.action, first.method) == ("save", "preferences_no_js")
        assert first.choices == {"analytics": True, "personalization": False, "marketing": True}
        client.post("/cookies/", {"action": "save", "granted": ["analytics"]}, **JSON)
        assert ConsentRecord.objects.count() == 2
        second = ConsentRecord.objects.exclude(pk=first.pk).get()
        assert (second.action, second.method, second.reason) == (
            "withdraw",
            "preferences",
            "change",
        )
        assert second.choices["marketing"] is False
        assert second.consent_id == first.consent_id  # one browser, one history

    def test_an_embed_button_grants_one_category(self, client):
        client.post("/cookies/accept/", {"category": "marketing", "via": "embed"}, **JSON)
        record = only_record()
        assert (record.action, record.method) == ("grant", "embed")
        assert record.choices == {"marketing": True}  # the rest stays undecided

    @pytest.mark.parametrize(
        "post",
        [
            {"category": "nonsense"},  # nothing known: 400
            {"all": "yes"},
        ],
    )
    def test_refused_requests_record_nothing(self, client, post):
        assert client.post("/cookies/accept/", post).status_code == 400
        assert ConsentRecord.objects.count() == 0

    def test_a_post_from_elsewhere_records_nothing(self):
        evil = Client(headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
        assert evil.post("/cookies/accept/", {"all": "1"}).status_code == 403
        assert ConsentRecord.objects.count() == 0

    def test_page_views_record_nothing(self, client, make_term):
        client.post("/cookies/accept/", {"all": "1"})
        url = make_term("Ketosis", slug="ketosis").get_absolute_url()
        client.get(url)
        client.get("/cookies/")
        assert ConsentRecord.objects.count() == 1

    def test_consent_id_is_shown_on_the_cookie_page(self, client):
        client.post("/cookies/accept/", {"all": "1"})
        html = client.get("/cookies/").content.decode()
        assert f"<code data-consent-id>{only_record().consent_id}</code>" in html
        assert "We do not store your IP address" in html
        assert "Records are deleted after 1095 days." in html

    def test_no_network_data_is_kept(self):
        names = {field.name for field in ConsentRecord._meta.get_fields()}
        assert not names & {"ip", "ip_address", "user_agent", "ip_hash", "address"}


@pytest.fixture
def privacy_client(db) -> Client:
    user = User.objects.create_user("privacy", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Privacy"))
    client = Client()
    client.force_login(user)
    return client


def make_record(days_ago: float = 0, **fields) -> ConsentRecord:
    from consent.state import new_consent_id

    defaults = {
        "consent_id": new_consent_id(),
        "decided_at": timezone.now() - timedelta(days=days_ago),
        "action": "accept_all",
        "method": "banner",
        "policy_version": "0123456789ab",
        "choices": {"analytics": True, "personalization": True, "marketing": True},
    }
    return ConsentRecord.objects.create(**{**defaults, **fields})


class TestAdmin:
    URL = "/admin/consent/consentrecord/"

    def test_privacy_staff_read_records_and_cannot_change_them(self, privacy_client):
        record = make_record()
        assert privacy_client.get(self.URL).status_code == 200
        page = privacy_client.get(f"{self.URL}{record.pk}/change/")
        assert page.status_code == 200 and record.consent_id in page.content.decode()
        assert privacy_client.get(f"{self.URL}add/").status_code == 403
        assert privacy_client.post(f"{self.URL}{record.pk}/delete/").status_code == 403
        assert privacy_client.post(
            self.URL, {"action": "delete_selected", "_selected_action": [record.pk]}
        ).status_code in (200, 302)
        assert ConsentRecord.objects.filter(pk=record.pk).exists()

    def test_not_even_a_superuser_adds_changes_or_deletes(self, admin_client):
        record = make_record()
        assert admin_client.get(f"{self.URL}add/").status_code == 403
        assert admin_client.get(f"{self.URL}{record.pk}/delete/").status_code == 403
        page = admin_client.get(f"{self.URL}{record.pk}/change/").content.decode()
        assert 'name="_save"' not in page
        assert "delete_selected" not in admin_client.get(self.URL).content.decode()

    def test_editors_see_nothing(self, db):
        editor = User.objects.create_user("editor", password="x", is_staff=True)
        client = Client()
        client.force_login(editor)
        assert client.get(self.URL).status_code == 403
        assert client.get(f"{self.URL}export/?consent_id=x").status_code == 403

    def test_search_by_consent_id(self, privacy_client):
        wanted, other = make_record(), make_record()
        html = privacy_client.get(self.URL, {"q": f" {wanted.consent_id.upper()} "}).content
        assert wanted.consent_id in html.decode() and other.consent_id not in html.decode()

    def test_a_filtered_count_stops_at_the_cap(self, monkeypatch):
        from consent.admin import EstimatedCountPaginator

        monkeypatch.setattr(EstimatedCountPaginator, "COUNT_CAP", 3)
        for _ in range(5):
            make_record()
        records = ConsentRecord.objects.filter(action="accept_all")
        assert EstimatedCountPaginator(records, 2).count == 3
        assert EstimatedCountPaginator(records.filter(pk__lt=0), 2).count == 0

    def test_filter_by_category_and_action(self, privacy_client):
        granted = make_record()
        refused = make_record(action="reject_all", choices={"marketing": False})
        html = privacy_client.get(self.URL, {"category": "marketing:0"}).content.decode()
        assert refused.consent_id in html and granted.consent_id not in html
        html = privacy_client.get(self.URL, {"action__exact": "accept_all"}).content.decode()
        assert granted.consent_id in html and refused.consent_id not in html


def exported(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


class TestExport:
    URL = "/admin/consent/consentrecord/export/"

    def test_one_consent_id(self, privacy_client):
        wanted = make_record(
            choices={"analytics": True, "marketing": False}, language="de", text_version=3
        )
        make_record()
        rows = exported(privacy_client.get(self.URL, {"consent_id": wanted.consent_id}))
        assert rows == [
            {
                "consent_id": wanted.consent_id,
                "decided_at": wanted.decided_at.isoformat(timespec="seconds"),
                "action": "accept_all",
                "method": "banner",
                "reason": "first",
                "policy_version": "0123456789ab",
                "language": "de",
                "text_version": "3",
                "granted": "analytics",
                "refused": "marketing",
                "gpc": "no",
            }
        ]

    def test_a_date_range_is_inclusive_and_ordered(self, privacy_client):
        today = timezone.localdate()
        old, mid, new = make_record(40), make_record(10), make_record(0)
        rows = exported(
            privacy_client.get(
                self.URL, {"start": today - timedelta(days=11), "end": today - timedelta(days=1)}
            )
        )
        assert [row["consent_id"] for row in rows] == [mid.consent_id]
        zone = timezone.get_current_timezone()
        midnight = datetime.combine(today, time.min, tzinfo=zone)  # just after the range
        boundary = make_record(decided_at=midnight)
        rows = exported(
            privacy_client.get(
                self.URL, {"start": today - timedelta(days=11), "end": today - timedelta(days=1)}
            )
        )
        assert [row["consent_id"] for row in rows] == [mid.consent_id]
        rows = exported(
            privacy_client.get(self.URL, {"start": today - timedelta(days=41), "end": today})
        )
        assert [row["consent_id"] for row in rows] == [
            old.consent_id,
            mid.consent_id,
            boundary.consent_id,
            new.consent_id,
        ]

    def test_without_a_range_or_id_the_form_is_shown(self, privacy_client):
        response = privacy_client.get(self.URL, {"start": "2026-01-01"})
        assert response.status_code == 200
        assert b"Give a consent id, or a start and an end date." in response.content

    @pytest.mark.parametrize("value", ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
    def test_cells_never_start_a_formula(self, value):
        assert records.safe_cell(value) == "'" + value
        assert records.safe_cell("k3v9") == "k3v9"


class TestPrune:
    def test_deletes_only_old_records_in_batches(self):
        # Interleaved: a batch must not take a young record lying between its keys.
        old = [make_record(days_ago=1300)]
        young = [make_record(days_ago=1000)]
        old += [make_record(days_ago=1300), make_record(days_ago=1100), make_record(days_ago=1100)]
        young.append(make_record())
        out = io.StringIO()
        call_command(
            "prune_consent_records", "--older-than", "1095", "--batch-size", "3", stdout=out
        )
        assert set(ConsentRecord.objects.values_list("pk", flat=True)) == {r.pk for r in young}
        assert "Deleted 4 consent records older than 1095 days in 2 batches." in out.getvalue()
        assert all(not ConsentRecord.objects.filter(pk=r.pk).exists() for r in old)

    def test_default_retention_comes_from_the_setting(self, settings):
        settings.CONSENT_RECORD_RETENTION_DAYS = 200
        make_record(days_ago=300)
        kept = make_record(days_ago=100)
        call_command("prune_consent_records", stdout=io.StringIO())
        assert list(ConsentRecord.objects.all()) == [kept]

    @pytest.mark.parametrize("days", ["0", "-5", "30", "100000"])
    def test_nonsense_is_refused(self, days):
        make_record(days_ago=5000)
        with pytest.raises(CommandError, match="--older-than must be from 180 days"):
            call_command("prune_consent_records", "--older-than", days, stdout=io.StringIO())
        assert ConsentRecord.objects.count() == 1
