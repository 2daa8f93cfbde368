"""Admin → Consent → Report (``/admin/consent/report/``): consent rates for a period, as a
chart, tables and a CSV export (``/admin/consent/report/csv/``), from ``consent.report``.

Privacy staff read it through ``view_report`` (migration 0008); editors have no access.
A period is two dates (inclusive, the site's time zone), by default the last 30 days; a
date that cannot be read, a start after the end, a day in the future or more than 366 days
is a form error (a 400 for the CSV), never a 500.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from consent import report
from consent.catalog import get_catalog
from consent.report import Report

EARLIEST = date(2000, 1, 1)


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To (inclusive)"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=report.DEFAULT_DAYS - 1)
        if start < EARLIEST or end > today:
            raise forms.ValidationError(
                gettext("Choose days from %(earliest)s to today (%(today)s).")
                % {"earliest": date_format(EARLIEST), "today": date_format(today)}
            )
        if start > end:
            raise forms.ValidationError(gettext("The start date is after the end date."))
        if (end - start).days >= report.MAX_DAYS:
            raise forms.ValidationError(
                ngettext(
                    "Choose at most %(days)d day.", "Choose at most %(days)d days.", report.MAX_DAYS
                )
                % {"days": report.MAX_DAYS}
            )
        data.update(start=start, end=end)
        return data


def optional_categories() -> tuple[tuple[str, str], ...]:
    """(varname, name) of each optional category, as the catalog has them now."""
    return tuple((category.varname, category.name) for category in get_catalog().optional)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        csv_view = self.admin_site.admin_view(self.csv_view)
        # The report and its CSV only: no per-record pages (those are the records' own).
        return [path("csv/", csv_view, name="consent_report_csv"), *super().get_urls()[:1]]

    def _period(self, request: HttpRequest) -> PeriodForm:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return PeriodForm(request.GET)

    def changelist_view(self, request: HttpRequest, extra_context=None) -> TemplateResponse:
        form = self._period(request)
        categories = optional_categories()
        numbers = None
        if form.is_valid():
            numbers = report.build(
                form.cleaned_data["start"],
                form.cleaned_data["end"],
                tuple(varname for varname, _ in categories),
            )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Consent rates"),
            "opts": self.model._meta,
            "form": form,
            "report": numbers,
            "chart": report.chart(numbers.days) if numbers else None,
            "categories": categories,
            "opt_in": [(name, numbers.overall.rates[varname]) for varname, name in categories]
            if numbers
            else [],
            "kind_labels": report.KIND_LABELS,
            **(extra_context or {}),
        }
        response = TemplateResponse(request, "admin/consent/report.html", context)
        response["Cache-Control"] = "private, no-store"
        return response

    def csv_view(self, request: HttpRequest) -> HttpResponse:
        form = self._period(request)
        if not form.is_valid():
            errors = " ".join(error for errors in form.errors.values() for error in errors)
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        varnames = tuple(varname for varname, _ in optional_categories())
        numbers = report.build(start, end, varnames)
        response = HttpResponse(
            "".join(report.csv_rows(numbers)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="consent-rates-{start}_{end}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
