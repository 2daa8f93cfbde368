"""The consent catalog: categories, declared cookies and tracking scripts, cached as plain data.

Every page needs it (to read the consent cookie and to render the inert scripts). It is
kept in Django's cache together with the version stamp it was built at
(``STAMP``); each request reads the stamp once (one tiny query) and rebuilds
the catalog when it moved, so a change made in any process (admin, shell, command,
another app server, raw SQL followed by ``invalidate()``) is live on the next request
everywhere, with Redis or with per-process memory.

Texts are per language (``consent.texts``): a catalog is built for one language, with
every text in it (banner, policy introduction, category names and descriptions, cookie
purposes and lifetimes) in that language, or in the default language where it is missing.
``get_catalog()`` serves the active language's; each language has its own cache entry
under the one stamp. What does not depend on the language (categories, declared cookies,
scripts, the policy version, every language's text version) is the same in all of them,
so reading a consent cookie gives the same answer whatever language is active.

Saves and deletes of the models (admin, ORM, ``loaddata``), TrackingScript queryset
``update()``/``delete()`` and ``migrate`` bump the stamp through signal receivers
(``on_model_change``), in the writer's transaction. ``bulk_create`` and raw SQL send no
signals: call ``invalidate()`` (or ``manage.py consent_clear_cache``) after them.

Only valid scripts enter the catalog (``consent.scripts``): a URL or inline code forced
into the database without validation is left out, never rendered, never in the CSP.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime

from cookie_consent.cache import delete_cache as delete_upstream_cache
from cookie_consent.models import CookieGroup
from django.core.cache import cache
from django.db import transaction

from consent import cookies as cookie_rules
from consent import scripts as script_rules
from consent import texts as text_rules
from consent.models import CategoryText, ConsentText, CookieText, PolicySettings, TrackingScript
from core import stamps

# One entry per language: CACHE_KEY + ":" + language code.
CACHE_KEY = "consent:catalog:v4"
# The version stamp of everything here (core.stamps), bumped by invalidate().
STAMP = "consent.catalog"


@dataclass(frozen=True)
class DeclaredCookie:
    name: str
    purpose: str
    lifetime: str
    path: str = "/"
    domain: str = ""
    storage: str = "cookie"
    provider: str = ""

    @property
    def is_pattern(self) -> bool:
        """A name ending in * declares every cookie with that prefix (e.g. ``_ga_*``)."""
        return self.name.endswith("*")

    def matches(self, name: str) -> bool:
        return cookie_rules.matches(self.name, name)


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
        return script_rules.code_hash(self.code)

    @property
    def origin(self) -> str | None:
        """The CSP source of an external script; None for inline code and same-origin paths."""
        return script_rules.script_origin(self.src) if self.src else None

    @property
    def is_valid(self) -> bool:
        if self.code:
            return not self.src and script_rules.inline_code_is_safe(self.code)
        return script_rules.src_is_valid(self.src)


@dataclass(frozen=True)
class Catalog:
    categories: tuple[Category, ...] = ()
    scripts: tuple[Script, ...] = ()
    by_varname: dict[str, Category] = field(default_factory=dict, compare=False)
    banner_text: str = PolicySettings.DEFAULT_BANNER_TEXT
    page_text: str = PolicySettings.DEFAULT_PAGE_TEXT
    # What visitors agree to in every language, as a short hash (``policy_version``): a
    # decision made under another version is asked again.
    policy_version: str = ""
    # The language of the texts above, and each enabled language's text version
    # (``ConsentText.text_version``): a decision made in a language counts only while
    # that language's version is the one it was made under.
    language: str = ""
    text_versions: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def text_version(self) -> int:
        """The version of this catalog's language's texts."""
        return self.text_versions.get(self.language, 1)

    @property
    def optional(self) -> tuple[Category, ...]:
        return tuple(category for category in self.categories if not category.required)

    def category(self, varname: str) -> Category | None:
        return self.by_varname.get(varname)

    @property
    def necessary_names(self) -> tuple[str, ...]:
        """Names declared in required categories: never expired, whatever else is declared."""
        return tuple(
            cookie.name
            for category in self.categories
            if category.required
            for cookie in category.cookies
        )

    def is_necessary(self, name: str) -> bool:
        return cookie_rules.is_necessary(name, self.necessary_names)


def _build(language: str) -> Catalog:
    """Five queries (seven outside the default language): categories with their cookies
    (one LEFT JOIN), enabled scripts, the policy settings, every language's banner and page
    texts, and this language's category and cookie texts."""
    categories = _categories(_group_rows())
    version = policy_version(categories, PolicySettings.current().material_changes)
    categories = _translated(categories, language)
    languages = text_rules.enabled_languages()
    stored = {row.language: row for row in ConsentText.objects.filter(language__in=languages)}
    own, default = stored.get(language), stored.get(text_rules.default_language())
    return Catalog(
        categories=tuple(categories),
        scripts=_enabled_scripts(),
        by_varname={category.varname: category for category in categories},
        banner_text=_first_text(own, default, "banner_text", PolicySettings.DEFAULT_BANNER_TEXT),
        page_text=_first_text(own, default, "page_text", PolicySettings.DEFAULT_PAGE_TEXT),
        policy_version=version,
        language=language,
        text_versions={
            code: stored[code].text_version if code in stored else 1 for code in languages
        },
    )


def _first_text(own: ConsentText | None, default: ConsentText | None, field: str, shipped: str):
    """The language's own text, else the default language's, else the shipped one."""
    for row in (own, default):
        text = (getattr(row, field, "") or "").strip() if row is not None else ""
        if text:
            return text
    return shipped


def _translated(categories: list[Category], language: str) -> list[Category]:
    """The categories with this language's names, descriptions and cookie purposes and
    lifetimes in place of the default language's, where they exist and are not blank."""
    if language == text_rules.default_language():
        return categories
    category_texts = {
        varname: (name.strip(), description.strip())
        for varname, name, description in CategoryText.objects.filter(
            texts__language=language
        ).values_list("category__varname", "name", "description")
    }
    cookie_texts = {
        (varname, name): (purpose.strip(), lifetime.strip())
        for varname, name, purpose, lifetime in CookieText.objects.filter(
            texts__language=language
        ).values_list("cookie__cookiegroup__varname", "cookie__name", "purpose", "lifetime")
    }
    translated = []
    for category in categories:
        name, description = category_texts.get(category.varname, ("", ""))
        cookies = tuple(
            _translated_cookie(cookie, cookie_texts.get((category.varname, cookie.name)))
            for cookie in category.cookies
        )
        translated.append(
            replace(
                category,
                name=name or category.name,
                description=description or category.description,
                cookies=cookies,
            )
        )
    return translated


def _translated_cookie(cookie: DeclaredCookie, text: tuple[str, str] | None) -> DeclaredCookie:
    if text is None:
        return cookie
    purpose, lifetime = text
    return replace(cookie, purpose=purpose or cookie.purpose, lifetime=lifetime or cookie.lifetime)


def _group_rows() -> dict[str, dict]:
    """Every category as the keyword arguments of ``Category``, cookies still unchecked; a
    category's ``version`` is the newest of its cookies' creation times."""
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
        "cookie__details__provider",
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
        c_name, c_purpose, c_path, c_domain, c_created, c_lifetime, c_storage, c_provider = cookie
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
                provider=c_provider or "",
            )
        )
        if c_created and (group["version"] is None or c_created > group["version"]):
            group["version"] = c_created
    return groups


def _categories(groups: dict[str, dict]) -> list[Category]:
    """The categories with only the cookies the rules allow, sorted by name."""
    necessary = [
        cookie.name
        for group in groups.values()
        if group["required"]
        for cookie in group["cookies"]
        if cookie_rules.name_is_valid(cookie.name)
    ]
    categories = []
    for group in groups.values():
        group["cookies"] = tuple(
            sorted(_usable_cookies(group, necessary), key=lambda cookie: cookie.name)
        )
        version = group["version"]
        group["version"] = version.replace(microsecond=0) if version else None
        categories.append(Category(**group))
    return categories


def _usable_cookies(group: dict, necessary: list[str]) -> list[DeclaredCookie]:
    """A name forced in without validation ("*", "a*b") or one that would cover a necessary
    cookie never reaches the withdrawal clean-up (server or consent.js)."""
    return [
        cookie
        for cookie in group["cookies"]
        if cookie_rules.name_is_valid(cookie.name)
        and (group["required"] or not cookie_rules.covers_necessary(cookie.name, necessary))
    ]


def _enabled_scripts() -> tuple[Script, ...]:
    """Enabled scripts whose URL or code passes the rules (``consent.scripts``)."""
    candidates = (
        Script(
            pk=script.pk,
            name=script.name,
            category=script.category.varname,
            src=script.src,
            code=script.code,
            placement=script.placement,
        )
        for script in TrackingScript.objects.enabled().select_related("category")
    )
    return tuple(script for script in candidates if script.is_valid)


def policy_version(categories: list[Category], material_changes: int) -> str:
    """A short hash of what a visitor agrees to in every language: each category (whether
    it is required), its declared cookies and storage keys (name, lifetime as declared in
    the default language, path, domain, storage) and the number of material changes
    privacy staff declared for the whole policy. Texts are not part of it: each language's
    texts have their own version (``ConsentText.text_version``), raised only by a change
    privacy staff mark as material, so a typo fixed in one language asks nobody again.
    Tracking scripts are not part of it either: which scripts run within a category is
    what the category's text and cookies describe.
    """
    canonical = {
        "categories": [
            {
                "varname": category.varname,
                "required": category.required,
                "cookies": [
                    [c.name, c.lifetime, c.path, c.domain, c.storage] for c in category.cookies
                ],
            }
            for category in categories
        ],
        "material_changes": material_changes,
    }
    serialized = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(serialized.encode()).hexdigest()[:12]


# Set by ConsentMiddleware for the length of a request: the stamp is read once per request.
_request_scope: ContextVar[dict | None] = ContextVar("consent_catalog_scope", default=None)


@contextmanager
def request_scope(token: stamps.Token | None = None) -> Iterator[None]:
    """Within this block, the first ``get_catalog()`` checks the stamp (unless the caller
    read it already and passes its ``token``); later calls reuse the answer (each
    language's catalog is loaded once)."""
    scope = _request_scope.set({} if token is None else {"token": token})
    try:
        yield
    finally:
        _request_scope.reset(scope)


def get_catalog(language: str | None = None) -> Catalog:
    """The current catalog in ``language`` (default: the active language, see
    ``texts.resolve``): one stamp query (once per request), a rebuild only after a change."""
    language = text_rules.resolve(language)
    scope = _request_scope.get()
    if scope is None:
        return _load(language, stamps.token(STAMP))
    if "token" not in scope:
        scope["token"] = stamps.token(STAMP)
    catalogs = scope.setdefault("catalogs", {})
    if language not in catalogs:
        catalogs[language] = _load(language, scope["token"])
    return catalogs[language]


# This process's copy of each language's catalog with the token it was built for: a
# request whose stamp still matches uses it as it is, without unpickling the shared
# cache's copy every time.
_process_copies: dict[str, tuple[stamps.Token, Catalog]] = {}


def _load(language: str, token: stamps.Token) -> Catalog:
    # The stamp first (the caller read it), then the data (see core.stamps). changed_at
    # makes the token unique even if a transaction that bumped the number (and built a
    # catalog) was rolled back.
    local = _process_copies.get(language)
    if local is not None and local[0] == token:
        return local[1]
    key = f"{CACHE_KEY}:{language}"
    cached = cache.get(key)
    if cached is not None and cached[0] == token:
        catalog = cached[1]
    else:
        catalog = _build(language)
        cache.set(key, (token, catalog), timeout=None)
    _process_copies[language] = (token, catalog)
    return catalog


def forget_process_copy() -> None:
    """Drop this process's copies (tests that empty the caches between them)."""
    _process_copies.clear()


def invalidate() -> None:
    """Announce a change: bump the stamp in the current transaction (every process sees it on
    its next request) and forget this request's copy. Upstream's group cache is cleared too.
    """
    stamps.bump(STAMP)
    scope = _request_scope.get()
    if scope is not None:
        scope.clear()
    delete_upstream_cache()
    transaction.on_commit(delete_upstream_cache)


def on_model_change(sender, **kwargs) -> None:
    """Signal receiver: post_save/post_delete (incl. loaddata's raw saves), bulk script
    changes, post_migrate."""
    invalidate()
