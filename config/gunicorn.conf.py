"""gunicorn settings for the production configuration (`make serve`, deployments).

    gunicorn -c config/gunicorn.conf.py                       # 127.0.0.1:8000
    gunicorn -c config/gunicorn.conf.py --bind 0.0.0.0:8000   # flags override this file

Sync workers: every request is short (no streaming, no websockets). WEB_CONCURRENCY
overrides the number of workers, as on most hosting platforms.
"""

from __future__ import annotations

import os

wsgi_app = "config.wsgi:application"
bind = ["127.0.0.1:8000"]


def _env_bool(name: str) -> bool:
    """Read as config/settings.py reads it (unset or blank: off)."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


# Django alone decides whether a request came over HTTPS: from X-Forwarded-Proto, and only
# when DJANGO_BEHIND_HTTPS_PROXY says a proxy in front sets it (SECURE_PROXY_SSL_HEADER).
# gunicorn's defaults would also believe X-Forwarded-Ssl/-Protocol from 127.0.0.1 and
# mark the request secure itself, so a plain-http request carrying them skipped the
# HTTPS redirect. No address is trusted with forwarded headers; over a unix socket
# (always trusted by gunicorn) only the header Django reads counts, and only behind the proxy.
forwarded_allow_ips = ""
secure_scheme_headers = (
    {"X-FORWARDED-PROTO": "https"} if _env_bool("DJANGO_BEHIND_HTTPS_PROXY") else {}
)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Two per core plus one: a worker waiting on the database leaves the core to another.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1)
worker_class = "sync"
# A request that takes longer is stuck: the worker is killed and replaced.
timeout = 30
graceful_timeout = 30
# Behind a proxy that reuses connections; short, so idle clients do not hold workers.
keepalive = 5
# Load Django once in the master and fork workers from it: a replaced worker starts in
# milliseconds instead of a third of a second of imports (nothing opens a database or
# cache connection while loading, so workers share none).
preload_app = True


def post_worker_init(worker) -> None:
    """Each worker opens its own database connection, runs the search statements once
    before its first request (core.warmup: the templates are
    compiled in the master)."""
    from core.warmup import prepare_worker

    prepare_worker()


# Replace workers now and then, so a slow leak can never grow without bound; rarely,
# because a new worker's first requests are slower (measured: replacing every 2,000
# requests put a 300 ms p99 on every page, static files included).
max_requests = 20000
max_requests_jitter = 2000
# Requests with huge header lines or too many headers are refused before Django.
limit_request_line = 8190
limit_request_fields = 100

# No runtime control socket (gunicorn 25+): nothing uses it, and several servers on one
# machine would share its default path.
control_socket_disable = True

# Access log to stdout, errors to stderr: the process manager collects both.
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
