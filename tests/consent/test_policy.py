"""Policy versions and expiry: a decision counts only under the policy it was made for,
and for CONSENT_MAX_AGE_DAYS; after that the visitor is asked again, choices pre-filled."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from consent import catalog, conf, state
from consent.catalog import get_catalog
from consent.models import ConsentRecord, ConsentText, CookieDetails, PolicySettings
from core import stamps
from tests.helpers import decided

NAME = settings.COOKIE_CONSENT_NAME
BANNER = 'id="consent-banner"'
EARLIER = {"analytics": True, "personalization": False, "marketing": True}

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_url(make_term) -> str:
    return make_term("Autophagy", slug="autophagy").get_absolute_url()


def switches(html: str) -> dict[str, bool]:
    found = {}
    for varname in EARLIER:
        tag = html[html.index(f'id="switch-{varname}"') :]
        found[varname] = " checked" in tag[: tag.index(">")]
    return found


def change_banner_text(text: str = "We now use cookies differently.") -> None:
    """Privacy staff edit the English banner text (not marked as material)."""
    texts = ConsentText.objects.get(language="en-gb")
    texts.banner_text = text
    texts.save()


def material_text_change(language: str = "en-gb") -> None:
    """Privacy staff mark a change of this language's texts as material."""
    texts = ConsentText.objects.get(language=language)
    texts.record_material_change()
    texts.save()


class TestPolicyVersion:
    def test_version_covers_categories_cookies_and_material_changes(self):
        from cookie_consent.models import Cookie, CookieGroup

        seen = {get_catalog().policy_version}
        group = CookieGroup.objects.get(varname="marketing")
        group.is_required = True
        group.save()
        seen.add(get_catalog().policy_version)
        Cookie.objects.create(cookiegroup=group, name="_mk", description="Partner id")
        seen.add(get_catalog().policy_version)
        PolicySettings.current().record_material_change()
        seen.add(get_catalog().policy_version)
        assert len(seen) == 4
        assert all(len(version) == 12 for version in seen)

    def test_texts_are_not_in_the_version_they_have_their_own_per_language(self):
        from cookie_consent.models import CookieGroup

        before = get_catalog().policy_version
        group = CookieGroup.objects.get(varname="marketing")
        group.description = "Now with partners."
        group.save()
        change_banner_text()
        assert get_catalog().policy_version == before
        assert get_catalog().text_versions["en-gb"] == 1
        material_text_change("en-gb")
        assert get_catalog().policy_version == before
        assert get_catalog().text_versions == {**get_catalog("de").text_versions, "en-gb": 2}
        assert get_catalog("de").text_versions["de"] == 1

    def test_saving_the_same_text_keeps_the_version(self):
        before = get_catalog().policy_version
        PolicySettings.current().save()
        assert get_catalog().policy_version == before

    def test_a_policy_change_bumps_the_consent_stamp(self):
        before = stamps.token(catalog.STAMP)
        change_banner_text()
        assert stamps.token(catalog.STAMP) != before

    def test_the_banner_shows_the_edited_text(self, client, page_url):
        change_banner_text("Line one.\n\nLine <two> & more.")
        html = client.get(page_url).content.decode()
        assert "<p>Line one.</p>" in html and "<p>Line &lt;two&gt; &amp; more.</p>" in html
        assert "We use cookies to personalize content" not in html

    def test_the_default_text_is_the_one_shipped(self, client, page_url):
        assert PolicySettings.DEFAULT_BANNER_TEXT in client.get(page_url).content.decode()


class TestAskedAgainAfterAPolicyChange:
    def test_banner_again_nothing_granted_and_choices_prefilled(self, client, page_url):
        decided(client, **EARLIER)
        assert BANNER not in client.get(page_url).content.decode()
        change_banner_text()
        assert BANNER not in client.get(page_url).content.decode()  # a wording change
        material_text_change()
        assert BANNER in client.get(page_url).content.decode()
        current = state.state_from_cookie(client.cookies[NAME].value)
        assert current.granted_categories == () and current.asked_again == "outdated"
        html = client.get("/cookies/").content.decode()
        assert "Our cookie policy has changed since you last chose" in html
        assert switches(html) == EARLIER
        assert "data-consent-id" not in html  # no current decision to quote

    def test_answering_records_the_reason(self, client, page_url):
        decided(client, **EARLIER)
        PolicySettings.current().record_material_change()
        client.post("/cookies/", {"action": "save", "granted": ["analytics"]})
        record = ConsentRecord.objects.get()
        assert record.reason == "policy"
        assert record.policy_version == get_catalog().policy_version
        assert BANNER not in client.get(page_url).content.decode()

    def test_a_partial_answer_keeps_nothing_of_the_outdated_decision(self, client):
        decided(client, **EARLIER)
        material_text_change()
        response = client.post("/cookies/decline/", {"category": "marketing"})
        assert state.parse_cookie(response.cookies[NAME].value, get_catalog()) == {
            "marketing": False
        }

    def test_a_cookie_from_before_policy_versions_is_asked_again(self, client, page_url):
        moment = state.format_version(timezone.now())
        client.cookies[NAME] = f"analytics={moment}|personalization=-1|marketing=-1"
        assert BANNER in client.get(page_url).content.decode()
        assert switches(client.get("/cookies/").content.decode()) == {
            "analytics": True,
            "personalization": False,
            "marketing": False,
        }

    def test_privacy_staff_declare_a_material_change_in_the_admin(self, client, page_url):
        decided(client, **EARLIER)
        user = User.objects.create_user("privacy", password="x", is_staff=True)
        user.groups.add(Group.objects.get(name="Privacy"))
        staff = Client()
        staff.force_login(user)
        url = "/admin/consent/policysettings/"
        assert staff.get(url).status_code == 200  # creates the one row
        before = get_catalog().policy_version
        response = staff.post(
            url, {"action": "declare_material_change", "_selected_action": ["1"]}, follow=True
        )
        assert "Material change recorded" in response.content.decode()
        assert PolicySettings.current().material_changes == 1
        assert get_catalog().policy_version != before
        assert BANNER in client.get(page_url).content.decode()

    def test_the_policy_page_sends_privacy_staff_to_the_texts_by_language(self, page_url):
        user = User.objects.create_user("privacy", password="x", is_staff=True)
        user.groups.add(Group.objects.get(name="Privacy"))
        staff = Client()
        staff.force_login(user)
        staff.get("/admin/consent/policysettings/")
        html = staff.get("/admin/consent/policysettings/1/change/").content.decode()
        assert 'href="/admin/consent/consenttext/"' in html
        assert 'name="banner_text"' not in html  # edited per language (test_texts.py)
        assert staff.get("/admin/consent/policysettings/1/delete/").status_code == 403


class TestExpiry:
    def test_a_decision_older_than_the_maximum_age_is_asked_again(self, client, page_url):
        decided(client, days_ago=conf.max_age_days() - 1, **EARLIER)
        assert BANNER not in client.get(page_url).content.decode()
        decided(client, days_ago=conf.max_age_days() + 1, **EARLIER)
        assert BANNER in client.get(page_url).content.decode()
        html = client.get("/cookies/").content.decode()
        assert "more than 180 days old" in html
        assert switches(html) == EARLIER
        client.post("/cookies/accept/", {"all": "1"})
        assert ConsentRecord.objects.get().reason == "expired"
        assert BANNER not in client.get(page_url).content.decode()

    def test_the_maximum_age_is_a_setting(self, client, page_url, settings):
        settings.CONSENT_MAX_AGE_DAYS = 30
        decided(client, days_ago=29, **EARLIER)
        assert BANNER not in client.get(page_url).content.decode()
        decided(client, days_ago=31, **EARLIER)
        assert BANNER in client.get(page_url).content.decode()

    def test_the_cookie_lives_as_long_as_its_declaration_says(self, client):
        response = client.post("/cookies/accept/", {"all": "1"})
        declared = CookieDetails.objects.get(cookie__name=NAME).lifetime
        assert declared == "180 days"
        assert response.cookies[NAME]["max-age"] == 180 * 86400

    def test_the_cookie_follows_the_maximum_age_setting(self, client, settings):
        settings.CONSENT_MAX_AGE_DAYS = 30
        response = client.post("/cookies/accept/", {"all": "1"})
        assert response.cookies[NAME]["max-age"] == 30 * 86400

    @pytest.mark.parametrize("days", [396, 1000, 0, -1, "180", 1.5])
    def test_nonsense_maximum_ages_are_refused(self, settings, days):
        settings.CONSENT_MAX_AGE_DAYS = days
        assert [error.id for error in conf.check_settings()] == ["consent.E010"]

    @pytest.mark.parametrize("days", [1, 180, 395])
    def test_sensible_maximum_ages_pass(self, settings, days):
        settings.CONSENT_MAX_AGE_DAYS = days
        assert conf.check_settings() == []

    def test_startup_refuses_a_maximum_age_over_395_days(self, settings):
        from django.apps import apps
        from django.core.exceptions import ImproperlyConfigured

        settings.CONSENT_MAX_AGE_DAYS = 400
        with pytest.raises(ImproperlyConfigured, match="CONSENT_MAX_AGE_DAYS must be"):
            apps.get_app_config("consent").ready()
