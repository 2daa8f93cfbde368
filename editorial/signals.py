"""Edits that change what a review approved, and changes that move a review date."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from reversion import revisions

from core import stamps
from editorial import due, views, workflow
from editorial.models import Authorship, EditorialPolicy, Person
from glossary import term_page
from glossary.models import Category, Term


@receiver(post_save, sender=Term)
def term_saved(sender, instance: Term, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    # Every admin save (form, bulk action, revert) runs in a django-reversion revision
    # that names its user: the step an edit causes is recorded as that editor's.
    workflow.edited(instance, revisions.get_user() if revisions.is_active() else None)
    if instance.last_reviewed is not None and instance.review_due != due.due_date(instance):
        due.refresh([instance.pk])


@receiver(post_save, sender=Category)
def category_saved(sender, instance: Category, raw: bool = False, **kwargs) -> None:
    if not raw:
        due.refresh(instance.terms.exclude(last_reviewed=None).values_list("pk", flat=True))


@receiver(m2m_changed, sender=Term.categories.through)
def categories_changed(sender, instance, action: str, reverse: bool, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear") and not reverse:
        due.refresh([instance.pk])


@receiver(post_save, sender=Person)
@receiver(post_delete, sender=Person)
@receiver(post_save, sender=Authorship)
@receiver(post_delete, sender=Authorship)
def people_changed(sender, **kwargs) -> None:
    stamps.bump(views.PEOPLE)


@receiver(post_save, sender=Authorship)
@receiver(post_delete, sender=Authorship)
def authors_changed(sender, instance: Authorship, raw: bool = False, **kwargs) -> None:
    """The term's page and cite page credit its authors (those of a term without a
    publication as they are now): their cached copies are renewed."""
    if not raw:
        term_page.invalidate([instance.term_id])


@receiver(post_save, sender=Person)
def author_profile_changed(sender, instance: Person, raw: bool = False, **kwargs) -> None:
    """A renamed author: the pages crediting the profile as it is now (terms without a
    publication; a publication keeps the name it was published with) show the new name."""
    if not raw:
        written = Term.objects.filter(authorships__person=instance, publication_number=0)
        term_page.invalidate(written.values_list("pk", flat=True))


@receiver(post_save, sender=EditorialPolicy)
@receiver(post_delete, sender=EditorialPolicy)
def policy_changed(sender, **kwargs) -> None:
    stamps.bump(views.POLICY)
