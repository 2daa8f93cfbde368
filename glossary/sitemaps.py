from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from glossary.models import Category, Term


class TermSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10000

    def items(self):
        return Term.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, item: Term):
        return item.updated_at


class CategorySitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Category.objects.order_by("pk")


class StaticPagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["glossary:home", "glossary:term_index"]

    def location(self, item: str) -> str:
        return reverse(item)


sitemaps = {"pages": StaticPagesSitemap, "terms": TermSitemap, "categories": CategorySitemap}
