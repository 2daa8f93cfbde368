"""Per-response consent work: CSP sources for tracking scripts, the CSP's report endpoint
(``consent.csp_reports``), Vary, cookie cleaning, and keeping the admin on its own host name
when ``ADMIN_HOST`` is set (``consent.hosts``).

Must sit after ``csp.middleware.CSPMiddleware`` in MIDDLEWARE, so that its response
phase runs first and the CSP middleware sees the additions.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from consent import csp_reports, hosts
from consent import state as consent_state
from consent.catalog import Catalog, get_catalog, request_scope

_EMBED_HOSTS_ATTR = "_consent_frame_sources"


def script_sources(catalog: Catalog) -> tuple[list[str], list[str]]:
    """(script-src additions, connect-src additions) for the enabled tracking scripts.

    External scripts add ``https://host[:port]`` rebuilt from the parsed URL (never the
    stored text, so nothing else can reach the policy); inline scripts add the sha256 hash
    of their code, so no 'unsafe-inline' is ever needed. Invalid values are skipped.
    """
    scripts, connect = [], []
    for script in catalog.scripts:
        if not script.is_valid:
            continue
        if script.code:
            scripts.append(script.code_hash)
        elif script.origin:
            scripts.append(script.origin)
            connect.append(script.origin)
    return list(dict.fromkeys(scripts)), list(dict.fromkeys(connect))


def _is_admin(request: HttpRequest) -> bool:
    """Admin pages render no tracking script, so their policy never lists script sources."""
    match = getattr(request, "resolver_match", None)
    return match is not None and "admin" in match.app_names


def allow_frame_source(request: HttpRequest, origin: str) -> None:
    """Let a consent-gated embed's origin into this response's frame-src."""
    sources = getattr(request, _EMBED_HOSTS_ATTR, None)
    if sources is None:
        sources = []
        setattr(request, _EMBED_HOSTS_ATTR, sources)
    if origin not in sources:
        sources.append(origin)


def frame_sources(request: HttpRequest) -> list[str]:
    """The embed origins rendering let into this response so far."""
    return list(getattr(request, _EMBED_HOSTS_ATTR, []))


def reports_reachable(request: HttpRequest) -> bool:
    """The report endpoint answers on this host: every host but a separate admin host
    (``ADMIN_HOST`` serves nothing but the admin there)."""
    admin_host = hosts.admin_host()
    return not admin_host or split_domain_port(request.get_host())[0] != admin_host


def add_report_endpoint(response: HttpResponseBase) -> None:
    """Name the report endpoint in the response's CSP, both ways browsers know: ``report-to``
    with the ``Reporting-Endpoints`` header, and ``report-uri`` (which browsers that know
    ``report-to`` ignore). A relative address: the same bytes on every host and scheme."""
    endpoint = reverse("consent:csp_reports")
    response.headers.setdefault("Reporting-Endpoints", f'{csp_reports.ENDPOINT_NAME}="{endpoint}"')
    configured = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = configured.get("DIRECTIVES", {})
    update = dict(getattr(response, "_csp_update", None) or {})
    if not directives.get("report-uri"):
        update["report-uri"] = [endpoint]
    if not directives.get("report-to"):
        update["report-to"] = csp_reports.ENDPOINT_NAME
    response._csp_update = update


class ConsentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        hosts.check_host(request)  # ADMIN_HOST: the admin only on its own host (Http404)
        with request_scope():
            return self._process(request)

    def _process(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code == 503:  # the database is down (core.faults): nothing to add
            return response
        catalog = get_catalog()
        is_html = "html" in response.get("Content-Type", "")
        if is_html and not _is_admin(request):
            self._extend_csp(request, response, catalog)
        if is_html and reports_reachable(request):
            add_report_endpoint(response)
        self._expire_unconsented_cookies(request, response, catalog)
        if consent_state.was_read(request):
            patch_vary_headers(response, ("Cookie",))
        return response

    def _extend_csp(
        self, request: HttpRequest, response: HttpResponseBase, catalog: Catalog
    ) -> None:
        scripts, connect = script_sources(catalog)
        frames = getattr(request, _EMBED_HOSTS_ATTR, [])
        if not (scripts or connect or frames):
            return
        update = dict(getattr(response, "_csp_update", None) or {})
        for directive, sources in (
            ("script-src", scripts),
            ("connect-src", connect),
            ("frame-src", frames),
        ):
            if sources:
                update[directive] = [*update.get(directive, []), *sources]
        response._csp_update = update

    def _expire_unconsented_cookies(
        self, request: HttpRequest, response: HttpResponseBase, catalog: Catalog
    ) -> None:
        """Declared cookies of categories that are not granted never survive a response."""
        present = [
            category.varname
            for category in catalog.optional
            if any(
                declared.matches(name) for declared in category.cookies for name in request.COOKIES
            )
        ]
        if not present:
            return
        current = consent_state.for_request(request)
        not_granted = [varname for varname in present if not current.granted(varname)]
        consent_state.expire_cookies(request, response, catalog, not_granted)
