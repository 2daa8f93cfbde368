"""Forms for the consent endpoints. Unknown category names are dropped, never an error."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from consent.catalog import get_catalog

MAX_NAMES = 20


class CategoryNamesField(forms.Field):
    """A list of category varnames; keeps only optional categories that exist."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        optional = {category.varname for category in get_catalog().optional}
        names = [name for name in value[:MAX_NAMES] if isinstance(name, str)]
        return [name for name in dict.fromkeys(names) if name in optional]


class ReturnAddressField(forms.CharField):
    """Where to go back to, taken as it comes: ``views.safe_next`` drops anything that is
    not an address on this site, so a strange value falls back to the default instead of
    refusing the decision."""

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)
        self.validators = []  # not even CharField's refusal of NUL characters


class DecisionForm(forms.Form):
    """Banner buttons and the accept/decline endpoints: ``all=1`` or ``category=<varname>``."""

    all = forms.TypedChoiceField(
        choices=[("1", "all"), ("on", "all"), ("true", "all")],
        coerce=bool,
        empty_value=False,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("all must be 1 (or be left out).")},
    )
    category = CategoryNamesField(required=False)
    next = ReturnAddressField()
    # Set by consent.js: an embed's own button, or the browser's Global Privacy Control.
    via = forms.ChoiceField(choices=[("embed", "embed"), ("gpc", "gpc")], required=False)
    gpc = forms.BooleanField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("all") and not data.get("category"):
            raise forms.ValidationError(
                gettext_lazy(
                    "Choose which cookie categories this applies to (all=1 or a known category)."
                ),
                code="nothing_chosen",
            )
        return data

    def categories(self) -> list[str]:
        if self.cleaned_data["all"]:
            return [category.varname for category in get_catalog().optional]
        return self.cleaned_data["category"]


class PreferencesForm(forms.Form):
    """The /cookies/ form: one switch per optional category, and three ways to submit."""

    ACTIONS = (
        ("save", gettext_lazy("Save preferences")),
        ("accept_all", gettext_lazy("Accept all")),
        ("reject_all", gettext_lazy("Reject all")),
    )

    granted = CategoryNamesField(required=False)
    action = forms.ChoiceField(choices=ACTIONS, required=False)
    next = ReturnAddressField()
    gpc = forms.BooleanField(required=False)  # consent.js: navigator.globalPrivacyControl

    def decision(self) -> tuple[list[str], list[str]]:
        """(categories to grant, categories to refuse)."""
        optional = [category.varname for category in get_catalog().optional]
        action = self.cleaned_data["action"] or "save"
        if action == "accept_all":
            return optional, []
        if action == "reject_all":
            return [], optional
        granted = self.cleaned_data["granted"]
        return granted, [varname for varname in optional if varname not in granted]
