"""Privacy staff manage categories, declared cookies and tracking scripts here.

Access follows model permissions: the "Privacy" group (data migration) holds them;
editors and plain staff get 403.
"""

from __future__ import annotations

from cookie_consent.admin import CookieAdmin as UpstreamCookieAdmin
from cookie_consent.models import Cookie
from django.contrib import admin

from consent.models import CookieDetails, TrackingScript


class CookieDetailsInline(admin.StackedInline):
    model = CookieDetails
    can_delete = False
    min_num = 1
    max_num = 1


admin.site.unregister(Cookie)


@admin.register(Cookie)
class CookieAdmin(UpstreamCookieAdmin):
    """Upstream's cookie admin plus the lifetime shown on the cookie policy page."""

    inlines = [CookieDetailsInline]
    list_display = ("name", "cookiegroup", "lifetime", "domain", "path")

    @admin.display(description="Lifetime")
    def lifetime(self, obj: Cookie) -> str:
        details = getattr(obj, "details", None)
        return details.lifetime if details else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("cookiegroup", "details")


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
                "script inert and consent.js runs it only for visitors who granted its category.",
            },
        ),
    )

    @admin.display(description="Kind")
    def kind(self, obj: TrackingScript) -> str:
        return "external" if obj.src else "inline"
