"""Consent texts per language in the admin (Admin → Consent and tracking → Consent texts by
language): one page per language with the banner text, the policy page's introduction,
and, outside the default language, every category's name and description and every
declared cookie's purpose and lifetime. The list and the categories' list show which
languages are incomplete; a change privacy staff mark as material raises that language's
text version, so visitors who decided in it (and nobody else) are asked again.
"""

from __future__ import annotations

from cookie_consent.models import Cookie, CookieGroup
from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consent import texts
from consent.models import CategoryText, ConsentText, CookieText


class ConsentTextForm(forms.ModelForm):
    material_change = forms.BooleanField(
        required=False,
        label=_("This is a material change"),
        help_text=_(
            "Tick it when the change alters what visitors agree to (a new purpose, another "
            "partner, a longer lifetime), not for a typo or better wording. Everyone who "
            "decided in this language is then asked again; visitors who decided in another "
            "language are not."
        ),
    )

    class Meta:
        model = ConsentText
        fields = ("banner_text", "page_text")


class CategoryTextInline(admin.TabularInline):
    model = CategoryText
    fk_name = "texts"
    fields = ("category", "name", "description")
    extra = 0
    verbose_name = _("category name and description")
    verbose_name_plural = _("categories")


class CookieTextInline(admin.TabularInline):
    model = CookieText
    fk_name = "texts"
    fields = ("cookie", "purpose", "lifetime")
    extra = 0
    verbose_name = _("cookie purpose and lifetime")
    verbose_name_plural = _("declared cookies and storage keys")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "cookie":
            kwargs["queryset"] = Cookie.objects.select_related("cookiegroup").order_by(
                "cookiegroup__ordering", "name"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CompletenessFilter(admin.SimpleListFilter):
    title = _("completeness")
    parameter_name = "complete"

    def lookups(self, request, model_admin):
        return [("no", _("Incomplete")), ("yes", _("Complete"))]

    def queryset(self, request, queryset):
        incomplete = list(texts.incomplete_languages())
        if self.value() == "no":
            return queryset.filter(language__in=incomplete)
        if self.value() == "yes":
            return queryset.exclude(language__in=incomplete)
        return queryset


def untranslated(obj: ConsentText, inline: admin.TabularInline) -> list[dict]:
    """Initial data of one new inline row per category (or cookie) this language has no
    text for yet."""
    if isinstance(inline, CategoryTextInline):
        done = obj.categories.values("category_id")
        todo = CookieGroup.objects.exclude(pk__in=done).order_by("ordering", "pk")
        return [{"category": group.pk} for group in todo]
    done = obj.cookies.values("cookie_id")
    todo = Cookie.objects.exclude(pk__in=done).order_by("cookiegroup__ordering", "name")
    return [{"cookie": cookie.pk} for cookie in todo]


def ensure_rows() -> None:
    """One row per enabled language, so each has a page to fill in."""
    for language in texts.enabled_languages():
        ConsentText.objects.get_or_create(language=language)


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    form = ConsentTextForm
    list_filter = (CompletenessFilter,)
    fields = (
        "language",
        "missing_texts",
        "banner_text",
        "page_text",
        "material_change",
        "text_version",
        "materially_changed_at",
    )
    readonly_fields = ("language", "missing_texts", "text_version", "materially_changed_at")
    inlines = [CategoryTextInline, CookieTextInline]
    actions = ["declare_material_change"]

    def get_list_display(self, request: HttpRequest):
        missing = texts.incomplete_languages()  # once per page, not per row

        @admin.display(description=_("code"), ordering="language")
        def code(obj: ConsentText) -> str:
            return obj.language

        @admin.display(description=_("complete"), boolean=True)
        def complete(obj: ConsentText) -> bool:
            return obj.language not in missing

        @admin.display(description=_("missing texts"))
        def missing_count(obj: ConsentText) -> int:
            return missing.get(obj.language, 0)

        return (
            "__str__",
            code,
            complete,
            missing_count,
            "text_version",
            "materially_changed_at",
        )

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(language__in=texts.enabled_languages())

    @admin.display(description=_("missing in this language"))
    def missing_texts(self, obj: ConsentText) -> str:
        found = texts.gaps([obj.language])
        if not found:
            return _("Nothing: every consent text exists in this language.")
        intro = ngettext(
            "%(count)d text is missing; visitors see the default language's instead:",
            "%(count)d texts are missing; visitors see the default language's instead:",
            len(found),
        ) % {"count": len(found)}
        items = format_html_join("", "<li>{}: {}</li>", ((gap.subject, gap.field) for gap in found))
        return format_html("<p>{}</p><ul>{}</ul>", intro, items)

    def get_inline_instances(self, request, obj=None):
        # The default language's category and cookie texts are the objects' own fields.
        if obj is None or obj.language == texts.default_language():
            return []
        return super().get_inline_instances(request, obj)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """New rows are offered for every category and cookie without a text yet."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if obj is not None:
            # Also on POST: an offered row left as it was is then unchanged, so not saved.
            kwargs["initial"] = untranslated(obj, inline)
        return kwargs

    def get_formsets_with_inlines(self, request, obj=None):
        for inline in self.get_inline_instances(request, obj):
            extra = len(untranslated(obj, inline)) if obj is not None else 0
            yield inline.get_formset(request, obj, extra=extra), inline

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row per enabled language, made by the list page

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        if self.has_change_permission(request):
            ensure_rows()
        return super().changelist_view(request, extra_context)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if form.cleaned_data.get("material_change"):
            self._material_change(request, [form.instance])

    @admin.action(
        description=_(
            "Declare a material change (visitors who decided in these languages are asked again)"
        ),
        permissions=["change"],
    )
    def declare_material_change(self, request, queryset) -> None:
        self._material_change(request, list(queryset))

    def _material_change(self, request: HttpRequest, rows: list[ConsentText]) -> None:
        for row in rows:
            row.record_material_change()
            row.save(update_fields=["text_version", "materially_changed_at"])
        names = ", ".join(str(row) for row in rows)
        self.message_user(
            request,
            _(
                "Material change recorded for %(languages)s: visitors who decided in these "
                "languages will be asked again."
            )
            % {"languages": names},
            messages.SUCCESS,
        )


def language_links(group: CookieGroup) -> str:
    """The languages in which a category's name or description is missing, each linked to
    its page of texts."""
    missing = texts.category_gaps(group)
    if not missing:
        return _("Complete in every language.")
    rows = {row.language: row.pk for row in ConsentText.objects.filter(language__in=missing)}
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        (
            (
                reverse("admin:consent_consenttext_change", args=[rows[code]]),
                texts.language_name(code),
            )
            for code in missing
            if code in rows
        ),
    )
    unlinked = [texts.language_name(code) for code in missing if code not in rows]
    return format_html(
        "{} {}{}",
        _("Missing, so the default language is shown, in:"),
        links,
        (", " + ", ".join(unlinked)) if unlinked else "",
    )


class IncompleteLanguageFilter(admin.SimpleListFilter):
    """Categories whose name or description is missing in a language."""

    title = _("missing a translation in")
    parameter_name = "missing_in"

    def lookups(self, request, model_admin):
        default = texts.default_language()
        return [
            (code, texts.language_name(code))
            for code in texts.enabled_languages()
            if code != default
        ]

    def queryset(self, request, queryset):
        code = self.value()
        if code not in texts.enabled_languages() or code == texts.default_language():
            return queryset
        complete = (
            CategoryText.objects.filter(texts__language=code)
            .exclude(name="")
            .exclude(description="")
        )
        return queryset.exclude(pk__in=complete.values("category_id"))


def with_languages(category_admin: type) -> type:
    """The categories' admin with a "missing languages" column, a filter by language and,
    on the change form, the languages still to translate, linked to their pages."""

    class CategoryAdmin(category_admin):
        list_filter = (*category_admin.list_filter, IncompleteLanguageFilter)

        def get_list_display(self, request):
            return (*super().get_list_display(request), self.missing_languages)

        @admin.display(description=_("missing languages"))
        def missing_languages(self, obj: CookieGroup) -> str:
            return ", ".join(texts.category_gaps(obj)) or "—"

        def get_queryset(self, request):
            return super().get_queryset(request).prefetch_related("texts__texts")

        def get_readonly_fields(self, request, obj=None):
            return (*super().get_readonly_fields(request, obj), "translations")

        @admin.display(description=_("translations"))
        def translations(self, obj: CookieGroup) -> str:
            return language_links(obj)

    return CategoryAdmin
