"""Compliance checks: each rule fires on what it guards and stays quiet otherwise, in
``manage.py check``, on the admin's compliance page and on the change forms."""

from __future__ import annotations

from io import StringIO

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.test import override_settings

from consent import compliance
from consent.models import CategoryText, ConsentText, CookieDetails, TrackingScript

pytestmark = pytest.mark.django_db

PAGE = "/admin/consent/trackingscript/compliance/"


def check_ids() -> list[str]:
    return [message.id for message in compliance.check_declarations()]


def group(varname: str) -> CookieGroup:
    return CookieGroup.objects.get(varname=varname)


def declare(
    name: str,
    category: str = "analytics",
    purpose: str = "Counts visits.",
    lifetime: str | None = "1 year",
    domain: str = ".tracker.example",
    storage: str = "cookie",
    provider: str = "",
) -> Cookie:
    cookie = Cookie.objects.create(
        cookiegroup=group(category), name=name, description=purpose, domain=domain
    )
    if lifetime is not None:
        CookieDetails.objects.create(
            cookie=cookie, lifetime=lifetime, storage=storage, provider=provider
        )
    return cookie


def script(src: str = "https://cdn.tracker.example/t.js", category: str = "analytics", **kw):
    return TrackingScript.objects.create(name="Tracker", category=group(category), src=src, **kw)


def staff(username: str, *groups: str) -> User:
    user = User.objects.create_user(username, password="x", is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def test_the_shipped_declarations_pass_every_check():
    assert check_ids() == []
    assert compliance.all_findings() == []


def test_manage_py_check_shows_findings_with_their_guidance():
    script(category="necessary")
    out, err = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=err)
    shown = out.getvalue() + err.getvalue()
    assert "consent.W020" in shown
    assert "ePrivacy Directive Art. 5(3)" in shown


class TestTrackingScriptInNecessary:
    def test_fires_for_a_script_filed_as_strictly_necessary(self):
        script(src="/js/tracker.js", category="necessary")
        assert check_ids() == ["consent.W020"]

    def test_quiet_for_a_script_in_an_optional_category(self):
        script(src="/js/tracker.js", category="analytics")
        assert check_ids() == []


class TestCookieWithoutPurposeProviderOrLifetime:
    def test_fires_without_purpose(self):
        declare("_a", purpose="")
        [finding] = compliance.database_findings()
        assert (finding.id, finding.message) == ("consent.W021", "declared without purpose.")

    def test_fires_without_lifetime(self):
        declare("_a", lifetime=None)
        declare("_b", lifetime="  ")
        assert check_ids() == ["consent.W021", "consent.W021"]

    def test_fires_without_provider_in_an_optional_category(self):
        declare("_a", domain="")
        [finding] = compliance.database_findings()
        assert "provider" in finding.message

    def test_a_provider_entry_names_who_sets_a_first_party_cookie(self):
        declare("_ga", domain="", provider="Google (www.googletagmanager.com)")
        assert check_ids() == []

    def test_quiet_for_a_complete_declaration(self):
        declare("_a")
        assert check_ids() == []

    def test_the_sites_own_cookies_and_storage_keys_need_no_provider(self):
        declare("sid", category="necessary", domain="")
        declare("app.key", category="personalization", domain="", storage="localStorage")
        assert check_ids() == []


class TestLifetimePast13Months:
    @pytest.mark.parametrize("lifetime", ["2 years", "400 days", "14 months", "1.5 years"])
    def test_fires_past_13_months(self, lifetime):
        declare("_a", lifetime=lifetime)
        assert check_ids() == ["consent.W022"]

    @pytest.mark.parametrize(
        "lifetime",
        [
            "13 months",
            "395 days",
            "1 year",
            "a year",
            "2 weeks, or until you sign out",
            "Until you close the browser",
        ],
    )
    def test_quiet_within_13_months(self, lifetime):
        declare("_a", lifetime=lifetime)
        assert check_ids() == []


class TestCategoryWithoutDescription:
    def test_fires_for_an_empty_description(self):
        CookieGroup.objects.filter(varname="marketing").update(description="  ")
        assert check_ids() == ["consent.W023"]

    def test_quiet_with_a_description(self):
        assert "consent.W023" not in check_ids()


class TestConsentLifetime:
    @override_settings(CONSENT_MAX_AGE_DAYS=400)
    def test_the_page_lists_conf_s_e010_once_and_the_check_does_not_repeat_it(self):
        ids = [finding.id for finding in compliance.all_findings()]
        assert ids == ["consent.E010"]
        assert "CNIL" in compliance.all_findings()[0].hint
        assert check_ids() == []  # conf.check_settings reports it to manage.py check

    @override_settings(CONSENT_MAX_AGE_DAYS=395)
    def test_quiet_at_13_months(self):
        assert compliance.all_findings() == []


class TestTextEmptyInALanguage:
    """W024 reads the texts as stored per language (ConsentText, CategoryText), which the
    site ships complete in all eight languages."""

    def test_the_shipped_texts_are_complete_in_every_enabled_language(self):
        assert len(compliance.enabled_languages()) == 8
        assert "consent.W024" not in check_ids()

    def test_fires_for_an_empty_banner_text(self):
        ConsentText.objects.filter(language="en-gb").update(banner_text=" ")
        [finding] = compliance.database_findings()
        assert finding.id == "consent.W024" and finding.subject == "Cookie banner"
        assert "en-gb" in finding.message

    def test_fires_for_a_banner_text_missing_in_one_language(self):
        ConsentText.objects.filter(language="pl").update(banner_text="")
        [finding] = compliance.database_findings()
        assert finding.id == "consent.W024" and finding.message == "banner text is empty in pl."

    def test_fires_for_an_empty_category_name(self):
        CookieGroup.objects.filter(varname="analytics").update(name="")
        assert check_ids() == ["consent.W024"]

    def test_fires_for_a_category_description_missing_in_german(self):
        CategoryText.objects.filter(texts__language="de", category__varname="marketing").update(
            description=""
        )
        [finding] = compliance.database_findings()
        assert finding.id == "consent.W024"
        assert finding.subject == "Category 'Marketing'"
        assert finding.message == "text is empty in de."

    def test_every_enabled_language_needs_every_text(self):
        CategoryText.objects.filter(texts__language="fr").delete()
        ConsentText.objects.filter(language="fr").update(banner_text="")
        # The banner, and each of the four categories' name and description, lack French.
        assert check_ids() == ["consent.W024"] * 9
        assert all("fr" in finding.message for finding in compliance.database_findings())

    def test_a_translated_text_counts_for_its_language(self):
        marketing = group("marketing")
        assert compliance.text_in(marketing, "name", "pl") == "Marketingowe"
        assert compliance.text_in(marketing, "name", "en-gb") == "Marketing"
        CategoryText.objects.filter(texts__language="pl", category=marketing).delete()
        assert compliance.text_in(marketing, "name", "pl") == ""  # no fallback here

    @override_settings(LANGUAGES=[("en-gb", "English"), ("de", "Deutsch")])
    def test_a_language_that_is_not_enabled_is_not_checked(self):
        ConsentText.objects.filter(language="fr").delete()
        assert check_ids() == []

    def test_without_i18n_only_the_default_language_counts(self):
        CategoryText.objects.all().delete()
        with override_settings(USE_I18N=False):
            assert compliance.enabled_languages() == ["en-gb"]
            assert check_ids() == []


class TestScriptHostNotDeclared:
    def test_fires_for_an_enabled_script_from_an_undeclared_host(self):
        script()
        [finding] = compliance.database_findings()
        assert finding.id == "consent.W025"
        assert "cdn.tracker.example" in finding.message

    def test_quiet_when_a_cookie_domain_covers_the_host(self):
        declare("_t", domain=".tracker.example")
        script()
        assert check_ids() == []

    def test_quiet_when_a_provider_entry_names_the_host(self):
        # Google Analytics: first-party cookies, a script from Google's host.
        declare("_ga", domain="", provider="Google Ireland (www.googletagmanager.com)")
        script(src="https://www.googletagmanager.com/gtag/js?id=G-1")
        assert check_ids() == []

    def test_a_provider_naming_another_host_does_not_cover_it(self):
        declare("_ga", domain="", provider="Google (google-analytics.com)")
        script(src="https://www.googletagmanager.com/gtag/js?id=G-1")
        assert check_ids() == ["consent.W025"]

    def test_a_neighbouring_domain_does_not_cover_it(self):
        declare("_t", domain="tracker.example")
        script(src="https://nottracker.example/t.js")
        assert check_ids() == ["consent.W025"]

    @pytest.mark.parametrize(
        "kwargs",
        [{"enabled": False}, {"src": "/js/own.js"}, {"src": "", "code": "console.log(1)"}],
    )
    def test_quiet_for_disabled_same_origin_and_inline_scripts(self, kwargs):
        script(**kwargs)
        assert check_ids() == []


def test_a_database_without_tables_gives_no_findings_and_no_error(monkeypatch):
    from django.db import DatabaseError

    def missing_tables():
        raise DatabaseError("no such table: cookie_consent_cookiegroup")

    monkeypatch.setattr(compliance, "database_findings", missing_tables)
    assert compliance.check_declarations() == []


class TestCompliancePage:
    def test_privacy_staff_see_every_finding(self, client):
        script(category="necessary", src="/js/t.js")
        declare("_a", lifetime="2 years")
        client.force_login(staff("privacy", "Privacy"))
        response = client.get(PAGE)
        assert response.status_code == 200
        assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
        page = response.content.decode()
        assert 'data-check="consent.W020"' in page and 'data-check="consent.W022"' in page
        assert "CNIL guidelines on cookies and other trackers (2020)" in page

    def test_a_clean_site_says_so(self, client):
        client.force_login(staff("privacy", "Privacy"))
        assert 'id="compliance-clean"' in client.get(PAGE).content.decode()

    def test_the_app_index_links_to_it_for_privacy_staff(self, client):
        client.force_login(staff("privacy", "Privacy"))
        assert PAGE in client.get("/admin/consent/").content.decode()

    def test_editors_get_403(self, client):
        editors = Group.objects.get_or_create(name="Editors")[0]
        editors.permissions.add(*Permission.objects.filter(content_type__app_label="glossary"))
        client.force_login(staff("editor", "Editors"))
        assert client.get(PAGE).status_code == 403

    def test_anonymous_visitors_are_sent_to_the_login(self, client):
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


class TestWarningsOnChangeForms:
    def test_a_cookie_form_shows_what_the_cookie_would_be_faulted_for(self, client):
        cookie = declare("_a", lifetime="2 years")
        client.force_login(staff("privacy", "Privacy"))
        page = client.get(f"/admin/cookie_consent/cookie/{cookie.pk}/change/").content.decode()
        assert "consent.W022" in page and "longer than 13 months" in page

    def test_a_script_form_shows_an_undeclared_host(self, client, admin_user):
        tracker = script()
        client.force_login(admin_user)
        page = client.get(f"/admin/consent/trackingscript/{tracker.pk}/change/").content.decode()
        assert "consent.W025" in page

    def test_a_clean_category_form_shows_no_warning(self, client):
        client.force_login(staff("privacy", "Privacy"))
        url = f"/admin/cookie_consent/cookiegroup/{group('analytics').pk}/change/"
        assert "consent.W0" not in client.get(url).content.decode()

    def test_saving_is_allowed_and_the_warning_follows(self, client):
        client.force_login(staff("privacy", "Privacy"))
        analytics = group("analytics")
        response = client.post(
            f"/admin/cookie_consent/cookiegroup/{analytics.pk}/change/",
            {
                "varname": "analytics",
                "name": "Analytics",
                "description": "",
                "ordering": "10",
                "is_deletable": "on",
            },
            follow=True,
        )
        analytics.refresh_from_db()
        assert analytics.description == ""
        assert response.redirect_chain[0][1] == 302
        assert "consent.W023" in response.content.decode()

    def test_a_refused_save_shows_the_findings_of_the_form_as_posted(self, client):
        client.force_login(staff("privacy", "Privacy"))
        analytics = group("analytics")
        response = client.post(
            f"/admin/cookie_consent/cookiegroup/{analytics.pk}/change/",
            {"varname": "not valid!", "name": "", "description": "", "ordering": "10"},
        )
        assert response.status_code == 200  # the varname error keeps the form open
        page = response.content.decode()
        assert "consent.W023" in page and "consent.W024" in page
