from django.urls import path

from glossary import views
from glossary.feeds import RecentTermsFeed

app_name = "glossary"

urlpatterns = [
    path("", views.home, name="home"),
    path("glossary/", views.term_index, name="term_index"),
    path("glossary/letter/<str:letter>/", views.letter_detail, name="letter_detail"),
    path("glossary/<slug:slug>/", views.term_detail, name="term_detail"),
    path("glossary/<slug:slug>/v/<int:number>/", views.term_version, name="term_version"),
    path("glossary/<slug:slug>/history/", views.term_history, name="term_history"),
    path("glossary/<slug:slug>/related/", views.term_related, name="term_related"),
    path("glossary/<slug:slug>/cite/", views.term_cite, name="term_cite"),
    path("categories/<slug:slug>/", views.category_detail, name="category_detail"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("feed/", RecentTermsFeed(), name="feed"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
