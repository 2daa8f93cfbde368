"""The sitemap: every published version of every term, each with its alternates
(``xhtml:link rel="alternate" hreflang``: every published version of its concept, itself
included, and ``x-default``), the same as the term pages list; categories; the home and
A–Z pages in every language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import translation

from glossary import term_page
from glossary.models import Category, Term
from glossary.rendering import term_url


class TermSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10000

    def items(self):
        return (
            Term.objects.published()
            .order_by("pk")
            .only("slug", "updated_at", "language", "concept", "translation_of_id")
        )

    def lastmod(self, item: Term):
        return item.updated_at

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        """Django's URLs of one page, with each term's alternates (one query a page).

        Django's own ``i18n`` sitemaps list one item in every language; here each version
        is its own row, so the alternates are read from the versions of its concept."""
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        concepts = {url["item"].concept for url in urls}
        versions: dict = {}
        rows = (
            Term.objects.published()
            .filter(concept__in=concepts)
            .values_list("concept", "language", "slug", "translation_of_id")
        )
        for concept, language, slug, source_id in rows:
            versions.setdefault(concept, []).append(
                term_page.Alternate(language, term_url(slug, language), slug, source_id is None)
            )
        for url in urls:
            item = url["item"]
            origin = url["location"].removesuffix(item.get_absolute_url())
            alternates = term_page.ordered(versions.get(item.concept, []))
            url["alternates"] = [
                {"location": origin + alternate.url, "lang_code": alternate.language}
                for alternate in alternates
            ]
            default = term_page.x_default(alternates)
            if default is not None:
                url["alternates"].append(
                    {"location": origin + default.url, "lang_code": "x-default"}
                )
        return urls


class CategorySitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Category.objects.order_by("pk")


class StaticPagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> list[tuple[str, str]]:
        return [
            (name, language)
            for name in ("glossary:home", "glossary:term_index")
            for language, _ in settings.LANGUAGES
        ]

    def location(self, item: tuple[str, str]) -> str:
        name, language = item
        with translation.override(language):
            return reverse(name)


sitemaps = {"pages": StaticPagesSitemap, "terms": TermSitemap, "categories": CategorySitemap}
