"""A consent change made in another process is live on the next request here.

"Another process" is simulated the way it really differs from this one: the change
reaches the database without any signal or cache call in this process (raw SQL or a
queryset ``update()``), and the writer bumps the consent stamp as its own receivers
would. The test process's cache is never cleared.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from consent import catalog
from consent.models import CookieDetails, TrackingScript
from core import stamps

pytestmark = pytest.mark.django_db

CONSENT_DIR = Path(catalog.__file__).resolve().parent


@pytest.fixture
def page_url(make_term) -> str:
    return make_term("Autophagy", slug="autophagy").get_absolute_url()


@pytest.fixture
def analytics() -> CookieGroup:
    return CookieGroup.objects.get(varname="analytics")


def consent_config(html: str) -> dict:
    start = html.index('<script id="consent-config" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


def test_script_changed_by_raw_sql_elsewhere_shows_on_the_next_request(client, page_url, analytics):
    script = TrackingScript.objects.create(
        name="Stats", category=analytics, src="https://old.example.com/s.js"
    )
    first = client.get(page_url)
    assert "old.example.com" in first["Content-Security-Policy"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE consent_trackingscript SET src = %s WHERE id = %s",
            ["https://new.example.com/s.js", script.pk],
        )
    stamps.bump(catalog.STAMP)  # what the other process's receivers do in its transaction

    second = client.get(page_url)
    assert 'data-consent-src="https://new.example.com/s.js"' in second.content.decode()
    assert "https://new.example.com" in second["Content-Security-Policy"]
    assert "old.example.com" not in second["Content-Security-Policy"]


def test_script_switched_off_by_a_queryset_update_disappears_on_the_next_request(
    client, page_url, analytics
):
    TrackingScript.objects.create(name="Stats", category=analytics, src="/s.js")
    assert 'data-consent-src="/s.js"' in client.get(page_url).content.decode()
    TrackingScript.objects.filter(name="Stats").update(enabled=False)
    assert 'data-consent-src="/s.js"' not in client.get(page_url).content.decode()


def test_declared_cookie_added_elsewhere_is_expired_on_the_next_request(
    client, page_url, analytics, set_consent
):
    set_consent(analytics=False, personalization=False, marketing=False)
    client.cookies["_new_tracker"] = "1"
    assert "_new_tracker" not in client.get(page_url).cookies  # not declared yet
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cookie_consent_cookie (cookiegroup_id, name, description, path, domain,"
            " created) VALUES (%s, %s, %s, %s, %s, %s)",
            [analytics.pk, "_new_tracker", "Set by a new tracker", "/", "", timezone.now()],
        )
    stamps.bump(catalog.STAMP)

    response = client.get(page_url)
    assert response.cookies["_new_tracker"]["max-age"] == 0
    declared = consent_config(response.content.decode())["categories"]
    analytics_cookies = next(c for c in declared if c["varname"] == "analytics")["cookies"]
    assert [c["name"] for c in analytics_cookies] == ["_new_tracker"]


def test_clear_cache_command_announces_a_change_made_without_signals(client, page_url, analytics):
    client.get(page_url)
    TrackingScript.objects.bulk_create(
        [TrackingScript(name="Bulk", category=analytics, src="/bulk.js")]
    )
    assert "/bulk.js" not in client.get(page_url).content.decode()  # no signal: documented
    call_command("consent_clear_cache", verbosity=0)
    assert 'data-consent-src="/bulk.js"' in client.get(page_url).content.decode()


@pytest.mark.parametrize(
    "change",
    [
        "category_saved",
        "cookie_created",
        "details_saved",
        "script_saved",
        "script_updated",
        "script_deleted",
        "cookie_deleted",
    ],
)
def test_every_kind_of_change_bumps_the_consent_stamp(change, analytics):
    cookie = Cookie.objects.create(cookiegroup=analytics, name="_x")
    script = TrackingScript.objects.create(name="S", category=analytics, src="/s.js")
    before = stamps.current(catalog.STAMP)
    if change == "category_saved":
        analytics.description = "Changed"
        analytics.save()
    elif change == "cookie_created":
        Cookie.objects.create(cookiegroup=analytics, name="_y")
    elif change == "details_saved":
        CookieDetails.objects.create(cookie=cookie, lifetime="1 day")
    elif change == "script_saved":
        script.save()
    elif change == "script_updated":
        TrackingScript.objects.update(order=3)
    elif change == "script_deleted":
        TrackingScript.objects.all().delete()
    elif change == "cookie_deleted":
        cookie.delete()
    assert stamps.current(catalog.STAMP) > before


def test_migrate_bumps_the_consent_stamp():
    before = stamps.current(catalog.STAMP)
    call_command("migrate", verbosity=0)
    assert stamps.current(catalog.STAMP) > before


def _imports(module: str) -> set[str]:
    tree = ast.parse((CONSENT_DIR / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", ["models", "scripts", "signals"])
def test_models_and_rules_know_nothing_of_the_catalog(module):
    assert not {name for name in _imports(module) if "catalog" in name}


def test_one_hash_and_one_inline_rule_for_scripts():
    sources = {path.name: path.read_text() for path in CONSENT_DIR.rglob("*.py")}
    # The policy version (catalog.py) hashes too, but only scripts.py makes CSP hashes.
    for needle in ("'sha256-", "</script|"):
        holders = sorted(name for name, text in sources.items() if needle in text)
        assert holders == ["scripts.py"], needle


def test_a_change_inside_a_request_is_never_cached_under_its_older_stamp(analytics):
    catalog.get_catalog()
    old_token = stamps.token(catalog.STAMP)
    with catalog.request_scope():
        TrackingScript.objects.create(name="New", category=analytics, src="/n.js")
        cache.delete(catalog.CACHE_KEY)  # e.g. evicted, or another key layout
        assert [script.name for script in catalog.get_catalog().scripts] == ["New"]
    cached = cache.get(catalog.CACHE_KEY)
    assert cached is None or cached[0] != old_token
