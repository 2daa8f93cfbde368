"""The compliance checks in the admin: a page listing every finding, and the findings an
object causes shown as warnings on its change form (saving stays allowed).

The page is ``/admin/consent/trackingscript/compliance/`` (linked from Admin → Tracking
scripts, and from each warning); privacy staff see it, editors get 403. The change forms
of categories, cookies and tracking scripts show, when opened and when a save is refused
for another reason, the findings of the object as it is on the form; after a save, those
of the object as saved (its inline lifetime included).
"""

from __future__ import annotations

from collections.abc import Callable

from cookie_consent.admin import CookieGroupAdmin
from cookie_consent.models import Cookie, CookieGroup
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext

from consent import compliance
from consent.models import TrackingScript

# Privacy staff hold all three (migration 0003); editors hold none.
VIEWER_PERMISSIONS = (
    "cookie_consent.view_cookiegroup",
    "cookie_consent.view_cookie",
    "consent.view_trackingscript",
)
URL_NAME = "consent_compliance"


def may_see_findings(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and all(map(user.has_perm, VIEWER_PERMISSIONS))


def warn(request: HttpRequest, findings: list[compliance.Finding]) -> None:
    for finding in findings:
        messages.warning(
            request, f"{finding.subject}: {finding.message} {finding.hint} ({finding.id})"
        )


class ComplianceWarnings:
    """Mixin for a ModelAdmin: the findings of the object on the form, as admin warnings."""

    findings_for: Callable[[object], list[compliance.Finding]]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if may_see_findings(request) and (obj is not None or form.is_bound):
            warn(request, self.findings_for(form.instance))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # "Save and continue" opens the form again, which shows them itself.
        if may_see_findings(request) and not {"_continue", "_saveasnew"} & set(request.POST):
            warn(request, self.findings_for(form.instance))


class CategoryAdmin(ComplianceWarnings, CookieGroupAdmin):
    findings_for = staticmethod(compliance.category_findings)


class ComplianceView:
    """The compliance page, served from the tracking scripts' admin."""

    def get_urls(self):
        page = self.admin_site.admin_view(self.compliance_view)
        return [path("compliance/", page, name=URL_NAME), *super().get_urls()]

    def compliance_view(self, request: HttpRequest) -> TemplateResponse:
        """Every finding, as ``manage.py check`` lists them (plus the consent lifetime)."""
        if not may_see_findings(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Compliance"),
            "opts": self.model._meta,
            "findings": compliance.all_findings(),
        }
        response = TemplateResponse(request, "admin/consent/compliance.html", context)
        response["Cache-Control"] = "private, no-store"
        return response


def page_url() -> str:
    return reverse(f"admin:{URL_NAME}")


def register(cookie_admin: type, script_admin: type) -> None:
    """Replace the admins of categories, cookies and scripts with ones that show the
    findings (consent.admin hands over its own classes: no import back into it)."""

    class DeclaredCookieAdmin(ComplianceWarnings, cookie_admin):
        findings_for = staticmethod(compliance.cookie_findings)

    class ScriptAdmin(ComplianceView, ComplianceWarnings, script_admin):
        findings_for = staticmethod(compliance.script_findings)

    for model, model_admin in (
        (CookieGroup, CategoryAdmin),
        (Cookie, DeclaredCookieAdmin),
        (TrackingScript, ScriptAdmin),
    ):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
