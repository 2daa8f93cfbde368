"""Every change to a tracking script is recorded: who, when, and the audited fields before/after.

Recorded from model signals, so every path is covered (admin, shell, commands, fixtures,
queryset ``update()``/``delete()``). The admin names the user with ``acting_as``; any
other change is recorded as made outside the admin.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from consent import signals
from consent.models import TrackingScript, TrackingScriptChange

OUTSIDE_ADMIN = "outside the admin (shell, command or fixture)"

_actor: ContextVar[Any] = ContextVar("consent_script_actor", default=None)
_BEFORE_ATTR = "_consent_audit_before"


@contextmanager
def acting_as(user) -> Iterator[None]:
    """Credit the script changes made inside this block to ``user``."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def record(
    script: TrackingScript | None,
    name: str,
    action: str,
    before: dict | None,
    after: dict | None,
) -> TrackingScriptChange | None:
    if action == TrackingScriptChange.Action.CHANGED and before == after:
        return None
    user = _actor.get()
    return TrackingScriptChange.objects.create(
        script=script,
        script_name=name,
        action=action,
        changed_by=user if user is not None and user.pk else None,
        changed_by_name=user.get_username() if user is not None else OUTSIDE_ADMIN,
        before=before,
        after=after,
    )


def _stored(pk) -> TrackingScript | None:
    if pk is None:
        return None
    return TrackingScript.objects.select_related("category").filter(pk=pk).first()


def _before_save(sender, instance: TrackingScript, **kwargs) -> None:
    stored = _stored(instance.pk)
    setattr(instance, _BEFORE_ATTR, stored.snapshot() if stored else None)


def _after_save(sender, instance: TrackingScript, created: bool, **kwargs) -> None:
    before = getattr(instance, _BEFORE_ATTR, None)
    action = (
        TrackingScriptChange.Action.ADDED
        if created or before is None
        else TrackingScriptChange.Action.CHANGED
    )
    record(instance, instance.name, action, before, instance.snapshot())


def _after_delete(sender, instance: TrackingScript, **kwargs) -> None:
    record(None, instance.name, TrackingScriptChange.Action.DELETED, instance.snapshot(), None)


def _after_bulk_update(sender, before: dict[int, dict], **kwargs) -> None:
    for script in TrackingScript.objects.select_related("category").filter(pk__in=list(before)):
        record(
            script,
            script.name,
            TrackingScriptChange.Action.CHANGED,
            before[script.pk],
            script.snapshot(),
        )


def connect() -> None:
    uid = "consent-script-audit"
    pre_save.connect(_before_save, sender=TrackingScript, dispatch_uid=f"{uid}-pre")
    post_save.connect(_after_save, sender=TrackingScript, dispatch_uid=f"{uid}-post")
    post_delete.connect(_after_delete, sender=TrackingScript, dispatch_uid=f"{uid}-delete")
    signals.scripts_changed.connect(_after_bulk_update, dispatch_uid=f"{uid}-bulk")
