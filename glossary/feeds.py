"""Atom feed of recently published or updated terms."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy

from glossary import publications
from glossary.models import Term


class RecentTermsFeed(Feed):
    """One feed per language, at /feed/ and /de/feed/ etc.: that language's terms only."""

    feed_type = Atom1Feed
    title = settings.SITE_NAME
    subtitle = gettext_lazy("Recently published or updated terms.")

    def link(self) -> str:
        return reverse("glossary:term_index")  # in the active (the URL's) language

    # Feed.language is left unset: the feed says the active (the URL's) language.

    def items(self):
        language = translation.get_language() or settings.LANGUAGE_CODE
        terms = Term.objects.published().in_language(language).order_by("-updated_at")[:30]
        return publications.as_published(list(terms))

    def item_title(self, item: Term) -> str:
        return item.title

    def item_description(self, item: Term) -> str:
        return item.summary

    def item_updateddate(self, item: Term):
        return item.updated_at

    def item_pubdate(self, item: Term):
        return item.published_at
