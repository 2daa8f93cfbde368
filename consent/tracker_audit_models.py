"""The stored summary of each tracker self-audit (``manage.py audit_trackers``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class TrackerAudit(models.Model):
    """One run: when, against which address, what was visited, and what was found."""

    ran_at = models.DateTimeField("when", default=timezone.now, db_index=True)
    base_url = models.CharField("base URL", max_length=500)
    duration_seconds = models.FloatField(default=0)
    # Paths visited in every pass; each pass: name, what it granted, counts, error.
    pages = models.JSONField(default=list)
    passes = models.JSONField(default=list)
    undeclared = models.PositiveIntegerField(default=0)
    early = models.PositiveIntegerField("before consent", default=0)
    longer_lived = models.PositiveIntegerField("longer lived", default=0)
    third_party = models.PositiveIntegerField("other origin without consent", default=0)
    findings = models.JSONField(default=list)
    exit_status = models.PositiveSmallIntegerField(
        default=0, help_text="0 clean, 1 findings that fail the audit, 2 a pass could not run."
    )

    class Meta:
        ordering = ["-ran_at", "-pk"]
        verbose_name = "tracker audit"
        verbose_name_plural = "tracker audits"

    def __str__(self) -> str:
        return f"Audit of {self.base_url} at {self.ran_at:%Y-%m-%d %H:%M}"

    @property
    def finding_count(self) -> int:
        return self.undeclared + self.early + self.longer_lived + self.third_party
