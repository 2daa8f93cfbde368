"""What a tracking script may be: one rule each for its URL, its inline code and its CSP source.

Pure functions (no database): the model validates with them, the catalog keeps only the
scripts that pass them, and the middleware builds the Content-Security-Policy from
``script_origin`` alone, so a value that was forced into the database without validation
(fixture, shell, raw SQL) is skipped instead of changing the policy.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

# A DNS name of at least two labels whose last label starts with a letter: no IP literals,
# no single-label hosts such as "localhost", no wildcards, no userinfo.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = rf"(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?"
# Path, query and fragment: RFC 3986 characters without the ones that could end a CSP
# source list or an HTML attribute (; , ' " * whitespace \ < > `).
_PATH_CHARS = r"[A-Za-z0-9\-._~!$&()+=:@/?%#]"
_EXTERNAL = re.compile(
    rf"https://(?P<host>{_HOST})(?::(?P<port>[0-9]{{1,5}}))?(?P<path>/{_PATH_CHARS}*)?",
    re.IGNORECASE,
)
_SAME_ORIGIN = re.compile(rf"/(?![/\\]){_PATH_CHARS}*")
_UNSAFE_INLINE = re.compile(r"</script|<!--|<script", re.IGNORECASE)


def normalize_code(code: str) -> str:
    """Line endings as the HTML parser gives them back, so the CSP hash matches."""
    return code.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def code_hash(code: str) -> str:
    """The CSP source expression ('sha256-...') that allows this inline code."""
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def inline_code_is_safe(code: str) -> bool:
    """Code that cannot end its <script> element early or open a comment state."""
    return not _UNSAFE_INLINE.search(code)


def script_origin(src: str) -> str | None:
    """The CSP source of an external script URL (``https://host[:port]``).

    None for a same-origin path ('self' covers it) and for anything that is not a valid
    script URL (callers must check ``src_is_valid`` first if they need to tell apart).
    """
    match = _EXTERNAL.fullmatch(src)
    if match is None or not _port_ok(match["port"]):
        return None
    port = f":{match['port']}" if match["port"] else ""
    return f"https://{match['host'].lower()}{port}"


def src_is_valid(src: str) -> bool:
    return script_origin(src) is not None or _SAME_ORIGIN.fullmatch(src) is not None


def _port_ok(port: str | None) -> bool:
    return port is None or 0 < int(port) <= 65535


def validate_script_src(value: str) -> None:
    """An https URL on a real host name (optional port), or a path on this site ("/js/x.js")."""
    if src_is_valid(value):
        return
    if value.startswith("/"):
        raise ValidationError(
            gettext(
                "A path on this site must start with a single / (not // or /\\) and may contain "
                "only letters, digits and - . _ ~ ! $ & ( ) + = : @ / ? % # (no spaces, quotes, "
                "semicolons, commas, asterisks, backslashes or control characters).",
            ),
            code="invalid_path",
        )
    if not value.lower().startswith("https://"):
        raise ValidationError(
            gettext(
                "Use an https:// URL (or a path on this site starting with /): "
                "scripts over plain http could be tampered with.",
            ),
            code="not_https",
        )
    authority = value[len("https://") :].split("/", 1)[0]
    if "@" in authority:
        raise ValidationError(
            gettext("The URL must not contain a user name or password."), code="userinfo"
        )
    raise ValidationError(
        gettext(
            "Give https:// followed by a real host name (letters, digits, hyphens, at least one "
            "dot, e.g. cdn.example.com), an optional :port, and a path without spaces, quotes, "
            "semicolons, commas, asterisks or backslashes.",
        ),
        code="invalid_url",
    )
