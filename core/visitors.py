"""Who is asking: staff or an anonymous reader, without touching sessions needlessly.

Reading ``request.user`` loads the session, and a loaded session adds ``Vary: Cookie``
(and, with a session cookie, a database query). An anonymous reader has no session
cookie, so the answer is known without loading anything, and their page stays the same
for every reader.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def has_session_cookie(request: HttpRequest) -> bool:
    return bool(request.COOKIES.get(settings.SESSION_COOKIE_NAME))


def is_staff(request: HttpRequest) -> bool:
    """A logged-in, active staff member (previews, drafts); False without a session cookie."""
    if not has_session_cookie(request):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


def is_authenticated(request: HttpRequest) -> bool:
    """Any logged-in user; False without a session cookie (nothing is loaded)."""
    if not has_session_cookie(request):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
