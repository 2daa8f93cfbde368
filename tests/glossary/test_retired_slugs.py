"""Moved terms redirect (301) from their old address; deleted published terms answer 410."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from glossary.models import RetiredSlug, Term

pytestmark = pytest.mark.django_db


def rename(term: Term, slug: str) -> Term:
    term.slug = slug
    term.save()
    return term


def test_changing_a_published_slug_redirects_permanently(client, make_term):
    term = make_term("Autophagy", slug="autophagy")
    rename(term, "autophagy-cell-recycling")
    response = client.get("/glossary/autophagy/")
    assert response.status_code == 301
    assert response["Location"] == "/glossary/autophagy-cell-recycling/"
    assert client.get(response["Location"]).status_code == 200


def test_redirect_chains_collapse_to_the_current_address(client, make_term):
    term = make_term("Autophagy", slug="a")
    rename(term, "b")
    rename(term, "c")
    for old in ["a", "b"]:
        response = client.get(f"/glossary/{old}/")
        assert response.status_code == 301
        assert response["Location"] == "/glossary/c/"


def test_moving_back_to_an_old_slug_removes_its_redirect(client, make_term):
    term = make_term("Autophagy", slug="a")
    rename(term, "b")
    rename(term, "a")
    assert client.get("/glossary/a/").status_code == 200
    assert client.get("/glossary/b/")["Location"] == "/glossary/a/"
    assert not RetiredSlug.objects.filter(slug="a").exists()


def test_a_redirect_never_shadows_a_live_term(client, make_term):
    moved = make_term("Autophagy", slug="autophagy")
    rename(moved, "autophagy-process")
    newcomer = make_term("Autophagy (disambiguation)", slug="autophagy")
    response = client.get("/glossary/autophagy/")
    assert response.status_code == 200
    assert response.context["term"] == newcomer


def test_draft_slug_changes_leave_no_redirect(client, make_term):
    draft = make_term("Mitophagy", slug="mitophagy", status=Term.Status.DRAFT)
    rename(draft, "mitophagy-2")
    assert not RetiredSlug.objects.exists()
    assert client.get("/glossary/mitophagy/").status_code == 404


def test_redirect_to_a_term_that_went_back_to_draft_is_404_for_readers(client, make_term):
    term = make_term("Autophagy", slug="a")
    rename(term, "b")
    term.status = Term.Status.DRAFT
    term.save()
    assert client.get("/glossary/a/").status_code == 404
    staff = User.objects.create_user("staff", password="x-Example-123", is_staff=True)
    client.force_login(staff)
    assert client.get("/glossary/a/").status_code == 301


def test_deleting_a_published_term_leaves_a_410_page_in_the_site_layout(client, make_term):
    term = make_term("Autophagy", slug="autophagy")
    term.delete()
    response = client.get("/glossary/autophagy/")
    assert response.status_code == 410
    html = response.content.decode()
    assert "“Autophagy” has been removed" in html
    assert 'class="site-header"' in html
    assert '<meta name="robots" content="noindex">' in html


def test_old_addresses_of_a_deleted_term_answer_410(client, make_term):
    term = make_term("Autophagy", slug="a")
    rename(term, "b")
    term.delete()
    assert client.get("/glossary/a/").status_code == 410
    assert client.get("/glossary/b/").status_code == 410


def test_deleting_a_draft_is_a_plain_404(client, make_term):
    make_term("Draft idea", slug="draft-idea", status=Term.Status.DRAFT).delete()
    assert client.get("/glossary/draft-idea/").status_code == 404


def test_deleting_a_scheduled_term_is_a_plain_404(client, make_term):
    later = timezone.now() + timezone.timedelta(days=3)
    make_term("Coming soon", slug="coming-soon", published_at=later).delete()
    assert client.get("/glossary/coming-soon/").status_code == 404


def test_a_recreated_term_takes_its_address_back_from_the_410(client, make_term):
    make_term("Autophagy", slug="autophagy").delete()
    make_term("Autophagy", slug="autophagy")
    assert client.get("/glossary/autophagy/").status_code == 200
    assert not RetiredSlug.objects.exists()


def _retired_lookups(queries) -> int:
    return sum("glossary_retiredslug" in query["sql"] for query in queries)


def test_a_found_term_never_looks_up_retired_slugs(client, make_term):
    term = make_term("Autophagy", slug="a")
    rename(term, "b")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/glossary/b/").status_code == 200
    assert _retired_lookups(queries.captured_queries) == 0


def test_an_unknown_slug_costs_one_retired_slug_lookup(client, db):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/glossary/never-existed/").status_code == 404
    assert _retired_lookups(queries.captured_queries) == 1
