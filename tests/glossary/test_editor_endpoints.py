# ruff: noqa: F811  (pytest fixtures imported from tests.glossary.editor_helpers)
"""The markdownx preview and upload endpoints are ours, and safe.

django-markdownx's own views accept anonymous requests, return unsanitized HTML, trust
the browser's content type and keep the uploaded file's extension. These tests pin down
that none of that is true here.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import Resolver404, resolve
from PIL import Image

from tests.glossary.editor_helpers import (  # noqa: F401 (fixtures)
    PASSWORD,
    admin_user_client,
    editor,
    editor_client,
    image_bytes,
    upload_file,
)

PREVIEW = django_settings.MARKDOWNX_URLS_PATH
UPLOAD = django_settings.MARKDOWNX_UPLOAD_URLS_PATH
ENDPOINTS = [PREVIEW, UPLOAD]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


class TestAccess:
    @pytest.mark.parametrize("url", ENDPOINTS)
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_no_markdownx_endpoint_is_reachable_by_anonymous_users(self, client, url, method):
        data = (
            {"content": "# hi"}
            if url == PREVIEW
            else {"image": upload_file("a.png", image_bytes(), "image/png")}
        )
        response = getattr(client, method)(url, data)
        assert response.status_code == 403
        assert "Log in" in response.json()["error"]

    def test_markdownx_default_urls_are_not_installed(self, client):
        for path in ["/markdownx/markdownify/", "/markdownx/upload/"]:
            with pytest.raises(Resolver404):
                resolve(path)

    @pytest.mark.parametrize("url", ENDPOINTS)
    def test_logged_in_non_staff_users_are_refused(self, client, url):
        user = User.objects.create_user("reader", password=PASSWORD)
        client.force_login(user)
        assert client.post(url, {"content": "x"}).status_code == 403

    @pytest.mark.parametrize("url", ENDPOINTS)
    def test_staff_without_editing_permissions_are_refused(self, client, url):
        user = User.objects.create_user("intern", password=PASSWORD, is_staff=True)
        client.force_login(user)
        response = client.post(url, {"content": "x"})
        assert response.status_code == 403
        assert "not allowed" in response.json()["error"]

    @pytest.mark.parametrize("url", ENDPOINTS)
    def test_csrf_token_is_required(self, editor, url):
        csrf_client = Client(enforce_csrf_checks=True)
        csrf_client.force_login(editor)
        response = csrf_client.post(url, {"content": "## Hi"})
        assert response.status_code == 403
        assert b"CSRF" in response.content

    def test_csrf_token_from_the_admin_page_is_accepted(self, editor):
        csrf_client = Client(enforce_csrf_checks=True)
        csrf_client.force_login(editor)
        csrf_client.get("/admin/glossary/term/add/")
        token = csrf_client.cookies["csrftoken"].value
        response = csrf_client.post(PREVIEW, {"content": "## Hi", "csrfmiddlewaretoken": token})
        assert response.status_code == 200

    @pytest.mark.parametrize("url", ENDPOINTS)
    def test_get_is_not_allowed(self, editor_client, url):
        assert editor_client.get(url).status_code == 405


class TestPreview:
    def test_preview_is_the_public_rendering_with_cross_links_and_heading_ids(
        self, editor_client, make_term
    ):
        make_term("Myokines", slug="myokines")
        response = editor_client.post(PREVIEW, {"content": "## How it works\n\nMyokines rise."})
        assert response.status_code == 200
        html = response.content.decode()
        assert '<h2 id="section-how-it-works">How it works</h2>' in html
        assert 'href="/glossary/myokines/" class="term-link" data-term="myokines"' in html
        assert response["Cache-Control"].startswith("max-age=0")

    @pytest.mark.parametrize(
        "dangerous",
        [
            "<script>alert(1)</script>",
            '<img src="x" onerror="alert(1)">',
            "[click](javascript:alert(1))",
            '<a href="javascript:alert(1)">x</a>',
            '<iframe src="https://example.com"></iframe>',
        ],
    )
    def test_preview_is_sanitized(self, editor_client, dangerous):
        html = editor_client.post(PREVIEW, {"content": dangerous}).content.decode().lower()
        assert "<script" not in html
        assert "onerror" not in html
        assert "javascript:" not in html
        assert "<iframe" not in html

    def test_missing_content_field_is_a_clear_400(self, editor_client):
        response = editor_client.post(PREVIEW, {"text": "## Hi"})
        assert response.status_code == 400
        assert "content" in response.json()["error"]

    def test_empty_content_previews_as_nothing(self, editor_client):
        response = editor_client.post(PREVIEW, {"content": ""})
        assert response.status_code == 200
        assert response.content.strip() == b""


class TestUpload:
    @pytest.mark.parametrize(
        ("fmt", "mode", "extension"),
        [
            ("PNG", "RGB", "png"),
            ("JPEG", "RGB", "jpg"),
            ("WEBP", "RGB", "webp"),
            ("GIF", "P", "gif"),
        ],
    )
    def test_real_images_are_stored_with_an_unguessable_name_and_their_own_extension(
        self, editor_client, media_root, fmt, mode, extension
    ):
        response = editor_client.post(
            UPLOAD,
            {
                "image": upload_file(
                    "holiday photo.bin", image_bytes(fmt, mode=mode), "application/octet-stream"
                )
            },
        )
        assert response.status_code == 200, response.content
        payload = response.json()
        url = payload["url"]
        assert payload["image_code"] == f"![]({url})"
        assert url.startswith("/media/uploads/") and url.endswith(f".{extension}")
        name = url.rsplit("/", 1)[1]
        assert len(name.split(".")[0]) == 32  # a random uuid4 hex, not the uploaded name
        (stored,) = stored_files(media_root)
        assert stored.name == name
        with Image.open(stored) as image:
            assert image.format == fmt

    def test_two_uploads_of_the_same_file_get_different_names(self, editor_client, media_root):
        data = image_bytes()
        first = editor_client.post(UPLOAD, {"image": upload_file("a.png", data, "image/png")})
        second = editor_client.post(UPLOAD, {"image": upload_file("a.png", data, "image/png")})
        assert first.json()["url"] != second.json()["url"]

    def test_html_sent_as_gif_is_refused_and_not_stored(self, editor_client, media_root):
        html = b"<html><script>alert(document.cookie)</script></html>"
        response = editor_client.post(
            UPLOAD, {"image": upload_file("evil.html", html, "image/gif")}
        )
        assert response.status_code == 415
        assert "not an image" in response.json()["error"]
        assert stored_files(media_root) == []

    def test_svg_is_refused_even_with_an_image_content_type(self, editor_client, media_root):
        svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
        response = editor_client.post(
            UPLOAD, {"image": upload_file("logo.svg", svg, "image/svg+xml")}
        )
        assert response.status_code == 415
        assert "SVG images are not accepted" in response.json()["error"]
        assert stored_files(media_root) == []

    def test_non_image_sent_as_png_is_a_clear_4xx(self, editor_client, media_root):
        response = editor_client.post(
            UPLOAD,
            {"image": upload_file("notes.png", b"just some text, not a picture", "image/png")},
        )
        assert response.status_code == 415
        assert stored_files(media_root) == []

    def test_rgba_png_sent_as_jpeg_is_stored_as_png(self, editor_client, media_root):
        response = editor_client.post(
            UPLOAD,
            {"image": upload_file("photo.jpg", image_bytes("PNG", mode="RGBA"), "image/jpeg")},
        )
        assert response.status_code == 200
        assert response.json()["url"].endswith(".png")

    def test_truncated_image_is_refused(self, editor_client, media_root):
        data = image_bytes("PNG", size=(64, 64))
        response = editor_client.post(
            UPLOAD, {"image": upload_file("cut.png", data[:60], "image/png")}
        )
        assert 400 <= response.status_code < 500
        assert response.json()["error"]
        assert stored_files(media_root) == []

    def test_unsupported_image_format_is_refused(self, editor_client, media_root):
        response = editor_client.post(
            UPLOAD, {"image": upload_file("a.bmp", image_bytes("BMP"), "image/bmp")}
        )
        assert response.status_code == 415
        assert "JPEG, PNG, WebP or GIF" in response.json()["error"]

    def test_file_over_the_configured_size_is_refused(self, editor_client, media_root, settings):
        settings.MARKDOWNX_UPLOAD_MAX_SIZE = 100
        response = editor_client.post(
            UPLOAD,
            {"image": upload_file("big.png", image_bytes("PNG", size=(300, 300)), "image/png")},
        )
        assert response.status_code == 413
        assert "at most 100" in response.json()["error"]
        assert stored_files(media_root) == []

    def test_image_over_the_configured_pixel_count_is_refused(
        self, editor_client, settings, media_root
    ):
        settings.GLOSSARY_UPLOAD_MAX_PIXELS = 100 * 100
        response = editor_client.post(
            UPLOAD,
            {"image": upload_file("wide.png", image_bytes("PNG", size=(200, 100)), "image/png")},
        )
        assert response.status_code == 413
        assert "200 × 100 pixels" in response.json()["error"]

    def test_decompression_bomb_is_refused(self, editor_client, settings, media_root):
        # A tiny file that claims a huge canvas: refused from its header, before decoding.
        buffer = io.BytesIO()
        Image.new("1", (12_000, 12_000)).save(buffer, format="PNG")
        assert buffer.tell() < settings.MARKDOWNX_UPLOAD_MAX_SIZE
        response = editor_client.post(
            UPLOAD, {"image": upload_file("bomb.png", buffer.getvalue(), "image/png")}
        )
        assert response.status_code == 413
        assert stored_files(media_root) == []

    def test_missing_image_field_is_a_clear_400(self, editor_client):
        response = editor_client.post(UPLOAD, {"file": "nothing"})
        assert response.status_code == 400
        assert "image" in response.json()["error"]

    def test_empty_file_is_a_clear_400(self, editor_client):
        response = editor_client.post(UPLOAD, {"image": upload_file("a.png", b"", "image/png")})
        assert response.status_code == 400

    def test_gps_metadata_is_stripped_from_photos(self, editor_client, media_root):
        image = Image.new("RGB", (8, 8), "red")
        exif = image.getexif()
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPSInfo
        exif[0x010F] = "PhoneMaker"
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", exif=exif)
        response = editor_client.post(
            UPLOAD, {"image": upload_file("me.jpg", buffer.getvalue(), "image/jpeg")}
        )
        (stored,) = stored_files(media_root)
        with Image.open(stored) as saved:
            assert not saved.getexif()
        assert response.status_code == 200

    def test_upload_error_messages_are_json(self, editor_client):
        response = editor_client.post(
            UPLOAD, {"image": upload_file("a.txt", b"hello", "text/plain")}
        )
        assert response["Content-Type"] == "application/json"
        assert json.loads(response.content)["error"]


class TestMediaServing:
    def test_uploaded_images_are_served_with_nosniff(self, editor_client, client, settings):
        settings.GLOSSARY_SERVE_MEDIA = True
        url = editor_client.post(
            UPLOAD, {"image": upload_file("a.png", image_bytes(), "image/png")}
        ).json()["url"]
        client.logout()
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]

    def test_media_is_not_served_by_django_when_switched_off(self, editor_client, client, settings):
        settings.GLOSSARY_SERVE_MEDIA = True
        url = editor_client.post(
            UPLOAD, {"image": upload_file("a.png", image_bytes(), "image/png")}
        ).json()["url"]
        settings.GLOSSARY_SERVE_MEDIA = False
        assert client.get(url).status_code == 404

    def test_media_paths_cannot_escape_the_media_root(self, settings):
        settings.GLOSSARY_SERVE_MEDIA = True
        client = Client(raise_request_exception=False)
        for path in ["/media/../config/settings.py", "/media/%2e%2e/config/settings.py"]:
            response = client.get(path)
            assert response.status_code in (400, 404)
            assert b"SECRET_KEY" not in response.content
