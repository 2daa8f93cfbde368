"""Reader-facing pages. Thin: fetch through the models, render a template."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from core import visitors
from glossary import cite, publications, retired, structured_data, term_page
from glossary import search as glossary_search
from glossary.models import Category, Publication, Term, letter_groups, letter_label
from glossary.navigation import letter_bar, listing_page, page_or_last, term_groups_preview


def reading_language() -> str:
    """The page's language: the URL decided it (config.middleware.UrlLanguageMiddleware)."""
    return translation.get_language() or settings.LANGUAGE_CODE


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    language = reading_language()
    recent = publications.as_published(
        Term.objects.published()
        .in_language(language)
        .order_by("-updated_at")
        .only("title", "slug", "summary", "updated_at", "language", "publication_number")[:8]
    )
    return render(
        request,
        "glossary/home.html",
        {
            "letters": letter_bar(language),
            "recent_terms": recent,
            "categories": Category.objects.all(),
        },
    )


@require_safe
def term_index(request: HttpRequest) -> HttpResponse:
    language = reading_language()
    letters = letter_bar(language)
    return render(
        request,
        "glossary/term_index.html",
        {
            "letters": letters,
            "groups": term_groups_preview(letters, language),
            "jsonld": structured_data.defined_term_set(request),
        },
    )


@require_safe
def letter_detail(request: HttpRequest, letter: str) -> HttpResponse:
    language = reading_language()
    letter = letter.lower()
    if letter not in letter_groups(language):
        raise Http404("No such letter")
    terms = (
        Term.objects.published()
        .filter(language=language, letter=letter)
        .order_by("sort_title", "pk")
        .only("title", "slug", "summary", "language", "publication_number")
    )
    page = published_page(Paginator(terms, settings.GLOSSARY_LETTER_PAGE_SIZE), request)
    return render(
        request,
        "glossary/letter_detail.html",
        {
            "letters": letter_bar(language),
            "letter": letter,
            "letter_label": letter_label(letter),
            "page_obj": page,
        },
    )


def published_page(paginator: Paginator, request: HttpRequest) -> Page:
    """A listing's page (``listing_page``), its terms named as their pages name them."""
    page = listing_page(paginator, request)
    page.object_list = publications.as_published(list(page.object_list))
    return page


def _visible_terms(request: HttpRequest) -> QuerySet[Term]:
    """The page language's terms: staff see drafts and scheduled ones (as previews),
    readers published ones."""
    terms = Term.objects.all() if visitors.is_staff(request) else Term.objects.published()
    return terms.in_language(reading_language())


@require_safe
def term_detail(request: HttpRequest, slug: str) -> HttpResponse:
    term = _visible_terms(request).filter(slug=slug).first()
    if term is None:
        return retired.response_for_unknown_slug(request, slug, reading_language())
    around = term_page.surroundings(term)
    shown = publications.shown_version(term, preview=visitors.is_staff(request))
    citation = cite.TermCitation.of(term, request, shown)
    response = render(
        request,
        "glossary/term_detail.html",
        {
            "term": term,
            "shown": shown,
            "previous": around.previous,
            "next": around.next,
            "categories": around.categories,
            "related": around.related,
            "more_related": around.more_related,
            "link_previews": around.previews,
            # CONTRACT with the language switcher (templates/includes): objects with
            # .language and .url (a path), every published version, this one included.
            "alternates": around.alternates,
            "x_default": term_page.x_default(around.alternates),
            "jsonld": structured_data.term_page(term, request, shown),
            "cite_styles": cite.styles(citation),
        },
    )
    if not term.is_public:
        add_never_cache_headers(response)
    return response


@require_safe
def term_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A permanent link to one published version: what a reader saw, to cite it."""
    publication = (
        Publication.objects.public()
        .filter(
            term__in=Term.objects.published().in_language(reading_language()),
            term__slug=slug,
            number=number,
        )
        .select_related("term")
        .first()
    )
    if publication is None:
        raise Http404("No such published version")
    newest = publications.public_publications(publication.term)[0]
    return render(
        request,
        "glossary/term_version.html",
        {
            "publication": publication,
            "term": publication.term,
            "is_newest": newest.number == publication.number,
            "jsonld": structured_data.version_page(publication, request),
        },
    )


@require_safe
def term_history(request: HttpRequest, slug: str) -> HttpResponse:
    """The public changelog: every public version of a published term, each linking to
    its permanent page. A term without one (never published through the review
    workflow) has no history page: 404, and its term page links none."""
    term = get_object_or_404(Term.objects.published().in_language(reading_language()), slug=slug)
    changelog = publications.public_publications(term)
    if not changelog:
        raise Http404("No public version yet")
    return render(
        request,
        "glossary/term_history.html",
        {"term": term, "title": changelog[0].title, "changelog": changelog},
    )


def term_cite(request: HttpRequest, slug: str) -> HttpResponse:
    """How to cite a term: the styles on a page, or a BibTeX or RIS file (?format=)."""
    term = get_object_or_404(_visible_terms(request), slug=slug)
    shown = publications.shown_version(term, preview=visitors.is_staff(request))
    citation = cite.TermCitation.of(term, request, shown)
    format_name = request.GET.get("format")
    if format_name is None:
        response = render(
            request,
            "glossary/term_cite.html",
            {
                "term": term,
                "title": citation.title,
                "styles": cite.styles(citation),
                "bibtex": cite.bibtex(citation),
                "ris": cite.ris(citation),
                "cited_url": citation.url,
            },
        )
    elif format_name in cite.DOWNLOADS:
        content_type, extension = cite.DOWNLOADS[format_name]
        response = HttpResponse(cite.download(citation, format_name), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{citation.key}.{extension}"'
    else:
        message = gettext(
            "Unknown citation format “%(format)s”. Use ?format=bibtex or ?format=ris, "
            "or no format for the page with every style."
        ) % {"format": format_name[:40]}
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    if not term.is_public:
        add_never_cache_headers(response)
    return response


@require_safe
def term_related(request: HttpRequest, slug: str) -> HttpResponse:
    """Every related term of a term, paginated (its page shows only the first few)."""
    visible = _visible_terms(request)
    term = get_object_or_404(
        visible.only("title", "slug", "status", "published_at", "language"), slug=slug
    )
    page = published_page(
        Paginator(term.related_ordered(), settings.GLOSSARY_LETTER_PAGE_SIZE), request
    )
    response = render(request, "glossary/term_related.html", {"term": term, "page_obj": page})
    if not term.is_public:
        add_never_cache_headers(response)
    return response


@require_safe
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    terms = (
        category.terms.published()
        .in_language(reading_language())
        .order_by("sort_title", "pk")
        .only("title", "slug", "summary", "language", "publication_number")
    )
    page = published_page(Paginator(terms, settings.GLOSSARY_LETTER_PAGE_SIZE), request)
    return render(
        request, "glossary/category_detail.html", {"category": category, "page_obj": page}
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri("/sitemap.xml")
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /search/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    language = reading_language()
    results = glossary_search.search_terms(request.GET.get("q", ""), language)
    query = results.text
    page = page_or_last(Paginator(results, settings.GLOSSARY_SEARCH_PAGE_SIZE), request)
    no_results = bool(query) and not page.object_list
    return render(
        request,
        "glossary/search.html",
        {
            "query": query,
            "page_obj": page,
            "capped": results.capped,
            "page_query": f"q={quote(query)}&",
            "did_you_mean": glossary_search.close_titles(query, language=language)
            if no_results
            else [],
        },
    )


@require_safe
def search_suggest(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(
        {
            "suggestions": glossary_search.suggest_titles(
                request.GET.get("q", ""), language=reading_language()
            )
        }
    )
    patch_cache_control(response, public=True, max_age=glossary_search.SUGGEST_MAX_AGE)
    return response
