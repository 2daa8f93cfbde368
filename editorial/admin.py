"""The editorial workflow in the admin: people, authors on the term form, the workflow
panel on each term's change page, the queues, and the review-due dashboard.

The steps themselves are ``editorial.workflow``'s functions; the views here read the
form, call one, and show its message. A step the user may not take is 403; a step not
possible from the term's state comes back as a message on the term's page.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from editorial import due, workflow
from editorial.models import (
    Authorship,
    EditorialPolicy,
    Person,
    Review,
    ReviewDueTerm,
    State,
    TermWorkflow,
)
from glossary.models import Term
from glossary.uploads import UploadRejected, store_image


class PersonForm(forms.ModelForm):
    photo_upload = forms.ImageField(
        label=gettext_lazy("Photo"),
        required=False,
        help_text=gettext_lazy("JPEG, PNG, WebP or GIF; stored re-encoded, without its metadata."),
    )
    remove_photo = forms.BooleanField(label=gettext_lazy("Remove the photo"), required=False)
    # Wider than the stored iD: the https://orcid.org/… address is accepted and shortened.
    orcid = forms.CharField(
        label=gettext_lazy("ORCID iD"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("For example 0000-0002-1825-0097 (or its orcid.org address)."),
    )
    website = forms.URLField(
        label=gettext_lazy("website"), required=False, max_length=300, assume_scheme="https"
    )

    class Meta:
        model = Person
        fields = [
            "name", "slug", "credentials", "specialty", "bio", "orcid", "website",
            "conflicts_of_interest", "user", "public",
        ]  # fmt: skip

    def clean_orcid(self) -> str:
        value = self.cleaned_data["orcid"].strip()
        if value.lower().startswith(("https://orcid.org/", "http://orcid.org/")):
            value = value.rsplit("/", 1)[-1]
        return value.upper()

    def clean_photo_upload(self):
        upload = self.cleaned_data.get("photo_upload")
        if not upload:
            return None
        upload.seek(0)
        try:
            return store_image(upload).name
        except UploadRejected as refused:
            raise forms.ValidationError(str(refused)) from refused

    def save(self, commit: bool = True) -> Person:
        person = super().save(commit=False)
        if self.cleaned_data.get("remove_photo"):
            person.photo = ""
        if self.cleaned_data.get("photo_upload"):
            person.photo = self.cleaned_data["photo_upload"]
        if commit:
            person.save()
        return person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonForm
    list_display = ["name", "credentials", "specialty", "public", "user"]
    search_fields = ["name", "credentials", "specialty"]
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ["current_photo"]
    autocomplete_fields = ["user"]

    @admin.display(description=gettext_lazy("Current photo"))
    def current_photo(self, person: Person) -> str:
        if not person.photo:
            return "—"
        return format_html('<img src="{}" alt="" width="96">', person.photo_url)


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    extra = 1
    autocomplete_fields = ["person"]
    verbose_name = gettext_lazy("author")
    verbose_name_plural = gettext_lazy("authors (one or more, in byline order)")


def _attach_authors_to_the_term_form() -> None:
    """The term's change page edits its authors (glossary.admin knows nothing of them)."""
    term_admin = admin.site.get_model_admin(Term)
    if AuthorshipInline not in term_admin.inlines:
        term_admin.inlines = [*term_admin.inlines, AuthorshipInline]


_attach_authors_to_the_term_form()


class QueueFilter(admin.SimpleListFilter):
    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("my_reviews", _("Awaiting my review")),
            ("my_changes", _("Changes requested of me")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "my_reviews":
            return awaiting_review_by(request.user, queryset)
        if self.value() == "my_changes":
            return changes_requested_of(request.user, queryset)
        return queryset


def awaiting_review_by(user, queryset: QuerySet | None = None) -> QuerySet:
    """Terms in review asked of this reviewer (or of anyone), not written by them."""
    queryset = TermWorkflow.objects.all() if queryset is None else queryset
    person = Person.objects.filter(user=user).first()
    mine = Q(reviewer__isnull=True) | Q(reviewer=person) if person else Q(reviewer__isnull=True)
    authored = Authorship.objects.filter(term=OuterRef("term"), person=person)
    return (
        queryset.filter(mine, state=State.IN_REVIEW)
        .exclude(submitted_by=user)
        .exclude(Exists(authored))
    )


def changes_requested_of(user, queryset: QuerySet | None = None) -> QuerySet:
    """Terms sent back to this writer: they submitted them or are an author."""
    queryset = TermWorkflow.objects.all() if queryset is None else queryset
    authored = Authorship.objects.filter(term=OuterRef("term"), person__user=user)
    return queryset.filter(
        Q(submitted_by=user) | Q(Exists(authored)), state=State.CHANGES_REQUESTED
    )


@admin.register(TermWorkflow)
class TermWorkflowAdmin(admin.ModelAdmin):
    """The queues: every term in the workflow, filtered to what waits for me."""

    list_display = ["term_link", "term_language", "state", "reviewer", "submitted_by", "updated_at"]
    list_display_links = None  # rows open the term's own page (term_link)
    # A term and its translations often share a title: the language tells them apart.
    list_filter = [QueueFilter, "state", ("term__language", admin.ChoicesFieldListFilter)]
    list_select_related = ["term", "reviewer", "submitted_by"]
    search_fields = ["term__title"]
    ordering = ["-updated_at"]

    @admin.display(description=gettext_lazy("term"), ordering="term__sort_title")
    def term_link(self, row: TermWorkflow) -> str:
        url = reverse("admin:glossary_term_change", args=[row.term_id])
        return format_html('<a href="{}">{}</a>', url, row.term.title)

    @admin.display(description=gettext_lazy("language"), ordering="term__language")
    def term_language(self, row: TermWorkflow) -> str:
        return row.term.get_language_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "step/<int:term_id>/",
                self.admin_site.admin_view(self.step_view),
                name="editorial_termworkflow_step",
            ),
            *super().get_urls()[:1],  # the list only: rows open the term's own page
        ]

    def step_view(self, request: HttpRequest, term_id: int) -> HttpResponse:
        return take_step(request, term_id)


STEP_FUNCTIONS = {
    "submit": lambda term_id, user, data: workflow.submit(
        term_id, user, comment=data["comment"], reviewer=data["reviewer"]
    ),
    "comment": lambda term_id, user, data: workflow.review(
        term_id, user, Review.Decision.COMMENT, comment=data["comment"]
    ),
    "request_changes": lambda term_id, user, data: workflow.review(
        term_id, user, Review.Decision.CHANGES_REQUESTED, comment=data["comment"]
    ),
    "approve": lambda term_id, user, data: workflow.review(
        term_id, user, Review.Decision.APPROVED, comment=data["comment"]
    ),
    "publish": lambda term_id, user, data: workflow.publish(
        term_id,
        user,
        at=data["at"],
        non_medical_reason=data["non_medical_reason"] if data["non_medical"] else "",
        note=data["note"],
    ),
    "unpublish": lambda term_id, user, data: workflow.unpublish(
        term_id, user, comment=data["comment"]
    ),
}


class StepForm(forms.Form):
    action = forms.ChoiceField(choices=[(name, name) for name in STEP_FUNCTIONS])
    comment = forms.CharField(required=False, max_length=5000)
    reviewer = forms.ModelChoiceField(queryset=Person.objects.all(), required=False)
    non_medical = forms.BooleanField(required=False)
    non_medical_reason = forms.CharField(required=False, max_length=500)
    note = forms.CharField(required=False, max_length=300)
    at = forms.CharField(required=False, max_length=40)

    def clean_at(self):
        raw = self.cleaned_data["at"].strip()
        if not raw:
            return None
        moment = parse_datetime(raw)
        if moment is None:
            raise forms.ValidationError(_("Give the time as YYYY-MM-DD HH:MM."))
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("non_medical") and not (cleaned.get("non_medical_reason") or "").strip():
            self.add_error("non_medical_reason", _("Say why this change needs no medical review."))
        return cleaned


@require_POST
def take_step(request: HttpRequest, term_id: int) -> HttpResponse:
    term = get_object_or_404(Term.objects.only("pk", "title"), pk=term_id)
    back = HttpResponseRedirect(reverse("admin:glossary_term_change", args=[term.pk]))
    form = StepForm(request.POST)
    if not form.is_valid():
        if "action" in form.errors:
            return HttpResponseBadRequest(_("Unknown workflow step."))
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    action = form.cleaned_data["action"]
    try:
        STEP_FUNCTIONS[action](term.pk, request.user, form.cleaned_data)
    except PermissionError as missing:
        raise PermissionDenied(str(missing)) from missing
    except workflow.TransitionRefused as refused:
        messages.error(request, str(refused))
        return back
    messages.success(
        request,
        _("%(step)s: done for “%(term)s”.")
        % {"step": workflow.ACTIONS[action].label, "term": term.title},
    )
    return back


@admin.register(EditorialPolicy)
class EditorialPolicyAdmin(admin.ModelAdmin):
    list_display = ["title", "updated_at"]


@admin.register(ReviewDueTerm)
class ReviewDueAdmin(admin.ModelAdmin):
    """Its "list" is the dashboard: published terms past or near their review date."""

    def has_view_permission(self, request, obj=None):
        return (
            request.user.is_active
            and request.user.is_staff
            and (request.user.has_perm("editorial.view_termworkflow"))
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return super().get_urls()[:1]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = due.due_terms()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Review due"),
            "opts": self.model._meta,
            "rows": rows,
            "by_reviewer": due.group_by(rows, lambda row: [row.reviewer or _("(no reviewer)")]),
            "by_category": due.group_by(
                rows, lambda row: list(row.categories) or [_("(no category)")]
            ),
            "near_days": due.NEAR_DAYS,
            "today": timezone.localdate(),
        }
        response = TemplateResponse(request, "admin/editorial/review_due.html", context)
        response["Cache-Control"] = "no-store"
        return response
