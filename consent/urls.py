from __future__ import annotations

from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("cookies/", views.preferences, name="preferences"),
    path("cookies/accept/", views.accept, name="accept"),
    path("cookies/decline/", views.decline, name="decline"),
]
