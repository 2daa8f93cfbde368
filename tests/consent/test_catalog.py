"""The cached catalog: no query per page once warm, and every kind of edit forgets it."""

from __future__ import annotations

import json

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.core.management import call_command

from consent import catalog
from consent.models import TrackingScript

pytestmark = pytest.mark.django_db


def script_names() -> list[str]:
    return [script.name for script in catalog.get_catalog().scripts]


@pytest.fixture
def analytics(db) -> CookieGroup:
    return CookieGroup.objects.get(varname="analytics")


def test_warm_catalog_costs_one_stamp_query(django_assert_num_queries):
    catalog.get_catalog()
    with django_assert_num_queries(1):
        catalog.get_catalog()


def test_within_a_request_the_stamp_is_read_once(django_assert_num_queries):
    catalog.get_catalog()
    with catalog.request_scope(), django_assert_num_queries(1):
        first = catalog.get_catalog()
        assert catalog.get_catalog() is first


def test_cold_catalog_is_built_in_four_queries_after_the_stamp(django_assert_num_queries):
    # categories with their cookies, enabled scripts, the policy settings, the banner and
    # page texts of every language
    with django_assert_num_queries(5):
        catalog.get_catalog()


def test_another_language_adds_its_category_and_cookie_texts(django_assert_num_queries):
    with django_assert_num_queries(7):
        catalog.get_catalog("de")


def test_warm_pages_read_the_catalog_s_stamp_and_no_consent_table(
    client, make_term, warm_caches, django_assert_max_num_queries
):
    url = make_term("Ketosis", slug="ketosis").get_absolute_url()
    warm_caches()
    for _ in ("miss", "hit"):
        # 9 on a miss: a term outside the workflow reads its authors (byline, citation).
        with django_assert_max_num_queries(9) as page:
            client.get(url)
        read = " ".join(query["sql"] for query in page.captured_queries)
        assert "consent.catalog" in read
        assert "cookie_consent_" not in read and '"consent_' not in read


def test_saving_a_script_forgets_the_catalog(analytics):
    assert script_names() == []
    script = TrackingScript.objects.create(name="Stats", category=analytics, src="/s.js")
    assert script_names() == ["Stats"]
    script.enabled = False
    script.save()
    assert script_names() == []


def test_queryset_update_and_delete_forget_the_catalog(analytics):
    TrackingScript.objects.create(name="Stats", category=analytics, src="/s.js")
    assert script_names() == ["Stats"]
    TrackingScript.objects.update(name="Renamed")
    assert script_names() == ["Renamed"]
    TrackingScript.objects.all().delete()
    assert script_names() == []


def test_editing_a_category_or_cookie_forgets_the_catalog(analytics):
    catalog.get_catalog()
    analytics.description = "New words"
    analytics.save()
    assert catalog.get_catalog().category("analytics").description == "New words"
    Cookie.objects.create(cookiegroup=analytics, name="_new")
    assert [c.name for c in catalog.get_catalog().category("analytics").cookies] == ["_new"]


def test_loaddata_forgets_the_catalog(analytics, tmp_path):
    catalog.get_catalog()
    fixture = tmp_path / "scripts.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "consent.trackingscript",
                    "pk": 99,
                    "fields": {"name": "Loaded", "category": analytics.pk, "src": "/l.js"},
                }
            ]
        )
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert script_names() == ["Loaded"]


def test_bulk_create_needs_the_clear_command(analytics):
    catalog.get_catalog()
    TrackingScript.objects.bulk_create(
        [TrackingScript(name="Bulk", category=analytics, src="/b.js")]
    )
    assert script_names() == []  # bulk_create sends no signal: documented
    call_command("consent_clear_cache", verbosity=0)
    assert script_names() == ["Bulk"]


def test_scripts_of_required_or_disabled_categories_are_left_out(analytics):
    TrackingScript.objects.create(name="Off", category=analytics, src="/o.js", enabled=False)
    TrackingScript.objects.create(name="On", category=analytics, src="/a.js", order=2)
    TrackingScript.objects.create(name="First", category=analytics, code="var a=1;", order=1)
    assert script_names() == ["First", "On"]
