"""The single entry point for changes to glossary content: model signals to glossary.changes.

Signals (not code in Term.save) so that every path is covered the same way: save(),
the admin, reverts, deletes (queryset deletes too) and the shell. Bulk writes send no
signals; their callers hand the written ids to `changes.terms_loaded`.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from core import stamps
from glossary import changes
from glossary.models import Category, RetiredSlug, Term


@receiver(pre_save, sender=Term)
def term_will_be_saved(sender, instance: Term, raw: bool = False, **kwargs) -> None:
    if not raw:
        changes.before_save(instance)


@receiver(post_save, sender=Term)
def term_saved(sender, instance: Term, **kwargs) -> None:
    changes.after_save(instance)


@receiver(pre_delete, sender=Term)
def term_will_be_deleted(sender, instance: Term, **kwargs) -> None:
    changes.before_delete(instance)


@receiver(post_delete, sender=Term)
def term_deleted(sender, instance: Term, **kwargs) -> None:
    changes.after_delete(instance)


@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(post_save, sender=RetiredSlug)
@receiver(post_delete, sender=RetiredSlug)
@receiver(m2m_changed, sender=Term.categories.through)
@receiver(m2m_changed, sender=Term.related_terms.through)
def page_content_changed(sender, **kwargs) -> None:
    """Categories, old addresses and connections show on public pages too."""
    if kwargs.get("action", "post_").startswith("post_"):
        stamps.bump(stamps.CONTENT)
