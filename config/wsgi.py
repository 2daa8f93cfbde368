"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# After the application is set up: under gunicorn (preload_app) this runs once in the
# master, and every worker forked from it starts with compiled templates.
from core.warmup import prepare_process  # noqa: E402

prepare_process()
