"""Logging filters for ``settings.LOGGING``."""

from __future__ import annotations

import logging


class DropDeliberate503(logging.Filter):
    """Django logs every 5xx as a server error. A 503 is this site answering on purpose
    (``core.faults`` when the database is down, ``/healthz`` when a dependency is), and
    it was logged as a warning naming the cause already: once is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 503
