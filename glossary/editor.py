"""The term editor's two endpoints (live preview, image upload) and media serving.

django-markdownx's own views accept anonymous requests, return unsanitized HTML and
trust the browser's content type, so markdownx.urls is never included: these views take
their place at the URLs the markdownx widget posts to (settings.MARKDOWNX_URLS_PATH and
MARKDOWNX_UPLOAD_URLS_PATH). Both need a logged-in staff user with the right permission
and a CSRF token, and answer every bad request with a 4xx and a message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from django.views.static import serve

from glossary.uploads import UploadRejected, store_image

PREVIEW_PERMISSIONS = ("glossary.add_term", "glossary.change_term")
UPLOAD_PERMISSION = "glossary.upload_image"


def _editor_only(*permissions: str) -> Callable:
    """403 (not a login redirect: these are XHR endpoints) unless staff with a permission."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not (user.is_authenticated and user.is_active and user.is_staff):
                return _error(gettext("Log in to the admin to use the editor."), 403)
            if not any(user.has_perm(permission) for permission in permissions):
                return _error(gettext("Your account is not allowed to do this."), 403)
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        return wrapped

    return decorator


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@_editor_only(*PREVIEW_PERMISSIONS)
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The body's HTML exactly as the public page will show it (one rendering function)."""
    if "content" not in request.POST:
        return _error(gettext("The preview request has no “content” field."), 400)
    render_preview = import_string(settings.MARKDOWNX_MARKDOWNIFY_FUNCTION)
    return HttpResponse(render_preview(request.POST["content"]), content_type="text/html")


@_editor_only(UPLOAD_PERMISSION)
@require_POST
def upload(request: HttpRequest) -> JsonResponse:
    """Store a dropped image and answer with the markdown that shows it."""
    if len(request.FILES.getlist("image")) > 1:
        return _error(gettext("Upload one image at a time."), 400)
    try:
        stored = store_image(request.FILES.get("image"))
    except UploadRejected as rejected:
        return _error(rejected.message, rejected.status)
    return JsonResponse({"image_code": f"![]({stored.url})", "url": stored.url})


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """Uploaded media for `make run`; production serves MEDIA_ROOT from the web server."""
    if not settings.GLOSSARY_SERVE_MEDIA:
        raise Http404("Media is not served by the application")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    # An image needs no script, style or frame: if a browser ever renders it as a
    # document, nothing in it runs.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
