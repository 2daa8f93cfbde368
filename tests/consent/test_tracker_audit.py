"""manage.py audit_trackers: a real Chromium visits the live site once per consent choice, and
what it stores or contacts is judged against the consent catalog.

Stand-in trackers (tests/browser/consent_urls.py) are filed the way a site could get them
wrong: an analytics script leaving undeclared cookies, a page setting a declared analytics
cookie itself, a script setting a declared cookie for longer than declared, a page loading
a script from another local origin. The seed site without them is clean.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from consent import catalog, tracker_audit
from consent.models import CookieDetails, TrackingScript
from consent.tracker_audit import (
    EARLY,
    LONGER_LIVED,
    THIRD_PARTY,
    UNDECLARED,
    AuditResult,
    Contact,
    Finding,
    PassResult,
    Seen,
)
from consent.tracker_audit_models import TrackerAudit

ALL_PASSES = [
    "no-decision",
    "reject-all",
    "only-analytics",
    "only-personalization",
    "only-marketing",
    "accept-all",
]
WITH_ANALYTICS = {"only-analytics", "accept-all"}
PAGES = ("--pages", "3")  # keeps each run to 5 pages × 6 passes


@pytest.fixture
def chromium() -> str:
    """Skipped like the other browser tests when Chromium is missing, failed under CI."""
    try:
        return tracker_audit.chromium_executable(os.environ.get("CHROMIUM_PATH", ""))
    except tracker_audit.AuditError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {error}")
        pytest.skip(str(error))


browser = pytest.mark.browser


@pytest.fixture
def site(chromium, live_server, transactional_db, settings) -> str:
    """The live seed site with the categories and declarations a real install has (the live
    server empties every table after each test, so the data migrations are run again)."""
    settings.ROOT_URLCONF = "tests.browser.consent_urls"
    importlib.import_module("consent.migrations.0002_categories_and_declared_cookies").create(
        apps, None
    )
    importlib.import_module("glossary.migrations.0008_recent_storage").declare(apps, None)
    from glossary.seed import load_seed_content

    load_seed_content()
    catalog.invalidate()
    return live_server.url


def declare(name: str, category: str, lifetime: str = "1 day", domain: str = "") -> None:
    cookie = Cookie.objects.create(
        cookiegroup=CookieGroup.objects.get(varname=category),
        name=name,
        description="A stand-in.",
        path="/",
        domain=domain,
    )
    CookieDetails.objects.create(cookie=cookie, lifetime=lifetime)


def add_script(name: str, category: str = "analytics") -> None:
    TrackingScript.objects.create(
        name=f"Stand-in {name}",
        category=CookieGroup.objects.get(varname=category),
        src=f"/test-audit/{name}.js",
    )


def audit(site: str, *extra: str, tmp_path=None) -> tuple[int, dict]:
    """Run the command; (exit status, its JSON report)."""
    report = tmp_path / "audit.json"
    try:
        call_command("audit_trackers", site, *PAGES, "--json", str(report), *extra)
        status = 0
    except CommandError as error:
        status = error.returncode
    return status, json.loads(report.read_text())


def found(report: dict, kind: str) -> dict[str, set[str]]:
    """name → the passes in which a finding of this kind was made for it."""
    passes: dict[str, set[str]] = {}
    for finding in report["findings"]:
        if finding["kind"] == kind:
            passes.setdefault(finding["name"], set()).add(finding["pass"])
    return passes


# The audit against the live site --------------------------------------------------------


@browser
def test_the_seed_site_is_clean_and_every_pass_is_run_as_a_visitor_decides(site, tmp_path, capsys):
    status, report = audit(site, tmp_path=tmp_path)

    assert status == 0
    assert report["findings"] == []
    assert report["counts"] == {UNDECLARED: 0, EARLY: 0, LONGER_LIVED: 0, THIRD_PARTY: 0}
    assert "No findings" in capsys.readouterr().out
    passes = {item["name"]: item for item in report["passes"]}
    assert list(passes) == ALL_PASSES
    assert {name: item["granted"] for name, item in passes.items()} == {
        "no-decision": [],
        "reject-all": [],
        "only-analytics": ["analytics"],
        "only-personalization": ["personalization"],
        "only-marketing": ["marketing"],
        "accept-all": ["analytics", "personalization", "marketing"],
    }
    assert report["pages"][:2] == ["/", "/cookies/"]
    assert len(report["pages"]) == 5
    assert all(item["pages"] == 5 and not item["error"] for item in passes.values())

    # What the site's own code really did: the consent cookie after each decision, and the
    # personalization feature's declared storage key only where personalization was granted.
    def names(name: str) -> set[str]:
        return {seen["name"] for seen in passes[name]["seen"]}

    assert settings.COOKIE_CONSENT_NAME not in names("no-decision")
    assert all(settings.COOKIE_CONSENT_NAME in names(name) for name in ALL_PASSES[1:])
    with_recent = {name for name in ALL_PASSES if "glossary.recent" in names(name)}
    assert with_recent == {"only-personalization", "accept-all"}

    stored = TrackerAudit.objects.get()
    assert (stored.base_url, stored.exit_status, stored.findings) == (site, 0, [])
    assert stored.pages == report["pages"]
    assert [item["name"] for item in stored.passes] == ALL_PASSES


@browser
def test_an_analytics_script_leaving_undeclared_cookies_and_keys_fails_the_audit(site, tmp_path):
    add_script("undeclared")

    status, report = audit(site, "--html", str(tmp_path / "audit.html"), tmp_path=tmp_path)

    assert status == 1
    assert found(report, UNDECLARED) == {
        "_audit_undeclared": WITH_ANALYTICS,
        "_audit_by_response": WITH_ANALYTICS,
        "<b>audit</b>": WITH_ANALYTICS,
    }
    assert found(report, EARLY) == found(report, LONGER_LIVED) == {}
    by_name = {f["name"]: f for f in report["findings"] if f["pass"] == "accept-all"}
    assert by_name["_audit_undeclared"]["set_by"] == f"script {site}/test-audit/undeclared.js"
    assert by_name["_audit_by_response"]["set_by"] == (
        f"Set-Cookie on {site}/test-audit/undeclared.js"
    )
    assert by_name["<b>audit</b>"]["item"] == "localStorage"

    page = (tmp_path / "audit.html").read_text()
    assert "&lt;b&gt;audit&lt;/b&gt;" in page and "<b>audit</b>" not in page
    assert "<script" not in page

    stored = TrackerAudit.objects.get()
    assert (stored.undeclared, stored.early, stored.exit_status) == (6, 0, 1)
    assert {f["name"] for f in stored.findings} == set(found(report, UNDECLARED))


@browser
def test_a_declared_cookie_a_page_sets_before_its_category_is_granted_is_early(site, tmp_path):
    declare("_audit_early", "analytics")

    status, report = audit(site, "--page", "/test-audit/early/", tmp_path=tmp_path)

    assert status == 1
    assert found(report, EARLY) == {"_audit_early": set(ALL_PASSES) - WITH_ANALYTICS}
    assert found(report, UNDECLARED) == found(report, LONGER_LIVED) == {}
    early = next(f for f in report["findings"] if f["kind"] == EARLY)
    assert early["category"] == "analytics"
    assert early["page"] == "/test-audit/early/"
    assert early["set_by"] == f"Set-Cookie on {site}/test-audit/early/"


@browser
def test_a_declared_cookie_set_for_longer_than_declared_is_longer_lived(site, tmp_path):
    declare("_audit_long", "analytics", lifetime="1 day")
    add_script("long")

    status, report = audit(site, tmp_path=tmp_path)

    assert status == 1  # every kind fails the audit by default
    assert found(report, LONGER_LIVED) == {"_audit_long": WITH_ANALYTICS}
    assert found(report, EARLY) == found(report, UNDECLARED) == {}
    longer = next(f for f in report["findings"] if f["kind"] == LONGER_LIVED)
    assert longer["detail"] == 'Set to live 30 days; declared "1 day".'
    assert longer["set_by"] == f"script {site}/test-audit/long.js"


@pytest.fixture
def other_origin() -> Iterator[str]:
    """A second local web server: another origin than the live server's."""

    class StandIn(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"/* a stand-in third-party script */\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@browser
def test_another_origin_contacted_without_a_granted_category_declaring_it(
    site, other_origin, tmp_path
):
    page = f"/test-audit/third-party/?origin={other_origin}"

    status, report = audit(site, "--page", page, tmp_path=tmp_path)

    assert status == 1
    assert found(report, THIRD_PARTY) == {other_origin: set(ALL_PASSES)}
    contact = next(f for f in report["findings"] if f["kind"] == THIRD_PARTY)
    assert contact["page"] == page
    assert contact["detail"].startswith("No category declares this host.")
    assert f"{other_origin}/stand-in.js" in contact["detail"]


@browser
def test_a_declared_third_party_script_is_judged_by_what_the_decision_granted(site, tmp_path):
    # consent.js starts the script the moment the decision is answered, on the page where it
    # was made: its requests come after the grant, not before it. (The host does not
    # resolve: the browser's attempt is the request the audit sees.)
    declare("_audit_stand_in", "analytics", domain="tracker.invalid")
    TrackingScript.objects.create(
        name="Stand-in third party",
        category=CookieGroup.objects.get(varname="analytics"),
        src="https://tracker.invalid/s.js",
    )
    catalog.invalidate()

    status, report = audit(site, tmp_path=tmp_path)

    origin = "https://tracker.invalid"
    contacted = {item["name"] for item in report["passes"] if origin in item["other_origins"]}
    assert contacted == WITH_ANALYTICS
    assert found(report, THIRD_PARTY) == {}
    assert status == 0


@browser
def test_a_site_that_does_not_answer_is_a_clear_error(chromium, db):
    with pytest.raises(CommandError, match=r"Could not read http://127\.0\.0\.1:9/sitemap\.xml"):
        call_command("audit_trackers", "http://127.0.0.1:9", *PAGES)


# Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["ftp://example.org"], "BASE_URL must be an http:// or https:// address"),
        (["javascript:alert(1)"], "BASE_URL must be an http:// or https:// address"),
        (["http://x.example", "--pages", "0"], "--pages must be from 1 to 1000"),
        (["http://x.example", "--page", "//evil.example/"], "--page takes a path"),
        (["http://x.example", "--fail-on", "everything"], "--fail-on takes"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(db, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("audit_trackers", *arguments)


# The rules, on plain data ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1 year", 365.25 * 86400),
        ("270 days", 270 * 86400),
        ("2 weeks, or until you sign out", 14 * 86400),
        ("a day", 86400),
        ("Until you close the browser", 0),
        ("Session", 0),
        ("Until the next page is shown", None),
        ("Until you withdraw personalization or clear this site's data", None),
    ],
)
def test_declared_lifetimes_are_read_as_durations(text, seconds):
    assert tracker_audit.parse_lifetime(text) == seconds


def test_set_cookie_lines_give_name_domain_and_lifetime_and_deletions_are_ignored():
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    seen = tracker_audit.cookie_from_header(
        "_ga=GA1.2; Domain=.example.org; Max-Age=3600; Path=/", "www.example.org", now
    )
    assert (seen.name, seen.domain, seen.lifetime) == ("_ga", "example.org", 3600)
    expires = tracker_audit.cookie_from_header(
        "id=1; Expires=Fri, 02 Jan 2026 00:00:00 GMT", "site.example", now
    )
    assert (expires.domain, expires.lifetime) == ("site.example", 86400)
    assert tracker_audit.cookie_from_header("s=1; HttpOnly", "a.example", now).lifetime is None
    assert tracker_audit.cookie_from_header("gone=; Max-Age=0", "a.example", now) is None
    assert tracker_audit.cookie_from_header("novalue", "a.example", now) is None


def test_pages_come_from_each_sitemap_section_in_turn_on_the_audited_host():
    xml = {
        "http://staging.example/sitemap.xml": (
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            "<sitemap><loc>https://glossary.example/sitemap-pages.xml</loc></sitemap>"
            "<sitemap><loc>https://glossary.example/sitemap-terms.xml</loc></sitemap>"
            "</sitemapindex>"
        ),
        "http://staging.example/sitemap-pages.xml": (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            "<url><loc>https://glossary.example/</loc></url>"
            "<url><loc>https://glossary.example/glossary/</loc></url></urlset>"
        ),
        "http://staging.example/sitemap-terms.xml": (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(
                f"<url><loc>https://glossary.example/glossary/t{n}/</loc></url>" for n in range(5)
            )
            + "</urlset>"
        ),
    }

    pages = tracker_audit.pages_to_visit("http://staging.example", 3, ["/x/?a=1"], xml.__getitem__)

    assert pages == [
        "http://staging.example/",
        "http://staging.example/cookies/",
        "http://staging.example/x/?a=1",
        "http://staging.example/glossary/",
        "http://staging.example/glossary/t0/",
        "http://staging.example/glossary/t1/",
    ]


def test_a_malformed_sitemap_is_a_clear_error():
    with pytest.raises(tracker_audit.AuditError, match="not well-formed XML"):
        tracker_audit.pages_to_visit("http://a.example", 3, (), lambda url: "<urlset")


@pytest.mark.django_db
def test_lifetimes_within_the_tolerance_pass_and_session_cookies_never_live_longer():
    declare("_within", "analytics", lifetime="1 year")
    declare("_session_only", "analytics", lifetime="Until you close the browser")
    catalog.invalidate()
    year = 365.25 * 86400
    seen = [
        Seen("cookie", "_within", "a.example", lifetime=year + 3600, granted=("analytics",)),
        Seen("cookie", "_session_only", "a.example", lifetime=None, granted=("analytics",)),
        Seen("cookie", "_session_only", "b.example", lifetime=60 * 86400, granted=("analytics",)),
    ]
    result = PassResult(name="only-analytics", intended=("analytics",), seen=seen)

    findings = tracker_audit.judge([result], catalog.get_catalog())

    assert [(f.kind, f.name, f.domain) for f in findings] == [
        (LONGER_LIVED, "_session_only", "b.example")
    ]


@pytest.mark.django_db
def test_a_host_is_allowed_only_while_a_category_declaring_it_is_granted():
    declare("_stand_in", "marketing", domain="cdn.example")  # declares cdn.example and below
    catalog.invalidate()

    def contacted(name: str, granted: tuple[str, ...], host: str) -> PassResult:
        contact = Contact(f"https://{host}", host, f"https://{host}/t.js", "/", "script", granted)
        return PassResult(name=name, intended=granted, granted=granted, contacts=[contact])

    passes = [
        contacted("only-analytics", ("analytics",), "cdn.example"),
        contacted("only-marketing", ("marketing",), "img.cdn.example"),
        contacted("accept-all", ("analytics", "marketing"), "other.example"),
    ]

    findings = tracker_audit.judge(passes, catalog.get_catalog())

    assert [(f.pass_name, f.name, f.category) for f in findings] == [
        ("only-analytics", "https://cdn.example", "marketing"),
        ("accept-all", "https://other.example", ""),
    ]


def test_the_exit_status_fails_on_the_kinds_chosen_and_on_a_pass_that_could_not_run():
    def result(*kinds: str, error: str = "") -> AuditResult:
        findings = [
            Finding(kind, "accept-all", "cookie", "x", "", "", (), "/", "", "") for kind in kinds
        ]
        passes = [PassResult(name="accept-all", intended=(), error=error)]
        return AuditResult("http://a.example", datetime.now(UTC), 1.0, ["/"], passes, findings)

    assert result().exit_status() == 0
    assert result(LONGER_LIVED).exit_status() == 1
    assert result(LONGER_LIVED).exit_status([UNDECLARED, EARLY]) == 0
    assert result(EARLY).exit_status([UNDECLARED, EARLY]) == 1
    assert result(error="HTTP 429").exit_status() == 2


# The stored summary in the admin --------------------------------------------------------


def staff(username: str, *groups: str) -> User:
    user = User.objects.create_user(username, password="x", is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


@pytest.fixture
def stored_audit(db) -> TrackerAudit:
    finding = Finding(
        kind=UNDECLARED,
        pass_name="accept-all",
        item="cookie",
        name="<img src=x onerror=alert(1)>",
        domain="glossary.example",
        category="",
        granted=("analytics",),
        page="/",
        set_by="script https://tracker.example/t.js",
        detail="No category declares this cookie.",
    )
    result = AuditResult(
        base_url="https://glossary.example",
        started_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        duration_seconds=12.5,
        pages=["/", "/cookies/"],
        passes=[PassResult(name="accept-all", intended=(), granted=("analytics",))],
        findings=[finding],
    )
    return tracker_audit.store_summary(result, result.exit_status())


LIST = "/admin/consent/trackeraudit/"


def test_privacy_staff_see_audits_with_their_findings_escaped(client, stored_audit):
    client.force_login(staff("privacy", "Privacy"))

    listing = client.get(LIST)
    detail = client.get(f"{LIST}{stored_audit.pk}/change/")

    assert listing.status_code == 200
    assert "https://glossary.example" in listing.text
    assert detail.status_code == 200
    assert "&lt;img src=x onerror=alert(1)&gt;" in detail.text
    assert "<img src=x" not in detail.text
    assert "undeclared 1, before consent 0" in detail.text


def test_audits_are_read_only_even_for_privacy_staff_and_superusers(
    client, stored_audit, admin_user
):
    for user in (staff("privacy", "Privacy"), admin_user):
        client.force_login(user)
        assert client.get(f"{LIST}add/").status_code == 403
        assert client.get(f"{LIST}{stored_audit.pk}/delete/").status_code == 403
        response = client.post(f"{LIST}{stored_audit.pk}/change/", {"base_url": "x"})
        assert response.status_code == 403
    stored_audit.refresh_from_db()
    assert stored_audit.base_url == "https://glossary.example"


def test_editors_get_no_access_and_anonymous_visitors_are_sent_to_sign_in(client, stored_audit):
    client.force_login(staff("editor", "Editors"))
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{stored_audit.pk}/change/").status_code == 403

    client.logout()
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
