"""A term page is bounded in size, shows what surrounds the article, and its element ids
never collide with an editor's."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from django.utils import timezone

from glossary.models import RELATED_ON_PAGE, Term

pytestmark = pytest.mark.django_db

HOSTILE_BODY = """## Term previews

## Main content

## Related heading

<h2 id="term-previews">Raw heading</h2>

<h3 id="main-content">Another raw one</h3>

## Origin

## Origin
"""


def ids_in(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]*)"', html)


def test_editor_headings_never_duplicate_or_spoof_the_pages_own_ids(client, make_term):
    make_term("Myokine", slug="myokine")
    term = make_term("Exercise", slug="exercise", body=HOSTILE_BODY + "\nMyokines rise.\n")
    html = client.get(term.get_absolute_url()).content.decode()
    counts = Counter(ids_in(html))
    assert [name for name, n in counts.items() if n > 1] == []
    # The page's own preview data is still the page's, not the editor's heading.
    assert html.count('id="term-previews"') == 1
    assert '<script type="application/json" id="term-previews">' in html
    assert 'id="main-content"' in html
    assert 'id="section-term-previews"' in html
    assert 'id="section-origin"' in html and 'id="section-origin-2"' in html
    assert 'href="#section-origin-2"' in html


def test_every_heading_id_in_an_article_is_namespaced(make_term):
    term = make_term("Exercise", body=HOSTILE_BODY)
    assert ids_in(term.body_html)
    assert all(name.startswith("section-") for name in ids_in(term.body_html))


def test_a_page_shows_at_most_a_dozen_related_terms_most_linked_first(client, make_term):
    term = make_term("Hub", slug="hub")
    others = [make_term(f"Neighbour {n:02d}", slug=f"neighbour-{n:02d}") for n in range(30)]
    term.related_terms.set(others)
    popular = others[17]
    for n in range(3):
        make_term(f"Fan {n}", body="I keep mentioning neighbour 17 here.")
    assert popular.mentioned_by.count() == 3
    html = client.get(term.get_absolute_url()).content.decode()
    section = html.split('id="related-heading"', 1)[1].split("</section>", 1)[0]
    listed = re.findall(r'href="/glossary/(neighbour-\d+)/"', section)
    assert len(listed) == RELATED_ON_PAGE
    assert listed[0] == "neighbour-17"
    assert listed[1:] == [f"neighbour-{n:02d}" for n in range(RELATED_ON_PAGE) if n != 17][:11]
    assert 'href="/glossary/hub/related/"' in section


def test_the_related_page_lists_them_all(client, make_term):
    term = make_term("Hub", slug="hub")
    others = [make_term(f"Neighbour {n:02d}", slug=f"neighbour-{n:02d}") for n in range(30)]
    term.related_terms.set(others)
    html = client.get("/glossary/hub/related/").content.decode()
    assert len(set(re.findall(r'href="/glossary/(neighbour-\d+)/"', html))) == 30


def test_few_related_terms_show_without_a_more_link(client, make_term):
    term = make_term("Hub", slug="hub")
    term.related_terms.set([make_term("Neighbour", slug="neighbour")])
    html = client.get(term.get_absolute_url()).content.decode()
    assert 'href="/glossary/neighbour/"' in html
    assert "/glossary/hub/related/" not in html


def test_page_size_does_not_grow_with_the_number_of_related_terms(client, make_term):
    term = make_term("Hub", slug="hub")
    term.related_terms.set([make_term(f"Neighbour {n:03d}") for n in range(15)])
    small = len(client.get(term.get_absolute_url()).content)
    term.related_terms.add(*[make_term(f"Neighbour {n:03d}") for n in range(15, 200)])
    large = len(client.get(term.get_absolute_url()).content)
    assert large == small


def test_related_page_of_a_draft_is_404_for_readers(client, make_term):
    make_term("Hidden", slug="hidden", status=Term.Status.DRAFT)
    assert client.get("/glossary/hidden/related/").status_code == 404
    assert client.get("/glossary/nope/related/").status_code == 404


def test_what_surrounds_an_article_leaves_out_drafts_and_scheduled_terms(
    client, make_term, make_category
):
    later = timezone.now() + timezone.timedelta(hours=1)
    make_term("Alpha", slug="alpha")
    make_term("Alpha draft", slug="alpha-draft", status=Term.Status.DRAFT)
    term = make_term("Beta", slug="beta", body="See gamma and delta.")
    make_term("Beta scheduled", slug="beta-scheduled", published_at=later)
    make_term("Gamma", slug="gamma")
    delta = make_term("Delta", slug="delta")
    term.related_terms.set(
        [delta, Term.objects.get(slug="alpha-draft"), Term.objects.get(slug="beta-scheduled")]
    )
    term.categories.set([make_category("Zoology"), make_category("Anatomy")])
    term.save()  # relinked against the names now public

    html = client.get("/glossary/beta/").content.decode()
    assert 'rel="prev" href="/glossary/alpha/"' in html
    assert 'rel="next" href="/glossary/delta/"' in html  # Beta scheduled is not public yet
    related = html.split('id="related-heading"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'href="/glossary/([\w-]+)/"', related) == ["delta"]
    previews = json.loads(
        re.search(r'id="term-previews">(.*?)</script>', html).group(1)  # type: ignore[union-attr]
    )
    assert set(previews) == {"gamma", "delta"}
    assert previews["gamma"] == {"title": "Gamma", "summary": "A short definition of Gamma."}
    categories = html.split("<dt>Categories</dt>", 1)[1].split("</dd>", 1)[0]
    assert categories.index("Anatomy") < categories.index("Zoology")


def test_the_page_lists_the_first_of_the_related_page_in_the_same_order(client, make_term):
    term = make_term("Hub", slug="hub")
    others = [make_term(f"Neighbour {n:02d}", slug=f"neighbour-{n:02d}") for n in range(20)]
    term.related_terms.set(others)
    for n in range(4):
        make_term(f"Fan {n}", body=f"Mentions neighbour {n * 5:02d} and neighbour 19.")
    page = client.get(term.get_absolute_url()).content.decode()
    section = page.split('id="related-heading"', 1)[1].split("</section>", 1)[0]
    shown = re.findall(r'href="/glossary/(neighbour-\d+)/"', section)
    full = client.get("/glossary/hub/related/").content.decode()
    assert shown == re.findall(r'href="/glossary/(neighbour-\d+)/"', full)[: len(shown)]
    assert shown[0] == "neighbour-19"
