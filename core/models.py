"""What every app shares: version stamps that say when cached data went stale."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stamp(models.Model):
    """A named counter, bumped in the same transaction as the change it announces.

    Caches in any process compare the number they were built at with the number in the
    database, so a change made anywhere (admin, command, shell, another server) is seen
    on the next read everywhere, with or without a shared cache.
    """

    key = models.CharField(max_length=60, primary_key=True)
    value = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stamp")
        verbose_name_plural = _("stamps")

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"
