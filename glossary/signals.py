"""Keep links and cached navigation in step when terms change (queryset deletes too)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from glossary import navigation, rendering, retired
from glossary.models import Term


@receiver(pre_delete, sender=Term)
def remember_mentions(sender, instance: Term, **kwargs) -> None:
    instance._mentioned_by_ids = list(instance.mentioned_by.values_list("pk", flat=True))


@receiver(post_delete, sender=Term)
def relink_mentions(sender, instance: Term, **kwargs) -> None:
    rendering.relink_mentions_of_deleted(getattr(instance, "_mentioned_by_ids", []))
    retired.after_term_deleted(instance)


@receiver(post_save, sender=Term)
@receiver(post_delete, sender=Term)
def forget_navigation(sender, **kwargs) -> None:
    navigation.forget()
