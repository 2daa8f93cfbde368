"""consent.state: the consent cookie -> what the visitor granted, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from consent import state
from consent.catalog import get_catalog, request_scope
from consent.state import ConsentState, cookie_value, format_version, parse_cookie

NOW = timezone.now().replace(microsecond=0)
V = format_version(NOW - timedelta(minutes=1))


@pytest.fixture
def catalog(db):
    return get_catalog()


def current(raw: str, catalog) -> str:
    """``raw`` with the metadata of a decision made a minute ago under the current policy."""
    return (
        f"{raw}|.at={V}|.v={catalog.policy_version}|.l={catalog.language}"
        f"|.t={catalog.text_version}|.id={state.new_consent_id()}"
    )


class TestValidCookies:
    def test_granted_and_refused_categories_are_read(self, catalog):
        raw = current(f"analytics={V}|marketing=-1", catalog)
        assert parse_cookie(raw, catalog, NOW) == {"analytics": True, "marketing": False}

    def test_the_cookie_we_write_reads_back(self, catalog):
        raw = cookie_value({"analytics": True, "personalization": False}, NOW)
        assert parse_cookie(raw, catalog, NOW) == {"analytics": True, "personalization": False}

    def test_upstream_style_offset_versions_are_accepted(self, catalog):
        raw = current("analytics=2020-01-01T10:00:00.123456+00:00", catalog)
        assert parse_cookie(raw, catalog, NOW) == {"analytics": True}


class TestBadCookiesMeanNoDecision:
    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "garbage",
            "|||===|||",
            "analytics",
            "analytics=",
            "analytics=yes",
            "analytics=2024-13-45T99:99:99Z",
            "analytics=2024-01-01",
            "analytics=2024-01-01T00:00:00",  # no time zone
            "analytics=1e9",
            "analytics=-2",
            "analytics=2024-01-01T00:00:00Z=1",
            "tracking=2024-01-01T00:00:00Z",
            "necessary=-1",
            "__proto__=2024-01-01T00:00:00Z",
            "ANALYTICS=2024-01-01T00:00:00Z",
        ],
    )
    def test_garbled_or_unknown_values_decide_nothing(self, catalog, raw):
        assert parse_cookie(raw, catalog, NOW) == {}
        assert parse_cookie(current(raw, catalog), catalog, NOW) == {}

    def test_future_version_is_forged(self, catalog):
        future = format_version(NOW + timedelta(days=1))
        raw = current(f"analytics={future}|marketing=-1", catalog)
        assert parse_cookie(raw, catalog, NOW) == {"marketing": False}

    def test_repeated_keys_leave_that_category_undecided(self, catalog):
        raw = current(f"analytics={V}|analytics=-1|marketing={V}", catalog)
        assert parse_cookie(raw, catalog, NOW) == {"marketing": True}

    def test_separators_inside_values_drop_only_that_pair(self, catalog):
        raw = current(f"analytics={V}=x|personalization=-1", catalog)
        assert parse_cookie(raw, catalog, NOW) == {"personalization": False}

    def test_oversized_cookie_is_ignored_entirely(self, catalog):
        raw = f"analytics={V}|" + "x" * 4096
        assert parse_cookie(raw, catalog, NOW) == {}

    def test_consent_older_than_a_newly_declared_cookie_is_asked_again(self, catalog):
        from cookie_consent.models import Cookie, CookieGroup

        raw = current(f"analytics={V}|marketing=-1", catalog)
        Cookie.objects.create(cookiegroup=CookieGroup.objects.get(varname="analytics"), name="_x")
        changed = get_catalog()
        assert changed.policy_version != catalog.policy_version
        assert parse_cookie(raw, changed, NOW) == {}
        stored = state.read_cookie(raw, changed, NOW)
        assert stored.status == state.OUTDATED
        assert stored.choices == {"analytics": True, "marketing": False}  # to pre-fill


class TestConsentState:
    def test_required_category_is_always_granted(self, db):
        current = state.state_from_cookie("")
        assert current.granted("necessary")
        assert current.necessary is True
        assert current.needs_decision

    def test_unknown_category_is_never_granted(self, db):
        current = state.state_from_cookie(f"analytics={V}")
        assert current["nonsense"] is False

    def test_the_four_categories_read_as_attributes(self, db):
        raw = cookie_value({"analytics": True, "personalization": False, "marketing": True}, NOW)
        current = state.state_from_cookie(raw)
        assert (current.necessary, current.analytics) == (True, True)
        assert (current.personalization, current.marketing) == (False, True)

    @pytest.mark.parametrize("typo", ["analytic", "marketting", "Analytics", "nonsense"])
    def test_a_misspelt_category_attribute_is_an_error_not_an_answer(self, db, typo):
        current = state.state_from_cookie(cookie_value({"analytics": True}, NOW))
        with pytest.raises(AttributeError):
            getattr(current, typo)

    def test_all_optional_decided_means_no_banner(self, db):
        raw = cookie_value({"analytics": True, "personalization": False, "marketing": False}, NOW)
        current = state.state_from_cookie(raw)
        assert not current.needs_decision
        assert current.granted_categories == ("analytics",)
        assert current.refused_categories == ("personalization", "marketing")

    def test_for_request_reads_the_cookie_once(self, db, django_assert_num_queries):
        request = RequestFactory().get("/", HTTP_COOKIE=f"cookie_consent={V}")
        get_catalog()
        with request_scope(), django_assert_num_queries(1):  # the catalog's stamp
            first = state.for_request(request)
            assert state.for_request(request) is first
        assert isinstance(first, ConsentState)
        assert state.was_read(request)
