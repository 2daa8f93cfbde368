"""Test-only URLs: the site plus a fake tracker that records hits and sets a cookie.

Used by tests/browser/test_consent.py through the ``settings`` fixture (ROOT_URLCONF);
never part of config/urls.py.
"""

from __future__ import annotations

import threading

from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.urls import path

from config import urls as site_urls

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
    # The site's own patterns as they are (not include()d: i18n_patterns must stay at the
    # root URLconf).
    *site_urls.urlpatterns,
]


# Stand-in trackers for tests/consent/test_tracker_audit.py (manage.py audit_trackers) --------

AUDIT_SCRIPTS = {
    # An analytics script that leaves what nobody declared: a cookie, and a storage key whose
    # name is markup (the HTML report must show it as text).
    "undeclared": (
        'document.cookie = "_audit_undeclared=1; path=/; max-age=3600";\n'
        'localStorage.setItem("<b>audit</b>", "1");\n'
    ),
    # Sets a declared cookie (declared as living 1 day) for 30 days.
    "long": 'document.cookie = "_audit_long=1; path=/; max-age=2592000";\n',
}


def audit_script(request: HttpRequest, name: str) -> HttpResponse:
    from django.http import Http404

    if name not in AUDIT_SCRIPTS:
        raise Http404
    response = HttpResponse(AUDIT_SCRIPTS[name], content_type="text/javascript")
    if name == "undeclared":
        response.set_cookie("_audit_by_response", "1", max_age=3600, httponly=True)
    return response


AUDIT_PAGE = Template(
    '{% extends "base.html" %}{% block content %}<main id="main-content"><h1>Stand-in</h1>'
    '{% if origin %}<script src="{{ origin }}/stand-in.js"></script>{% endif %}</main>'
    "{% endblock %}"
)


def audit_early_page(request: HttpRequest) -> HttpResponse:
    """A page that sets a declared analytics cookie itself, whatever the visitor chose."""
    response = HttpResponse(AUDIT_PAGE.render(RequestContext(request)))
    response.set_cookie("_audit_early", "1", max_age=3600, samesite="Lax")
    return response


def audit_third_party_page(request: HttpRequest) -> HttpResponse:
    """A page that loads a script from another local origin (``?origin=http://127.0.0.1:N``)
    outside the consent mechanism; no CSP, so the browser really contacts it."""
    import re

    from csp.decorators import csp_exempt

    origin = request.GET.get("origin", "")
    if not re.fullmatch(r"http://127\.0\.0\.1:\d{1,5}", origin):
        return HttpResponse("origin must be http://127.0.0.1:PORT", status=400)

    @csp_exempt()
    def render(request: HttpRequest) -> HttpResponse:
        return HttpResponse(AUDIT_PAGE.render(RequestContext(request, {"origin": origin})))

    return render(request)


urlpatterns += [
    path("test-audit/<slug:name>.js", audit_script),
    path("test-audit/early/", audit_early_page),
    path("test-audit/third-party/", audit_third_party_page),
]
