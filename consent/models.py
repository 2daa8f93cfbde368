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
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from consent import signals
from consent.scripts import (
    code_hash,
    inline_code_is_safe,
    normalize_code,
    validate_script_src,  # also named by migration 0001
)

__all__ = [
    "CategoryText",
    "ConsentRecord",
    "ConsentText",
    "CookieDetails",
    "CookieText",
    "PolicySettings",
    "TrackingScript",
    "TrackingScriptChange",
    "validate_script_src",
]


class CookieDetails(models.Model):
    """What the cookie policy must say about a declared cookie and upstream cannot store."""

    class Storage(models.TextChoices):
        COOKIE = "cookie", _("Cookie")
        LOCAL_STORAGE = "localStorage", _("Local storage key")

    cookie = models.OneToOneField(
        Cookie,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="details",
        verbose_name=_("cookie"),
    )
    lifetime = models.CharField(
        _("lifetime"),
        max_length=100,
        help_text=_('How long it is kept, e.g. "1 year" or "Until you close the browser".'),
    )
    storage = models.CharField(
        _("storage"),
        max_length=20,
        choices=Storage.choices,
        default=Storage.COOKIE,
        help_text=_("A local storage key is removed by consent.js when its category is withdrawn."),
    )
    provider = models.CharField(
        _("provider"),
        max_length=200,
        blank=True,
        help_text=_(
            'Who sets and reads it, with the host its script comes from, e.g. "Google '
            '(www.googletagmanager.com)". Blank: this site itself.'
        ),
    )

    class Meta:
        verbose_name = _("cookie details")
        verbose_name_plural = _("cookie details")

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
        HEAD = "head", _("End of <head>")
        BODY = "body", _("End of <body>")

    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        CookieGroup,
        on_delete=models.PROTECT,
        limit_choices_to={"is_required": False},
        related_name="tracking_scripts",
        verbose_name=_("category"),
        help_text=_("The script runs only for visitors who granted this category."),
    )
    src = models.CharField(
        _("external URL"),
        max_length=500,
        blank=True,
        validators=[validate_script_src],
        help_text=_(
            "https:// URL of the script (its host is added to the Content-Security-Policy)."
        ),
    )
    code = models.TextField(
        _("inline code"),
        blank=True,
        help_text=_(
            "JavaScript run as an inline script (allowed by its hash in the CSP). "
            "Leave empty when an external URL is given."
        ),
    )
    placement = models.CharField(
        _("placement"), max_length=4, choices=Placement.choices, default=Placement.BODY
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    order = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Lower numbers run first.")
    )

    objects = TrackingScriptQuerySet.as_manager()

    # What a change record shows before/after; changing src, code, category or placement
    # (or adding a script) is running code on the site and needs CODE_PERMISSION.
    AUDITED_FIELDS = ("name", "src", "code", "category", "placement", "enabled")
    CODE_FIELDS = ("src", "code", "category", "placement")
    CODE_PERMISSION = "consent.change_script_code"

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("tracking script")
        verbose_name_plural = _("tracking scripts")
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
            raise ValidationError(_("Give either an external URL or inline code, not both."))
        if self.code and not inline_code_is_safe(self.code):
            raise ValidationError(
                {"code": _("Inline code must not contain <script, </script or <!--.")}
            )
        if self.category_id and self.category.is_required:
            raise ValidationError({"category": _("Tracking scripts cannot be strictly necessary.")})

    def save(self, *args, **kwargs) -> None:
        self.code = normalize_code(self.code)
        super().save(*args, **kwargs)

    @property
    def code_hash(self) -> str:
        return code_hash(self.code)


class TrackingScriptChange(models.Model):
    """One change to a tracking script: who, when, and the audited fields before and after."""

    class Action(models.TextChoices):
        ADDED = "added", _("Added")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")

    script = models.ForeignKey(
        TrackingScript,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("script"),
        help_text=_("Empty once the script is deleted."),
    )
    script_name = models.CharField(_("script name"), max_length=100)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    # Kept as text so the record still names the user after the account is deleted.
    changed_by_name = models.CharField(
        pgettext_lazy("the person or command that made a change", "by"),
        max_length=150,
        help_text=_("The admin user, or how the change was made."),
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("tracking script change")
        verbose_name_plural = _("tracking script changes")

    def __str__(self) -> str:
        return gettext("%(script)s: %(action)s by %(who)s") % {
            "script": self.script_name,
            "action": self.get_action_display().lower(),
            "who": self.changed_by_name,
        }

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return [
            field
            for field in TrackingScript.AUDITED_FIELDS
            if before.get(field) != after.get(field)
        ]


class PolicySettings(models.Model):
    """The policy-wide "material change" counter: part of the policy version.

    One row (pk=1). Declaring a material change here changes the policy version
    (``consent.catalog``), so every visitor, in every language, is asked again. The banner
    and policy page texts are per language (``ConsentText``).
    """

    DEFAULT_BANNER_TEXT = (
        "We use cookies to personalize content and marketing, and to analyze our traffic. "
        "This helps us maintain the quality of our free resources. Manage your preferences "
        "below."
    )
    DEFAULT_PAGE_TEXT = (
        "Cookies are small files saved on your device. Strictly necessary cookies make this "
        "site work and are always on. The other categories are off until you switch them on, "
        "and you can change your mind here at any time: switching a category off takes effect "
        "at once and removes its cookies."
    )

    material_changes = models.PositiveIntegerField(
        _("material changes"),
        default=0,
        editable=False,
        help_text=_("How many times privacy staff declared a material change of the policy."),
    )
    material_changed_at = models.DateTimeField(
        _("material changed at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("cookie policy")
        verbose_name_plural = _("cookie policy")

    def __str__(self) -> str:
        return gettext("Cookie policy")

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> PolicySettings:
        """The stored settings, or the defaults (unsaved) when nobody changed them yet."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def record_material_change(self) -> None:
        self.material_changes += 1
        self.material_changed_at = timezone.now()
        self.save()


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class ConsentText(models.Model):
    """The consent texts of one language: the banner and the cookie policy page's
    introduction, and the version of that language's texts.

    The version moves only when privacy staff mark a change as material; visitors who
    decided in this language (their cookie's ``.l``) are then asked again, nobody else.
    Category names and descriptions and cookie purposes in this language are
    ``CategoryText`` and ``CookieText`` rows; in the default language they are the
    category's and cookie's own fields.
    """

    language = models.CharField(_("language"), max_length=10, unique=True, choices=language_choices)
    banner_text = models.TextField(
        _("banner text"),
        blank=True,
        help_text=_("Plain text shown in the cookie banner; blank lines make paragraphs."),
    )
    page_text = models.TextField(
        _("cookie policy introduction"),
        blank=True,
        help_text=_("Plain text at the top of the cookie policy page (/cookies/)."),
    )
    text_version = models.PositiveIntegerField(
        _("text version"),
        default=1,
        editable=False,
        help_text=_("Raised by each material change of this language's texts."),
    )
    materially_changed_at = models.DateTimeField(
        _("last material change"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("consent texts in a language")
        verbose_name_plural = _("consent texts by language")

    def __str__(self) -> str:
        return str(dict(settings.LANGUAGES).get(self.language, self.language))

    def record_material_change(self) -> None:
        """Ask again every visitor who decided in this language (not yet saved)."""
        self.text_version += 1
        self.materially_changed_at = timezone.now()


class CategoryText(models.Model):
    """A category's name and description in a language other than the default."""

    texts = models.ForeignKey(
        ConsentText, on_delete=models.CASCADE, related_name="categories", verbose_name=_("language")
    )
    category = models.ForeignKey(
        CookieGroup, on_delete=models.CASCADE, related_name="texts", verbose_name=_("category")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["category__ordering", "category_id"]
        verbose_name = _("category text")
        verbose_name_plural = _("category texts")
        constraints = [
            models.UniqueConstraint(fields=["texts", "category"], name="category_text_once")
        ]

    def __str__(self) -> str:
        return f"{self.category_id} ({self.texts_id})"


class CookieText(models.Model):
    """A declared cookie's purpose and lifetime in a language other than the default."""

    texts = models.ForeignKey(
        ConsentText, on_delete=models.CASCADE, related_name="cookies", verbose_name=_("language")
    )
    cookie = models.ForeignKey(
        Cookie, on_delete=models.CASCADE, related_name="texts", verbose_name=_("cookie")
    )
    purpose = models.TextField(_("purpose"), blank=True)
    # Longer than CookieDetails.lifetime (100): translations often run longer than English.
    lifetime = models.CharField(_("lifetime"), max_length=200, blank=True)

    class Meta:
        ordering = ["cookie__cookiegroup__ordering", "cookie__name"]
        verbose_name = _("cookie text")
        verbose_name_plural = _("cookie texts")
        constraints = [models.UniqueConstraint(fields=["texts", "cookie"], name="cookie_text_once")]

    def __str__(self) -> str:
        return f"{self.cookie_id} ({self.texts_id})"


class ConsentRecord(models.Model):
    """Proof of one decision: one row per decision, never per cookie, no network data."""

    class Action(models.TextChoices):
        ACCEPT_ALL = "accept_all", _("Accept all")
        REJECT_ALL = "reject_all", _("Reject all")
        SAVE = "save", _("Save preferences")
        GRANT = "grant", _("Grant a category")
        REFUSE = "refuse", _("Refuse a category")
        WITHDRAW = "withdraw", _("Withdrawal")
        GPC = "gpc", _("Global Privacy Control signal")
        ERASED = "erased", _("Records erased at the visitor's request")

    class Method(models.TextChoices):
        BANNER = "banner", _("Banner")
        BANNER_NO_JS = "banner_no_js", _("Banner (no-JS form)")
        PREFERENCES = "preferences", _("Preferences page")
        PREFERENCES_NO_JS = "preferences_no_js", _("Preferences page (no-JS form)")
        EMBED = "embed", _("Embed placeholder")
        GPC = "gpc", _("GPC signal")

    class Reason(models.TextChoices):
        FIRST = "first", _("First decision")
        CHANGE = "change", _("Changed a current decision")
        POLICY = "policy", _("Re-asked: policy changed")
        EXPIRED = "expired", _("Re-asked: decision expired")

    # One browser's id for all its decisions (its history), until it is forgotten.
    consent_id = models.CharField(_("consent id"), max_length=32)
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    reason = models.CharField(
        _("reason"), max_length=10, choices=Reason.choices, default=Reason.FIRST
    )
    policy_version = models.CharField(_("policy version"), max_length=16)
    # Every optional category at the time: {"analytics": true, "marketing": false, ...};
    # a category left undecided is absent. PostgreSQL has a GIN index on it (migration).
    choices = models.JSONField(_("choices"), default=dict)
    gpc = models.BooleanField(
        _("GPC signal"), default=False, help_text=_("The browser sent Global Privacy Control.")
    )
    # The language of the page the visitor decided on, and the version of that language's
    # texts (``ConsentText.text_version``) they were shown; blank for records from before.
    language = models.CharField(_("language"), max_length=10, blank=True)
    text_version = models.PositiveIntegerField(_("text version"), null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [
            models.Index(fields=["decided_at"], name="consent_record_time"),
            models.Index(fields=["consent_id", "decided_at"], name="consent_record_history"),
            models.Index(fields=["action", "decided_at"], name="consent_record_action_time"),
        ]

    def __str__(self) -> str:
        return self.consent_id

    @property
    def granted(self) -> list[str]:
        return [varname for varname, value in self.choices.items() if value is True]

    @property
    def refused(self) -> list[str]:
        return [varname for varname, value in self.choices.items() if value is False]


from consent.tracker_audit_models import TrackerAudit  # noqa: E402,F401,I001
from consent.csp_reports import BlockedRequest  # noqa: E402,F401


class Report(ConsentRecord):
    """No table of its own: the admin's "Report" entry and the permission to read it
    (``consent.view_report``, held by the Privacy group)."""

    class Meta:
        proxy = True
        verbose_name = _("report")
        verbose_name_plural = _("report")


class ConsentTally(models.Model):
    """How many decisions of one kind were made on a day: the report reads these."""

    day = models.DateField()
    method = models.CharField(max_length=20)
    policy_version = models.CharField(max_length=16)
    action = models.CharField(max_length=16)
    choices = models.JSONField(default=dict)  # keys sorted, so equal choices are one row
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("consent tally")
        verbose_name_plural = _("consent tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "method", "policy_version", "action", "choices"],
                name="consent_tally_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.action} {self.method} {self.count}"
