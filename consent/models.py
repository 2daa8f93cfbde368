"""What django-cookie-consent lacks: tracking scripts, and a lifetime for declared cookies.

Categories are cookie_consent's ``CookieGroup`` (varname necessary/analytics/...), declared
cookies are its ``Cookie``; we add ``CookieDetails`` (lifetime, storage kind) one-to-one
beside ``Cookie`` and ``TrackingScript`` tied to a category.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from cookie_consent.models import Cookie, CookieGroup
from django.core.exceptions import ValidationError
from django.db import models

_FORBIDDEN_IN_INLINE = re.compile(r"</script|<!--|<script", re.IGNORECASE)


def normalize_code(code: str) -> str:
    """Line endings as the HTML parser gives them back, so the CSP hash matches."""
    return code.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def validate_script_src(value: str) -> None:
    """An https URL with a host, or a same-origin absolute path ("/js/x.js")."""
    if value.startswith("/") and not value.startswith("//"):
        if any(char in value for char in "\\\"'<> \t\n"):
            raise ValidationError("The path contains characters that are not allowed.")
        return
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError(
            "Use an https:// URL (or a path on this site starting with /): "
            "scripts over plain http could be tampered with."
        )
    if parts.username or parts.password:
        raise ValidationError("The URL must not contain a user name or password.")


class CookieDetails(models.Model):
    """What the cookie policy must say about a declared cookie and upstream cannot store."""

    class Storage(models.TextChoices):
        COOKIE = "cookie", "Cookie"
        LOCAL_STORAGE = "localStorage", "Local storage key"

    cookie = models.OneToOneField(
        Cookie, on_delete=models.CASCADE, primary_key=True, related_name="details"
    )
    lifetime = models.CharField(
        max_length=100,
        help_text='How long it is kept, e.g. "1 year" or "Until you close the browser".',
    )
    storage = models.CharField(
        max_length=20,
        choices=Storage.choices,
        default=Storage.COOKIE,
        help_text="A local storage key is removed by consent.js when its category is withdrawn.",
    )

    class Meta:
        verbose_name = "cookie details"
        verbose_name_plural = "cookie details"

    def __str__(self) -> str:
        return f"{self.cookie.name}: {self.lifetime}"


class TrackingScriptQuerySet(models.QuerySet):
    """Bulk updates and deletes forget the cached catalog, like single saves do."""

    def update(self, **kwargs):
        from consent import catalog

        result = super().update(**kwargs)
        catalog.invalidate()
        return result

    def delete(self):
        from consent import catalog

        result = super().delete()
        catalog.invalidate()
        return result

    def enabled(self) -> TrackingScriptQuerySet:
        return self.filter(enabled=True, category__is_required=False)


class TrackingScript(models.Model):
    """A third-party (or self-hosted) script that may run only once its category is granted."""

    class Placement(models.TextChoices):
        HEAD = "head", "End of <head>"
        BODY = "body", "End of <body>"

    name = models.CharField(max_length=100)
    category = models.ForeignKey(
        CookieGroup,
        on_delete=models.PROTECT,
        limit_choices_to={"is_required": False},
        related_name="tracking_scripts",
        help_text="The script runs only for visitors who granted this category.",
    )
    src = models.CharField(
        "external URL",
        max_length=500,
        blank=True,
        validators=[validate_script_src],
        help_text="https:// URL of the script (its host is added to the Content-Security-Policy).",
    )
    code = models.TextField(
        "inline code",
        blank=True,
        help_text="JavaScript run as an inline script (allowed by its hash in the CSP). "
        "Leave empty when an external URL is given.",
    )
    placement = models.CharField(max_length=4, choices=Placement.choices, default=Placement.BODY)
    enabled = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers run first.")

    objects = TrackingScriptQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.code = normalize_code(self.code)
        if bool(self.src) == bool(self.code):
            raise ValidationError("Give either an external URL or inline code, not both.")
        if self.code and _FORBIDDEN_IN_INLINE.search(self.code):
            raise ValidationError(
                {"code": "Inline code must not contain <script, </script or <!--."}
            )
        if self.category_id and self.category.is_required:
            raise ValidationError({"category": "Tracking scripts cannot be strictly necessary."})

    def save(self, *args, **kwargs) -> None:
        self.code = normalize_code(self.code)
        super().save(*args, **kwargs)

    @property
    def code_hash(self) -> str:
        """The CSP source expression ('sha256-...') that allows this inline code."""
        digest = hashlib.sha256(self.code.encode("utf-8")).digest()
        return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
