"""Images uploaded from the term editor: accepted only if they decode as a real image.

The browser's content type and the file's name are ignored; the stored name is random and
its extension comes from the decoded format, so a file can never be served as something
other than the image it is. Still images are re-encoded, which drops EXIF data (phone
photos carry GPS positions) and anything appended to the image bytes.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath
from uuid import uuid4

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

# Decoded format -> stored extension. Anything else (SVG, BMP, TIFF, PDF...) is refused.
FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
ACCEPTED = "JPEG, PNG, WebP or GIF"


class UploadRejected(Exception):
    """The upload is not an acceptable image; the message is shown to the editor."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class StoredImage:
    name: str
    url: str
    format: str


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in text[:1024]


def _decode(data: bytes) -> Image.Image:
    """Open, verify and fully decode the image, within the configured pixel limit."""
    max_pixels = settings.GLOSSARY_UPLOAD_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in FORMATS:
                raise UploadRejected(
                    gettext("%(format)s images are not accepted: upload a %(accepted)s image.")
                    % {"format": probe.format or "?", "accepted": ACCEPTED},
                    status=415,
                )
            width, height = probe.size
            if width * height > max_pixels:
                raise UploadRejected(
                    gettext(
                        "The image is %(width)s × %(height)s pixels; the limit is %(limit)s "
                        "pixels in total. Resize it and upload it again."
                    )
                    % {
                        "width": width,
                        "height": height,
                        "limit": number_format(max_pixels, force_grouping=True),
                    },
                    status=413,
                )
            probe.verify()  # checks the structure; the object is unusable afterwards
            image = Image.open(io.BytesIO(data))
            image.load()  # decodes the pixels: a truncated or corrupt file fails here
            return image
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadRejected(
            gettext("The image is too large to process (%(error)s). Resize it and upload it again.")
            % {"error": error},
            status=413,
        ) from error
    except UnidentifiedImageError as error:
        if _looks_like_svg(data[:2048]):
            raise UploadRejected(
                gettext(
                    "SVG images are not accepted (they can carry scripts). "
                    "Export the drawing as PNG and upload that instead."
                ),
                status=415,
            ) from error
        raise UploadRejected(
            gettext("This file is not an image we can read. Upload a %(accepted)s image.")
            % {"accepted": ACCEPTED},
            status=415,
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise UploadRejected(
            gettext(
                "The image file is damaged or incomplete (%(error)s). Save it again and re-upload."
            )
            % {"error": error},
            status=400,
        ) from error


def _encode(image: Image.Image, data: bytes) -> bytes:
    """Re-encode still images without metadata; animations are kept byte for byte."""
    if getattr(image, "is_animated", False):
        return data
    fmt = image.format
    still = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if fmt == "JPEG":
        if still.mode not in ("RGB", "L"):
            still = still.convert("RGB")
        still.save(out, format="JPEG", quality=90, optimize=True)
    elif fmt == "WEBP":
        still.save(out, format="WEBP", quality=90)
    elif fmt == "PNG":
        still.save(out, format="PNG", optimize=True)
    else:  # a single-frame GIF
        still.save(out, format="GIF")
    return out.getvalue()


def store_image(upload: UploadedFile | None) -> StoredImage:
    """Validate an uploaded image and store it under MEDIA_ROOT with an unguessable name."""
    if upload is None:
        raise UploadRejected(gettext("No image was received: send the file in the “image” field."))
    max_bytes = settings.MARKDOWNX_UPLOAD_MAX_SIZE
    if upload.size is None or upload.size > max_bytes:
        raise UploadRejected(
            gettext(
                "The file is %(size)s; images may be at most %(limit)s. Resize or compress it "
                "and upload it again."
            )
            % {"size": filesizeformat(upload.size or 0), "limit": filesizeformat(max_bytes)},
            status=413,
        )
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRejected(
            gettext("Images may be at most %(limit)s.") % {"limit": filesizeformat(max_bytes)},
            status=413,
        )
    if not data:
        raise UploadRejected(gettext("The file is empty. Choose the image again."))
    image = _decode(data)
    fmt = image.format
    encoded = _encode(image, data)
    name = str(PurePosixPath(settings.MARKDOWNX_MEDIA_PATH) / f"{uuid4().hex}.{FORMATS[fmt]}")
    saved = default_storage.save(name, ContentFile(encoded))
    return StoredImage(name=saved, url=default_storage.url(saved), format=fmt)
