"""Admin → Consent and tracking → Blocked requests: what the CSP refused, per directive and
origin, summed over a chosen range of days, with the first and last time seen.

Read-only for everyone (only the report endpoint writes); privacy staff see it through
``view_blockedrequest`` (migration 0007), editors have no access. The list is the one page:
no per-row pages.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Sum
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from consent.csp_reports import OTHER, BlockedRequest

DEFAULT_DAYS = 30
MAX_DAYS = 366
SHOWN_ROWS = 1000


class DayRangeForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To (inclusive)"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        today = timezone.localdate()
        data["end"] = data.get("end") or today
        data["start"] = data.get("start") or data["end"] - timedelta(days=DEFAULT_DAYS - 1)
        if data["start"] > data["end"]:
            raise forms.ValidationError(gettext("The start date is after the end date."))
        if (data["end"] - data["start"]).days >= MAX_DAYS:
            raise forms.ValidationError(
                ngettext("Choose at most %(days)d day.", "Choose at most %(days)d days.", MAX_DAYS)
                % {"days": MAX_DAYS}
            )
        return data


def blocked_origins(start: date, end: date) -> list[dict]:
    """Per directive and origin over the days: total count, days seen, first and last seen
    (most blocked first)."""
    return list(
        BlockedRequest.objects.filter(day__gte=start, day__lte=end)
        .values("directive", "origin")
        .annotate(
            total=Sum("count"),
            days=Count("day"),
            first=Min("first_seen"),
            last=Max("last_seen"),
        )
        .order_by("-total", "origin", "directive")[:SHOWN_ROWS]
    )


@admin.register(BlockedRequest)
class BlockedRequestAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        return super().get_urls()[:1]  # the list only

    def changelist_view(self, request: HttpRequest, extra_context=None) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DayRangeForm(request.GET)
        valid = form.is_valid()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Blocked requests"),
            "opts": self.model._meta,
            "form": form,
            "rows": blocked_origins(form.cleaned_data["start"], form.cleaned_data["end"])
            if valid
            else None,
            "period": (form.cleaned_data["start"], form.cleaned_data["end"]) if valid else None,
            "shown_rows": SHOWN_ROWS,
            "other": OTHER,
            **(extra_context or {}),
        }
        response = TemplateResponse(
            request, "admin/consent/blockedrequest/change_list.html", context
        )
        response["Cache-Control"] = "private, no-store"
        return response
