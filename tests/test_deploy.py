"""The release hash in stored pages' keys follows the code, templates and packages."""

from __future__ import annotations

import pytest

from core import deploy


@pytest.fixture
def release(tmp_path, settings):
    """A source tree of one template; the hash is computed afresh on each call."""
    settings.BASE_DIR = tmp_path
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "page.html"
    template.write_text("<p>One</p>")

    def current() -> str:
        deploy.version.cache_clear()
        return deploy.version()

    yield template, current
    deploy.version.cache_clear()


def test_the_same_release_gives_the_same_hash(release):
    _, current = release
    assert current() == current()


def test_a_changed_template_changes_the_hash(release):
    template, current = release
    before = current()
    template.write_text("<p>Two</p>")
    assert current() != before


def test_a_changed_package_changes_the_hash(release, monkeypatch):
    _, current = release
    before = current()
    upgraded = [*deploy.installed_packages(), "nh3==99.0"]
    monkeypatch.setattr(deploy, "installed_packages", lambda: upgraded)
    assert current() != before
