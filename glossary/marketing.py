"""The partner slot on term pages: which one, its HTML, cached under the content stamp.

Pages stay the same for every visitor: the slot is in the HTML inside a ``<template>``
that ``consent.js`` puts in place only when marketing is granted; everyone else sees a
neutral placeholder. Saving or deleting a slot bumps the content and site stamps, so
cached pages (``core.page_cache``), stored term pages (``glossary.term_page``) and this
module's cached HTML are rebuilt on the next request in every process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.safestring import SafeString, mark_safe

from core import stamps
from glossary import versions
from glossary.models import PartnerSlot
from glossary.rendering import SECTION_ID_PREFIX, link_and_outline, markdown_to_safe_html

KEY_PREFIX = "partner-slot:v2"
# The slot's heading ids start with this: never one of the page's own ids
# ("recently-viewed-heading"), nor an article heading's (``section-…``).
PARTNER_ID_PREFIX = "partner-"
# Heading ids as the renderer writes them (``<h2 id="section-…">``): in its output a "<"
# only ever opens a tag, text has it escaped.
_SECTION_ID_RE = re.compile(rf'(<h[1-6]) id="{re.escape(SECTION_ID_PREFIX)}')


@dataclass(frozen=True)
class Slot:
    title: str
    text_html: SafeString
    link_url: str
    link_label: str


def render_text(markdown: str) -> str:
    """The slot's markdown as sanitized HTML with the article renderer's headings (``h1``
    demoted, ids unique and namespaced), in the partner's own namespace."""
    html, _toc, _links = link_and_outline(markdown_to_safe_html(markdown), None)
    return _SECTION_ID_RE.sub(rf'\1 id="{PARTNER_ID_PREFIX}', html)


def current() -> Slot | None:
    """The newest enabled slot, rendered; no query while the site stamp is unchanged."""
    key = f"{KEY_PREFIX}:{stamps.key_part(versions.PARTNER)}"
    cached = cache.get(key)
    if cached is None:
        slot = PartnerSlot.objects.filter(enabled=True).order_by("-updated_at", "-pk").first()
        cached = (
            (slot.title, render_text(slot.text), slot.link_url, slot.link_label) if slot else ()
        )
        cache.set(key, cached, None)
    if not cached:
        return None
    title, text_html, link_url, link_label = cached
    return Slot(title, mark_safe(text_html), link_url, link_label)


@receiver(post_save, sender=PartnerSlot, dispatch_uid="partner_slot_saved")
@receiver(post_delete, sender=PartnerSlot, dispatch_uid="partner_slot_deleted")
def _slot_changed(sender, **kwargs) -> None:
    stamps.bump(versions.LISTINGS, versions.PARTNER)
