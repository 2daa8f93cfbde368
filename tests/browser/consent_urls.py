"""Test-only URLs: the site plus a fake tracker that records hits and sets a cookie.

Used by tests/browser/test_consent.py through the ``settings`` fixture (ROOT_URLCONF);
never part of config/urls.py.
"""

from __future__ import annotations

import threading

from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.urls import include, path

HITS: list[str] = []
_LOCK = threading.Lock()


def tracker(request: HttpRequest, category: str) -> HttpResponse:
    """Record the hit, set an HttpOnly cookie, and leave a script-readable one behind."""
    with _LOCK:
        HITS.append(category)
    code = (
        f"window.__trackers = (window.__trackers || []).concat([{category!r}]);\n"
        f'document.cookie = "_tj_{category}=1; path=/; max-age=3600";\n'
        # In the DOM too, so tests wait for it with Playwright's auto-waiting expect().
        'document.documentElement.setAttribute("data-trackers", '
        'window.__trackers.slice().sort().join(" "));\n'
    )
    response = HttpResponse(code, content_type="text/javascript")
    response.set_cookie(f"_tt_{category}", "1", max_age=3600, httponly=True, samesite="Lax")
    return response


EMBED_PAGE = Template(
    '{% extends "base.html" %}{% load consent_tags %}{% block content %}<main id="main-content">'
    '{% consent_embed "https://video.example/embed/1" "A talk" "VideoSite" %}</main>'
    "{% endblock %}"
)


def embed_page(request: HttpRequest) -> HttpResponse:
    """A page with one click-to-load marketing embed, as an editor's template would use it."""
    return HttpResponse(EMBED_PAGE.render(RequestContext(request)))


urlpatterns = [
    path("test-tracker/<slug:category>.js", tracker),
    path("test-embed/", embed_page),
    path("", include("config.urls")),
]
