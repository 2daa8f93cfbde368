"""The editors' workplace: writing, reviewing and publishing terms in the Django admin.

Every save (including bulk actions, reverts and recoveries) is recorded by
django-reversion; a form based on an outdated version of a term is refused, with the
changes made in between shown to the editor (optimistic locking). The term's edit token
is compared while its row is locked, in the transaction that then writes it, so of two
saves based on the same version only one is written (docs/editing.md).
"""

from __future__ import annotations

import contextlib

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext, pgettext_lazy
from markdownx.widgets import AdminMarkdownxWidget
from reversion.admin import VersionAdmin
from reversion.models import Version

from glossary import changes, history, links, lookup, references, translations
from glossary.models import (
    Category,
    Reference,
    RetiredSlug,
    Term,
    TermReference,
    letter_groups,
    letter_label,
    name_clashes,
)


def gettext_with_site(message: str) -> str:
    """``message`` translated, with the site's name for ``%(site)s``."""
    return gettext(message) % {"site": settings.SITE_NAME}


# Lazy, so each request reads them in the admin's language (the staff member's browser).
admin.site.site_header = lazy(gettext_with_site, str)(gettext_noop("%(site)s: editors"))
admin.site.site_title = lazy(gettext_with_site, str)(gettext_noop("%(site)s admin"))
admin.site.index_title = gettext_lazy("Write, review and publish")


def locked_term(pk: int) -> Term | None:
    """The term as stored now, its row locked until the transaction ends.

    A token compared outside the transaction that saves could be outdated by another
    save landing in between; on PostgreSQL the lock makes a second save wait here and
    then read the first one's token (SQLite's immediate transactions already hold the
    database's write lock).
    """
    if not transaction.get_connection(router.db_for_write(Term)).in_atomic_block:
        raise transaction.TransactionManagementError(
            "A term's edit token is checked in the same transaction as the save that follows."
        )
    return Term.objects.select_for_update().filter(pk=pk).first()


class TermForm(forms.ModelForm):
    # Set on a revert's form: the token of the term before the old version was written
    # back (the row then holds that version's token), which the editor's form is based on.
    revert_base_token: str | None = None
    base_token = forms.CharField(widget=forms.HiddenInput, required=False)
    change_comment = forms.CharField(
        required=False,
        max_length=500,
        label=gettext_lazy("Change note"),
        help_text=gettext_lazy("Optional: what you changed and why (shown in the term's history)."),
        widget=forms.TextInput(attrs={"size": 80}),
    )
    translation_up_to_date = forms.BooleanField(
        required=False,
        label=gettext_lazy("Up to date with its source"),
        help_text=gettext_lazy(
            "Tick when this translation says what its source says now: the source's later "
            "changes mark it outdated again."
        ),
    )

    class Meta:
        model = Term
        fields = [
            "title", "slug", "language", "translation_of", "aliases", "summary", "body",
            "categories", "related_terms", "status", "published_at", "review_interval_months",
        ]  # fmt: skip
        widgets = {
            "body": AdminMarkdownxWidget(attrs={"rows": 24}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "aliases": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.conflict: dict | None = None
        if self.instance.pk:
            self.fields["base_token"].initial = self.revert_base_token or str(
                self.instance.edit_token
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk and not self.instance._state.adding:
            self._refuse_stale_form(cleaned.get("base_token") or "")
        return cleaned

    def _refuse_stale_form(self, token: str) -> None:
        current = locked_term(self.instance.pk)
        if current is None:
            raise ValidationError(gettext("This term was deleted while you were editing it."))
        if token == (self.revert_base_token or str(current.edit_token)):
            return
        base = history.version_with_token(current, token) if token else None
        changes = (
            history.compare(history.version_fields(base), history.term_fields(current))
            if base
            else []
        )
        editors = history.editors_since(current, base)
        self.conflict = {
            "changes": changes,
            "editors": editors,
            "base_known": base is not None,
            "updated_at": current.updated_at,
        }
        # Saving again on purpose (after reading what changed) replaces the other version.
        self.data = self.data.copy()
        self.data[self.add_prefix("base_token")] = str(current.edit_token)
        who = ", ".join(editors) or gettext("someone else")
        changed = ", ".join(str(change.label) for change in changes) or gettext("the saved version")
        raise ValidationError(
            gettext(
                "Not saved: %(who)s saved this term while you were editing it (at %(when)s). "
                "Changed in between: %(changed)s. Your text is still in the form below; "
                "compare it with their changes (listed above the form), merge what you need, "
                "and save again: saving again replaces their version with yours."
            )
            % {
                "who": who,
                "when": date_format(timezone.localtime(current.updated_at), "DATETIME_FORMAT"),
                "changed": changed,
            },
            code="stale",
        )


class StatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("public", gettext("Published")),
            ("scheduled", gettext("Scheduled")),
            ("draft", gettext("Draft")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        published = Q(status=Term.Status.PUBLISHED)
        if self.value() == "public":
            return queryset.filter(published, published_at__lte=now)
        if self.value() == "scheduled":
            return queryset.filter(published, published_at__gt=now)
        if self.value() == "draft":
            return queryset.filter(status=Term.Status.DRAFT)
        return queryset


class LetterFilter(admin.SimpleListFilter):
    title = gettext_lazy("first letter")
    parameter_name = "letter"

    def lookups(self, request, model_admin):
        groups = dict.fromkeys(g for code, _ in settings.LANGUAGES for g in letter_groups(code))
        return [(group, letter_label(group)) for group in groups]

    def queryset(self, request, queryset):
        return queryset.filter(letter=self.value()) if self.value() else queryset


class NeedsReviewFilter(admin.SimpleListFilter):
    title = gettext_lazy("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", gettext("Needs review")), ("ok", gettext("Review not due"))]

    def queryset(self, request, queryset):
        due = Q(review_due__isnull=True) | Q(review_due__lte=timezone.localdate())
        if self.value() == "due":
            return queryset.filter(due)
        if self.value() == "ok":
            return queryset.exclude(due)
        return queryset


@admin.register(Category)
class CategoryAdmin(VersionAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}


REFERENCE_SOURCE_FIELDS = [
    "authors", "title", "container", "year", "volume", "issue", "pages", "doi", "pmid", "url",
    "accessed",
]  # fmt: skip


@admin.register(Reference)
class ReferenceAdmin(VersionAdmin):
    """The library of sources every term cites with [@key] (docs/citations.md)."""

    list_display = ["key", "kind", "title_or_text", "year", "evidence", "doi", "pmid"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["kind", "evidence"]
    search_fields = ["key", "title", "text", "authors", "doi", "pmid"]
    fieldsets = [
        (None, {"fields": ["key", "kind", "evidence"]}),
        (
            pgettext_lazy("a reference's bibliographic details", "Source"),
            {"fields": REFERENCE_SOURCE_FIELDS},
        ),
        (gettext_lazy("Unstructured"), {"fields": ["text"], "classes": ["collapse"]}),
    ]

    actions = ["fill_in_missing"]

    @admin.display(description=gettext_lazy("Title"), ordering="title")
    def title_or_text(self, reference: Reference) -> str:
        return (reference.title or reference.text)[:100]

    @admin.action(
        description=gettext_lazy("Fill in missing details from Crossref (DOI) or PubMed (PMID)"),
        permissions=["change"],
    )
    def fill_in_missing(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Only empty fields are filled; each reference is saved (and its terms rendered)."""
        if not settings.CITATION_LOOKUP:
            self.message_user(
                request,
                gettext(
                    "Metadata lookup is off: set CITATION_LOOKUP=1 to fill references in from "
                    "Crossref or PubMed. Nothing was changed."
                ),
                messages.WARNING,
            )
            return
        for reference in queryset.order_by("key")[:50]:  # a few seconds each, at most
            try:
                filled = lookup.fill_missing(reference)
            except lookup.LookupFailed as error:
                self.message_user(
                    request,
                    gettext("%(key)s: not filled in: %(error)s.")
                    % {"key": reference.key, "error": error},
                    messages.WARNING,
                )
                continue
            try:
                reference.full_clean()
            except ValidationError as error:
                self.message_user(
                    request,
                    gettext("%(key)s: not filled in: the answer does not fit (%(error)s).")
                    % {"key": reference.key, "error": " ".join(error.messages)},
                    messages.WARNING,
                )
                continue
            if filled:
                with reversion.create_revision():
                    reversion.set_user(request.user)
                    reversion.set_comment(f"Filled in from lookup: {', '.join(filled)}.")
                    reference.save()
            self.message_user(
                request,
                gettext("%(key)s: filled in %(fields)s.")
                % {"key": reference.key, "fields": ", ".join(filled) or gettext("nothing")},
            )


class TermReferenceInline(admin.TabularInline):
    model = TermReference
    extra = 0
    autocomplete_fields = ["reference"]
    verbose_name = gettext_lazy("listed reference")
    verbose_name_plural = gettext_lazy(
        "Listed references (shown after the ones the text cites with [@key]; "
        "free-text references from before the library are kept here)"
    )


@admin.register(Term)
class TermAdmin(VersionAdmin):
    form = TermForm
    inlines = [TermReferenceInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "aliases", "summary"]}),
        (
            gettext_lazy("Language and translations"),
            {"fields": ["language", "translation_of", "translation_up_to_date", "translations"]},
        ),
        (gettext_lazy("Article"), {"fields": ["body"]}),
        (gettext_lazy("Connections"), {"fields": ["categories", "related_terms"]}),
        (
            gettext_lazy("Publishing"),
            {
                "fields": [
                    "status",
                    "published_at",
                    "public_page",
                    "last_reviewed",
                    "review_due",
                    "review_interval_months",
                ],
                "description": gettext_lazy(
                    "A draft is visible to staff only. A published term with a "
                    "future publication time appears on the site on its own at that time. "
                    "Medical review and publication go through the editorial workflow (below); "
                    "only editors who may publish directly change the status here."
                ),
            },
        ),
        (gettext_lazy("Save"), {"fields": ["change_comment", "base_token"]}),
    ]
    readonly_fields = ["public_page", "last_reviewed", "review_due", "translations"]
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ["categories", "related_terms", "translation_of"]
    search_fields = ["title", "aliases", "body"]
    list_display = [
        "title_column", "state", "published_at", "updated_at", "last_reviewed", "view", "language",
    ]  # fmt: skip
    list_display_links = ["title_column"]
    list_filter = [StatusFilter, "language", "categories", LetterFilter, NeedsReviewFilter]
    show_facets = admin.ShowFacets.ALWAYS
    list_per_page = 50
    ordering = ["sort_title", "pk"]
    actions = ["publish", "unpublish"]
    history_latest_first = True

    # --- list -------------------------------------------------------------------

    @admin.display(description=gettext_lazy("Title"), ordering="sort_title")
    def title_column(self, term: Term) -> str:
        return term.title

    @admin.display(description=gettext_lazy("Status"), ordering="status")
    def state(self, term: Term) -> str:
        if term.is_scheduled:
            return gettext("Scheduled")
        return term.get_status_display()

    @admin.display(description=gettext_lazy("On the site"))
    def view(self, term: Term) -> str:
        label = gettext("View") if term.is_public else gettext("Preview")
        return format_html('<a href="{}">{}</a>', term.get_absolute_url(), label)

    @admin.display(description=gettext_lazy("Public page"))
    def public_page(self, term: Term) -> str:
        if not term.pk:
            return gettext("Save the term to preview it.")
        if term.is_public:
            return format_html(
                '<a href="{0}">{0}</a> ({1})', term.get_absolute_url(), gettext("public")
            )
        note = (
            gettext("scheduled, not public yet")
            if term.is_scheduled
            else gettext("draft, visible to staff only")
        )
        return format_html('<a href="{0}">{0}</a> ({1})', term.get_absolute_url(), note)

    @admin.display(description=gettext_lazy("Versions"))
    def translations(self, term: Term) -> str:
        """The concept's versions side by side, and where to start a missing one."""
        if not term.pk:
            return gettext("Save the term first; then its translations are listed here.")
        rows = format_html_join(
            "",
            '<tr{}><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
            '<td><a href="{}">{}</a></td></tr>',
            (
                (
                    ' aria-current="true"' if version.is_current else "",
                    version.language_name,
                    reverse("admin:glossary_term_change", args=[version.term.pk]),
                    version.term.title,
                    gettext("Scheduled")
                    if version.term.is_scheduled
                    else version.term.get_status_display(),
                    gettext("Source")
                    if version.is_source
                    else (gettext("Outdated") if version.outdated else gettext("Up to date")),
                    version.term.get_absolute_url(),
                    gettext("View") if version.term.is_public else gettext("Preview"),
                )
                for version in translations.versions_of(term)
            ),
        )
        start = ""
        if translations.missing_languages(term):
            start = format_html(
                '<p><a class="button" href="{}">{}</a></p>',
                reverse("admin:glossary_term_translate", args=[term.pk]),
                gettext("Start a translation…"),
            )
        return format_html(
            '<table class="term-translations"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>{}',
            gettext("Language"),
            gettext("Title"),
            gettext("Status"),
            gettext("Translation"),
            gettext("On the site"),
            rows,
            start,
        )

    def get_search_fields(self, request):
        # The autocomplete widgets search names only: matching every body of 50,000
        # terms on each keystroke would be slow, and a name is what editors type there.
        if request.path.endswith("/autocomplete/"):
            return ["title", "aliases"]
        return super().get_search_fields(request)

    def changelist_view(self, request, extra_context=None):
        # Not wrapped in one revision (as VersionAdmin does): a bulk action records one
        # revision per term, so reverting one term never reverts the others.
        context = {"has_change_permission": self.has_change_permission(request)}
        context.update(extra_context or {})
        return admin.ModelAdmin.changelist_view(self, request, context)

    # --- bulk actions ---------------------------------------------------------

    def _bulk(self, request: HttpRequest, queryset: QuerySet, comment: str, change) -> int:
        count = 0
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            with reversion.create_revision():
                # Read again under the row lock: an editor's save since the list was read
                # is kept, not overwritten with the row as it was before.
                term = locked_term(pk)
                if term is None:
                    continue  # deleted meanwhile
                reversion.set_user(request.user)
                reversion.set_comment(comment)
                change(term)
                term.save()
            count += 1
        return count

    # Publishing outside the workflow (the Editors group): the status field and the bulk
    # actions. Writers, reviewers and publishers go through editorial.workflow instead.
    DIRECT_PUBLISHING = "glossary.publish_directly"

    def has_publish_directly_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(self.DIRECT_PUBLISHING)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_directly_permission(request):
            fields += ["status", "published_at"]
        return fields

    @admin.action(
        description=gettext_lazy("Publish selected terms"), permissions=["publish_directly"]
    )
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        def change(term: Term) -> None:
            term.status = Term.Status.PUBLISHED

        count = self._bulk(request, queryset, "Published (bulk action).", change)
        scheduled = queryset.filter(published_at__gt=timezone.now()).count()
        message = ngettext("Published %(count)d term.", "Published %(count)d terms.", count) % {
            "count": count
        }
        if scheduled:
            message += " " + ngettext(
                "%(count)d of them has a future publication time and appears then.",
                "%(count)d of them have a future publication time and appear then.",
                scheduled,
            ) % {"count": scheduled}
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Unpublish selected terms (back to draft)"),
        permissions=["publish_directly"],
    )
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        def change(term: Term) -> None:
            term.status = Term.Status.DRAFT

        count = self._bulk(request, queryset, "Unpublished (bulk action).", change)
        self.message_user(
            request,
            ngettext("Moved %(count)d term to draft.", "Moved %(count)d terms to draft.", count)
            % {"count": count},
        )

    # --- saving -----------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        request._glossary_change_comment = form.cleaned_data.get("change_comment", "").strip()
        if form.cleaned_data.get("translation_up_to_date"):
            changes.mark_translated(obj)
        state = getattr(request, "_glossary_state_before_revert", None)
        if state is not None:
            obj._state_before_revert = state
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for broken in links.broken_internal_links(form.instance):
            messages.warning(
                request,
                gettext(
                    "Check the link to %(href)s: %(reason)s. The term was saved; readers "
                    "following this link will not reach a live term."
                )
                % {"href": broken.href, "reason": broken.reason},
            )
        for warning in references.citation_warnings(form.instance.body):
            messages.warning(
                request, gettext("%(warning)s The term was saved.") % {"warning": warning}
            )

    def _comment(self, request, entry) -> None:
        note = getattr(request, "_glossary_change_comment", "")
        if note and reversion.is_active():
            reversion.set_comment(f"{note} ({entry.get_change_message()})")

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._comment(request, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._comment(request, entry)
        return entry

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        revert_base = getattr(request, "_glossary_revert_base_token", None)
        if revert_base is None:
            return form
        return type(form.__name__, (form,), {"revert_base_token": revert_base})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["conflict"] = getattr(context["adminform"].form, "conflict", None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- history ----------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/<int:version_id>/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            path(
                "<path:object_id>/translate/",
                self.admin_site.admin_view(self.translate_view),
                name="{}_{}_translate".format(*info),
            ),
            *super().get_urls(),
        ]

    def translate_view(self, request, object_id: str) -> HttpResponse:
        """Start a translation: a draft in the chosen language, prefilled from the source."""
        term = self._term_or_404(request, object_id, change=True)
        if not self.has_add_permission(request):
            raise PermissionDenied
        missing = translations.missing_languages(term)
        if request.method == "POST":
            language = request.POST.get("language", "")
            try:
                draft = translations.start_translation(term, language)
            except translations.TranslationRefused as error:
                messages.error(request, str(error))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    gettext(
                        "A draft translation was started from “%(title)s”. Translate the "
                        "title, address, aliases and text, then publish it."
                    )
                    % {"title": term.title},
                )
                return HttpResponseRedirect(reverse("admin:glossary_term_change", args=[draft.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": term,
            "title": gettext("Translate “%(title)s”") % {"title": term.title},
            "languages": missing,
        }
        return TemplateResponse(request, "admin/glossary/term/translate.html", context)

    def _term_or_404(self, request, object_id: str, *, change: bool) -> Term:
        """The term behind an id in a history URL: permission first, then a 404 for junk."""
        allowed = (
            self.has_change_permission(request)
            if change
            else self.has_view_or_change_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        pk = unquote(object_id)
        if not pk.isdigit():
            raise Http404(gettext("No such term"))
        return get_object_or_404(Term, pk=int(pk))

    def history_view(self, request, object_id, extra_context=None):
        self._term_or_404(request, object_id, change=False)
        return super().history_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        term = self._term_or_404(request, object_id, change=True)
        object_id = str(term.pk)
        get_object_or_404(Version.objects.get_for_object(term), pk=version_id)
        conflict = self._revert_conflict(object_id, version_id)
        if conflict:
            messages.error(request, conflict)
            return self._history_redirect(term)
        # One transaction from the token check to the revision (reversion's own is nested).
        with transaction.atomic(using=router.db_for_write(Term)):
            current = locked_term(term.pk)
            if current is None:
                raise Http404(gettext("No such term"))
            if request.method == "POST":
                stale = history.stale_revert(current, request.POST.get("base_token", ""))
                if stale:
                    messages.error(request, stale)
                    return self._history_redirect(term)
            # The form is based on the term as it is now, not on the version written back.
            request._glossary_revert_base_token = str(current.edit_token)
            # The revert writes the old row before the form is saved; Term.save() needs the
            # state before it to leave a redirect for a changed slug and relink mentions.
            request._glossary_state_before_revert = changes.state_of(term.pk)
            return super().revision_view(request, object_id, version_id, extra_context)

    def _history_redirect(self, term: Term) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[term.pk])
        )

    def _reversion_revisionform_view(self, request, version, template_name, extra_context=None):
        """Restore this term's version alone, never others stored in the same revision.

        django-reversion reverts a whole revision; revisions recorded before the write
        path kept other articles out of them may hold several terms.
        """
        with _only_this_version(version):
            return super()._reversion_revisionform_view(
                request, version, template_name, extra_context
            )

    @staticmethod
    def _revert_conflict(object_id: str, version_id: int) -> str:
        """Why this version cannot be restored as it is (its names are now another term's)."""
        version = Version.objects.filter(
            pk=version_id, object_id=unquote(object_id), content_type__model="term"
        ).first()
        if version is None:
            return ""
        fields = version.field_dict
        language = fields.get("language") or settings.LANGUAGE_CODE
        candidate = Term(
            pk=unquote(object_id),
            title=fields.get("title", ""),
            aliases=fields.get("aliases", ""),
            language=language,
        )
        problems = [problem for found in name_clashes(candidate).values() for problem in found]
        slug = fields.get("slug", "")
        taken = (
            Term.objects.exclude(pk=unquote(object_id)).filter(slug=slug, language=language).first()
        )
        if taken:
            problems.append(
                gettext("Its address /glossary/%(slug)s/ now belongs to “%(title)s”.")
                % {"slug": slug, "title": taken.title}
            )
        if not problems:
            return ""
        return (
            gettext("This version cannot be restored as it is:")
            + " "
            + " ".join(str(problem) for problem in problems)
            + " "
            + gettext(
                "Rename the other term first, or copy what you need from “Compare with current”."
            )
        )

    def compare_view(self, request, object_id: str, version_id: int) -> HttpResponse:
        """One stored version beside the term as it is now: changed fields and line diffs."""
        term = self._term_or_404(request, object_id, change=False)
        version = get_object_or_404(
            Version.objects.get_for_object(term).select_related("revision__user"), pk=version_id
        )
        changes = history.compare(history.version_fields(version), history.term_fields(term))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": term,
            "object_id": term.pk,
            "title": gettext("Changes since %(date)s")
            % {"date": date_format(version.revision.date_created, "DATETIME_FORMAT")},
            "version": version,
            "changes": changes,
            "revert_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_revision",
                args=[term.pk, version.pk],
            ),
        }
        return TemplateResponse(request, "admin/glossary/term/compare.html", context)

    object_history_template = "admin/glossary/term/object_history.html"

    class Media:
        css = {"all": ["css/admin.css"]}
        js = ["js/editor.js"]


@contextlib.contextmanager
def _only_this_version(version: Version):
    """While reverting, the version's revision restores that one version only."""
    revision = version.revision
    original = revision.revert

    def revert_one(delete: bool = False) -> None:
        version.revert()

    revision.revert = revert_one
    try:
        yield
    finally:
        revision.revert = original


@admin.register(RetiredSlug)
class RetiredSlugAdmin(admin.ModelAdmin):
    list_display = ["slug", "target", "title", "retired_at"]
    search_fields = ["slug", "title"]
    list_select_related = ["term"]
    readonly_fields = ["slug", "term", "title", "retired_at"]

    @admin.display(description=gettext_lazy("Now"))
    def target(self, retired: RetiredSlug) -> str:
        return retired.term.slug if retired.term_id else gettext("410 Gone")

    def has_add_permission(self, request):
        return False


# Admin pages kept in modules of their own register themselves when imported.
from glossary import admin_marketing, admin_stats  # noqa: E402, F401
