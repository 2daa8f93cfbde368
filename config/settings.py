"""Settings for the glossary site.

Everything that differs between a laptop and production is read from the
environment here, and only here; the rest of the code reads django.conf.settings.
Defaults are for local development (SQLite, no Redis) except DEBUG, which is off unless
DJANGO_DEBUG=1 (`make run` sets it; the test suite defaults to it, see _TESTING).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_DEV_SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in _TRUE


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


_TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")
# Off unless asked for. Tests start from the development configuration (test runners turn
# DEBUG off while tests run); tests/test_settings.py checks production in a subprocess.
DEBUG = _env_bool("DJANGO_DEBUG", _TESTING)
# TLS ends at a proxy in front of the app servers, which sets X-Forwarded-Proto. Turns on
# every HTTPS-only setting (redirect, secure cookies, HSTS). Off: plain http works (make serve).
BEHIND_HTTPS_PROXY = _env_bool("DJANGO_BEHIND_HTTPS_PROXY", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG=0 the site refuses to start "
            "without a secret key: set DJANGO_SECRET_KEY to a long random string "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (
    SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is insecure (shorter than 50 characters, too few distinct "
        "characters, or a 'django-insecure' key). Generate a new one for production."
    )

ALLOWED_HOSTS = _env_list(
    "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else ""
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. With DJANGO_DEBUG=0 it must list the host names "
        "the site answers to, comma-separated (e.g. DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost "
        "for make serve, or glossary.example.org)."
    )
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "markdownx",
    "reversion",
    "cookie_consent",
    "core",
    "glossary",
    "consent",
    "editorial",
]

MIDDLEWARE = [
    # First: /healthz answers from here, before host checks, redirects and sessions.
    "config.middleware.HealthCheckMiddleware",
    # The language comes from the URL prefix only (i18n_patterns without a prefix for
    # English): never from a cookie or Accept-Language, which would make pages differ.
    # Above the page cache: resolving a /de/ address needs German active, and a 503 from
    # the cache's own lookup speaks the address's language.
    "config.middleware.UrlLanguageMiddleware",
    # Above the page cache (keyed on the URL only): a visitor arriving at / from
    # elsewhere whose browser prefers another language is redirected before any lookup.
    "config.middleware.HomeLanguageRedirectMiddleware",
    # Whole-response cache (core.page_cache): keeps the final response of everything
    # below (security headers, gzip, CSP, Vary, X-Frame-Options), so a hit skips all of
    # it; answers If-None-Match on the pages it marks public with 304. Static files skip
    # it: WhiteNoise serves them below.
    # A plain-http request never finds an entry when SECURE_SSL_REDIRECT is on: its key
    # holds the scheme, and the redirect below is never stored.
    "core.middleware.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 304 for everything else that carries an ETag (the page cache answers its own).
    "django.middleware.http.ConditionalGetMiddleware",
    # gzip; before anything that reads or writes the body.
    "core.middleware.PageGZipMiddleware",
    "csp.middleware.CSPMiddleware",
    # After CSPMiddleware: adds tracking-script hosts/hashes to the CSP, Vary: Cookie.
    "consent.middleware.ConsentMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A view that cannot reach the database: 503 page with Retry-After, not 500.
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "glossary.context_processors.site",
                "consent.context_processors.consent",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while an editor saves; busy timeout avoids "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Persistent like PostgreSQL's (DATABASE_CONN_MAX_AGE): opening a SQLite connection
    # runs the PRAGMAs above and costs more than a page-cache hit itself (~4 ms vs ~1 ms).
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Every query here is a short index lookup answered while other requests wait for the
    # same cores: a parallel plan only adds its workers' start-up (a term page's link
    # lookup took 4 ms instead of 0.2 ms when the planner chose one).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c max_parallel_workers_per_gather=0")

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down: misses and no-ops, so pages come from the database (never a 500).
            "BACKEND": "core.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "glossary"),
            "TIMEOUT": 600,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "glossary",
            "TIMEOUT": 600,
        }
    }

# Whole-response cache of public pages (core.page_cache). Keys change with what a page
# shows, so this only bounds the memory entries hold (and never past the next scheduled
# publication). Shared caches (CDN) may keep a page PAGE_CACHE_SHARED_MAX_AGE seconds
# (s-maxage); browsers revalidate (ETag, max-age=0).
PAGE_CACHE_ENABLED = _env_bool("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "3600"))
PAGE_CACHE_SHARED_MAX_AGE = int(os.environ.get("PAGE_CACHE_SHARED_MAX_AGE", "60"))
# What each gunicorn worker does before its first request (core.warmup.prepare_worker).
WORKER_WARM_UPS = ["glossary.search.warm_up"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
# British English at today's addresses; every other language under its prefix (/de/…),
# so the URL alone decides the language and every page stays cacheable.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or _TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 3600

# --- Security ----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Powerful browser features nobody on this site needs, for this page and any frame in it.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# The largest request body (form fields; uploaded files are not counted) before a 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _env_bool("DJANGO_HSTS_PRELOAD", True)
    if not SECURE_HSTS_PRELOAD:
        # A deliberate choice (e.g. subdomains not all on HTTPS yet), documented in the README.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Strict Content-Security-Policy: no inline scripts, no third-party hosts by default.
# JSON-LD and JSON data blocks are not executed, so they need no exception.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Email (editorial workflow notifications) -------------------------------
# Development prints messages on the console; production sends through SMTP.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "glossary@localhost")

# --- Site --------------------------------------------------------------------
SITE_NAME = os.environ.get("SITE_NAME", "Longevity Glossary")
# Marked for translation: shown on every page in the page's language.
SITE_DESCRIPTION = gettext_lazy(
    "Plain-language definitions of health and longevity terms, with references."
)
# Used for canonical URLs in feeds, sitemaps and JSON-LD when no request is at hand.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The admin on its own host name (consent.hosts): then /admin/ is 404 on every other host
# and that host serves only the admin. Also list it in DJANGO_ALLOWED_HOSTS.
ADMIN_HOST = os.environ.get("DJANGO_ADMIN_HOST", "").strip().lower()
GLOSSARY_LETTER_PAGE_SIZE = 100
GLOSSARY_SEARCH_PAGE_SIZE = 20

# --- django-markdownx ----------------------------------------------------------
MARKDOWNX_MARKDOWNIFY_FUNCTION = "glossary.name_index.render_preview"
MARKDOWNX_URLS_PATH = "/admin/glossary/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/admin/glossary/markdownx/upload/"
MARKDOWNX_MEDIA_PATH = "uploads/"
MARKDOWNX_UPLOAD_MAX_SIZE = int(os.environ.get("UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
MARKDOWNX_UPLOAD_CONTENT_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
# Editor uploads (glossary.uploads): decoded images only, within these limits.
GLOSSARY_UPLOAD_MAX_PIXELS = int(os.environ.get("UPLOAD_MAX_PIXELS", str(40_000_000)))
# Serve MEDIA_ROOT from Django (with nosniff). On for `make run`; in production let the
# web server or object storage serve /media/ and leave this off.
GLOSSARY_SERVE_MEDIA = _env_bool("DJANGO_SERVE_MEDIA", DEBUG)

# --- django-cookie-consent -------------------------------------------------------
COOKIE_CONSENT_NAME = "cookie_consent"
# The consent cookie lives as long as the decision it holds (CONSENT_MAX_AGE_DAYS, below).
COOKIE_CONSENT_MAX_AGE = 60 * 60 * 24 * int(os.environ.get("CONSENT_MAX_AGE_DAYS", "180"))
COOKIE_CONSENT_SECURE = BEHIND_HTTPS_PROXY
COOKIE_CONSENT_HTTPONLY = False  # consent.js reads it to activate scripts without a request
COOKIE_CONSENT_SAMESITE = "Lax"
COOKIE_CONSENT_LOG_ENABLED = False  # its LogItem proves nothing; proof of consent is ours

# --- Consent policy (read by consent/conf.py; checked at startup) ----------------------
CONSENT_MAX_AGE_DAYS = int(os.environ.get("CONSENT_MAX_AGE_DAYS", "180"))  # at most 395
CONSENT_RECORD_RETENTION_DAYS = int(os.environ.get("CONSENT_RECORD_RETENTION_DAYS", "1095"))
# Bounds per client (a keyed hash of its address, held in the cache for the window only):
# recorded decisions (consent/throttle.py) and counted page views (config/beacons.py).
# Behind a proxy, name the request.META key of the header it overwrites with the client's
# address (e.g. HTTP_X_REAL_IP), or every client shares the proxy's address and budgets.
CONSENT_CLIENT_ADDRESS_HEADER = os.environ.get("CONSENT_CLIENT_ADDRESS_HEADER", "")
CONSENT_RECORDS_PER_CLIENT = int(os.environ.get("CONSENT_RECORDS_PER_CLIENT", "30"))
CONSENT_RECORD_WINDOW_SECONDS = int(os.environ.get("CONSENT_RECORD_WINDOW_SECONDS", "600"))
PAGEVIEWS_PER_CLIENT = int(os.environ.get("PAGEVIEWS_PER_CLIENT", "120"))
PAGEVIEWS_WINDOW_SECONDS = int(os.environ.get("PAGEVIEWS_WINDOW_SECONDS", "1800"))
CONSENT_GOOGLE_TAG_ID = os.environ.get("CONSENT_GOOGLE_TAG_ID", "").strip()
# Blocked-request reports (/csp-reports/, consent/csp_reports.py): the largest body taken,
# reports one client may send per window, and distinct (directive, origin) rows per day
# before new origins are counted under "other".
CSP_REPORT_MAX_BYTES = 8192
CSP_REPORTS_PER_CLIENT = 100
CSP_REPORT_WINDOW_SECONDS = 600
CSP_REPORT_MAX_ROWS_PER_DAY = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"drop_deliberate_503": {"()": "core.logging_filters.DropDeliberate503"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {"django.request": {"filters": ["drop_deliberate_503"]}},
}
