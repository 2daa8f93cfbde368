"""The glossary's content: terms and the categories they belong to."""

from __future__ import annotations

import datetime
import hashlib
import json
import unicodedata
import uuid
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from glossary import citations
from glossary.rendering import term_url

RELATED_ON_PAGE = 12
DIGITS_GROUP = "0-9"
OTHER_GROUP = "other"
LATIN_LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]
# Letters that a language files apart from their base letter, right after it ("ł" after
# "l" in Polish, "ñ" after "n" in Spanish); every other mark is folded ("Ä" with "A").
OWN_LETTERS: dict[str, str] = {"pl": "ąćęłńóśźż", "es": "ñ"}
_BASE_OF = {"ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z",
            "ż": "z", "ñ": "n"}  # fmt: skip
# Written after the base letter in the sort title: above every letter in binary order, so
# "łódź" sorts after every "l…" word and before "m", on SQLite and PostgreSQL alike.
OWN_LETTER_MARK = "~"
# ż after ź: the second own letter of a base letter takes two marks.
_MARKS = {"ż": OWN_LETTER_MARK * 2}
# The Arabic alphabet in its usual (hijāʾī) order, which is also its code point order;
# hamza forms of alif (أ إ آ) decompose to alif, so they file under "ا".
ARABIC_LETTERS = list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي")
LETTER_LABELS = {DIGITS_GROUP: "0–9", OTHER_GROUP: "#"}


def _alphabet(language: str) -> list[str]:
    if language == "ar":
        return ARABIC_LETTERS + LATIN_LETTERS
    letters = list(LATIN_LETTERS)
    for own in OWN_LETTERS.get(language, ""):
        letters.insert(letters.index(_BASE_OF[own]) + 1 + (own == "ż"), own)
    return letters


def letter_groups(language: str | None = None) -> list[str]:
    """The A–Z groups of a language's index, in its alphabet's order."""
    return [*_alphabet(language or settings.LANGUAGE_CODE), DIGITS_GROUP, OTHER_GROUP]


# The default language's groups (a–z, 0–9, other), for code that names no language.
LETTER_GROUPS: list[str] = [*LATIN_LETTERS, DIGITS_GROUP, OTHER_GROUP]


def alias_lines(aliases: str) -> list[str]:
    """A term's aliases, one per line as editors write them."""
    return [line.strip() for line in aliases.splitlines() if line.strip()]


def letter_label(group: str) -> str:
    return LETTER_LABELS.get(group, group.upper())


# Latin letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text).translate(_UNDECOMPOSED)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def sort_key(title: str, language: str | None = None) -> str:
    """Accent-free, case-free form of a title in its language's sort order: "Ångström"
    sorts with the A's; in Polish "Łódź" after every "L…" (see OWN_LETTER_MARK)."""
    if title.isascii():  # nothing to decompose: most titles, and every suggestion's words
        return title.casefold().strip()
    own = OWN_LETTERS.get(language or "", "")
    text = unicodedata.normalize("NFC", title).casefold().strip()
    if not own:
        return _fold(text)
    return "".join(
        _BASE_OF[c] + _MARKS.get(c, OWN_LETTER_MARK) if c in own else _fold(c) for c in text
    )


def letter_group(title: str, language: str | None = None) -> str:
    """The A–Z group a title is listed under in its language: a letter of the language's
    alphabet, "0-9" or "other"."""
    key = sort_key(title, language)
    first = key[:1]
    if OWN_LETTERS.get(language or "") and key[1:2] == OWN_LETTER_MARK:
        marks = len(key[1:]) - len(key[1:].lstrip(OWN_LETTER_MARK))
        for own in OWN_LETTERS[language]:
            if _BASE_OF[own] == first and len(_MARKS.get(own, OWN_LETTER_MARK)) == marks:
                return own
    if first in _alphabet(language or settings.LANGUAGE_CODE):
        return first
    if first.isdigit():
        return DIGITS_GROUP
    return OTHER_GROUP


class Category(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True)
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"),
        null=True,
        blank=True,
        help_text=_("How often its terms are medically reviewed; blank: every 12 months."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("glossary:category_detail", args=[self.slug])


def visible_sql(alias: str = "") -> str:
    """``TermQuerySet.published`` as a WHERE condition for plain SQL (a table alias such
    as ``t``, or none); its parameters come from ``visible_params``."""
    prefix = f"{alias}." if alias else ""
    return f"{prefix}status = %s AND {prefix}published_at <= %s"


def visible_params(now: datetime.datetime | None = None) -> list:
    """The parameters of ``visible_sql``, for the moment ``now`` (default: now)."""
    moment = connection.ops.adapt_datetimefield_value(now or timezone.now())
    return [Term.Status.PUBLISHED, moment]


class TermQuerySet(models.QuerySet):
    def published(self) -> TermQuerySet:
        """Terms a reader may see: published, with a publication time already past.

        The one visibility rule; ``visible_sql`` says the same for plain SQL."""
        return self.filter(status=Term.Status.PUBLISHED, published_at__lte=timezone.now())

    def name_rows(self) -> models.QuerySet:
        """(id, slug, title, aliases, language) rows by id: what the name index needs."""
        return self.order_by("pk").values_list("pk", "slug", "title", "aliases", "language")

    def in_language(self, language: str) -> TermQuerySet:
        """Terms written in this language (a code from settings.LANGUAGES)."""
        return self.filter(language=language)


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


def default_language() -> str:
    return settings.LANGUAGE_CODE


def language_position(language: str) -> int:
    """Where a language stands in settings.LANGUAGES (the order versions are listed in)."""
    codes = [code for code, _ in settings.LANGUAGES]
    return codes.index(language) if language in codes else len(codes)


class Term(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=220, help_text=_("Unique within the term's language.")
    )
    # Each version of a concept is an article of its own in one language; all versions of
    # one concept share `concept` (one per language). See docs/translations.md.
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=language_choices,
        default=default_language,
        db_index=True,
    )
    concept = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        verbose_name=_("translation of"),
        help_text=_("The article this one was translated from (same concept, another language)."),
    )
    # Freshness: the source's content_version this translation was made from; the source's
    # content_version grows whenever its text (title, aliases, summary, body, references)
    # changes, so a translation is outdated when the source's number is higher.
    source_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    content_version = models.PositiveIntegerField(default=1, editable=False)
    aliases = models.TextField(
        _("aliases"),
        blank=True,
        help_text=_("Other names and abbreviations, one per line (for example “BDNF”)."),
    )
    summary = models.TextField(
        _("summary"),
        help_text=_(
            "The lead definition in plain text: one to three sentences. "
            "Used as the page's lead, its meta description and in link previews."
        ),
    )
    body = MarkdownxField(
        _("body"),
        blank=True,
        help_text=_("Markdown. Each “## Heading” starts a section (for example “## Origin”)."),
    )
    sources = models.ManyToManyField(
        "Reference",
        through="TermReference",
        blank=True,
        related_name="listed_on",
        verbose_name=_("sources"),
        help_text=_("References listed on the term besides those its text cites with [@key]."),
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="terms", verbose_name=_("categories")
    )
    related_terms = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("related terms")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("published at"),
        default=timezone.now,
        help_text=_("A future time schedules the term: it becomes public on its own at that time."),
    )
    # The date of the medical review behind the public version: written by the editorial
    # workflow when a version is published (editorial.workflow), never by hand.
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True, editable=False)
    review_due = models.DateField(
        pgettext_lazy("the date a term's next review is due", "review due"),
        null=True,
        blank=True,
        editable=False,
        db_index=True,
    )
    # The number of its newest Publication (0: none), so a term outside the editorial
    # workflow costs its page no query for publications (glossary.publications).
    publication_number = models.PositiveIntegerField(default=0, editable=False)
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"),
        null=True,
        blank=True,
        help_text=_("How often this term is medically reviewed; blank: its categories' interval."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Derived at save time by glossary.changes; never edited by hand.
    sort_title = models.CharField(max_length=200, editable=False, db_index=True)
    letter = models.CharField(max_length=5, editable=False, db_index=True)
    body_html = models.TextField(editable=False, blank=True)
    references_html = models.TextField(editable=False, blank=True)
    # The sources its reference list shows, as plain data for its JSON-LD (no query to read).
    cited_sources = models.JSONField(editable=False, default=list, blank=True)
    toc = models.JSONField(editable=False, default=list, blank=True)
    linked_terms = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        editable=False,
        related_name="mentioned_by",
        verbose_name=_("linked terms"),
        help_text=_("Terms this term's body links to (kept in step by rendering)."),
    )

    # Optimistic locking: a new token on every save; a form based on an older one is stale.
    edit_token = models.UUIDField(default=uuid.uuid4, editable=False)
    # A new token whenever something else this term's page shows changes (a linked term's
    # summary, a related term's rank, a category's name, an article re-rendered by
    # relinking): with edit_token, the term page's version in the page cache (versions).
    page_token = models.UUIDField(default=uuid.uuid4, editable=False)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["sort_title", "pk"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        permissions = [
            ("upload_image", "Can upload images from the term editor"),
            ("publish_directly", "Can publish and unpublish terms outside the review workflow"),
        ]
        constraints = [
            models.UniqueConstraint(Lower("title"), "language", name="term_title_unique_ci"),
            models.UniqueConstraint(fields=["language", "slug"], name="term_language_slug_unique"),
            models.UniqueConstraint(
                fields=["concept", "language"], name="term_concept_language_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "published_at"], name="term_visibility_idx"),
            # Covering indexes: a letter page and "recently updated" are answered from the
            # index alone, without reading the (large) rows of terms that are not shown.
            models.Index(
                fields=["language", "letter", "sort_title", "status", "published_at"],
                name="term_lang_letter_visible_idx",
            ),
            models.Index(
                fields=["language", "-updated_at", "status", "published_at"],
                name="term_lang_recent_visible_idx",
            ),
            # Neighbours A–Z walk a language's titles in order.
            models.Index(fields=["language", "sort_title", "id"], name="term_lang_sort_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return term_url(self.slug, self.language)

    @property
    def is_outdated(self) -> bool:
        """A translation whose source's text changed after it was translated."""
        source = self.translation_of
        return (
            source is not None
            and self.source_version is not None
            and source.content_version > self.source_version
        )

    def versions(self) -> TermQuerySet:
        """Every version of this concept, this one included, in LANGUAGES order."""
        return Term.objects.filter(concept=self.concept)

    @property
    def alias_list(self) -> list[str]:
        return alias_lines(self.aliases)

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

    def get_related_url(self) -> str:
        with translation.override(self.language):
            return reverse("glossary:term_related", args=[self.slug])

    def related_ordered(self) -> TermQuerySet:
        """Published related terms, the most linked-to first (InboundLinks), then A–Z."""
        return (
            self.related_terms.published()
            .annotate(inbound=Coalesce(F("inbound_links__count"), 0))
            .order_by("-inbound", "sort_title", "pk")
            .only("title", "slug", "summary", "publication_number")
        )

    DERIVED_FIELDS = (
        "sort_title", "letter", "body_html", "references_html", "cited_sources", "toc",
        "updated_at", "edit_token", "concept", "content_version", "source_version",
    )  # fmt: skip
    # A change to any of these makes the translations made from this article outdated.
    TRANSLATED_FIELDS = ("title", "aliases", "summary", "body")

    def save(self, *args, **kwargs) -> None:
        """A partial save writes the derived fields too (glossary.changes fills them in)."""
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *self.DERIVED_FIELDS}
        super().save(*args, **kwargs)

    def content_hash(self) -> str:
        """A fingerprint of what a reader reads and a reviewer approves (the source text).

        A review and a publication remember it, so an edit since is seen by comparing."""
        sources = json.dumps(self.cited_sources, sort_keys=True)  # what the citations say
        parts = (self.title, self.aliases, self.summary, self.body, sources)
        return hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()

    def clean(self) -> None:
        """Titles and aliases name one term only in a language (case-insensitive), so links
        are unambiguous; a concept has one version per language."""
        super().clean()
        errors = name_clashes(self)
        for field_name, messages in translation_problems(self).items():
            errors.setdefault(field_name, []).extend(messages)
        if errors:
            raise ValidationError(errors)


def translation_problems(term: Term) -> dict[str, list[str]]:
    """Validation errors for a term's language and its place among its concept's versions."""
    errors: dict[str, list[str]] = {}
    if term.language not in dict(settings.LANGUAGES):
        errors["language"] = [
            gettext("“%(language)s” is not one of this site's languages.")
            % {"language": term.language}
        ]
        return errors
    source = term.translation_of
    if source is not None:
        if term.pk and source.pk == term.pk:
            errors["translation_of"] = [gettext("An article cannot be a translation of itself.")]
            return errors
        if source.language == term.language:
            errors["translation_of"] = [
                gettext(
                    "A translation is in another language than its source: choose another language."
                )
            ]
            return errors
    concept = source.concept if source is not None else term.concept
    twin = (
        Term.objects.filter(concept=concept, language=term.language)
        .exclude(pk=term.pk)
        .only("title", "slug", "language")
        .first()
    )
    if twin is not None:
        errors.setdefault("language", []).append(
            gettext(
                "This concept already has a version in this language: “%(title)s” "
                "(%(url)s). Edit that one instead."
            )
            % {"title": twin.title, "url": twin.get_absolute_url()}
        )
    return errors


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def name_clashes(term: Term) -> dict[str, list[str]]:
    """Validation errors by field for names this term shares with another term.

    Cross-links are made from names, so a name shared by two terms would link to
    whichever was indexed first; the editor is told which term already uses the name.
    """
    errors: dict[str, list[str]] = {}
    title_key = _name_key(term.title or "")
    own_aliases = [" ".join(line.split()) for line in (term.aliases or "").splitlines()]
    own_aliases = [alias for alias in own_aliases if alias]
    names = {title_key} | {_name_key(alias) for alias in own_aliases}
    names.discard("")
    if not names:
        return errors

    same_language = Term.objects.filter(language=term.language or default_language())
    others = same_language.exclude(pk=term.pk) if term.pk else same_language
    # Narrow in the database (lower() title match, or the name somewhere in the aliases),
    # then decide exactly in Python, line by line.
    lowered = {name.lower() for name in names}
    candidates = others.annotate(title_lower=Lower("title")).filter(
        Q(title_lower__in=lowered) | reduce(or_, (Q(aliases__icontains=n) for n in lowered))
    )
    by_title: dict[str, Term] = {}
    by_alias: dict[str, Term] = {}
    for other in candidates.only("pk", "title", "aliases", "slug")[:200]:
        by_title.setdefault(_name_key(other.title), other)
        for line in other.aliases.splitlines():
            if line.strip():
                by_alias.setdefault(_name_key(line), other)

    def describe(other: Term, how: str) -> str:
        template = (
            gettext("“%(title)s” (%(url)s) already uses this name as its title")
            if how == "title"
            else gettext("“%(title)s” (%(url)s) already uses this name as its alias")
        )
        return template % {"title": other.title, "url": other.get_absolute_url()}

    if title_key in by_title:
        errors.setdefault("title", []).append(
            gettext(
                "A term with this title already exists: %(other)s. Edit that term instead, "
                "or choose a more specific title."
            )
            % {"other": describe(by_title[title_key], "title")}
        )
    elif title_key in by_alias:
        errors.setdefault("title", []).append(
            gettext("This title is taken: %(other)s.")
            % {"other": describe(by_alias[title_key], "alias")}
        )

    seen: set[str] = set()
    for alias in own_aliases:
        key = _name_key(alias)
        if key in seen:
            errors.setdefault("aliases", []).append(
                gettext("The alias “%(alias)s” is listed twice.") % {"alias": alias}
            )
            continue
        seen.add(key)
        if key == title_key:
            errors.setdefault("aliases", []).append(
                gettext("The alias “%(alias)s” is the same as this term's title; remove it.")
                % {"alias": alias}
            )
        elif key in by_title:
            errors.setdefault("aliases", []).append(
                gettext("The alias “%(alias)s” is taken: %(other)s.")
                % {"alias": alias, "other": describe(by_title[key], "title")}
            )
        elif key in by_alias:
            errors.setdefault("aliases", []).append(
                gettext("The alias “%(alias)s” is taken: %(other)s.")
                % {"alias": alias, "other": describe(by_alias[key], "alias")}
            )
    return errors


class Reference(models.Model):
    """One source in the library that every term can cite with `[@key]` (docs/citations.md).

    Shared: a paper cited by ten terms is entered, corrected and graded once, and every
    term citing it shows the correction (`glossary.references.reference_changed`).
    """

    key = models.CharField(
        _("citation key"),
        max_length=80,
        unique=True,
        validators=[citations.validate_key],
        help_text=_("Cite it in a term's text as [@key], for example [@pedersen2012]."),
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=citations.KIND_CHOICES, default=citations.KIND_ARTICLE
    )
    text = models.TextField(
        _("free text"),
        blank=True,
        help_text=_(
            "An unstructured reference as first written (markdown). Kept as it is "
            "until the fields below are filled in and the type is changed."
        ),
    )
    authors = models.TextField(
        _("authors"),
        blank=True,
        help_text=_("One per line, surname then initials (“Pedersen BK”), or an organisation."),
    )
    title = models.CharField(_("title"), max_length=500, blank=True)
    container = models.CharField(_("journal, book publisher or site"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    volume = models.CharField(_("volume"), max_length=20, blank=True)
    issue = models.CharField(_("issue"), max_length=20, blank=True)
    pages = models.CharField(_("pages"), max_length=40, blank=True)
    doi = models.CharField(
        _("DOI"),
        max_length=200,
        blank=True,
        validators=[citations.validate_doi],
        help_text=_("For example 10.1038/nrendo.2012.49 (a doi.org address is accepted)."),
    )
    pmid = models.CharField(
        _("PMID"), max_length=12, blank=True, validators=[citations.validate_pmid]
    )
    url = models.URLField(_("address"), max_length=1000, blank=True)
    accessed = models.DateField(_("accessed on"), null=True, blank=True)
    evidence = models.CharField(
        _("evidence level"), max_length=20, choices=citations.EVIDENCE_CHOICES, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("reference")
        verbose_name_plural = _("references")

    def __str__(self) -> str:
        return f"{self.key}: {(self.title or self.text)[:80]}"

    def clean(self) -> None:
        super().clean()
        self.doi = citations.normalize_doi(self.doi)
        self.pmid = self.pmid.strip()
        if self.kind == citations.KIND_UNSTRUCTURED and not self.text.strip():
            raise ValidationError({"text": _("An unstructured reference needs its free text.")})
        if self.kind != citations.KIND_UNSTRUCTURED and not self.title.strip():
            raise ValidationError({"title": _("A structured reference needs a title.")})

    def as_source(self) -> citations.Source:
        return citations.Source(
            key=self.key,
            kind=self.kind,
            text=self.text,
            authors=tuple(line.strip() for line in self.authors.splitlines() if line.strip()),
            title=self.title,
            container=self.container,
            year=self.year,
            volume=self.volume,
            issue=self.issue,
            pages=self.pages,
            doi=self.doi,
            pmid=self.pmid,
            url=self.url,
            accessed=self.accessed,
            evidence=self.evidence,
        )


class TermReference(models.Model):
    """A reference listed on a term, in the order the editor gave (migrated free text)."""

    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="listed_references", verbose_name=_("term")
    )
    reference = models.ForeignKey(
        Reference, on_delete=models.PROTECT, related_name="+", verbose_name=_("reference")
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("term reference")
        verbose_name_plural = _("term references")
        constraints = [
            models.UniqueConstraint(fields=["term", "reference"], name="termreference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.term_id} lists {self.reference_id}"


class RetiredSlug(models.Model):
    """A term address that no longer names a live term: a 301 to `term`, or 410 Gone.

    Looked up only when no term has the slug, so a retired slug never shadows a live term.
    Pointing at the term (not at its next slug) collapses chains: A→B→C serves A→C.
    """

    slug = models.SlugField(_("slug"), max_length=220)
    language = models.CharField(
        _("language"), max_length=10, choices=language_choices, default=default_language
    )
    term = models.ForeignKey(
        Term,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retired_slugs",
        verbose_name=_("term"),
    )
    title = models.CharField(
        _("title"), max_length=200, help_text=_("The term's title when it moved or went.")
    )
    retired_at = models.DateTimeField(_("retired at"), default=timezone.now)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("retired slug")
        verbose_name_plural = _("retired slugs")
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="retiredslug_language_slug")
        ]

    def __str__(self) -> str:
        target = self.term.slug if self.term_id else "gone"
        return f"{self.slug} → {target}"


class InboundLinks(models.Model):
    """How many articles link to a term: what "most linked-to first" sorts related terms by.

    Counting the link table per related term at read time cost the seed article's page
    6 ms at 50,000 terms (618 related terms, 59,000 links to them). glossary.relinking,
    the only writer of links, keeps this count with the links it writes; a term nobody
    links to has no row.
    """

    term = models.OneToOneField(
        Term, on_delete=models.CASCADE, primary_key=True, related_name="inbound_links"
    )
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("inbound links")
        verbose_name_plural = _("inbound links")

    def __str__(self) -> str:
        return f"{self.term_id}: {self.count}"


class NameChange(models.Model):
    """The log behind the `glossary.names` stamp: whose names changed at which number.

    A process whose name index is a few numbers behind lays these terms over it instead
    of rebuilding it; `term_id` None means many terms changed at once (rebuild).
    """

    stamp = models.BigIntegerField(db_index=True)
    term_id = models.BigIntegerField(null=True)  # not a foreign key: the term may be gone

    KEEP = 5000

    class Meta:
        verbose_name = _("name change")
        verbose_name_plural = _("name changes")

    def __str__(self) -> str:
        return f"{self.stamp}: {self.term_id or 'many terms'}"

    @classmethod
    def record(cls, stamp: int, term_ids: list[int] | None) -> None:
        rows = [cls(stamp=stamp, term_id=pk) for pk in term_ids] if term_ids else []
        cls.objects.bulk_create(rows or [cls(stamp=stamp, term_id=None)])
        if stamp % 1000 == 0:
            cls.objects.filter(stamp__lt=stamp - cls.KEEP).delete()


class TermViews(models.Model):
    """How many times a term's page was read on a day, by visitors who allowed analytics.

    Written only by `glossary.pageviews.flush` (one upsert per term and day), never by the
    page request itself.
    """

    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="+", verbose_name=_("term")
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("page views")
        verbose_name_plural = _("page views")
        constraints = [
            models.UniqueConstraint(fields=["term", "day"], name="termviews_term_day_unique")
        ]
        indexes = [models.Index(fields=["day", "term"], name="termviews_day_term")]

    def __str__(self) -> str:
        return f"{self.term_id} on {self.day}: {self.count}"


def _https_only(url: str) -> None:
    if not url.lower().startswith("https://"):
        raise ValidationError(gettext("Use an https:// address."))


class PartnerSlot(models.Model):
    """The newsletter/partner box on term pages, shown only to visitors who allow marketing.

    The newest enabled slot is shown (`glossary.marketing`); ``text`` is markdown, rendered
    through the sanitizer.
    """

    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"), blank=True, help_text=_("Markdown: emphasis, links, lists."))
    link_url = models.URLField(
        _("link address"),
        max_length=500,
        validators=[_https_only],
        help_text=_("https:// only."),
    )
    # The default is stored text readers see, in the slot's own language: not translated.
    link_label = models.CharField(_("link label"), max_length=80, default="Find out more")
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("partner slot")
        verbose_name_plural = _("partner slots")

    def __str__(self) -> str:
        return self.title


class PublicationQuerySet(models.QuerySet):
    def public(self) -> PublicationQuerySet:
        """Publications readers may see: their time has come (a scheduled one has not)."""
        return self.filter(published_at__lte=timezone.now())


class Publication(models.Model):
    """One published version of a term, as readers saw it: numbered 1, 2, 3… per term.

    Written by the editorial workflow (``editorial.workflow.publish``), never edited. The
    term page serves the newest one when the live row holds changes not yet reviewed and
    published (``glossary.publications``); ``/glossary/<slug>/v/<number>/`` shows each.
    The review is copied in as it was (names and credentials at that time), so a later
    change of a profile never rewrites what a reader was told.
    """

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="publications")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    source_hash = models.CharField(max_length=64)  # Term.content_hash() of the version
    title = models.CharField(max_length=200)
    summary = models.TextField()
    body_html = models.TextField(blank=True)
    references_html = models.TextField(blank=True)
    toc = models.JSONField(default=list, blank=True)
    # What its references list shows, as Term.cited_sources: the JSON-LD's citations.
    cited_sources = models.JSONField(default=list, blank=True)
    # [{"name", "credentials", "job_title", "path"}]: the term's authors at the time.
    authors = models.JSONField(default=list, blank=True)
    reviewer_name = models.CharField(max_length=200, blank=True)
    reviewer_credentials = models.CharField(max_length=100, blank=True)
    reviewer_job_title = models.CharField(max_length=200, blank=True)
    reviewer_path = models.CharField(max_length=300, blank=True)  # the profile's address
    reviewed_on = models.DateField(null=True, blank=True)
    non_medical = models.BooleanField(
        _("non medical"),
        default=False,
        help_text=_("Published without a new medical review (a typo, a link)."),
    )
    non_medical_reason = models.CharField(max_length=500, blank=True)
    note = models.CharField(
        _("changelog note"), max_length=300, blank=True, help_text=_("Shown to readers.")
    )

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["term", "-number"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        constraints = [
            models.UniqueConstraint(fields=["term", "number"], name="publication_term_number")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    def get_absolute_url(self) -> str:
        """The permanent address, in the term's language (each language's article has
        its own publications)."""
        with translation.override(self.term.language):
            return reverse("glossary:term_version", args=[self.term.slug, self.number])

    @property
    def reviewed(self) -> bool:
        return bool(self.reviewer_name and self.reviewed_on)
