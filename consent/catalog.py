"""The consent catalog: categories, declared cookies and tracking scripts, cached as plain data.

Every page needs it (to read the consent cookie and to render the inert scripts), so it
lives in Django's cache (Redis when REDIS_URL is set, so an edit reaches every app server)
and costs no database query once warm. Saves and deletes (admin, ORM, ``loaddata``) forget
it through signals; ``bulk_create`` and raw SQL send no signals, so call ``invalidate()``
(or ``manage.py consent_clear_cache``) after them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from cookie_consent.cache import delete_cache as delete_upstream_cache
from django.core.cache import cache
from django.db import transaction

CACHE_KEY = "consent:catalog:v1"


@dataclass(frozen=True)
class DeclaredCookie:
    name: str
    purpose: str
    lifetime: str
    path: str = "/"
    domain: str = ""
    storage: str = "cookie"

    @property
    def is_pattern(self) -> bool:
        """A name ending in * declares every cookie with that prefix (e.g. ``_ga_*``)."""
        return self.name.endswith("*")

    def matches(self, name: str) -> bool:
        if self.is_pattern:
            return name.startswith(self.name[:-1])
        return name == self.name


@dataclass(frozen=True)
class Category:
    varname: str
    name: str
    description: str
    required: bool
    deletable: bool
    # Consent given before this moment (the newest declared cookie) is asked again.
    version: datetime | None
    cookies: tuple[DeclaredCookie, ...] = ()


@dataclass(frozen=True)
class Script:
    pk: int
    name: str
    category: str
    src: str
    code: str
    placement: str

    @property
    def code_hash(self) -> str:
        digest = hashlib.sha256(self.code.encode("utf-8")).digest()
        return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@dataclass(frozen=True)
class Catalog:
    categories: tuple[Category, ...] = ()
    scripts: tuple[Script, ...] = ()
    by_varname: dict[str, Category] = field(default_factory=dict, compare=False)

    @property
    def optional(self) -> tuple[Category, ...]:
        return tuple(category for category in self.categories if not category.required)

    def category(self, varname: str) -> Category | None:
        return self.by_varname.get(varname)


def _build() -> Catalog:
    """Two queries: categories with their cookies (one LEFT JOIN), then enabled scripts."""
    from cookie_consent.models import CookieGroup

    from consent.models import TrackingScript

    rows = CookieGroup.objects.order_by("ordering", "pk").values_list(
        "varname",
        "name",
        "description",
        "is_required",
        "is_deletable",
        "cookie__name",
        "cookie__description",
        "cookie__path",
        "cookie__domain",
        "cookie__created",
        "cookie__details__lifetime",
        "cookie__details__storage",
    )
    groups: dict[str, dict] = {}
    for varname, name, description, required, deletable, *cookie in rows:
        group = groups.setdefault(
            varname,
            {
                "varname": varname,
                "name": name,
                "description": description,
                "required": required,
                "deletable": deletable,
                "version": None,
                "cookies": [],
            },
        )
        c_name, c_purpose, c_path, c_domain, c_created, c_lifetime, c_storage = cookie
        if c_name is None:
            continue
        group["cookies"].append(
            DeclaredCookie(
                name=c_name,
                purpose=c_purpose or "",
                lifetime=c_lifetime or "",
                path=c_path or "/",
                domain=c_domain or "",
                storage=c_storage or "cookie",
            )
        )
        if c_created and (group["version"] is None or c_created > group["version"]):
            group["version"] = c_created
    categories = []
    for group in groups.values():
        group["cookies"] = tuple(sorted(group["cookies"], key=lambda cookie: cookie.name))
        version = group["version"]
        group["version"] = version.replace(microsecond=0) if version else None
        categories.append(Category(**group))
    optional = {category.varname for category in categories if not category.required}
    scripts = tuple(
        Script(
            pk=script.pk,
            name=script.name,
            category=script.category.varname,
            src=script.src,
            code=script.code,
            placement=script.placement,
        )
        for script in TrackingScript.objects.filter(enabled=True)
        .select_related("category")
        .order_by("order", "pk")
        if script.category.varname in optional
    )
    return Catalog(
        categories=tuple(categories),
        scripts=scripts,
        by_varname={category.varname: category for category in categories},
    )


def get_catalog() -> Catalog:
    """The cached catalog; built from the database only after a change or a cache flush."""
    catalog = cache.get(CACHE_KEY)
    if catalog is None:
        catalog = _build()
        cache.set(CACHE_KEY, catalog, timeout=None)
    return catalog


def invalidate() -> None:
    """Forget the catalog now and again when the current transaction commits.

    The second delete stops a request that read the old rows before the commit from
    leaving a stale copy behind. Upstream's own group cache is cleared as well.
    """
    cache.delete(CACHE_KEY)
    delete_upstream_cache()
    transaction.on_commit(_delete_after_commit)


def _delete_after_commit() -> None:
    cache.delete(CACHE_KEY)
    delete_upstream_cache()


def on_model_change(sender, **kwargs) -> None:
    """Signal receiver (post_save, post_delete, incl. loaddata's raw saves)."""
    invalidate()
