"""The stored summary of each tracker self-audit (``manage.py audit_trackers``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class TrackerAudit(models.Model):
    """One run: when, against which address, what was visited, and what was found."""

    ran_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    base_url = models.CharField(_("base URL"), max_length=500)
    duration_seconds = models.FloatField(_("duration seconds"), default=0)
    # Paths visited in every pass; each pass: name, what it granted, counts, error.
    pages = models.JSONField(_("pages"), default=list)
    passes = models.JSONField(_("passes"), default=list)
    undeclared = models.PositiveIntegerField(_("undeclared"), default=0)
    early = models.PositiveIntegerField(_("before consent"), default=0)
    longer_lived = models.PositiveIntegerField(_("longer lived"), default=0)
    third_party = models.PositiveIntegerField(_("other origin without consent"), default=0)
    findings = models.JSONField(_("findings"), default=list)
    exit_status = models.PositiveSmallIntegerField(
        _("exit status"),
        default=0,
        help_text=_("0 clean, 1 findings that fail the audit, 2 a pass could not run."),
    )

    class Meta:
        ordering = ["-ran_at", "-pk"]
        verbose_name = _("tracker audit")
        verbose_name_plural = _("tracker audits")

    def __str__(self) -> str:
        return gettext("Audit of %(address)s at %(time)s") % {
            "address": self.base_url,
            "time": f"{self.ran_at:%Y-%m-%d %H:%M}",
        }

    @property
    def finding_count(self) -> int:
        return self.undeclared + self.early + self.longer_lived + self.third_party
