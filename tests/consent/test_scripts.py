"""Tracking scripts: rendered inert for everyone, allowed by the CSP, validated on save."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cookie_consent.models import CookieGroup
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.template import Context, Template
from django.test import RequestFactory

from consent import context_processors
from consent.middleware import ConsentMiddleware
from consent.models import TrackingScript

pytestmark = pytest.mark.django_db

INLINE = "window.__stats = (window.__stats || 0) + 1;\nconsole.log('a < b && c > d');"


@pytest.fixture
def scripts(db) -> dict[str, TrackingScript]:
    groups = {g.varname: g for g in CookieGroup.objects.all()}
    return {
        "external": TrackingScript.objects.create(
            name="Stats",
            category=groups["analytics"],
            src="https://stats.example/s.js",
            placement="head",
        ),
        "inline": TrackingScript.objects.create(
            name="Inline stats", category=groups["analytics"], code=INLINE
        ),
        "ads": TrackingScript.objects.create(
            name="Ads", category=groups["marketing"], src="https://ads.example/a.js?x=1&y=2"
        ),
    }


@pytest.fixture
def page_url(make_term) -> str:
    return make_term("Sirtuins", slug="sirtuins").get_absolute_url()


def test_scripts_are_inert_and_identical_whatever_was_chosen(
    client, scripts, page_url, set_consent
):
    first = client.get(page_url).content.decode()
    set_consent(analytics=True, personalization=True, marketing=True)
    granted = client.get(page_url).content.decode()
    set_consent(analytics=False, personalization=False, marketing=False)
    refused = client.get(page_url).content.decode()

    def scripts_part(html: str) -> list[str]:
        return [line for line in html.splitlines() if "data-consent-category" in line]

    assert scripts_part(first) == scripts_part(granted) == scripts_part(refused)
    assert (
        '<script type="text/plain" data-consent-category="analytics" '
        'data-consent-src="https://stats.example/s.js" data-consent-name="Stats"></script>'
    ) in first
    assert 'data-consent-src="https://ads.example/a.js?x=1&amp;y=2"' in first
    assert "<noscript" not in first
    assert '<script src="https://' not in first


def test_head_and_body_placement(client, scripts, page_url):
    html = client.get(page_url).content.decode()
    head, body = html.split("</head>")
    assert "stats.example" in head and "ads.example" not in head
    assert "ads.example" in body and INLINE in body


def test_inline_code_is_emitted_verbatim_for_its_hash(client, scripts, page_url):
    html = client.get(page_url).content.decode()
    assert f'data-consent-name="Inline stats">{INLINE}</script>' in html


def test_csp_allows_script_hosts_and_inline_hashes_without_unsafe_inline(client, scripts, page_url):
    policy = client.get(page_url)["Content-Security-Policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    digest = base64.b64encode(hashlib.sha256(INLINE.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in script_src
    assert "https://stats.example" in script_src and "https://ads.example" in script_src
    assert "'self'" in script_src
    assert "unsafe-inline" not in policy


def test_without_scripts_the_csp_is_the_strict_default(client, page_url):
    policy = client.get(page_url)["Content-Security-Policy"]
    assert "script-src 'self';" in policy + ";"


def test_inline_code_that_could_break_out_is_never_rendered(client, page_url):
    group = CookieGroup.objects.get(varname="analytics")
    TrackingScript.objects.create(name="Evil", category=group, code="x='</script><b>'")
    html = client.get(page_url).content.decode()
    assert "<b>" not in html and "Evil" not in html


class TestValidation:
    def make(self, **fields) -> TrackingScript:
        fields.setdefault("name", "S")
        fields.setdefault("category", CookieGroup.objects.get(varname="analytics"))
        return TrackingScript(**fields)

    @pytest.mark.parametrize(
        "src",
        [
            "http://stats.example/s.js",
            "javascript:alert(1)",
            "//stats.example/s.js",
            "https://user:pw@stats.example/s.js",
            "ftp://x/y.js",
            "https:///nohost.js",
        ],
    )
    def test_src_must_be_https_or_a_site_path(self, src):
        with pytest.raises(ValidationError):
            self.make(src=src).full_clean()

    @pytest.mark.parametrize("src", ["https://stats.example/s.js", "/static/self-hosted.js"])
    def test_https_and_site_paths_are_fine(self, src):
        self.make(src=src).full_clean()

    def test_either_src_or_code(self):
        with pytest.raises(ValidationError):
            self.make().full_clean()
        with pytest.raises(ValidationError):
            self.make(src="https://a.example/a.js", code="x()").full_clean()

    @pytest.mark.parametrize("code", ["a='</script>'", "<!-- x", "a='<SCRIPT>'"])
    def test_code_that_breaks_out_of_a_script_element_is_refused(self, code):
        with pytest.raises(ValidationError):
            self.make(code=code).full_clean()

    def test_necessary_category_cannot_carry_a_tracker(self):
        with pytest.raises(ValidationError):
            self.make(
                src="https://a.example/a.js", category=CookieGroup.objects.get(varname="necessary")
            ).full_clean()

    def test_windows_line_endings_are_normalised(self):
        script = self.make(code="a();\r\nb();\r\n")
        script.full_clean()
        script.save()
        assert script.code == "a();\nb();"


class TestServerSideGating:
    def render(self, source: str, cookie: str = "") -> str:
        request = RequestFactory().get("/", HTTP_COOKIE=cookie)
        context = {"request": request, **context_processors.consent(request)}
        return Template("{% load consent_tags %}" + source).render(Context(context))

    def test_consent_granted_tag(self, set_consent):
        source = '{% consent_granted "marketing" as ok %}{% if ok %}YES{% else %}NO{% endif %}'
        assert self.render(source) == "NO"
        value = set_consent(marketing=True)
        assert self.render(source, f'cookie_consent="{value}"') == "YES"

    def test_consent_context_object(self, set_consent):
        value = set_consent(analytics=True, marketing=False)
        source = "{{ consent.analytics }} {{ consent.marketing }} {{ consent.necessary }}"
        assert self.render(source, f'cookie_consent="{value}"') == "True False True"

    def test_embed_is_a_placeholder_with_an_inert_template(self):
        html = self.render(
            '{% consent_embed "https://video.example/embed/1" "A talk" "VideoSite" %}'
        )
        assert 'data-consent-embed="marketing"' in html
        assert "sets marketing cookies" in html
        assert "<template><iframe" in html
        before_template = html.split("<template>")[0]
        assert "<iframe" not in before_template

    def test_embed_origin_goes_into_frame_src(self, client, settings, tmp_path):
        (tmp_path / "embed_page.html").write_text(
            '{% extends "base.html" %}{% load consent_tags %}{% block content %}'
            '{% consent_embed "https://video.example/embed/1" "A talk" "VideoSite" %}'
            "{% endblock %}"
        )
        settings.TEMPLATES = [
            {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
        ]
        request = RequestFactory().get("/")
        response = ConsentMiddleware(lambda r: render(r, "embed_page.html"))(request)
        assert "https://video.example" in response._csp_update["frame-src"]
