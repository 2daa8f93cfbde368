"""The editorial seed on a fresh installation, as ``make run`` loads it: every seed article
(English, and each German and French version) has the fictional author, its own review by
the fictional reviewer and publication 1; nothing else is touched."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from editorial.models import Authorship, Person, Review
from editorial.seed import PEOPLE, load_editorial_seed
from glossary.models import Publication, Term
from glossary.seed import SEED_FILE, TRANSLATIONS_FILE
from tests.editorial.pages import jsonld_nodes, reader_html

pytestmark = pytest.mark.django_db


def seed_articles() -> set[tuple[str, str]]:
    """(language, slug) of every article the seed files ship."""
    english = {("en-gb", item["slug"]) for item in json.loads(SEED_FILE.read_text())["terms"]}
    translations = json.loads(TRANSLATIONS_FILE.read_text())["translations"]
    return english | {
        (language, version["slug"])
        for language, versions in translations.items()
        for version in versions.values()
    }


@pytest.fixture
def fresh_install(db) -> None:
    """What `make migrate` runs after the migrations."""
    call_command("load_seed_content", "--if-empty")
    call_command("load_editorial_seed")


def test_every_seed_article_and_translation_has_its_own_review(fresh_install):
    articles = seed_articles()
    terms = {(t.language, t.slug): t for t in Term.objects.all()}
    assert set(terms) == articles
    for key, term in terms.items():
        authors = list(Authorship.objects.filter(term=term).values_list("person__slug", flat=True))
        assert authors == ["sam-sample"], key
        review = Review.objects.get(term=term)
        assert review.reviewer.slug == "jane-example", key
        assert review.source_hash == term.content_hash(), key  # its own text, not its source's
        publication = Publication.objects.get(term=term)
        assert publication.number == 1 and publication.reviewer_name == "Dr. Jane Example", key


def test_a_reviewed_translation_shows_its_reviewer(fresh_install):
    html = reader_html("/de/glossary/blut-hirn-schranke/")
    assert "Dr. Jane Example" in html
    assert jsonld_nodes(html)["MedicalWebPage"]["reviewedBy"]["name"] == "Dr. Jane Example"


def test_only_fictional_people(fresh_install):
    assert set(Person.objects.values_list("slug", flat=True)) == {p["slug"] for p in PEOPLE}
    assert all("fictional" in p.specialty for p in Person.objects.all())


def test_another_article_with_a_seed_slug_is_left_alone(fresh_install, make_term):
    """An article of the site's own in another language, with a slug a seed article uses,
    is not seed content: no fictional author or review."""
    own = make_term("Miochine", slug="myokines", language="it")
    assert load_editorial_seed() == 0
    assert not Authorship.objects.filter(term=own).exists()
    assert not Publication.objects.filter(term=own).exists()


def test_running_it_again_changes_nothing(fresh_install):
    before = Publication.objects.count()
    assert load_editorial_seed() == 0
    assert Publication.objects.count() == before
