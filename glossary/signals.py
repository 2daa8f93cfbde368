"""Keep other articles' links in step when a term is deleted (also for queryset deletes)."""

from __future__ import annotations

from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from glossary import rendering, retired
from glossary.models import Term


@receiver(pre_delete, sender=Term)
def remember_mentions(sender, instance: Term, **kwargs) -> None:
    instance._mentioned_by_ids = list(instance.mentioned_by.values_list("pk", flat=True))


@receiver(post_delete, sender=Term)
def relink_mentions(sender, instance: Term, **kwargs) -> None:
    rendering.relink_mentions_of_deleted(getattr(instance, "_mentioned_by_ids", []))
    retired.after_term_deleted(instance)
