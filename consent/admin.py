"""Privacy staff manage categories, declared cookies and tracking scripts here.

Access follows model permissions: the "Privacy" group (data migration) holds them;
editors and plain staff get 403. Adding a script or changing its URL, code, category or
placement is code execution on the site and needs ``consent.change_script_code``, which
only superusers hold by default: without it those fields are read-only, "add" is refused,
and a save that would change them anyway is refused on the server. Every change to a
script is recorded (``TrackingScriptChange``) and shown read-only.
"""

from __future__ import annotations

from cookie_consent.admin import CookieAdmin as UpstreamCookieAdmin
from cookie_consent.models import Cookie
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from consent import audit
from consent import cookies as cookie_rules
from consent.models import CookieDetails, TrackingScript, TrackingScriptChange


class CookieDetailsInline(admin.StackedInline):
    model = CookieDetails
    can_delete = False
    min_num = 1
    max_num = 1


class DeclaredCookieForm(forms.ModelForm):
    """Names that cannot match every cookie, nor one the site itself needs."""

    class Meta:
        model = Cookie
        fields = ("cookiegroup", "name", "description", "path", "domain")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        cookie_rules.validate_declared_name(name)
        return name

    def clean_path(self) -> str:
        path = self.cleaned_data.get("path") or "/"
        cookie_rules.validate_path(path)
        return path

    def clean_domain(self) -> str:
        domain = (self.cleaned_data.get("domain") or "").strip()
        cookie_rules.validate_domain(domain)
        return domain

    def clean(self) -> dict:
        data = super().clean()
        name, group = data.get("name"), data.get("cookiegroup")
        if name and group is not None and not group.is_required:
            necessary = Cookie.objects.filter(cookiegroup__is_required=True).values_list(
                "name", flat=True
            )
            covered = cookie_rules.covers_necessary(name, necessary)
            if covered:
                self.add_error(
                    "name",
                    f"This would cover {covered}, a cookie the site needs to work: it cannot "
                    "be declared in an optional category (and is never deleted on withdrawal).",
                )
        return data


admin.site.unregister(Cookie)


@admin.register(Cookie)
class CookieAdmin(UpstreamCookieAdmin):
    """Upstream's cookie admin plus the lifetime shown on the cookie policy page."""

    form = DeclaredCookieForm
    inlines = [CookieDetailsInline]
    list_display = ("name", "cookiegroup", "lifetime", "domain", "path")

    @admin.display(description="Lifetime")
    def lifetime(self, obj: Cookie) -> str:
        details = getattr(obj, "details", None)
        return details.lifetime if details else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("cookiegroup", "details")


def may_change_code(request: HttpRequest) -> bool:
    return request.user.has_perm(TrackingScript.CODE_PERMISSION)


@admin.register(TrackingScript)
class TrackingScriptAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "placement", "enabled", "order", "kind")
    list_editable = ("enabled", "order")
    list_filter = ("category", "placement", "enabled")
    search_fields = ("name", "src")
    fieldsets = (
        (None, {"fields": ("name", "category", "enabled", "placement", "order")}),
        (
            "Script",
            {
                "fields": ("src", "code"),
                "description": "Give an https URL or inline code. Either way, pages render the "
                "script inert and consent.js runs it only for visitors who granted its category. "
                "Adding a script or changing its URL, code, category or placement runs code on "
                "this site and needs the 'change script code' permission.",
            },
        ),
    )

    history_shown = 10

    @admin.display(description="Kind")
    def kind(self, obj: TrackingScript) -> str:
        return "external" if obj.src else "inline"

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return (*fieldsets, ("Changes", {"fields": ("change_history",)}))

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = (*super().get_readonly_fields(request, obj), "change_history")
        if not may_change_code(request):
            readonly += TrackingScript.CODE_FIELDS
        return readonly

    @admin.display(description="Recorded changes")
    def change_history(self, obj: TrackingScript) -> str:
        changes = list(obj.changes.all()[: self.history_shown])
        if not changes:
            return "None recorded."
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:consent_trackingscriptchange_change", args=[change.pk]),
                    change.changed_at.strftime("%Y-%m-%d %H:%M:%S"),
                    change.changed_by_name,
                    change.get_action_display(),
                    ", ".join(change.changed_fields),
                )
                for change in changes
            ),
        )
        every = (
            reverse("admin:consent_trackingscriptchange_changelist")
            + f"?script__id__exact={obj.pk}"
        )
        return format_html(
            "<table><thead><tr><th>When</th><th>By</th><th>Action</th><th>Fields</th></tr>"
            '</thead><tbody>{}</tbody></table><p><a href="{}">Every change to this script</a></p>',
            rows,
            every,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and may_change_code(request)

    def save_model(self, request: HttpRequest, obj: TrackingScript, form, change: bool) -> None:
        if not may_change_code(request):
            stored = TrackingScript.objects.filter(pk=obj.pk).first() if change else None
            if stored is None or any(
                getattr(stored, field) != getattr(obj, field)
                for field in ("src", "code", "category_id", "placement")
            ):
                raise PermissionDenied("Changing a script's code needs change_script_code.")
        super().save_model(request, obj, form, change)

    # Every write the admin makes is credited to the user in the change record.
    def changeform_view(self, request, *args, **kwargs):
        with audit.acting_as(request.user):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        with audit.acting_as(request.user):
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with audit.acting_as(request.user):
            return super().delete_view(request, *args, **kwargs)


@admin.register(TrackingScriptChange)
class TrackingScriptChangeAdmin(admin.ModelAdmin):
    """The record of script changes: read-only for everyone, superusers included."""

    list_display = ("changed_at", "script_name", "action", "changed_by_name", "summary")
    list_filter = ("action", "changed_at", "script")
    search_fields = ("script_name", "changed_by_name")
    date_hierarchy = "changed_at"
    fields = ("script_link", "script_name", "action", "changed_at", "changed_by_name", "diff")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Fields changed")
    def summary(self, obj: TrackingScriptChange) -> str:
        return ", ".join(obj.changed_fields)

    @admin.display(description="Script")
    def script_link(self, obj: TrackingScriptChange) -> str:
        if obj.script_id is None:
            return "— (deleted)"
        url = reverse("admin:consent_trackingscript_change", args=[obj.script_id])
        return format_html('<a href="{}">{}</a>', url, obj.script_name)

    @admin.display(description="Before → after")
    def diff(self, obj: TrackingScriptChange) -> str:
        before, after = obj.before or {}, obj.after or {}
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td><pre>{}</pre></td><td><pre>{}</pre></td></tr>",
            (
                (
                    f"{field} (changed)" if before.get(field) != after.get(field) else field,
                    _shown(before, field),
                    _shown(after, field),
                )
                for field in TrackingScript.AUDITED_FIELDS
            ),
        )
        return format_html(
            "<table><thead><tr><th>Field</th><th>Before</th><th>After</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )


def _shown(snapshot: dict, field: str) -> str:
    if not snapshot:
        return "—"
    value = snapshot.get(field)
    return "" if value is None else str(value)
