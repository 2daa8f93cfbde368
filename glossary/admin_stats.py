"""Page-view statistics in the admin: views per day (an SVG chart) and the top terms.

Opening the page first flushes the counters waiting in the cache, so editors see views
up to the moment. Who may look: editors (they can change terms), Privacy staff (they can
see the cookie categories) and anyone given ``view_termviews``; nobody adds, changes or
deletes the counts by hand.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext

from glossary import pageviews
from glossary.models import TermViews

DEFAULT_PERIOD = 30
# Any one of these lets a staff member read the statistics.
VIEWER_PERMISSIONS = (
    "glossary.view_termviews",
    "glossary.change_term",  # editors
    "cookie_consent.view_cookiegroup",  # Privacy staff
)


@admin.register(TermViews)
class TermViewsAdmin(admin.ModelAdmin):
    """Its "list" is the statistics page (Admin → Glossary → Page views)."""

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        return user.is_active and user.is_staff and any(map(user.has_perm, VIEWER_PERMISSIONS))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        # Only the statistics page: no per-row pages to open, change or delete.
        return super().get_urls()[:1]

    def changelist_view(self, request: HttpRequest, extra_context=None) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        pageviews.flush()
        try:
            period = int(request.GET.get("days", DEFAULT_PERIOD))
        except ValueError:
            period = DEFAULT_PERIOD
        if period not in pageviews.PERIODS:
            period = DEFAULT_PERIOD
        today = timezone.localdate()
        series = pageviews.daily_series(pageviews.CHART_DAYS, today)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Page views"),
            "opts": self.model._meta,
            "chart": pageviews.chart(series),
            "chart_days": pageviews.CHART_DAYS,
            "series": series,
            "period": period,
            "periods": pageviews.PERIODS,
            "top_terms": pageviews.top_terms(period, today=today),
            "today": today,
            **(extra_context or {}),
        }
        response = TemplateResponse(request, "admin/glossary/stats.html", context)
        response["Cache-Control"] = "no-store"
        return response
