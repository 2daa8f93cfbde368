"""The glossary's content: terms and the categories they belong to."""

from __future__ import annotations

import unicodedata
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField

DIGITS_GROUP = "0-9"
OTHER_GROUP = "other"
LETTER_GROUPS: list[str] = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [
    DIGITS_GROUP,
    OTHER_GROUP,
]
LETTER_LABELS = {DIGITS_GROUP: "0–9", OTHER_GROUP: "#"}


def letter_label(group: str) -> str:
    return LETTER_LABELS.get(group, group.upper())


def sort_key(title: str) -> str:
    """Accent-free, case-free form of a title, so "Ångström" sorts with the A's."""
    decomposed = unicodedata.normalize("NFKD", title)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold().strip()


def letter_group(title: str) -> str:
    """The A–Z group a title is listed under: a Latin letter, "0-9" or "other"."""
    key = sort_key(title)
    first = key[:1]
    if first.isascii() and first.isalpha():
        return first
    if first.isdigit():
        return DIGITS_GROUP
    return OTHER_GROUP


class Category(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("glossary:category_detail", args=[self.slug])


class TermQuerySet(models.QuerySet):
    def published(self) -> TermQuerySet:
        """Terms a reader may see: published, with a publication time already past."""
        return self.filter(status=Term.Status.PUBLISHED, published_at__lte=timezone.now())

    def with_neighbours(self) -> TermQuerySet:
        """Annotate the alphabetically previous and next published terms (no extra query)."""
        # Written as a range on sort_title (plus a tie-break) so the database walks the
        # sort_title index from this term and stops at the first published neighbour.
        published = Term.objects.published()
        before = (
            published.filter(sort_title__lte=OuterRef("sort_title"))
            .exclude(sort_title=OuterRef("sort_title"), pk__gte=OuterRef("pk"))
            .order_by("-sort_title", "-pk")
        )
        after = (
            published.filter(sort_title__gte=OuterRef("sort_title"))
            .exclude(sort_title=OuterRef("sort_title"), pk__lte=OuterRef("pk"))
            .order_by("sort_title", "pk")
        )
        return self.annotate(
            previous_slug=Subquery(before.values("slug")[:1]),
            previous_title=Subquery(before.values("title")[:1]),
            next_slug=Subquery(after.values("slug")[:1]),
            next_title=Subquery(after.values("title")[:1]),
        )


class Term(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    aliases = models.TextField(
        blank=True,
        help_text="Other names and abbreviations, one per line (for example “BDNF”).",
    )
    summary = models.TextField(
        help_text="The lead definition in plain text: one to three sentences. "
        "Used as the page's lead, its meta description and in link previews."
    )
    body = MarkdownxField(
        blank=True,
        help_text="Markdown. Each “## Heading” starts a section (for example “## Origin”).",
    )
    references = models.TextField(
        blank=True,
        help_text="One citation per line. Markdown links are allowed.",
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="terms")
    related_terms = models.ManyToManyField("self", blank=True, symmetrical=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        default=timezone.now,
        help_text="A future time schedules the term: it becomes public on its own at that time.",
    )
    last_reviewed = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Derived at save time by glossary.rendering; never edited by hand.
    sort_title = models.CharField(max_length=200, editable=False, db_index=True)
    letter = models.CharField(max_length=5, editable=False, db_index=True)
    body_html = models.TextField(editable=False, blank=True)
    references_html = models.TextField(editable=False, blank=True)
    toc = models.JSONField(editable=False, default=list, blank=True)
    linked_terms = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        editable=False,
        related_name="mentioned_by",
        help_text="Terms this term's body links to (kept in step by rendering).",
    )

    # Optimistic locking: a new token on every save; a form based on an older one is stale.
    edit_token = models.UUIDField(default=uuid.uuid4, editable=False)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["sort_title", "pk"]
        permissions = [("upload_image", "Can upload images from the term editor")]
        constraints = [
            models.UniqueConstraint(Lower("title"), name="term_title_unique_ci"),
        ]
        indexes = [
            models.Index(fields=["status", "published_at"], name="term_visibility_idx"),
            # Covering indexes: a letter page and "recently updated" are answered from the
            # index alone, without reading the (large) rows of terms that are not shown.
            models.Index(
                fields=["letter", "sort_title", "status", "published_at"],
                name="term_letter_visible_idx",
            ),
            models.Index(
                fields=["-updated_at", "status", "published_at"], name="term_recent_visible_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("glossary:term_detail", args=[self.slug])

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    def get_letter_label(self) -> str:
        return letter_label(self.letter)

    @property
    def is_public(self) -> bool:
        return Term.is_public_state(self.status, self.published_at)

    @staticmethod
    def is_public_state(status: str, published_at) -> bool:
        """The one visibility rule, also for a term's earlier state read as a dict."""
        return status == Term.Status.PUBLISHED and published_at <= timezone.now()

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    @property
    def canonical_url(self) -> str:
        return settings.SITE_URL + self.get_absolute_url()

    @property
    def section_count(self) -> int:
        return len(self.toc)

    def link_previews(self) -> dict[str, dict[str, str]]:
        """Title and summary of every term this article links to, for hover previews."""
        return {
            linked.slug: {"title": linked.title, "summary": linked.summary}
            for linked in self.linked_terms.all()
        }

    def clean(self) -> None:
        """Titles and aliases name one term only (case-insensitive), so links are unambiguous."""
        super().clean()
        from glossary.names import name_clashes

        errors = name_clashes(self)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        from glossary import rendering, retired

        previous = None
        if self.pk:
            # A revert in the admin writes the old row first; it hands over the state before it.
            previous = getattr(self, "_state_before_revert", None) or (
                Term.objects.filter(pk=self.pk)
                .values("title", "aliases", "status", "published_at", "slug")
                .first()
            )
        self.sort_title = sort_key(self.title)[:200]
        self.letter = letter_group(self.title)
        rendered = rendering.render_term(self)
        self.body_html = rendered.body_html
        self.references_html = rendered.references_html
        self.toc = rendered.toc
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "sort_title",
                "letter",
                "body_html",
                "references_html",
                "toc",
                "updated_at",
                "edit_token",
            }
        self.edit_token = uuid.uuid4()
        super().save(*args, **kwargs)
        self.linked_terms.set(rendered.linked_term_ids)
        retired.after_term_saved(self, previous)
        rendering.relink_after_change(self, previous)


class RetiredSlug(models.Model):
    """A term address that no longer names a live term: a 301 to `term`, or 410 Gone.

    Looked up only when no term has the slug, so a retired slug never shadows a live term.
    Pointing at the term (not at its next slug) collapses chains: A→B→C serves A→C.
    """

    slug = models.SlugField(max_length=220, unique=True)
    term = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.SET_NULL, related_name="retired_slugs"
    )
    title = models.CharField(max_length=200, help_text="The term's title when it moved or went.")
    retired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        target = self.term.slug if self.term_id else "gone"
        return f"{self.slug} → {target}"
