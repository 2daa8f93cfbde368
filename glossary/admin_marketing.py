"""The partner slot's admin: title, markdown text, an https link, on or off."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from glossary import marketing  # noqa: F401  (its receivers bump the content stamp)
from glossary.models import PartnerSlot


@admin.register(PartnerSlot)
class PartnerSlotAdmin(admin.ModelAdmin):
    list_display = ["title", "enabled", "link_url", "updated_at"]
    list_filter = ["enabled"]
    search_fields = ["title", "text"]
    fields = ["title", "text", "link_url", "link_label", "enabled"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
