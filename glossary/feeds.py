"""Atom feed of recently published or updated terms."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy

from glossary.models import Term


class RecentTermsFeed(Feed):
    feed_type = Atom1Feed
    title = settings.SITE_NAME
    subtitle = gettext_lazy("Recently published or updated terms.")
    link = "/glossary/"

    def items(self):
        return Term.objects.published().order_by("-updated_at")[:30]

    def item_title(self, item: Term) -> str:
        return item.title

    def item_description(self, item: Term) -> str:
        return item.summary

    def item_updateddate(self, item: Term):
        return item.updated_at

    def item_pubdate(self, item: Term):
        return item.published_at
