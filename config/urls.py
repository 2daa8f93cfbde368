from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from config import beacons
from core.views import healthz
from glossary import editor
from glossary.sitemaps import sitemaps

urlpatterns = [
    # The markdownx widget's endpoints, ours instead of markdownx.urls (see glossary.editor);
    # before admin.site.urls, whose catch-all would answer first.
    path(settings.MARKDOWNX_URLS_PATH.lstrip("/"), editor.preview, name="markdownx_markdownify"),
    path(settings.MARKDOWNX_UPLOAD_URLS_PATH.lstrip("/"), editor.upload, name="markdownx_upload"),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", editor.serve_media, name="media"),
    path("admin/", admin.site.urls),
    # Answered by config.middleware.HealthCheckMiddleware before routing; named here.
    path("healthz", healthz, name="healthz"),
    # Kept by the page cache (core.page_cache), which sees every change at once.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps},
        name="sitemap_section",
    ),
    # The site's own analytics (counted only with analytics granted; see config.beacons).
    path("pageviews/", beacons.pageview, name="pageview_beacon"),
]
# Reader pages in every language: English at today's addresses, the others under /de/ etc.
urlpatterns += i18n_patterns(
    path("", include("consent.urls")),
    path("", include("glossary.urls")),
    path("", include("editorial.urls")),
    prefix_default_language=False,
)

handler400 = "config.errors.bad_request"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
