#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A machine without a secret key in its environment is a development machine: commands
    # there (createsuperuser, generate_demo_terms, audit_trackers) use the settings `make
    # run` serves. Production sets DJANGO_SECRET_KEY, so DEBUG stays off unless asked for.
    if not os.environ.get("DJANGO_SECRET_KEY"):
        os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
