from __future__ import annotations

from django.urls import path

from consent import csp_reports, views

app_name = "consent"

urlpatterns = [
    path("cookies/", views.preferences, name="preferences"),
    path("cookies/accept/", views.accept, name="accept"),
    path("cookies/decline/", views.decline, name="decline"),
    path("cookies/my-records.json", views.my_records, name="my_records"),
    path("cookies/forget/", views.forget, name="forget"),
    path("csp-reports/", csp_reports.receive, name="csp_reports"),
]
