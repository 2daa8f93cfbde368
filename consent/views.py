"""Banner and preferences forms: POST + redirect without JS, JSON when consent.js fetches.

The forms carry no CSRF token (pages are identical for every visitor): decisions are
accepted only from this site's own pages, see ``consent.origin``.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from consent import conf, records, texts, throttle
from consent import state as consent_state
from consent.catalog import get_catalog
from consent.forms import DecisionForm, PreferencesForm
from consent.origin import same_origin_only
from consent.signals import consent_decided

# Longer than any address on this site; a longer value is ignored (the default is used).
MAX_NEXT_LENGTH = 2000


def safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    """``candidate`` if it is an address on this site with an absolute path, else None.

    No open redirects (``//evil.example``, ``javascript:``, other hosts), and no bare words
    (``foo``): a relative path means nothing certain here, and Django's ``redirect()``
    would take it for a view name."""
    if not candidate or len(candidate) > MAX_NEXT_LENGTH:
        return None
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    if not urlsplit(candidate).path.startswith("/"):
        return None
    return candidate


def _back_to(request: HttpRequest, next_url: str | None) -> str:
    return safe_next(request, next_url) or safe_next(request, request.headers.get("Referer")) or "/"


def _within_budget(request: HttpRequest) -> bool:
    """May this client have one more decision recorded now (see consent/README.md)?"""
    return throttle.take(
        "consent-records",
        throttle.client_key(request),
        conf.records_per_client(),
        conf.record_window_seconds(),
    )


def _too_many(request: HttpRequest) -> HttpResponse:
    """429: nothing saved, nothing recorded; the visitor may decide again a little later."""
    message = gettext(
        "Too many cookie decisions from your connection in a short time. Nothing was "
        "changed: please try again in a few minutes."
    )
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"error": message}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(conf.record_window_seconds())
    add_never_cache_headers(response)
    return response


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _respond(
    request: HttpRequest,
    response: HttpResponseBase,
    grant: list[str],
    refuse: list[str],
    kind: str,
    method: str,
    gpc: bool = False,
) -> HttpResponseBase:
    """Write the decision into the cookie, record it (one row), answer.

    The decision the cookie already holds, made again, writes and records nothing; a new
    one past the client's budget is refused (429) before anything is written."""
    gpc = gpc or consent_state.gpc_signal(request)
    repeat = consent_state.is_repeat(request, grant, refuse, method, gpc)
    if not repeat and not _within_budget(request):
        return _too_many(request)
    decision = consent_state.decide(
        request, response, grant=grant, refuse=refuse, method=method, gpc=gpc
    )
    if decision.changed:
        records.record(decision, records.action_for(kind, decision), method)
    if isinstance(response, JsonResponse):
        # The body is written once the decision is known (its cookies are already set).
        response.content = json.dumps(
            {
                "granted": list(decision.state.granted_categories),
                "refused": list(decision.state.refused_categories),
                "undecided": list(decision.state.undecided),
                "withdrawn": list(decision.withdrawn),
                "consentId": decision.consent_id,
            }
        )
    if decision.changed:
        consent_decided.send(sender=None, request=request, response=response, decision=decision)
    add_never_cache_headers(response)
    return response


def _bad_request(request: HttpRequest, form) -> HttpResponse:
    message = " ".join(error for errors in form.errors.values() for error in errors)
    if _wants_json(request):
        return JsonResponse({"error": message}, status=400)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _decision_view(request: HttpRequest, accept: bool) -> HttpResponseBase:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _bad_request(request, form)
    categories = form.categories()
    via = form.cleaned_data["via"]
    if _wants_json(request):
        response: HttpResponseBase = JsonResponse({})
        method = via or "banner"
    else:
        response = HttpResponseRedirect(_back_to(request, form.cleaned_data["next"]))
        method = "banner_no_js"
    if via == "gpc" and not accept:
        kind = "gpc"
    elif form.cleaned_data["all"]:
        kind = "accept_all" if accept else "reject_all"
    else:
        kind = "grant" if accept else "refuse"
    gpc = form.cleaned_data["gpc"]
    if accept:
        return _respond(request, response, categories, [], kind, method, gpc)
    return _respond(request, response, [], categories, kind, method, gpc)


@same_origin_only
@require_POST
def accept(request: HttpRequest) -> HttpResponseBase:
    """Grant the posted categories (``all=1`` for every optional category)."""
    return _decision_view(request, accept=True)


@same_origin_only
@require_POST
def decline(request: HttpRequest) -> HttpResponseBase:
    """Refuse the posted categories and expire their cookies."""
    return _decision_view(request, accept=False)


@same_origin_only
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponseBase:
    """The cookie policy and the preferences form in one page."""
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if not form.is_valid():
            return _bad_request(request, form)
        grant, refuse = form.decision()
        kind = form.cleaned_data["action"] or "save"
        gpc = form.cleaned_data["gpc"]
        if _wants_json(request):
            return _respond(request, JsonResponse({}), grant, refuse, kind, "preferences", gpc)
        query = {"saved": "1"}
        if next_url := safe_next(request, form.cleaned_data["next"]):
            query["next"] = next_url
        response = HttpResponseRedirect(f"{reverse('consent:preferences')}?{urlencode(query)}")
        return _respond(request, response, grant, refuse, kind, "preferences_no_js", gpc)

    # A GET writes nothing, Global Privacy Control included (any site can make a browser
    # GET this page): the signal is honoured as the state is read, and recorded when the
    # visitor decides (consent.js posts the refusal once, to /cookies/decline/).
    current = consent_state.for_request(request)
    gpc_now = consent_state.gpc_signal(request)
    next_url = safe_next(request, request.GET.get("next"))
    if next_url and next_url.split("?")[0] == reverse("consent:preferences"):
        next_url = None
    catalog = get_catalog()
    categories = [
        {"category": category, "granted": current.prefill(category.varname)}
        for category in catalog.categories
    ]
    rendered = render(
        request,
        "consent/preferences.html",
        {
            "page_text": catalog.page_text,
            "categories": categories,
            "next_url": next_url,
            "saved": request.GET.get("saved") == "1",
            "decided": not current.needs_decision,
            "asked_again": current.asked_again,
            "consent_id": current.consent_id if current.stored.current else "",
            "decided_at": current.stored.decided_at if current.stored.current else None,
            "gpc": gpc_now,
            **_own_records_context(request, current),
            "max_age_days": conf.max_age_days(),
            "retention_days": conf.retention_days(),
            # The page itself holds every choice the banner offers.
            "hide_consent_banner": True,
        },
    )
    add_never_cache_headers(rendered)
    return rendered


# --- The visitor's own records ---------------------------------------------------------
# Read only from the visitor's own cookie, never from a URL or form parameter: knowing or
# guessing someone else's consent id shows nothing of theirs.


def _own_records_context(request: HttpRequest, current: consent_state.ConsentState) -> dict:
    """The consent id in the visitor's cookie (whether or not its decision still counts)
    and the decisions recorded under it, one row per record with every category's choice."""
    consent_id = current.stored.consent_id
    optional = get_catalog().optional
    history = [
        {
            "record": item,
            "language": texts.language_name(item.language) if item.language else "",
            "choices": [
                {"name": category.name, "choice": item.choices.get(category.varname)}
                for category in optional
            ],
        }
        for item in records.own_records(consent_id)
    ]
    return {
        "own_id": consent_id,
        "history": history,
        "history_categories": [category.name for category in optional],
        "forgotten": request.GET.get("forgotten") == "1",
    }


@require_http_methods(["GET", "HEAD"])
def my_records(request: HttpRequest) -> HttpResponse:
    """The visitor's records as a JSON download (empty without a consent cookie)."""
    consent_id = consent_state.for_request(request).stored.consent_id
    response = JsonResponse(records.own_records_data(consent_id), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-consent-records.json"'
    add_never_cache_headers(response)
    return response


@same_origin_only
@require_POST
def forget(request: HttpRequest) -> HttpResponseBase:
    """Delete the visitor's records and their consent cookie ("forget me"), and expire the
    cookies of every optional category: with no decision left, nothing optional is granted.
    One erasure record, without the id, says it happened."""
    current = consent_state.for_request(request)
    catalog = get_catalog()
    method = "preferences" if _wants_json(request) else "preferences_no_js"
    deleted = records.erase(current.stored.consent_id, method, catalog.policy_version)
    if _wants_json(request):
        response: HttpResponseBase = JsonResponse({"deleted": deleted})
    else:
        response = HttpResponseRedirect(f"{reverse('consent:preferences')}?forgotten=1")
    response.delete_cookie(
        settings.COOKIE_CONSENT_NAME,
        domain=settings.COOKIE_CONSENT_DOMAIN,
        samesite=settings.COOKIE_CONSENT_SAMESITE,
    )
    optional = [category.varname for category in catalog.optional]
    consent_state.expire_cookies(request, response, catalog, optional)
    add_never_cache_headers(response)
    return response
