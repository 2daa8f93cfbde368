"""The single entry point for changes to glossary content: model signals to glossary.changes.

Signals (not code in Term.save) so that every path is covered the same way: save(),
the admin, reverts, deletes (queryset deletes too) and the shell. Bulk writes send no
signals; their callers hand the written ids to `changes.terms_loaded`.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from core import stamps
from glossary import changes, term_page, versions
from glossary.models import Category, Reference, RetiredSlug, Term, TermReference


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
@receiver(pre_delete, sender=Category)
def category_changed(sender, instance: Category, **kwargs) -> None:
    """Its name and address show on its terms' pages (before a delete: while it has them)."""
    term_page.invalidate(instance.terms.values_list("pk", flat=True))


@receiver(m2m_changed, sender=Term.categories.through)
@receiver(m2m_changed, sender=Term.related_terms.through)
def connections_changed(
    sender, instance, action: str, reverse: bool, pk_set: set[int] | None, **kwargs
) -> None:
    """Terms gaining or losing a category or a related term show it on their pages.

    Related terms are symmetrical: both ends change. Before a clear, the terms that are
    about to lose their connection are invalidated (after it, nobody knows them).
    """
    if sender is Term.categories.through:
        if not reverse:
            affected = {instance.pk}
        elif action == "pre_clear":
            affected = set(instance.terms.values_list("pk", flat=True))
        else:
            affected = set(pk_set or ())
    else:
        affected = {instance.pk, *(pk_set or ())}
        if action == "pre_clear":
            affected |= set(instance.related_terms.values_list("pk", flat=True))
    if action in ("pre_clear", "post_add", "post_remove"):
        term_page.invalidate(affected)


@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(post_save, sender=RetiredSlug)
@receiver(post_delete, sender=RetiredSlug)
@receiver(m2m_changed, sender=Term.categories.through)
@receiver(m2m_changed, sender=Term.related_terms.through)
def page_content_changed(sender, **kwargs) -> None:
    """Categories, old addresses and connections show on public pages too."""
    if kwargs.get("action", "post_").startswith("post_"):
        stamps.bump(versions.LISTINGS)


@receiver(pre_save, sender=Reference)
def reference_will_be_saved(sender, instance: Reference, raw: bool = False, **kwargs) -> None:
    """Remember the key it had: terms citing the old key render again too (a rename)."""
    instance._key_before = (
        Reference.objects.filter(pk=instance.pk).values_list("key", flat=True).first()
        if instance.pk
        else None
    )


@receiver(post_save, sender=Reference)
@receiver(post_delete, sender=Reference)
def reference_saved(sender, instance: Reference, **kwargs) -> None:
    """Every term citing or listing it shows its metadata: render them again."""
    keys = {instance.key, getattr(instance, "_key_before", None) or instance.key}
    changes.reference_changed(keys, [instance.pk])


@receiver(post_save, sender=TermReference)
@receiver(post_delete, sender=TermReference)
def listed_reference_changed(sender, instance: TermReference, origin=None, **kwargs) -> None:
    """A term's list of references changed (the admin's inline saves after the term)."""
    if isinstance(origin, Term) or getattr(origin, "model", None) is Term:
        return  # the term itself is being deleted (one, or a queryset of terms)
    changes.sources_changed([instance.term_id])
