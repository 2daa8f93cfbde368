"""Banner, /cookies/ and the accept/decline endpoints, through Django's test client."""

from __future__ import annotations

import json

import pytest
from cookie_consent.models import Cookie, CookieGroup, LogItem
from django.conf import settings
from django.test import Client

from consent.catalog import get_catalog
from consent.models import CookieDetails
from consent.state import parse_cookie

NAME = settings.COOKIE_CONSENT_NAME
BANNER = 'id="consent-banner"'

pytestmark = pytest.mark.django_db


def decisions(response) -> dict[str, bool]:
    return parse_cookie(response.cookies[NAME].value, get_catalog())


@pytest.fixture
def page_url(make_term) -> str:
    return make_term("Autophagy", slug="autophagy").get_absolute_url()


class TestBanner:
    def test_first_visit_shows_the_banner_right_after_the_skip_link(self, client, page_url):
        html = client.get(page_url).content.decode()
        assert BANNER in html
        assert html.index('class="skip-link"') < html.index(BANNER) < html.index("<header")
        assert 'role="region"' in html and 'aria-labelledby="consent-banner-title"' in html
        for label in ("Accept all", "Reject all", "Manage preferences"):
            assert label in html
        assert "We use cookies to personalize content and marketing" in html

    def test_banner_forms_work_without_js(self, client, page_url):
        html = client.get(page_url).content.decode()
        assert 'action="/cookies/accept/"' in html and 'action="/cookies/decline/"' in html
        assert "csrfmiddlewaretoken" not in html  # same HTML for everyone: no token
        assert f'name="next" value="{page_url}"' in html

    def test_no_banner_after_a_full_decision(self, client, page_url, set_consent):
        set_consent(analytics=False, personalization=True, marketing=False)
        assert BANNER not in client.get(page_url).content.decode()

    def test_partial_decision_still_shows_the_banner(self, client, page_url, set_consent):
        set_consent(analytics=True)
        assert BANNER in client.get(page_url).content.decode()

    @pytest.mark.parametrize(
        "value",
        [
            "garbage",
            "analytics=2999-01-01T00:00:00Z|personalization=-1|marketing=-1",
            "analytics=-1|analytics=-1|personalization=-1|marketing=-1",
            "analytics=-1|personalization=-1|marketing=-1|" + "x" * 4096,
            "analytics=later|personalization=-1|marketing=-1",
            "tracking=-1|personalization=-1|marketing=-1",
        ],
    )
    def test_bad_cookie_shows_the_banner_and_is_not_a_500(
        self, client, page_url, raw_consent, value
    ):
        raw_consent(value)
        response = client.get(page_url)
        assert response.status_code == 200
        assert BANNER in response.content.decode()
        assert LogItem.objects.count() == 0

    def test_pages_vary_on_cookie(self, client, page_url):
        assert "Cookie" in client.get(page_url)["Vary"]

    def test_footer_links_to_cookie_preferences(self, client, page_url):
        assert '<a href="/cookies/">Cookie preferences</a>' in client.get(page_url).content.decode()


class TestAcceptAndDecline:
    def test_accept_all_grants_every_optional_category_and_redirects_back(self, client, page_url):
        response = client.post("/cookies/accept/", {"all": "1", "next": page_url})
        assert response.status_code == 302 and response["Location"] == page_url
        assert decisions(response) == {
            "analytics": True,
            "personalization": True,
            "marketing": True,
        }
        assert BANNER not in client.get(page_url).content.decode()

    def test_reject_all_refuses_every_optional_category(self, client, page_url):
        response = client.post("/cookies/decline/", {"all": "1", "next": page_url})
        assert decisions(response) == {
            "analytics": False,
            "personalization": False,
            "marketing": False,
        }

    def test_necessary_is_never_written_nor_refusable(self, client):
        response = client.post("/cookies/decline/", {"category": ["necessary", "marketing"]})
        assert decisions(response) == {"marketing": False}
        assert "necessary" not in response.cookies[NAME].value

    def test_unknown_categories_are_ignored(self, client):
        response = client.post("/cookies/accept/", {"category": ["analytics", "tracking", "x|y"]})
        assert response.status_code == 302
        assert decisions(response) == {"analytics": True}

    @pytest.mark.parametrize("data", [{}, {"category": "tracking"}, {"all": "maybe-not"}])
    def test_nothing_known_to_decide_is_a_400(self, client, data):
        response = client.post("/cookies/accept/", data)
        assert response.status_code == 400
        assert response.content  # a message saying what was wrong
        assert NAME not in response.cookies

    def test_empty_choice_says_what_to_send(self, client):
        response = client.post("/cookies/decline/", {"category": "nope"})
        assert b"Choose which cookie categories" in response.content

    def test_get_never_changes_consent(self, client):
        for url in ("/cookies/accept/?all=1", "/cookies/decline/?all=1"):
            response = client.get(url)
            assert response.status_code == 405
            assert NAME not in response.cookies

    def test_post_needs_no_csrf_token_from_the_site_itself(self, db, page_url):
        strict = Client(
            enforce_csrf_checks=True,
            headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
        )
        response = strict.post("/cookies/accept/", {"all": "1", "next": page_url})
        assert response.status_code == 302
        assert decisions(response)["analytics"] is True

    @pytest.mark.parametrize(
        "target",
        ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
    )
    def test_offsite_next_falls_back_to_home(self, client, target):
        response = client.post("/cookies/accept/", {"all": "1", "next": target})
        assert response["Location"] == "/"

    def test_same_site_referer_is_used_without_next(self, client):
        response = client.post(
            "/cookies/decline/", {"all": "1"}, HTTP_REFERER="http://testserver/glossary/x/"
        )
        assert response["Location"] == "http://testserver/glossary/x/"

    def test_offsite_referer_falls_back_to_home(self, client):
        response = client.post(
            "/cookies/decline/", {"all": "1"}, HTTP_REFERER="https://evil.example/page"
        )
        assert response["Location"] == "/"

    def test_fetch_gets_json_and_the_cookie(self, client):
        response = client.post(
            "/cookies/accept/", {"category": "analytics"}, HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 200
        body = json.loads(response.content)
        assert len(body.pop("consentId")) == 22
        assert body == {
            "granted": ["analytics"],
            "refused": [],
            "undecided": ["personalization", "marketing"],
            "withdrawn": [],
        }
        assert decisions(response) == {"analytics": True}
        assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]

    def test_later_decisions_keep_earlier_ones(self, client, set_consent):
        set_consent(analytics=True)
        response = client.post("/cookies/decline/", {"category": "marketing"})
        assert decisions(response) == {"analytics": True, "marketing": False}

    def test_decision_replaces_a_garbled_cookie(self, client, raw_consent):
        raw_consent("analytics=2999-01-01T00:00:00Z|junk|analytics=x")
        response = client.post("/cookies/decline/", {"category": "marketing"})
        value = response.cookies[NAME].value.replace('"', "")
        assert value.startswith("marketing=-1|.at=")
        assert decisions(response) == {"marketing": False}

    def test_no_log_items_are_written(self, client):
        client.post("/cookies/accept/", {"all": "1"})
        assert LogItem.objects.count() == 0


@pytest.fixture
def analytics_cookies(db):
    group = CookieGroup.objects.get(varname="analytics")
    exact = Cookie.objects.create(cookiegroup=group, name="_track", description="Counts visits")
    CookieDetails.objects.create(cookie=exact, lifetime="1 year")
    pattern = Cookie.objects.create(cookiegroup=group, name="_ga_*", description="Sessions")
    CookieDetails.objects.create(cookie=pattern, lifetime="2 years")
    stored = Cookie.objects.create(cookiegroup=group, name="trk_id", description="Visitor id")
    CookieDetails.objects.create(cookie=stored, lifetime="Until withdrawn", storage="localStorage")
    return group


class TestWithdrawal:
    def test_refusing_expires_declared_cookies_including_patterns(
        self, client, analytics_cookies, set_consent
    ):
        set_consent(analytics=True)
        client.cookies["_track"] = "1"
        client.cookies["_ga_ABC123"] = "2"
        client.cookies["unrelated"] = "3"
        response = client.post("/cookies/decline/", {"category": "analytics"})
        for name in ("_track", "_ga_ABC123"):
            assert response.cookies[name]["max-age"] == 0
            assert response.cookies[name].value == ""
        assert "unrelated" not in response.cookies
        assert "trk_id" not in response.cookies  # a localStorage key: consent.js removes it

    def test_withdrawn_categories_are_reported_to_the_script(
        self, client, analytics_cookies, set_consent
    ):
        set_consent(analytics=True, marketing=False)
        response = client.post("/cookies/decline/", {"all": "1"}, HTTP_ACCEPT="application/json")
        assert json.loads(response.content)["withdrawn"] == ["analytics"]

    def test_cookies_of_ungranted_categories_are_expired_on_any_page(
        self, client, analytics_cookies, page_url
    ):
        client.cookies["_track"] = "1"
        response = client.get(page_url)
        assert response.cookies["_track"]["max-age"] == 0

    def test_cookies_of_granted_categories_are_kept(
        self, client, analytics_cookies, page_url, set_consent
    ):
        set_consent(analytics=True)
        client.cookies["_track"] = "1"
        assert "_track" not in client.get(page_url).cookies


class TestPreferencesPage:
    def test_lists_categories_switches_and_declared_cookies(self, client, analytics_cookies):
        html = client.get("/cookies/").content.decode()
        for name in ("Strictly necessary", "Analytics", "Personalization", "Marketing"):
            assert f">{name}</h2>" in html
        assert "Analytics cookies help us understand how visitors interact" in html
        assert "Personalization cookies enable us to customize the content" in html
        assert "This helps support our free resources through personalized marketing" in html
        assert 'id="switch-necessary" checked disabled' in html
        for varname in ("analytics", "personalization", "marketing"):
            assert f'<label for="switch-{varname}">' in html
        assert "<code>csrftoken</code>" in html and "<code>_track</code>" in html
        assert "1 year" in html
        for label in ("Save preferences", "Accept all", "Reject all"):
            assert label in html

    def test_no_switch_is_pre_ticked_on_a_first_visit(self, client, db):
        html = client.get("/cookies/").content.decode()
        assert html.count(" checked") == 1  # only the disabled necessary switch

    def test_switches_show_current_choices(self, client, set_consent):
        set_consent(analytics=True, marketing=False)
        html = client.get("/cookies/").content.decode()
        assert 'value="analytics" checked' in html
        assert 'value="marketing" checked' not in html

    def test_no_banner_on_the_preferences_page(self, client, db):
        assert BANNER not in client.get("/cookies/").content.decode()

    def test_save_grants_ticked_and_refuses_the_rest(self, client, db):
        response = client.post("/cookies/", {"granted": ["analytics"], "action": "save"})
        assert response.status_code == 302
        assert response["Location"] == "/cookies/?saved=1"
        assert decisions(response) == {
            "analytics": True,
            "personalization": False,
            "marketing": False,
        }

    def test_saved_page_confirms_and_links_back(self, client, db):
        response = client.post("/cookies/", {"action": "reject_all", "next": "/glossary/"})
        page = client.get(response["Location"]).content.decode()
        assert "Your cookie preferences were saved." in page
        assert 'href="/glossary/"' in page

    @pytest.mark.parametrize(
        ("action", "expected"),
        [("accept_all", True), ("reject_all", False)],
    )
    def test_accept_and_reject_all_ignore_switches(self, client, db, action, expected):
        response = client.post("/cookies/", {"granted": ["analytics"], "action": action})
        assert set(decisions(response).values()) == {expected}

    def test_unknown_action_is_a_400(self, client, db):
        assert client.post("/cookies/", {"action": "delete-everything"}).status_code == 400

    def test_offsite_next_is_dropped(self, client, db):
        html = client.get("/cookies/?next=https://evil.example/").content.decode()
        assert "evil.example" not in html

    def test_page_is_never_cached(self, client, db):
        assert "no-cache" in client.get("/cookies/")["Cache-Control"]
