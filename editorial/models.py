"""People who write and review terms, the review workflow's record, the editorial policy.

A term's public versions are ``glossary.Publication`` rows (the glossary serves them);
this app decides when one may be made (``editorial.workflow``) and keeps who did what.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from glossary.models import Term

ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 11,2, the check digit ORCID iDs end with."""
    digits = orcid.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def validate_orcid(value: str) -> None:
    """An ORCID iD as 0000-0002-1825-0097 (the address form is accepted and shortened)."""
    if not ORCID_RE.match(value) or not orcid_checksum_ok(value):
        raise ValidationError(
            _("Enter an ORCID iD as 16 digits in groups of four, e.g. 0000-0002-1825-0097."),
            code="invalid_orcid",
        )


def _https_only(url: str) -> None:
    if url and not url.lower().startswith("https://"):
        raise ValidationError(_("Use an https:// address."))


class Person(models.Model):
    """An author or medical reviewer, with a public page at /people/<slug>/."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("address"), max_length=120, unique=True)
    credentials = models.CharField(
        _("credentials"), max_length=100, blank=True, help_text=_("For example “MD, PhD”.")
    )
    specialty = models.CharField(
        _("specialty"), max_length=200, blank=True, help_text=_("For example “Neurologist”.")
    )
    bio = models.TextField(_("short biography"), max_length=1500, blank=True)
    photo = models.CharField(_("photo"), max_length=300, blank=True, editable=False)
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True, validators=[validate_orcid])
    website = models.URLField(_("website"), max_length=300, blank=True, validators=[_https_only])
    conflicts_of_interest = models.TextField(
        _("conflict-of-interest statement"),
        blank=True,
        help_text=_("Shown on the profile; write “None declared.” if there are none."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="editorial_person",
        verbose_name=_("user"),
        help_text=_("The account this person signs in with, if any (needed to review)."),
    )
    public = models.BooleanField(
        _("public profile"),
        default=True,
        help_text=_("Off: the name is shown on terms, without a profile page."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def get_absolute_url(self) -> str:
        return reverse("editorial:person", args=[self.slug])

    @property
    def profile_path(self) -> str:
        """The address a byline links to, or "" when the profile is not public."""
        return self.get_absolute_url() if self.public else ""

    @property
    def photo_url(self) -> str:
        return default_storage.url(self.photo) if self.photo else ""

    @property
    def orcid_url(self) -> str:
        return f"https://orcid.org/{self.orcid}" if self.orcid else ""


class Authorship(models.Model):
    """A term's author (a term has one or more; the first is listed first)."""

    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="authorships", verbose_name=_("term")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="authorships", verbose_name=_("person")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["term", "position", "pk"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        constraints = [
            models.UniqueConstraint(fields=["term", "person"], name="authorship_term_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} on {self.term}"


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")


class TermWorkflow(models.Model):
    """Where a term is in the editorial workflow (a term without one is a draft)."""

    term = models.OneToOneField(
        Term,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="workflow",
        verbose_name=_("term"),
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    reviewer = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewer"),
        help_text=_("Asked to review; blank: any medical reviewer."),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    # The revision (Term.content_hash) approved, scheduled or published: an edit that
    # changes it sends the term back to draft (editorial.signals).
    source_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("term in the workflow")
        verbose_name_plural = _("editorial workflow")
        permissions = [
            ("submit_term", "Can submit terms for medical review"),
            ("review_term", "Can review terms medically (approve or request changes)"),
            ("publish_term", "Can publish, schedule and unpublish reviewed terms"),
        ]
        indexes = [models.Index(fields=["state", "reviewer"], name="workflow_state_reviewer")]

    def __str__(self) -> str:
        return f"{self.term}: {self.get_state_display()}"


class Review(models.Model):
    """A medical reviewer's verdict on one revision of a term (its ``content_hash``)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        COMMENT = "comment", _("Comment")

    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("term")
    )
    reviewer = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("reviewer")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    source_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewer} on {self.created_at:%Y-%m-%d}"

    @property
    def outdated(self) -> bool:
        """The term was edited since: this verdict is about an older revision."""
        return self.source_hash != self.term.content_hash()


class Transition(models.Model):
    """One step of a term through the workflow: who, when, from where to where, and why."""

    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("term")
    )
    from_state = models.CharField(_("from state"), max_length=20, choices=State.choices)
    to_state = models.CharField(_("to state"), max_length=20, choices=State.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(
        pgettext_lazy("the time a workflow step was taken", "at"), default=timezone.now
    )
    comment = models.TextField(_("comment"), blank=True)
    non_medical_reason = models.CharField(_("non medical reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        indexes = [models.Index(fields=["term", "-at"], name="transition_term_at")]

    def __str__(self) -> str:
        return f"{self.term}: {self.from_state} → {self.to_state}"


class EditorialPolicy(models.Model):
    """The text of /editorial-policy/ (markdown, sanitized); the newest row is shown."""

    title = models.CharField(_("title"), max_length=200, default=_("Editorial policy"))
    body = models.TextField(_("text"), help_text=_("Markdown."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("editorial policy")
        verbose_name_plural = _("editorial policy")

    def __str__(self) -> str:
        return str(self.title)


class ReviewDueTerm(Term):
    """The review-due dashboard's place in the admin (Editorial → Review due)."""

    class Meta:
        proxy = True
        verbose_name = _("review due")
        verbose_name_plural = _("review due")
