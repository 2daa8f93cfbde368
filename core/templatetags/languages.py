"""``{% language_links %}``: the data of the language switcher (templates/includes/);
``|in_sentence``: a name written inside a sentence of the page's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats

from core import languages

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context: template.Context, fallback: str = "") -> list[languages.LanguageLink]:
    """The switcher's links for the page being rendered: the page's own ``alternates``
    when it passes them (a term and its translations), else the same page in each
    language. Without a request (the 500 page) only the current language's home."""
    request = context.get("request")
    alternates: Any = context.get("alternates")
    # The path only: a query (a search, a return address) is the visitor's own input,
    # and echoing it into every link would let any address put text on the page.
    path = request.path if request is not None else "/"
    return languages.language_links(path, alternates, fallback)


@register.filter
def in_sentence(name: str) -> str:
    """``{{ category.name|in_sentence }}``: lower case, except in German."""
    return languages.in_sentence(str(name))


@register.filter
def grouped(number: int) -> str:
    """``{{ count|grouped }}``: 12,500 in English, 12.500 in German, 12 500 in French."""
    return formats.number_format(number, force_grouping=True)
