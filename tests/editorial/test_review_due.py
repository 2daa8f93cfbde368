"""Review dates: the dashboard, ``manage.py review_due`` and its exit status."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from editorial import due
from glossary.models import Term

pytestmark = pytest.mark.django_db
DASHBOARD = "/admin/editorial/reviewdueterm/"


def review(term: Term, days_ago: int) -> None:
    """The term as if its public version was reviewed ``days_ago`` days ago."""
    term.last_reviewed = timezone.localdate() - datetime.timedelta(days=days_ago)
    Term.objects.filter(pk=term.pk).update(last_reviewed=term.last_reviewed)
    due.refresh([term.pk])


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("review_due", *args, stdout=out)
    return out.getvalue()


class TestDueDates:
    @pytest.mark.parametrize(
        ("day", "months", "expected"),
        [
            (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
            (datetime.date(2026, 11, 15), 12, datetime.date(2027, 11, 15)),
            (datetime.date(2026, 11, 15), 3, datetime.date(2027, 2, 15)),
            (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),
        ],
    )
    def test_add_months(self, day, months, expected):
        assert due.add_months(day, months) == expected

    def test_the_shortest_category_interval_applies(self, make_term, make_category):
        slow = make_category("Slow", review_interval_months=24)
        fast = make_category("Fast", review_interval_months=6)
        term = make_term("Sleep", categories=[slow, fast])
        assert due.interval_months(term) == 6
        assert due.interval_months(make_term("Other")) == due.DEFAULT_MONTHS


class TestCommand:
    def test_nothing_due_exits_zero(self, make_term):
        review(make_term("Fresh"), days_ago=10)
        assert "0 overdue, 0 due within 30 days." in run()

    def test_due_soon_is_listed_and_exits_zero(self, make_term, make_category):
        term = make_term("Soon", categories=[make_category("Sleep")])
        review(term, days_ago=350)
        output = run()
        assert "due soon" in output and "Soon" in output and "  Sleep" in output
        assert "0 overdue, 1 due within 30 days." in output

    def test_an_overdue_term_exits_non_zero(self, make_term):
        review(make_term("Stale", slug="stale"), days_ago=400)
        out = io.StringIO()
        with pytest.raises(CommandError) as raised:
            call_command("review_due", stdout=out)
        assert raised.value.returncode == 1
        assert "1 term overdue for review." in str(raised.value)
        assert "OVERDUE" in out.getvalue() and "/glossary/stale/" in out.getvalue()
        assert "(no reviewer)" in out.getvalue() and "(no category)" in out.getvalue()

    def test_drafts_and_unreviewed_terms_are_not_listed(self, make_term):
        review(make_term("Draft", status=Term.Status.DRAFT), days_ago=400)
        make_term("Never reviewed")
        assert "0 overdue, 0 due" in run()

    def test_lists_the_reviewer_of_the_public_version(self, published):
        review(published, days_ago=370)
        with pytest.raises(CommandError):
            call_command("review_due", stdout=(out := io.StringIO()))
        assert "  Dr. Rita Review" in out.getvalue()

    def test_each_term_is_listed_with_its_language_and_address(self, make_term):
        """A translation may share its source's slug: the language and the address in it
        tell them apart (a path without the language prefix leads to the English one)."""
        english = make_term("Myokines", slug="myokines")
        french = make_term("Myokines", slug="myokines", language="fr", translation_of=english)
        german = make_term("Blut-Hirn-Schranke", slug="blut-hirn-schranke", language="de")
        for term in (english, french, german):
            review(term, days_ago=350)
        lines = run().splitlines()
        assert any("en-gb  Myokines  /glossary/myokines/" in line for line in lines)
        assert any("fr     Myokines  /fr/glossary/myokines/" in line for line in lines)
        assert any(
            "de     Blut-Hirn-Schranke  /de/glossary/blut-hirn-schranke/" in line for line in lines
        )
        assert Client().get("/de/glossary/blut-hirn-schranke/").status_code == 200

    @pytest.mark.parametrize("days", ["-1", "soon"])
    def test_a_bad_window_is_refused(self, db, days):
        with pytest.raises(CommandError, match="--days takes a number of days"):
            run("--days", days)

    def test_a_wider_window(self, make_term):
        review(make_term("Later"), days_ago=300)
        assert "Later" not in run()
        assert "Later" in run("--days", "90")


class TestDashboard:
    def test_lists_due_terms_by_reviewer_and_category(self, published, make_category, writer):
        published.categories.add(make_category("Cells"))
        review(published, days_ago=400)
        client = Client()
        client.force_login(writer)
        response = client.get(DASHBOARD)
        assert response.status_code == 200
        html = response.content.decode()
        assert "<h3>Dr. Rita Review</h3>" in html and "<h3>Cells</h3>" in html
        assert html.count(">Autophagy</a>") == 2 and "overdue" in html
        assert "no-store" in response["Cache-Control"]

    def test_shows_each_terms_language(self, make_term, writer):
        english = make_term("Myokines", slug="myokines")
        french = make_term("Myokines", slug="myokines", language="fr", translation_of=english)
        review(english, days_ago=400)
        review(french, days_ago=400)
        client = Client()
        client.force_login(writer)
        html = client.get(DASHBOARD).content.decode()
        assert html.count('<td><span lang="en-gb">English</span></td>') == 2  # reviewer, category
        assert html.count('<td><span lang="fr">Français</span></td>') == 2

    def test_nothing_due(self, writer):
        client = Client()
        client.force_login(writer)
        assert "Nothing is due." in client.get(DASHBOARD).content.decode()

    def test_only_editorial_staff_see_it(self, django_user_model):
        outsider = django_user_model.objects.create_user("x", is_staff=True)
        client = Client()
        client.force_login(outsider)
        assert client.get(DASHBOARD).status_code == 403


def test_refresh_dates_terms_loaded_in_bulk(make_term):
    """Bulk loads write rows without signals: --refresh gives them their dates."""
    term = make_term("Imported")
    old = timezone.localdate() - datetime.timedelta(days=400)
    Term.objects.filter(pk=term.pk).update(last_reviewed=old, review_due=None)
    assert "Imported" not in run()
    with pytest.raises(CommandError):
        call_command("review_due", "--refresh", stdout=(out := io.StringIO()))
    assert "Imported" in out.getvalue()
    assert Term.objects.get(pk=term.pk).review_due == due.add_months(old, 12)
