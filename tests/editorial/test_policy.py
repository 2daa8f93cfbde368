"""The editorial policy page: edited in the admin, rendered through the sanitizer."""

from __future__ import annotations

import pytest
from django.test import Client

from editorial.models import EditorialPolicy

pytestmark = pytest.mark.django_db


def test_the_migration_ships_a_policy(db):
    html = Client().get("/editorial-policy/").content.decode()
    assert '<h1 id="policy-title">Editorial policy</h1>' in html
    assert "Medical review." in html


def test_the_newest_policy_is_shown_sanitized(db):
    first = Client().get("/editorial-policy/")
    EditorialPolicy.objects.create(
        title="How we work", body="## Review\n\nBy **doctors**.<script>alert(1)</script>"
    )
    response = Client().get("/editorial-policy/")
    html = response.content.decode()
    assert "<strong>doctors</strong>" in html and "<script>alert" not in html
    assert "How we work" in html and first["ETag"] != response["ETag"]


def test_without_a_policy_the_page_is_404(db):
    EditorialPolicy.objects.all().delete()
    assert Client().get("/editorial-policy/").status_code == 404


def test_publishers_edit_it_in_the_admin(publisher):
    client = Client()
    client.force_login(publisher)
    policy = EditorialPolicy.objects.get()
    url = f"/admin/editorial/editorialpolicy/{policy.pk}/change/"
    response = client.post(url, {"title": "Editorial policy", "body": "New text."})
    assert response.status_code == 302
    assert "New text." in Client().get("/editorial-policy/").content.decode()
