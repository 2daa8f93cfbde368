"""A URLconf for tests only: the site's URLs plus a view that fails."""

from django.urls import path

from config.urls import handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise RuntimeError("Deliberate failure for the 500-page test")


urlpatterns = [path("__broken__/", broken_view), *site_urlpatterns]
