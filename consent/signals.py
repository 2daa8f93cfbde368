"""Extension point for proof of consent (a later issue): receivers of ``consent_decided``.

Sent after every accepted/refused/saved decision, with ``request``, ``response`` and
``decision`` (a ``consent.state.Decision``: granted, refused, withdrawn, decided_at). A
proof-of-consent record can be written here and its id added to the response; nothing
in this app stores decisions server-side (upstream's LogItem is switched off).
"""

from __future__ import annotations

from django.dispatch import Signal

consent_decided = Signal()

# Sent by TrackingScript's queryset ``update()``/``delete()``, which send no model signals:
# ``before`` maps each updated script's pk to its ``snapshot()`` (empty for deletes).
scripts_changed = Signal()
