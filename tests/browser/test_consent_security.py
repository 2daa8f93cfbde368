"""A tracking script cannot use the admin (issue 9, finding 1), in a real browser.

The attack: an inline analytics script that, once a logged-in superuser clicks "Accept all"
on a public page, fetches the admin's "add user" form, reads its CSRF token and posts a new
user. Defences shown here: Privacy staff cannot save such a script at all (server-side),
and with ``ADMIN_HOST`` the admin lives on another origin, which the script can neither
read nor reach (public host: 404; admin host: cross-origin, refused by the CSP and CORS).

The live server answers as ``127.0.0.1`` (public) and ``localhost`` (admin): two origins.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from cookie_consent.models import CookieGroup
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from playwright.sync_api import expect

from consent.models import TrackingScript

SEED = "/glossary/resistance-training-neurological-benefits/"
ATTACK = """(async () => {
  const results = [];
  for (const base of ["", "http://localhost:PORT"]) {
    try {
      const form = await fetch(base + "/admin/auth/user/add/", {credentials: "include"});
      const html = await form.text();
      const token = (html.match(/name="csrfmiddlewaretoken" value="([^"]+)"/) || [])[1] || "";
      const body = new URLSearchParams({
        csrfmiddlewaretoken: token, username: "intruder", usable_password: "true",
        password1: "Correct-Horse-42-Battery", password2: "Correct-Horse-42-Battery",
      });
      const sent = await fetch(base + "/admin/auth/user/add/",
        {method: "POST", body, credentials: "include"});
      results.push(`${base || "same-origin"}: ${form.status}/${sent.status}`);
    } catch (error) {
      results.push(`${base || "same-origin"}: blocked`);
    }
  }
  document.documentElement.setAttribute("data-attack", results.join("; "));
})();"""


@pytest.fixture
def hosts(seeded_live_server, settings) -> dict[str, str]:
    port = urlsplit(seeded_live_server.url).port
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.ADMIN_HOST = "localhost"
    return {"public": f"http://127.0.0.1:{port}", "admin": f"http://localhost:{port}"}


def login_cookies(user: User, origins: list[str]) -> list[dict]:
    """The user's session cookie for each origin (as if they had logged in on each)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return [
        {"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": origin}
        for origin in origins
    ]


@pytest.mark.timeout(60)
def test_an_inline_script_cannot_create_a_user_through_the_admin(browser, hosts):
    superuser = User.objects.create_superuser("boss", "boss@example.org", "pw-not-used-1")
    port = urlsplit(hosts["public"]).port
    TrackingScript.objects.create(  # as a superuser could: the admin-host separation holds
        name="Takeover",
        category=CookieGroup.objects.get(varname="analytics"),
        code=ATTACK.replace("PORT", str(port)),
    )
    context = browser.new_context()
    context.add_cookies(login_cookies(superuser, [hosts["public"], hosts["admin"]]))
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(hosts["public"] + SEED)
    page.get_by_role("button", name="Accept all").click()

    html = page.locator("html")
    expect(html).to_have_attribute("data-attack", re.compile("localhost"))
    outcome = html.get_attribute("data-attack")
    assert not User.objects.filter(username="intruder").exists(), outcome
    assert outcome.startswith("same-origin: 404/404"), outcome
    assert f"localhost:{port}: blocked" in outcome, outcome
    # The admin itself still works on its own host.
    assert page.goto(hosts["admin"] + "/admin/").status == 200
    context.close()


@pytest.mark.timeout(60)
def test_privacy_staff_cannot_add_a_script_in_the_admin(browser, hosts):
    privacy = User.objects.create_user("privacy", password="pw-not-used-1", is_staff=True)
    group, _ = Group.objects.get_or_create(name="Privacy")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["consent", "cookie_consent"],
            codename__regex=r"^(add|change|delete|view)_(trackingscript|cookiegroup|cookie)$",
        )
    )
    privacy.groups.add(group)
    TrackingScript.objects.create(
        name="Stats", category=CookieGroup.objects.get(varname="analytics"), src="/s.js"
    )
    context = browser.new_context()
    context.add_cookies(login_cookies(privacy, [hosts["admin"]]))
    page = context.new_page()
    page.set_default_timeout(10_000)

    assert page.goto(hosts["admin"] + "/admin/consent/trackingscript/add/").status == 403
    page.goto(hosts["admin"] + "/admin/consent/trackingscript/")
    expect(page.get_by_role("link", name=re.compile("Add tracking script"))).to_have_count(0)
    page.get_by_role("link", name="Stats").click()
    expect(page.locator("textarea[name=code]")).to_have_count(0)
    expect(page.locator("input[name=src]")).to_have_count(0)
    expect(page.locator("input[name=enabled]")).to_be_visible()
    context.close()
