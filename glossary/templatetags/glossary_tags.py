"""Template tags for glossary pages: JSON data blocks that never execute, sentences."""

from __future__ import annotations

import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _safe_json(data: object) -> SafeString:
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES))


@register.simple_tag
def jsonld(data: dict) -> str:
    """A schema.org block; escaped so no value can close the script element."""
    return format_html('<script type="application/ld+json">{}</script>', _safe_json(data))


@register.simple_tag
def json_data(element_id: str, data: object) -> str:
    return format_html(
        '<script type="application/json" id="{}">{}</script>', element_id, _safe_json(data)
    )


_SENTENCE_ENDS = (".", "!", "?", "…")


@register.filter(is_safe=True)
def sentence(text: str) -> str:
    """``text`` ended by one full stop: an editor's note may or may not bring its own."""
    text = str(text).rstrip()
    return text if not text or text.endswith(_SENTENCE_ENDS) else f"{text}."
