"""Which release renders the pages: a short hash of the code and templates that make them.

Stored renderings (``core.page_cache``, ``glossary.term_page``) outlive a deploy in a
shared Redis. Their keys carry this hash, so a new release never serves HTML that the
old one rendered (stylesheet addresses, markup), and two releases running side by side
during a rolling deploy keep apart. Installed packages count too: a new Django or nh3
may render differently.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata

from django.conf import settings

# Everything whose change can change a page's bytes.
SOURCES = ("templates", "static", "config", "core", "consent", "glossary")
SUFFIXES = frozenset({".py", ".html", ".txt", ".css", ".js", ".svg", ".json"})


@functools.cache
def version() -> str:
    """Computed once per process (a few milliseconds: the files are small)."""
    digest = hashlib.sha256()
    base = settings.BASE_DIR
    for source in SOURCES:
        for path in sorted((base / source).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and "migrations" not in path.parts:
                digest.update(path.relative_to(base).as_posix().encode())
                digest.update(path.read_bytes())
    digest.update("\n".join(installed_packages()).encode())
    return digest.hexdigest()[:12]


def installed_packages() -> list[str]:
    """Every installed distribution as name==version, sorted."""
    return sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()
    )
