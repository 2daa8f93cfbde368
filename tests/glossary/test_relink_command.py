"""`relink_terms` catches up the links to terms that went live on schedule."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from glossary.models import Term

pytestmark = pytest.mark.django_db


def test_scheduled_term_gets_linked_once_live_and_relinked(make_term):
    make_term(
        "Autophagy", slug="autophagy", published_at=timezone.now() + timezone.timedelta(hours=1)
    )
    article = make_term("Fasting", body="Fasting triggers autophagy.")
    assert "term-link" not in article.body_html
    Term.objects.filter(slug="autophagy").update(
        published_at=timezone.now() - timezone.timedelta(minutes=5)
    )
    call_command("relink_terms", "--recently-published", "1")
    article.refresh_from_db()
    assert 'href="/glossary/autophagy/"' in article.body_html


def test_full_relink(make_term):
    article = make_term("Fasting", body="Fasting triggers autophagy.")
    Term.objects.create(
        title="Autophagy", slug="autophagy", summary="Self-eating.", status="published"
    )
    Term.objects.filter(pk=article.pk).update(body_html="stale")
    call_command("relink_terms")
    article.refresh_from_db()
    assert 'href="/glossary/autophagy/"' in article.body_html


def test_rejects_a_non_positive_window(db):
    with pytest.raises(CommandError, match="positive number of hours"):
        call_command("relink_terms", "--recently-published", "0")
