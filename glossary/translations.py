"""Versions of one concept in several languages: what the editor shows side by side, and
starting a translation from a source article (docs/translations.md)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from glossary.models import Term, TermReference, language_position


@dataclass(frozen=True)
class Version:
    """One version of a concept as the editor lists it."""

    term: Term
    language_name: str
    is_current: bool
    is_source: bool
    outdated: bool


def versions_of(term: Term) -> list[Version]:
    """Every version of the term's concept, in LANGUAGES order (one query)."""
    names = dict(settings.LANGUAGES)
    rows = list(
        Term.objects.filter(concept=term.concept)
        .select_related("translation_of")
        .only(
            "title",
            "slug",
            "language",
            "status",
            "published_at",
            "source_version",
            "translation_of__content_version",
            "translation_of__language",
        )
    )
    rows.sort(key=lambda version: language_position(version.language))
    return [
        Version(
            term=version,
            language_name=names.get(version.language, version.language),
            is_current=version.pk == term.pk,
            is_source=version.translation_of_id is None,
            outdated=version.is_outdated,
        )
        for version in rows
    ]


def missing_languages(term: Term) -> list[tuple[str, str]]:
    """The site's languages the concept has no version in yet: (code, name)."""
    taken = set(Term.objects.filter(concept=term.concept).values_list("language", flat=True))
    return [(code, name) for code, name in settings.LANGUAGES if code not in taken]


class TranslationRefused(ValueError):
    """Why no translation can be started (a message for the translator)."""


def start_translation(source: Term, language: str) -> Term:
    """A draft in ``language`` prefilled from the source (text, categories), linked to its
    concept and recording the source's text version it starts from.

    The translator then rewrites title, slug, aliases and text in the draft; it is not
    public until they publish it."""
    if language not in dict(settings.LANGUAGES):
        raise TranslationRefused(
            gettext("“%(language)s” is not one of this site's languages.") % {"language": language}
        )
    with transaction.atomic():
        origin = source.translation_of or source  # translate from the original, not a copy
        if Term.objects.filter(concept=origin.concept, language=language).exists():
            raise TranslationRefused(gettext("This term already has a version in that language."))
        if origin.language == language:
            raise TranslationRefused(gettext("The source is already in that language."))
        same_language = Term.objects.filter(language=language)
        slug = origin.slug
        if same_language.filter(slug=slug).exists():
            slug = f"{slug}-{language}"[:220]
        title = origin.title
        if same_language.filter(title__iexact=title).exists():
            title = f"{title} ({language})"[:200]  # the translator gives it its own title
        draft = Term(
            title=title,
            slug=slug,
            language=language,
            translation_of=origin,
            aliases=origin.aliases,
            summary=origin.summary,
            body=origin.body,  # its [@key] citations name the same library entries
            status=Term.Status.DRAFT,
            last_reviewed=None,
        )
        draft.full_clean(exclude=["concept"])
        draft.save()
        draft.categories.set(origin.categories.all())
        copy_listed_references(origin, draft)
    return draft


def copy_listed_references(source: Term, translation: Term) -> None:
    """The source's listed references, listed on its translation too (then its reference
    list is rendered again by a save)."""
    listed = [
        TermReference(term=translation, reference_id=row.reference_id, position=row.position)
        for row in source.listed_references.all()
    ]
    if listed:
        TermReference.objects.bulk_create(listed)
        translation.save()
