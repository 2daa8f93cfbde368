"""The visitor's language: the links of the language switcher and the one redirect by
browser preference (from ``/`` only). The URL alone decides a page's language
(``config.middleware.UrlLanguageMiddleware``); see docs/languages.md."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import translation

# Languages that capitalize every noun: a category name keeps its capital mid-sentence.
NOUNS_CAPITALIZED = frozenset({"de"})
# Fetch metadata values that mean "a page of this site sent the visitor here".
SITE_FETCHES = ("same-origin", "same-site")


@dataclass(frozen=True)
class LanguageLink:
    """One entry of the switcher: ``code`` is also the link's ``lang`` and ``hreflang``."""

    code: str
    name: str
    url: str
    current: bool


def in_sentence(name: str) -> str:
    """A name as written inside a sentence of the active language ("analytics cookies",
    but German "Analyse")."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return name if language in NOUNS_CAPITALIZED else name.lower()


def _field(item: Any, name: str) -> Any:
    """``item.name`` or ``item["name"]``: alternates may be objects or dicts."""
    return item[name] if isinstance(item, dict) else getattr(item, name)


def home_url(code: str) -> str:
    """The site's root in language ``code`` (``/`` is resolved as an English address)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translate_url("/", code)


def _in_language(url_name: str, code: str) -> str:
    with translation.override(code):
        return reverse(url_name)


def language_links(
    path: str, alternates: Iterable[Any] | None = None, fallback: str = ""
) -> list[LanguageLink]:
    """Where each enabled language leads from the page at ``path``.

    With ``alternates`` (the versions a page has in other languages, each with
    ``.language`` and ``.url``), a language without a version leads to the page named
    ``fallback`` in that language (the glossary index for a term). Without them, every
    language leads to the same page in that language; an address that names no page (a
    404) leads to that language's home page instead.
    """
    current = translation.get_language()
    known = {_field(item, "language"): _field(item, "url") for item in alternates or ()}
    links = []
    for code, name in settings.LANGUAGES:
        if alternates:
            url = known.get(code) or _fallback_url(fallback, code)
        else:
            url = translate_url(path, code)
            if url == path and code != current:
                url = home_url(code)
        links.append(LanguageLink(code=code, name=name, url=url, current=code == current))
    return links


def _fallback_url(url_name: str, code: str) -> str:
    """The page named ``url_name`` in language ``code``, else that language's home."""
    try:
        return _in_language(url_name, code)
    except NoReverseMatch:
        return home_url(code)


def is_admin_path(path: str) -> bool:
    """Is ``path`` a page of the admin (staff only, never cached)?"""
    try:
        with translation.override(settings.LANGUAGE_CODE):
            return path.startswith(reverse("admin:index"))
    except NoReverseMatch:
        return False


def came_from_site(request: HttpRequest) -> bool:
    """Did a page of this site send the visitor (``Sec-Fetch-Site``, else ``Referer``)?"""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in SITE_FETCHES
    referer_host = urlsplit(request.headers.get("Referer", "")).netloc
    return bool(referer_host) and referer_host == request.get_host()


def home_redirect_target(request: HttpRequest) -> str | None:
    """The home page in the browser's preferred language, for a visitor arriving at ``/``
    from elsewhere (a bookmark, a search engine, a typed address), or None.

    Never for any other address (an article is shared and indexed in its own language),
    never for a visitor a page of this site sent to ``/`` (they chose English in the
    switcher, or followed the site name), never for English.
    """
    if request.method not in ("GET", "HEAD") or request.path_info != "/":
        return None
    if "Accept-Language" not in request.headers or came_from_site(request):
        return None
    preferred = translation.get_language_from_request(request)
    if preferred == settings.LANGUAGE_CODE:
        return None
    target = home_url(preferred)
    query = request.META.get("QUERY_STRING", "")
    return f"{target}?{query}" if query else target
