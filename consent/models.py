"""What django-cookie-consent lacks: tracking scripts, and a lifetime for declared cookies.

Categories are cookie_consent's ``CookieGroup`` (varname necessary/analytics/...), declared
cookies are its ``Cookie``; we add ``CookieDetails`` (lifetime, storage kind) one-to-one
beside ``Cookie`` and ``TrackingScript`` tied to a category.
"""

from __future__ import annotations

from typing import Any

from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from consent import signals
from consent.scripts import (
    code_hash,
    inline_code_is_safe,
    normalize_code,
    validate_script_src,  # also named by migration 0001
)

__all__ = ["CookieDetails", "TrackingScript", "TrackingScriptChange", "validate_script_src"]


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
    """Bulk updates and deletes announce themselves (``signals.scripts_changed``), like saves."""

    def update(self, **kwargs):
        before = {script.pk: script.snapshot() for script in self.select_related("category")}
        result = super().update(**kwargs)
        signals.scripts_changed.send(sender=TrackingScript, before=before)
        return result

    def delete(self):
        result = super().delete()
        signals.scripts_changed.send(sender=TrackingScript, before={})
        return result

    def enabled(self) -> TrackingScriptQuerySet:
        """Scripts that may run: switched on, in an optional category."""
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

    # What a change record shows before/after; changing src, code, category or placement
    # (or adding a script) is running code on the site and needs CODE_PERMISSION.
    AUDITED_FIELDS = ("name", "src", "code", "category", "placement", "enabled")
    CODE_FIELDS = ("src", "code", "category", "placement")
    CODE_PERMISSION = "consent.change_script_code"

    class Meta:
        ordering = ["order", "pk"]
        permissions = [
            (
                "change_script_code",
                "Can add scripts or change their URL, code, category or placement",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def snapshot(self) -> dict[str, Any]:
        """The audited fields as plain JSON data (the category by its varname)."""
        data: dict[str, Any] = {field: getattr(self, field) for field in self.AUDITED_FIELDS}
        data["category"] = self.category.varname if self.category_id else None
        return data

    def clean(self) -> None:
        self.code = normalize_code(self.code)
        if bool(self.src) == bool(self.code):
            raise ValidationError("Give either an external URL or inline code, not both.")
        if self.code and not inline_code_is_safe(self.code):
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
        return code_hash(self.code)


class TrackingScriptChange(models.Model):
    """One change to a tracking script: who, when, and the audited fields before and after."""

    class Action(models.TextChoices):
        ADDED = "added", "Added"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"

    script = models.ForeignKey(
        TrackingScript,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        help_text="Empty once the script is deleted.",
    )
    script_name = models.CharField(max_length=100)
    action = models.CharField(max_length=10, choices=Action.choices)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text so the record still names the user after the account is deleted.
    changed_by_name = models.CharField(
        "by", max_length=150, help_text="The admin user, or how the change was made."
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = "tracking script change"

    def __str__(self) -> str:
        return f"{self.script_name}: {self.get_action_display().lower()} by {self.changed_by_name}"

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return [
            field
            for field in TrackingScript.AUDITED_FIELDS
            if before.get(field) != after.get(field)
        ]
