"""What privacy staff configure cannot take over the site (issue 9, findings 1-3).

1. Script code is code execution: only holders of ``consent.change_script_code`` (superusers
   by default) add scripts or change their URL, code, category or placement; every change
   is recorded; ``ADMIN_HOST`` keeps the admin out of the scripts' origin.
2. A script URL cannot inject into the Content-Security-Policy, even when forced into the
   database without validation.
3. A declared cookie name cannot expire the site's own necessary cookies.
"""

from __future__ import annotations

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from consent import audit, state
from consent.admin import TrackingScriptAdmin
from consent.catalog import Catalog, Category, DeclaredCookie, get_catalog
from consent.models import TrackingScript, TrackingScriptChange
from consent.scripts import script_origin, validate_script_src

pytestmark = pytest.mark.django_db

HOSTILE_SRC = [
    "https://a.example 'unsafe-inline' 'unsafe-eval'",
    "https://*",
    "https://cdn.example;sandbox",
    "/\r/evil.example/x.js",
]
ADD_URL = "/admin/consent/trackingscript/add/"
EVIL_CODE = "fetch('/admin/auth/user/add/').then(r => r.text()).then(t => { /* steal csrf */ });"


def staff(username: str, *groups: str) -> User:
    user = User.objects.create_user(username, password="x", is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def privacy(client) -> User:
    user = staff("privacy", "Privacy")
    client.force_login(user)
    return user


@pytest.fixture
def analytics() -> CookieGroup:
    return CookieGroup.objects.get(varname="analytics")


@pytest.fixture
def script(analytics) -> TrackingScript:
    return TrackingScript.objects.create(name="Stats", category=analytics, src="/s.js")


@pytest.fixture
def page_url(make_term) -> str:
    return make_term("Autophagy", slug="autophagy").get_absolute_url()


def form_data(script: TrackingScript, **changes) -> dict:
    data = {
        "name": script.name,
        "category": script.category_id,
        "placement": script.placement,
        "order": str(script.order),
        "src": script.src,
        "code": script.code,
    }
    if script.enabled:
        data["enabled"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def csp(response) -> str:
    return response["Content-Security-Policy"]


# --- 1. Script code needs its own permission ------------------------------------------


class TestScriptCodePermission:
    def test_only_superusers_hold_it_by_default(self, admin_user):
        privacy = staff("privacy", "Privacy")
        assert admin_user.has_perm(TrackingScript.CODE_PERMISSION)
        assert not privacy.has_perm(TrackingScript.CODE_PERMISSION)
        assert privacy.has_perm("consent.change_trackingscript")
        assert privacy.has_perm("consent.view_trackingscriptchange")
        assert (
            not Group.objects.get(name="Privacy")
            .permissions.filter(codename="change_script_code")
            .exists()
        )

    def test_privacy_staff_cannot_add_a_script(self, client, privacy, analytics):
        assert client.get(ADD_URL).status_code == 403
        response = client.post(
            ADD_URL,
            {
                "name": "Evil",
                "category": analytics.pk,
                "placement": "body",
                "order": "0",
                "enabled": "on",
                "src": "",
                "code": EVIL_CODE,
            },
        )
        assert response.status_code == 403
        assert not TrackingScript.objects.exists()

    def test_privacy_staff_see_code_fields_read_only(self, client, privacy, script):
        html = client.get(f"/admin/consent/trackingscript/{script.pk}/change/").content.decode()
        for field in ("src", "code", "category", "placement"):
            assert f'name="{field}"' not in html, field
        assert 'name="enabled"' in html and 'name="name"' in html

    def test_posted_code_changes_from_privacy_staff_are_ignored(self, client, privacy, script):
        marketing = CookieGroup.objects.get(varname="marketing")
        response = client.post(
            f"/admin/consent/trackingscript/{script.pk}/change/",
            form_data(
                script,
                name="Stats renamed",
                src="",
                code=EVIL_CODE,
                category=marketing.pk,
                placement="head",
                enabled=None,
            ),
        )
        assert response.status_code == 302
        script.refresh_from_db()
        assert (script.name, script.enabled) == ("Stats renamed", False)
        assert (script.src, script.code, script.category.varname, script.placement) == (
            "/s.js",
            "",
            "analytics",
            "body",
        )

    def test_saving_changed_code_without_the_permission_is_refused_on_the_server(self, script):
        request = RequestFactory().post("/")
        request.user = staff("privacy", "Privacy")
        model_admin = TrackingScriptAdmin(TrackingScript, admin.site)
        script.code, script.src = EVIL_CODE, ""
        with pytest.raises(PermissionDenied):
            model_admin.save_model(request, script, None, change=True)
        with pytest.raises(PermissionDenied):
            model_admin.save_model(request, TrackingScript(name="New"), None, change=False)
        script.refresh_from_db()
        assert script.src == "/s.js"

    def test_superuser_adds_and_changes_code(self, client, admin_user, analytics):
        client.force_login(admin_user)
        response = client.post(
            ADD_URL,
            {
                "name": "Inline",
                "category": analytics.pk,
                "placement": "body",
                "order": "0",
                "enabled": "on",
                "src": "",
                "code": "var a = 1;",
            },
        )
        assert response.status_code == 302
        assert TrackingScript.objects.get().code == "var a = 1;"


class TestChangeRecords:
    def test_every_change_is_recorded_with_who_and_before_after(
        self, client, admin_user, analytics
    ):
        client.force_login(admin_user)
        client.post(
            ADD_URL,
            {
                "name": "Inline",
                "category": analytics.pk,
                "placement": "body",
                "order": "0",
                "enabled": "on",
                "src": "",
                "code": "var a = 1;",
            },
        )
        script = TrackingScript.objects.get()
        privacy = staff("privacy", "Privacy")
        client.force_login(privacy)
        client.post(
            f"/admin/consent/trackingscript/{script.pk}/change/",
            form_data(script, enabled=None),
        )
        script.refresh_from_db()
        script.name = "From the shell"
        script.save()
        TrackingScript.objects.update(enabled=True)
        client.force_login(admin_user)
        client.post(f"/admin/consent/trackingscript/{script.pk}/delete/", {"post": "yes"})

        changes = list(TrackingScriptChange.objects.order_by("changed_at", "pk"))
        assert [(c.action, c.changed_by_name, c.changed_fields) for c in changes] == [
            ("added", "admin", ["name", "src", "code", "category", "placement", "enabled"]),
            ("changed", "privacy", ["enabled"]),
            ("changed", audit.OUTSIDE_ADMIN, ["name"]),
            ("changed", audit.OUTSIDE_ADMIN, ["enabled"]),
            ("deleted", "admin", ["name", "src", "code", "category", "placement", "enabled"]),
        ]
        added, by_privacy, *_, deleted = changes
        assert added.after["code"] == "var a = 1;" and added.before is None
        assert added.changed_by == admin_user
        assert (by_privacy.before["enabled"], by_privacy.after["enabled"]) == (True, False)
        assert by_privacy.changed_by == privacy
        assert deleted.after is None and deleted.before["name"] == "From the shell"
        assert all(c.changed_at <= timezone.now() for c in changes)

    def test_a_save_that_changes_nothing_audited_records_nothing(self, script):
        before = TrackingScriptChange.objects.count()
        script.order = 5
        script.save()
        assert TrackingScriptChange.objects.count() == before

    def test_records_are_shown_read_only(self, client, admin_user, script):
        client.force_login(admin_user)
        change = TrackingScriptChange.objects.get(script=script)
        page = client.get(f"/admin/consent/trackingscript/{script.pk}/change/").content.decode()
        assert "Recorded changes" in page
        assert f"/admin/consent/trackingscriptchange/{change.pk}/change/" in page
        record = client.get(f"/admin/consent/trackingscriptchange/{change.pk}/change/")
        assert record.status_code == 200 and "/s.js" in record.content.decode()
        assert 'name="script_name"' not in record.content.decode()
        base = "/admin/consent/trackingscriptchange/"
        assert client.get(f"{base}add/").status_code == 403
        assert client.post(f"{base}{change.pk}/change/", {"script_name": "x"}).status_code == 403
        assert client.post(f"{base}{change.pk}/delete/", {"post": "yes"}).status_code == 403
        assert TrackingScriptChange.objects.filter(pk=change.pk).exists()

    def test_privacy_staff_read_the_records(self, client, privacy, script):
        listing = client.get("/admin/consent/trackingscriptchange/")
        assert listing.status_code == 200 and "Stats" in listing.content.decode()


class TestAdminHost:
    @pytest.fixture
    def admin_host(self, settings):
        settings.ADMIN_HOST = "admin.example.org"
        settings.ALLOWED_HOSTS = ["admin.example.org", "www.example.org", "testserver"]

    def test_admin_is_404_on_other_hosts(self, client, admin_user, admin_host):
        client.force_login(admin_user)
        assert client.get("/admin/", HTTP_HOST="www.example.org").status_code == 404
        assert client.get("/admin/auth/user/add/", HTTP_HOST="www.example.org").status_code == 404
        response = client.post("/admin/auth/user/add/", {}, HTTP_HOST="www.example.org")
        assert response.status_code == 404
        assert client.get("/admin/", HTTP_HOST="admin.example.org").status_code == 200

    def test_admin_host_serves_only_the_admin(self, client, admin_host, page_url):
        assert client.get(page_url, HTTP_HOST="admin.example.org").status_code == 404
        assert client.get("/cookies/", HTTP_HOST="admin.example.org").status_code == 404
        assert client.get(page_url, HTTP_HOST="www.example.org").status_code == 200
        login = client.get("/admin/login/", HTTP_HOST="admin.example.org:8443")
        assert login.status_code == 200

    def test_without_the_setting_the_admin_answers_on_any_host(self, client, settings):
        settings.ADMIN_HOST = ""
        assert client.get("/admin/login/").status_code == 200


# --- 2. Script URLs cannot reach the Content-Security-Policy ----------------------------


class TestScriptUrls:
    @pytest.mark.parametrize(
        "src",
        [
            *HOSTILE_SRC,
            "https://localhost/x.js",
            "https://1.2.3.4/x.js",
            "https://cdn.example.com/a b.js",
            "https://cdn.example.com/a,b.js",
            "https://cdn.example.com/a'b.js",
            "https://cdn.example.com:99999/x.js",
            "https://user@cdn.example.com/x.js",
            "https://cdn.example.com\\@evil.example/x.js",
            "/\\evil.example/x.js",
            "//evil.example/x.js",
            "/ok\t.js",
            "/ok\n.js",
            "/a\\b.js",
            "https://cdn.example.com/x.js\r\n",
        ],
    )
    def test_refused(self, src):
        with pytest.raises(ValidationError):
            validate_script_src(src)
        assert script_origin(src) is None

    @pytest.mark.parametrize(
        "src, origin",
        [
            ("https://cdn.example.com/s.js?v=1&x=2", "https://cdn.example.com"),
            ("https://CDN.Example.com:8443/s.js", "https://cdn.example.com:8443"),
            ("https://stats.example/", "https://stats.example"),
            ("/static/js/self-hosted.js", None),
        ],
    )
    def test_accepted(self, src, origin):
        validate_script_src(src)
        assert script_origin(src) == origin

    @pytest.mark.parametrize("src", HOSTILE_SRC)
    def test_admin_form_refuses_with_a_clear_message(self, client, admin_user, analytics, src):
        client.force_login(admin_user)
        response = client.post(
            ADD_URL,
            {
                "name": "Bad",
                "category": analytics.pk,
                "placement": "body",
                "order": "0",
                "enabled": "on",
                "src": src,
                "code": "",
            },
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "errorlist" in html
        assert any(
            phrase in html
            for phrase in ("real host name", "A path on this site must start with a single /")
        )
        assert not TrackingScript.objects.exists()

    @pytest.mark.parametrize("src", HOSTILE_SRC)
    def test_forced_into_the_database_it_changes_nothing(
        self, client, admin_user, analytics, page_url, src
    ):
        clean_page = csp(client.get(page_url))
        client.force_login(admin_user)
        clean_admin = csp(client.get("/admin/"))
        TrackingScript.objects.create(name="Forced", category=analytics, src=src)  # no clean()

        page = client.get(page_url)
        assert csp(page) == clean_page
        assert "Forced" not in page.content.decode()
        assert "evil.example" not in page.content.decode()
        admin_page = client.get("/admin/")
        assert admin_page.status_code == 200
        assert csp(admin_page) == clean_admin
        assert "sandbox" not in csp(admin_page)
        assert client.get("/admin/consent/trackingscript/").status_code == 200

    def test_admin_pages_never_list_script_sources(self, client, admin_user, analytics):
        TrackingScript.objects.create(
            name="Good", category=analytics, src="https://cdn.example.com/s.js"
        )
        client.force_login(admin_user)
        assert "cdn.example.com" not in csp(client.get("/admin/"))


# --- 3. Declared cookie names ---------------------------------------------------------


COOKIE_ADD_URL = "/admin/cookie_consent/cookie/add/"


def cookie_form(group: CookieGroup, name: str) -> dict:
    return {
        "cookiegroup": group.pk,
        "name": name,
        "description": "x",
        "path": "/",
        "domain": "",
        "details-TOTAL_FORMS": "1",
        "details-INITIAL_FORMS": "0",
        "details-MIN_NUM_FORMS": "1",
        "details-MAX_NUM_FORMS": "1",
        "details-0-lifetime": "1 day",
        "details-0-storage": "cookie",
    }


class TestDeclaredCookieNames:
    @pytest.mark.parametrize(
        "name, message",
        [
            ("*", "at least 2"),
            ("a*b", "cookie name may contain only"),
            ("x y", "cookie name may contain only"),
            ("s*", "at least 2"),
            ("a;b", "cookie name may contain only"),
            ("sess*", "a cookie the site needs"),
            ("csrftoken", "a cookie the site needs"),
            ("cookie_con*", "a cookie the site needs"),
            ("mess*", "a cookie the site needs"),
        ],
    )
    def test_admin_refuses(self, client, privacy, name, message):
        marketing = CookieGroup.objects.get(varname="marketing")
        response = client.post(COOKIE_ADD_URL, cookie_form(marketing, name))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Cookie.objects.filter(name=name, cookiegroup=marketing).exists()

    @pytest.mark.parametrize("name", ["_ga_*", "_fbp", "__Host-x"])
    def test_admin_accepts(self, client, privacy, name):
        marketing = CookieGroup.objects.get(varname="marketing")
        response = client.post(COOKIE_ADD_URL, cookie_form(marketing, name))
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Cookie.objects.filter(name=name).exists()

    def test_admin_refuses_a_path_that_could_inject_attributes(self, client, privacy):
        marketing = CookieGroup.objects.get(varname="marketing")
        data = cookie_form(marketing, "_fbp") | {"path": "/; Domain=evil.example"}
        response = client.post(COOKIE_ADD_URL, data)
        assert response.status_code == 200
        assert not Cookie.objects.filter(name="_fbp").exists()

    def test_a_star_forced_into_the_database_logs_nobody_out(self, client, admin_user, page_url):
        marketing = CookieGroup.objects.get(varname="marketing")
        for name in ("*", "s*", "csrf*", "_mk_*"):
            Cookie.objects.create(cookiegroup=marketing, name=name)  # no form, no validation
        client.force_login(admin_user)
        client.get("/admin/")  # sets csrftoken
        client.cookies["_mk_id"] = "tracker"
        assert {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME} <= set(client.cookies)

        response = client.post(
            "/cookies/decline/",
            {"all": "1"},
            HTTP_ORIGIN="http://testserver",
            HTTP_SEC_FETCH_SITE="same-origin",
            HTTP_REFERER="http://testserver/",
        )
        assert response.status_code in (200, 302)
        expired = {name for name, morsel in response.cookies.items() if morsel["max-age"] == 0}
        assert expired == {"_mk_id"}
        page = client.get(page_url)  # the middleware's clean-up, on any response
        assert {name for name, m in page.cookies.items() if m["max-age"] == 0} <= {"_mk_id"}
        assert client.get("/admin/").status_code == 200  # still logged in

    def test_withdrawal_never_expires_necessary_cookies_even_if_declared(self):
        """The clean-up's own guard, with a catalog that declares everything."""
        catalog = Catalog(
            categories=(
                Category(
                    "necessary",
                    "Necessary",
                    "",
                    True,
                    False,
                    None,
                    (DeclaredCookie("_site_pref", "", ""),),
                ),
                Category(
                    "marketing",
                    "Marketing",
                    "",
                    False,
                    True,
                    None,
                    (DeclaredCookie("*", "", ""), DeclaredCookie("_site_pref", "", "")),
                ),
            ),
        )
        catalog.by_varname.update({c.varname: c for c in catalog.categories})
        request = RequestFactory().get("/")
        request.COOKIES = {
            name: "1"
            for name in (
                settings.SESSION_COOKIE_NAME,
                settings.CSRF_COOKIE_NAME,
                settings.COOKIE_CONSENT_NAME,
                settings.LANGUAGE_COOKIE_NAME,
                "messages",
                "_site_pref",
                "_tracker",
            )
        }
        expired = state.expire_cookies(request, HttpResponse(), catalog, ["marketing"])
        assert expired == ["_tracker"]

    def test_catalog_leaves_out_names_that_could_cover_necessary_cookies(self):
        marketing = CookieGroup.objects.get(varname="marketing")
        for name in ("*", "a*b", "x y", "session*", "_ok_*"):
            Cookie.objects.create(cookiegroup=marketing, name=name)
        declared = [c.name for c in get_catalog().category("marketing").cookies]
        assert declared == ["_ok_*"]


class TestAdminHostChecks:
    def test_admin_host_must_be_allowed(self, settings):
        from consent.hosts import check_settings

        settings.ADMIN_HOST = "admin.example.org"
        settings.ALLOWED_HOSTS = ["www.example.org"]
        settings.SESSION_COOKIE_DOMAIN = ".example.org"
        assert [w.id for w in check_settings()] == ["consent.W001", "consent.W002"]
        settings.ALLOWED_HOSTS = ["www.example.org", "admin.example.org"]
        settings.SESSION_COOKIE_DOMAIN = None
        assert check_settings() == []
