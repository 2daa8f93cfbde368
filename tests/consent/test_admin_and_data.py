"""Data that must exist (categories, declared cookies, Privacy group) and who may edit it."""

from __future__ import annotations

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User

from consent.models import TrackingScript

pytestmark = pytest.mark.django_db


class TestDataMigration:
    def test_four_categories_with_the_site_wording(self):
        groups = {g.varname: g for g in CookieGroup.objects.all()}
        assert list(groups) == ["necessary", "analytics", "personalization", "marketing"]
        assert groups["necessary"].is_required and not groups["necessary"].is_deletable
        assert not any(groups[v].is_required for v in ("analytics", "personalization", "marketing"))
        assert groups["marketing"].description == (
            "This helps support our free resources through personalized marketing efforts "
            "and promotions."
        )
        assert groups["analytics"].description.startswith("Analytics cookies help us understand")
        assert groups["personalization"].description.startswith(
            "Personalization cookies enable us to customize"
        )

    def test_site_cookies_are_declared_with_purpose_and_lifetime(self):
        cookies = {c.name: c for c in Cookie.objects.filter(cookiegroup__varname="necessary")}
        expected = {
            settings.SESSION_COOKIE_NAME,
            settings.CSRF_COOKIE_NAME,
            settings.COOKIE_CONSENT_NAME,
            "messages",  # MESSAGE_STORAGE defaults to FallbackStorage: cookie first
        }
        assert set(cookies) == expected
        for cookie in cookies.values():
            assert cookie.description and cookie.details.lifetime
        assert cookies[settings.CSRF_COOKIE_NAME].details.lifetime == "1 year"
        assert cookies[settings.COOKIE_CONSENT_NAME].details.lifetime == "180 days"

    def test_messages_really_use_a_cookie(self):
        assert getattr(settings, "MESSAGE_STORAGE", None) in (
            None,
            "django.contrib.messages.storage.fallback.FallbackStorage",
            "django.contrib.messages.storage.cookie.CookieStorage",
        )

    def test_privacy_group_manages_consent_models_only(self):
        permissions = Group.objects.get(name="Privacy").permissions.all()
        labels = {p.content_type.app_label for p in permissions}
        assert labels == {"cookie_consent", "consent"}
        codenames = {p.codename for p in permissions}
        for model in ("cookiegroup", "cookie", "trackingscript"):
            for action in ("add", "change", "delete", "view"):
                assert f"{action}_{model}" in codenames
        assert not any("logitem" in code for code in codenames)


def staff(username: str, *groups: str) -> User:
    user = User.objects.create_user(username, password="x", is_staff=True)
    for name in groups:
        group, _ = Group.objects.get_or_create(name=name)
        user.groups.add(group)
    return user


@pytest.fixture
def script(db) -> TrackingScript:
    return TrackingScript.objects.create(
        name="Stats", category=CookieGroup.objects.get(varname="analytics"), src="/s.js"
    )


ADMIN_URLS = [
    "/admin/consent/trackingscript/add/",
    "/admin/cookie_consent/cookiegroup/add/",
    "/admin/cookie_consent/cookie/add/",
]


class TestAdminAccess:
    @pytest.mark.parametrize("url", ADMIN_URLS)
    @pytest.mark.parametrize("groups", [(), ("Editors",)])
    def test_editors_and_plain_staff_cannot_add(self, client, url, groups):
        editor = staff("someone", *groups)
        if "Editors" in groups:
            # Editors may hold glossary permissions; none of them open consent models.
            glossary = Permission.objects.filter(content_type__app_label="glossary")
            Group.objects.get(name="Editors").permissions.add(*glossary)
        client.force_login(editor)
        assert client.get(url).status_code == 403

    @pytest.mark.parametrize("groups", [(), ("Editors",)])
    def test_editors_and_plain_staff_cannot_change_scripts(self, client, script, groups):
        client.force_login(staff("someone", *groups))
        url = f"/admin/consent/trackingscript/{script.pk}/change/"
        assert client.get(url).status_code == 403
        response = client.post(url, {"name": "Hacked"})
        assert response.status_code == 403
        script.refresh_from_db()
        assert script.name == "Stats"

    @pytest.mark.parametrize("url", ADMIN_URLS[1:])
    def test_privacy_staff_can_add_categories_and_cookies(self, client, url):
        client.force_login(staff("privacy", "Privacy"))
        assert client.get(url).status_code == 200

    def test_only_the_script_code_permission_adds_scripts(self, client):
        client.force_login(staff("privacy", "Privacy"))
        assert client.get(ADMIN_URLS[0]).status_code == 403  # see test_safe_configuration.py

    def test_superuser_can_change_a_script_through_the_admin(self, client, script, admin_user):
        client.force_login(admin_user)
        response = client.post(
            f"/admin/consent/trackingscript/{script.pk}/change/",
            {
                "name": "Stats v2",
                "category": script.category_id,
                "enabled": "on",
                "placement": "body",
                "order": "0",
                "src": "https://stats.example/v2.js",
                "code": "",
            },
        )
        assert response.status_code == 302
        script.refresh_from_db()
        assert script.src == "https://stats.example/v2.js"

    def test_admin_rejects_http_script_with_a_message(self, client, script, admin_user):
        client.force_login(admin_user)
        response = client.post(
            f"/admin/consent/trackingscript/{script.pk}/change/",
            {
                "name": "Stats",
                "category": script.category_id,
                "placement": "body",
                "order": "0",
                "src": "http://stats.example/s.js",
                "code": "",
            },
        )
        assert response.status_code == 200
        assert "Use an https:// URL" in response.content.decode()

    def test_privacy_staff_can_edit_a_category_text(self, client):
        client.force_login(staff("privacy", "Privacy"))
        group = CookieGroup.objects.get(varname="analytics")
        response = client.post(
            f"/admin/cookie_consent/cookiegroup/{group.pk}/change/",
            {
                "varname": "analytics",
                "name": "Analytics",
                "description": "New text",
                "is_deletable": "on",
                "ordering": "10",
            },
        )
        assert response.status_code == 302
        assert "New text" in client.get("/cookies/").content.decode()
