from django.urls import path

from editorial import views

app_name = "editorial"

urlpatterns = [
    path("people/<slug:slug>/", views.person, name="person"),
    path("editorial-policy/", views.policy, name="policy"),
]
