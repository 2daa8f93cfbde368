"""Production settings refuse to start insecurely, and pass Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
GOOD_KEY = "k3J9vQ2mX7pL0sR8tY4uW1zA6bC5dE2fG9hJ0kL3mN7pQ1rS4tU8vW2xY5zA9bC3dE"


def run_check(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_fails_with_a_clear_message():
    result = run_check({"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("key", ["short", "django-insecure-" + "x" * 60, "a" * 60])
def test_production_with_an_insecure_secret_key_fails(key):
    result = run_check({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": key})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is insecure" in result.stderr


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": GOOD_KEY,
    "DJANGO_ALLOWED_HOSTS": "glossary.example.org",
    "DJANGO_BEHIND_HTTPS_PROXY": "1",
}


def test_production_without_allowed_hosts_fails_with_a_clear_message():
    result = run_check({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": GOOD_KEY})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_debug_is_off_unless_asked_for():
    env = {"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "glossary.example.org"}
    result = run_check(env, "--deploy", "--fail-level", "WARNING")
    assert "security.W018" not in result.stderr  # W018: DEBUG is on


def test_commands_on_a_development_machine_need_no_variables():
    result = run_check({})  # no secret key, no DJANGO_DEBUG: what a new user types
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_documented_production_settings_pass_check_deploy():
    result = run_check(PRODUCTION, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_the_https_proxy_setting_check_deploy_names_what_is_missing():
    """Plain http (make serve on 127.0.0.1): no redirect, no secure-only cookies, no HSTS.

    check --deploy says so, rather than the settings pretending to be HTTPS.
    """
    result = run_check(
        {**PRODUCTION, "DJANGO_BEHIND_HTTPS_PROXY": "0"}, "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr, warning


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL behaviour: runs when DATABASE_URL points at PostgreSQL (CI does)",
)
def test_postgresql_connections_plan_no_parallel_workers(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
