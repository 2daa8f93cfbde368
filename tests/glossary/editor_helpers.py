"""Users and helpers for the admin/editor tests (imported by test_admin*.py and friends)."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from glossary.models import Term

PASSWORD = "A-long-Editor-pass-123"


def ensure_editors_group() -> Group:
    """The group the data migration creates (recreated after a transactional flush)."""
    migration = importlib.import_module("glossary.migrations.0004_editors_group")
    migration.create_editors(django_apps, None)
    # Editors publish directly (outside the review workflow): glossary 0013.
    importlib.import_module("glossary.migrations.0013_publications").keep_editors_publishing(
        django_apps, None
    )
    # Editors keep the library of references: glossary 0017.
    importlib.import_module("glossary.migrations.0017_editors_cite_references").grant(
        django_apps, None
    )
    return Group.objects.get(name="Editors")


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user("erin", password=PASSWORD, is_staff=True)
    user.groups.add(ensure_editors_group())
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def admin_user_client(client, db):
    user = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(user)
    return client


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 120, 200, 255)[: len(mode)] if mode != "P" else 1).save(
        buffer, format=fmt
    )
    return buffer.getvalue()


def upload_file(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def term_form_data(term: Term | None = None, **overrides) -> dict:
    """The admin change form's fields as a browser would post them."""
    data = {
        "title": "Autophagy",
        "slug": "autophagy",
        "language": "en-gb",
        "translation_of": "",
        "aliases": "",
        "summary": "The cell's recycling process.",
        "body": "## Origin\n\nGreek for self-eating.\n",
        "categories": [],
        "related_terms": [],
        "status": "published",
        "published_at_0": "2026-01-01",
        "published_at_1": "10:00:00",
        "change_comment": "",
        "base_token": "",
        # The authors inline (editorial.admin), for users who may see it: none posted.
        "authorships-TOTAL_FORMS": "0",
        "authorships-INITIAL_FORMS": "0",
        "authorships-MIN_NUM_FORMS": "0",
        "authorships-MAX_NUM_FORMS": "1000",
        # The listed-references inline's management form (no rows changed).
        "listed_references-TOTAL_FORMS": "0",
        "listed_references-INITIAL_FORMS": "0",
        "listed_references-MIN_NUM_FORMS": "0",
        "listed_references-MAX_NUM_FORMS": "1000",
    }
    if term is not None:
        data.update(
            title=term.title,
            slug=term.slug,
            language=term.language,
            translation_of=term.translation_of_id or "",
            aliases=term.aliases,
            summary=term.summary,
            body=term.body,
            categories=[c.pk for c in term.categories.all()],
            related_terms=[t.pk for t in term.related_terms.all()],
            status=term.status,
            published_at_0=term.published_at.strftime("%Y-%m-%d"),
            published_at_1=term.published_at.strftime("%H:%M:%S"),
            last_reviewed=term.last_reviewed.isoformat() if term.last_reviewed else "",
            base_token=str(term.edit_token),
        )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def change_url(term: Term) -> str:
    return f"/admin/glossary/term/{term.pk}/change/"


Factory = Callable[..., Term]
