"""On right-to-left (Arabic) pages, left-to-right identifiers and content in another
language are isolated, so an address keeps its trailing slash at its end and an English
category description its full stop."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
URL = "http://testserver/ar/glossary/autophagy-ar/"


@pytest.fixture
def arabic(make_term, make_category):
    category = make_category("Cell biology", slug="cell-biology", description="How cells work.")
    return make_term("الالتهام الذاتي", slug="autophagy-ar", language="ar", categories=[category])


def test_the_cite_page_isolates_the_address_and_the_citations(client, arabic):
    html = client.get("/ar/glossary/autophagy-ar/cite/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert f'<a href="{URL}" dir="ltr">{URL}</a>' in html
    styles = html.split('<dl class="cite-styles">', 1)[1].split("</dl>", 1)[0]
    assert styles.count('<dd dir="ltr">') == 3 and "<dd>" not in styles


def test_the_term_page_isolates_its_citations_and_category_names(client, arabic):
    html = client.get("/ar/glossary/autophagy-ar/").content.decode()
    block = html.split('<details class="cite-this">', 1)[1].split("</details>", 1)[0]
    assert block.count('<dd dir="ltr">') == 3 and f"{URL}</dd>" in block
    assert '<a href="/ar/categories/cell-biology/"><bdi>Cell biology</bdi></a>' in html


def test_category_names_and_descriptions_on_listings(client, arabic):
    home = client.get("/ar/").content.decode()
    assert "<bdi>Cell biology</bdi></a>" in home
    assert '<p dir="auto">How cells work.</p>' in home
    page = client.get("/ar/categories/cell-biology/").content.decode()
    assert '<h1 dir="auto">Cell biology</h1>' in page
    assert '<p class="lead" dir="auto">How cells work.</p>' in page


def test_reference_entries_take_their_own_direction():
    """The reference list is stored HTML: the style sheet isolates its entries' links."""
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
    assert ".references li { unicode-bidi: plaintext; }" in css
    assert ".references li a { unicode-bidi: isolate; }" in css
