"""Privacy staff manage categories, declared cookies and tracking scripts here.

Access follows model permissions: the "Privacy" group (data migration) holds them;
editors and plain staff get 403. Adding a script or changing its URL, code, category or
placement is code execution on the site and needs ``consent.change_script_code``, which
only superusers hold by default: without it those fields are read-only, "add" is refused,
and a save that would change them anyway is refused on the server. Every change to a
script is recorded (``TrackingScriptChange``) and shown read-only.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from cookie_consent.admin import CookieAdmin as UpstreamCookieAdmin
from cookie_consent.models import Cookie, CookieGroup
from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from consent import audit, records
from consent import cookies as cookie_rules
from consent import state as consent_state
from consent.catalog import get_catalog
from consent.models import (
    ConsentRecord,
    CookieDetails,
    PolicySettings,
    TrackingScript,
    TrackingScriptChange,
)


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
                    gettext(
                        "This would cover %(covered)s, a cookie the site needs to work: it "
                        "cannot be declared in an optional category (and is never deleted on "
                        "withdrawal)."
                    )
                    % {"covered": covered},
                )
        return data


admin.site.unregister(Cookie)


@admin.register(Cookie)
class CookieAdmin(UpstreamCookieAdmin):
    """Upstream's cookie admin plus the lifetime shown on the cookie policy page."""

    form = DeclaredCookieForm
    inlines = [CookieDetailsInline]
    list_display = ("name", "cookiegroup", "provider", "lifetime", "domain", "path")

    @admin.display(description=gettext_lazy("Lifetime"))
    def lifetime(self, obj: Cookie) -> str:
        details = getattr(obj, "details", None)
        return details.lifetime if details else "—"

    @admin.display(description=gettext_lazy("Set by"))
    def provider(self, obj: Cookie) -> str:
        details = getattr(obj, "details", None)
        return (details.provider if details else "") or gettext("This site")

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
            gettext_lazy("Script"),
            {
                "fields": ("src", "code"),
                "description": gettext_lazy(
                    "Give an https URL or inline code. Either way, pages render the script "
                    "inert and consent.js runs it only for visitors who granted its category. "
                    "Adding a script or changing its URL, code, category or placement runs code "
                    "on this site and needs the 'change script code' permission."
                ),
            },
        ),
    )

    history_shown = 10

    @admin.display(description=gettext_lazy("Kind"))
    def kind(self, obj: TrackingScript) -> str:
        return gettext("external") if obj.src else gettext("inline")

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return (*fieldsets, (gettext("Changes"), {"fields": ("change_history",)}))

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = (*super().get_readonly_fields(request, obj), "change_history")
        if not may_change_code(request):
            readonly += TrackingScript.CODE_FIELDS
        return readonly

    @admin.display(description=gettext_lazy("Recorded changes"))
    def change_history(self, obj: TrackingScript) -> str:
        changes = list(obj.changes.all()[: self.history_shown])
        if not changes:
            return gettext("None recorded.")
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
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            '</thead><tbody>{}</tbody></table><p><a href="{}">{}</a></p>',
            gettext("When"),
            gettext("By"),
            gettext("Action"),
            gettext("Fields"),
            rows,
            every,
            gettext("Every change to this script"),
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
                raise PermissionDenied(
                    gettext("Changing a script's code needs change_script_code.")
                )
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

    @admin.display(description=gettext_lazy("Fields changed"))
    def summary(self, obj: TrackingScriptChange) -> str:
        return ", ".join(obj.changed_fields)

    @admin.display(description=gettext_lazy("Script"))
    def script_link(self, obj: TrackingScriptChange) -> str:
        if obj.script_id is None:
            return gettext("— (deleted)")
        url = reverse("admin:consent_trackingscript_change", args=[obj.script_id])
        return format_html('<a href="{}">{}</a>', url, obj.script_name)

    @admin.display(description=gettext_lazy("Before → after"))
    def diff(self, obj: TrackingScriptChange) -> str:
        before, after = obj.before or {}, obj.after or {}
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td><pre>{}</pre></td><td><pre>{}</pre></td></tr>",
            (
                (
                    gettext("%(field)s (changed)") % {"field": field}
                    if before.get(field) != after.get(field)
                    else field,
                    _shown(before, field),
                    _shown(after, field),
                )
                for field in TrackingScript.AUDITED_FIELDS
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            gettext("Field"),
            gettext("Before"),
            gettext("After"),
            rows,
        )


def _shown(snapshot: dict, field: str) -> str:
    if not snapshot:
        return "—"
    value = snapshot.get(field)
    return "" if value is None else str(value)


class CategoryChoiceFilter(admin.SimpleListFilter):
    """ "Analytics granted", "Marketing refused"…: on PostgreSQL a containment test that
    the GIN index on ``choices`` answers; elsewhere a JSON key lookup."""

    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        labels = (("1", gettext("%(category)s granted")), ("0", gettext("%(category)s refused")))
        return [
            (f"{category.varname}:{value}", label % {"category": category.name})
            for category in get_catalog().optional
            for value, label in labels
        ]

    def queryset(self, request, queryset):
        if not self.value() or ":" not in self.value():
            return queryset
        varname, value = self.value().split(":", 1)
        if get_catalog().category(varname) is None or value not in ("0", "1"):
            return queryset
        granted = value == "1"
        if connection.vendor == "postgresql":
            return queryset.filter(choices__contains={varname: granted})
        return queryset.filter(**{f"choices__{varname}": granted})


class RecordLanguageFilter(admin.SimpleListFilter):
    """The language the visitor decided in; choices from ``LANGUAGES``, not a DISTINCT over
    millions of records."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return list(settings.LANGUAGES)

    def queryset(self, request, queryset):
        if self.value() in dict(settings.LANGUAGES):
            return queryset.filter(language=self.value())
        return queryset


class EstimatedCountPaginator(Paginator):
    """Counting millions of records is slow: the unfiltered list counts from PostgreSQL's
    statistics, a filtered one stops counting at COUNT_CAP (narrow it by date to see more)."""

    COUNT_CAP = 100_000

    @cached_property
    def count(self) -> int:
        query = self.object_list.query
        if connection.vendor == "postgresql" and not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [ConsentRecord._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > self.COUNT_CAP:
                return int(row[0])
        capped = self.object_list.order_by().values("pk")[: self.COUNT_CAP]
        return capped.count()


class ExportForm(forms.Form):
    consent_id = forms.CharField(required=False, max_length=32, label=gettext_lazy("Consent id"))
    start = forms.DateField(required=False, label=gettext_lazy("From (date)"))
    end = forms.DateField(required=False, label=gettext_lazy("To (date, inclusive)"))

    def clean(self) -> dict:
        data = super().clean()
        consent_id = (data.get("consent_id") or "").strip().lower()
        data["consent_id"] = consent_id
        if consent_id and not consent_state.consent_id_is_valid(consent_id):
            self.add_error("consent_id", gettext("A consent id is 22 letters and digits."))
        if not consent_id and not (data.get("start") and data.get("end")):
            raise forms.ValidationError(gettext("Give a consent id, or a start and an end date."))
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(gettext("The start date is after the end date."))
        return data

    def records(self):
        data = self.cleaned_data
        records = ConsentRecord.objects.order_by("decided_at", "pk")
        if data["consent_id"]:
            return records.filter(consent_id=data["consent_id"])
        zone = timezone.get_current_timezone()
        start = datetime.combine(data["start"], time.min, tzinfo=zone)
        end = datetime.combine(data["end"] + timedelta(days=1), time.min, tzinfo=zone)
        return records.filter(decided_at__gte=start, decided_at__lt=end)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    """Proof of consent, read-only: no add, change or delete (old records go with
    ``manage.py prune_consent_records``). Export as CSV for a date range or a consent id."""

    list_display = (
        "decided_at",
        "consent_id",
        "action",
        "method",
        "reason",
        "language",
        "text_version",
        "summary",
        "gpc",
    )
    list_filter = (
        ("decided_at", admin.DateFieldListFilter),
        "action",
        "method",
        RecordLanguageFilter,
        CategoryChoiceFilter,
    )
    search_fields = ("=consent_id",)
    search_help_text = gettext_lazy("Exact consent id (22 letters and digits).")
    date_hierarchy = None  # a date hierarchy groups the whole table: slow at millions of rows
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    fields = (
        "consent_id",
        "decided_at",
        "action",
        "method",
        "reason",
        "policy_version",
        "language",
        "text_version",
        "summary",
        "gpc",
    )
    readonly_fields = fields
    change_list_template = "admin/consent/consentrecord/change_list.html"

    def get_search_results(self, request, queryset, search_term):
        # An exact match on the unique index (the admin's "=field" would be iexact, a scan).
        term = search_term.strip().lower()
        if not term:
            return queryset, False
        return queryset.filter(consent_id=term), False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("Choices"))
    def summary(self, obj: ConsentRecord) -> str:
        parts = [
            (gettext("%(category)s on") if value else gettext("%(category)s off"))
            % {"category": varname}
            for varname, value in obj.choices.items()
        ]
        return ", ".join(parts) or "—"

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [
            path("export/", export, name="consent_consentrecord_export"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """GET with ``consent_id`` or ``start``/``end``: a streamed CSV; else the form."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ExportForm(request.GET or None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            name = data["consent_id"] or f"{data['start']}_{data['end']}"
            response = StreamingHttpResponse(
                records.csv_rows(form.records().iterator(chunk_size=2000)),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="consent-records-{name}.csv"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Export consent records"),
            "form": form,
        }
        return TemplateResponse(request, "admin/consent/consentrecord/export.html", context)


@admin.register(PolicySettings)
class PolicySettingsAdmin(admin.ModelAdmin):
    """The "material change" action for the whole policy: every visitor, in every language,
    is asked again. The texts themselves are per language (``texts_admin``)."""

    list_display = ("__str__", "material_changes", "material_changed_at", "policy_version")
    fields = ("texts_link", "material_changes", "material_changed_at", "policy_version")
    readonly_fields = ("texts_link", "material_changes", "material_changed_at", "policy_version")
    actions = ["declare_material_change"]

    @admin.display(description=_("Texts"))
    def texts_link(self, obj: PolicySettings) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:consent_consenttext_changelist"),
            _("The banner and policy texts, in each language"),
        )

    @admin.display(description=gettext_lazy("Current policy version"))
    def policy_version(self, obj: PolicySettings) -> str:
        return get_catalog().policy_version

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not PolicySettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        # The one row always exists, so there is something to edit and to act on.
        if self.has_change_permission(request) and not PolicySettings.objects.exists():
            PolicySettings().save()
        return super().changelist_view(request, extra_context)

    @admin.action(
        description=gettext_lazy("Declare a material change (every visitor is asked again)"),
        permissions=["change"],
    )
    def declare_material_change(self, request, queryset) -> None:
        for policy in queryset:
            policy.record_material_change()
        self.message_user(
            request,
            gettext(
                "Material change recorded; the policy version is now %(version)s. "
                "Every visitor will be asked again."
            )
            % {"version": get_catalog().policy_version},
        )


from consent import compliance_admin  # noqa: E402,I001
from consent import tracker_audit_admin  # noqa: E402,F401
from consent import csp_reports_admin  # noqa: E402,F401
from consent import report_admin  # noqa: E402,F401

compliance_admin.register(CookieAdmin, TrackingScriptAdmin)

from consent import texts_admin  # noqa: E402

admin.site.unregister(CookieGroup)
admin.site.register(CookieGroup, texts_admin.with_languages(compliance_admin.CategoryAdmin))
