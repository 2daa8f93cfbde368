"""What readers see: the published version (kept while an edit waits for review), the
review badge, permanent version pages, the changelog and the JSON-LD, over HTTP with the
page cache on."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from editorial import due
from glossary.models import Publication, Term
from tests.editorial.pages import jsonld_nodes, reader_html

pytestmark = pytest.mark.django_db
URL = "/glossary/autophagy/"


class TestPublishedVersionStaysUntilReviewed:
    def test_an_edit_waits_for_review_and_publication(
        self, published, writer, reviewer, publisher, as_user, step
    ):
        assert "First text." in reader_html(URL)  # and now in the page cache
        published.body = published.body.replace("First text.", "Second text, unreviewed.")
        published.save()

        html = reader_html(URL)
        assert "First text." in html and "Second text" not in html
        # Staff see the live row, with a notice that readers see version 1.
        staff = as_user(writer).get(URL).content.decode()
        assert "Second text, unreviewed." in staff and "Readers see the published version" in staff

        step(as_user(writer), published, "submit")
        assert "First text." in reader_html(URL)
        step(as_user(reviewer), published, "approve")
        assert "First text." in reader_html(URL)  # approved is not yet public
        step(as_user(publisher), published, "publish", note="Rewrote the mechanism.")

        html = reader_html(URL)
        assert "Second text, unreviewed." in html and "First text." not in html
        assert Publication.objects.filter(term=published).count() == 2
        # The first version stays readable at its permanent address.
        assert "First text." in reader_html("/glossary/autophagy/v/1/")

    def test_a_term_outside_the_workflow_shows_its_live_row(self, make_term):
        term = make_term("Legacy", slug="legacy", body="Live words.")
        html = reader_html("/glossary/legacy/")
        assert "Live words." in html and "Medically reviewed by" not in html
        term.body = "Edited live words."
        term.save()
        assert "Edited live words." in reader_html("/glossary/legacy/")

    def test_a_new_publication_renews_the_cached_page(self, published, publish_correction):
        before = Client().get(URL)
        publish_correction(published, "The cell's own recycling.", "Wording only.")
        after = Client().get(URL)
        assert before["ETag"] != after["ETag"]
        assert "The cell&#x27;s own recycling." in after.content.decode()


class TestEverywhereReadersMeetAHeldTerm:
    """While an edit waits for review, every place that names the term shows what its
    page shows: the published title and summary, never the unreviewed text."""

    UNREVIEWED = "Unreviewed claim: it reverses ageing."

    @pytest.fixture
    def held(self, published, make_term, make_category) -> Term:
        category = make_category("Cell biology", slug="cell-biology")
        published.categories.add(category)
        fasting = make_term(
            "Fasting", slug="fasting", body="## Mechanism\n\nFasting triggers autophagy.\n"
        )
        fasting.related_terms.add(published)
        for path in self.PAGES:  # cached before the edit, as on a running site
            Client().get(path)
        published.summary = self.UNREVIEWED
        published.body += "\nA zebrawordunreviewed sentence.\n"
        published.save()
        return published

    PAGES = [
        "/",
        "/glossary/letter/a/",
        "/categories/cell-biology/",
        "/glossary/fasting/related/",
        "/feed/",
    ]

    @pytest.mark.parametrize("path", PAGES)
    def test_listings_and_the_feed(self, held, path):
        html = reader_html(path)
        assert "The cell&#x27;s recycling process." in html or "The cell's recycling" in html
        assert "Autophagy" in html and "reverses ageing" not in html

    @pytest.mark.parametrize(
        "path", ["/glossary/", "/glossary/letter/a/", "/search/?q=autophagy", "/feed/"]
    )
    def test_a_held_rename_keeps_the_published_title(self, held, path):
        held.title = "Autophagy flux"
        held.save()
        html = reader_html(path)
        assert "Autophagy" in html and "Autophagy flux" not in html

    def test_link_previews_and_related_terms_on_another_term_page(self, held):
        html = reader_html("/glossary/fasting/")
        previews = re.search(r'<script[^>]* id="term-previews"[^>]*>(.*?)</script>', html, re.S)
        assert previews and "recycling process" in previews.group(1)
        related = html.split('aria-labelledby="related-heading"', 1)[1]
        assert 'href="/glossary/autophagy/"' in related
        assert "reverses ageing" not in html

    def test_search_results(self, held):
        for query in ("autophagy", "zebrawordunreviewed"):
            html = reader_html(f"/search/?q={query}")
            assert 'href="/glossary/autophagy/"' in html, query
            assert "reverses ageing" not in html, query
            results = re.search(r'<ol class="search-results".*?</ol>', html, re.S).group(0)
            assert "zebrawordunreviewed" not in results and "recycling process" in results

    def test_once_published_every_place_shows_the_new_version(
        self, held, writer, reviewer, publisher, as_user, step
    ):
        step(as_user(writer), held, "submit")
        step(as_user(reviewer), held, "approve")
        step(as_user(publisher), held, "publish", note="Revised.")
        assert "reverses ageing" in reader_html("/glossary/letter/a/")
        assert "reverses ageing" in reader_html("/feed/")
        assert "reverses ageing" in reader_html("/glossary/fasting/")  # its link preview


def test_a_published_version_costs_its_page_one_query(
    published, client, warm_caches, django_assert_max_num_queries
):
    """The term page budget of tests/consent/test_catalog.py, with the publications read."""
    warm_caches()
    with django_assert_max_num_queries(8) as page:
        assert client.get(URL, {"uncached": "1"}).status_code == 200
    assert sum("glossary_publication" in q["sql"] for q in page.captured_queries) == 1


class TestReviewBadge:
    def test_reviewed_by_written_by_and_next_review(self, published):
        html = reader_html(URL)
        today = timezone.localdate()
        assert re.search(
            r'Medically reviewed by <a href="/people/rita-review/">'
            r"<bdi>Dr\. Rita Review, MD, PhD</bdi></a>"
            rf' on <time datetime="{today:%Y-%m-%d}">',
            html,
        )
        assert 'Written by <a href="/people/wendy-writer/">Wendy Writer</a>' in html
        next_review = due.add_months(today, 12)
        assert f'Next review due: <time datetime="{next_review:%Y-%m-%d}">' in html
        assert '<a href="/editorial-policy/">How we write and review</a>' in html

    def test_the_category_and_the_term_set_the_review_interval(self, published, make_category):
        fast = make_category("Fast-moving", review_interval_months=6)
        published.categories.add(fast)
        today = timezone.localdate()
        published.refresh_from_db()
        assert published.review_due == due.add_months(today, 6)
        assert f'datetime="{due.add_months(today, 6):%Y-%m-%d}"' in reader_html(URL)
        published.review_interval_months = 3
        published.save()
        published.refresh_from_db()
        assert published.review_due == due.add_months(today, 3)

    def test_a_non_medical_publication_of_a_never_reviewed_term_has_no_badge(
        self, draft, publisher, as_user, step
    ):
        step(as_user(publisher), draft, "publish", non_medical="1", non_medical_reason="Stub.")
        html = reader_html(URL)
        assert "Medically reviewed by" not in html and "Not yet medically reviewed." in html

    def test_every_term_links_to_the_editorial_policy(self, make_term):
        make_term("Plain", slug="plain")
        assert 'href="/editorial-policy/"' in reader_html("/glossary/plain/")


class TestStructuredData:
    def test_medical_web_page_with_reviewer_author_and_about(self, published):
        nodes = jsonld_nodes(reader_html(URL))
        page = nodes["MedicalWebPage"]
        assert page["reviewedBy"] == {
            "@type": "Person",
            "name": "Dr. Rita Review",
            "honorificSuffix": "MD, PhD",
            "jobTitle": "Neurologist",
            "url": "http://testserver/people/rita-review/",
        }
        assert page["lastReviewed"] == timezone.localdate().isoformat()
        assert page["author"][0]["name"] == "Wendy Writer"
        assert page["about"] == {"@id": "http://testserver/glossary/autophagy/#term"}
        assert nodes["DefinedTerm"]["@id"] == page["about"]["@id"]

    def test_the_version_page_describes_that_version(self, published):
        page = jsonld_nodes(reader_html("/glossary/autophagy/v/1/"))["MedicalWebPage"]
        assert page["version"] == "1"
        assert page["reviewedBy"]["name"] == "Dr. Rita Review"
        assert page["isPartOf"] == {"@id": "http://testserver/glossary/autophagy/"}


class TestVersionPages:
    def test_noindex_canonical_and_its_own_review(self, published):
        html = reader_html("/glossary/autophagy/v/1/")
        assert '<meta name="robots" content="noindex">' in html
        assert '<link rel="canonical" href="http://testserver/glossary/autophagy/">' in html
        assert "Medically reviewed by" in html and "This is the current version." in html

    def test_the_note_ends_with_one_full_stop(self, published, publish_correction):
        assert ": First version.\n" in reader_html("/glossary/autophagy/v/1/")
        publish_correction(
            published, "The cell's recycling process, fixed.", "Typo.", "Fixed a typo"
        )
        html = reader_html("/glossary/autophagy/v/2/")
        assert "(non-medical change): Fixed a typo.\n" in html

    def test_an_older_version_points_to_the_current_page(
        self, published, reviewer, publisher, writer, as_user, step
    ):
        published.body += "\nMore.\n"
        published.save()
        step(as_user(writer), published, "submit")
        step(as_user(reviewer), published, "approve")
        step(as_user(publisher), published, "publish")
        html = reader_html("/glossary/autophagy/v/1/")
        assert "A newer version exists" in html and "More." not in html

    @pytest.mark.parametrize("path", ["/glossary/autophagy/v/2/", "/glossary/nope/v/1/"])
    def test_unknown_versions_are_404(self, published, path):
        assert Client().get(path).status_code == 404

    def test_an_unpublished_term_has_no_public_versions(self, published, publisher, as_user, step):
        step(as_user(publisher), published, "unpublish")
        assert Client().get("/glossary/autophagy/v/1/").status_code == 404


class TestChangelog:
    def test_lists_publications_with_notes_and_marks_non_medical_changes(
        self, published, publish_correction
    ):
        publish_correction(
            published, "The cell's recycling process, fixed.", "Typo.", "Fixed a typo."
        )
        html = reader_html(URL)
        changelog = html[html.index('id="changelog-heading"') :]
        assert '<a href="/glossary/autophagy/v/2/">Version 2</a>' in changelog
        assert "(non-medical change)</span>: Fixed a typo." in changelog
        assert "(medically reviewed)</span>: First version." in changelog
        assert "Typo." not in html  # the reason is internal

    def test_edits_waiting_for_review_are_not_in_the_changelog(self, published):
        published.body += "\nUnreviewed.\n"
        published.save()
        html = reader_html(URL)
        assert html.count('href="/glossary/autophagy/v/') == 1

    def test_a_scheduled_publication_is_not_listed_before_its_time(self, published):
        Publication.objects.create(
            term=published,
            number=2,
            published_at=timezone.now() + datetime.timedelta(days=1),
            source_hash="x" * 64,
            title="Future",
            summary="Not yet.",
        )
        html = reader_html(URL)
        assert "/glossary/autophagy/v/2/" not in html and "Not yet." not in html
        assert Client().get("/glossary/autophagy/v/2/").status_code == 404
        assert Term.objects.get(pk=published.pk).is_public


class TestTheWorkflowsRecordIsKept:
    """Review dates and publication numbers are the workflow's: no save rewinds them."""

    def test_a_save_carrying_older_values_does_not_rewind_it(
        self, draft, writer, reviewer, publisher, as_user, step
    ):
        step(as_user(writer), draft, "submit")
        step(as_user(reviewer), draft, "approve")
        step(as_user(publisher), draft, "publish")
        edited = Term.objects.get(pk=draft.pk)
        # As a copy read before the publication would carry them:
        edited.publication_number, edited.last_reviewed, edited.review_due = 0, None, None
        edited.body += "\nA later edit.\n"
        edited.save()
        stored = Term.objects.get(pk=draft.pk)
        assert stored.publication_number == 1 and stored.last_reviewed == timezone.localdate()
        html = reader_html(URL)
        assert "A later edit." not in html and "Medically reviewed by" in html
        step(as_user(publisher), draft, "publish", non_medical="1", non_medical_reason="Typo.")
        assert list(Publication.objects.filter(term=draft).values_list("number", flat=True)) == [
            2,
            1,
        ]

    def test_a_revert_to_an_older_revision_keeps_the_publications(
        self, published, publisher, as_user, step, admin_client
    ):
        from reversion.models import Version

        from tests.glossary.editor_helpers import term_form_data

        change = f"/admin/glossary/term/{published.pk}/change/"
        data = term_form_data(published, body="## Mechanism\n\nEdited.\n")
        data["base_token"] = str(published.edit_token)
        assert admin_client.post(change, data).status_code == 302
        step(as_user(publisher), published, "publish", non_medical="1", non_medical_reason="x")
        old = Version.objects.get_for_object(published).last()
        assert old.field_dict["publication_number"] == 1
        url = f"/admin/glossary/term/{published.pk}/history/{old.pk}/"
        form = admin_client.get(url)
        data = term_form_data(Term.objects.get(pk=published.pk), body=old.field_dict["body"])
        data["base_token"] = form.context["adminform"].form["base_token"].value()
        assert admin_client.post(url, data).status_code == 302
        assert Term.objects.get(pk=published.pk).publication_number == 2
        assert "Edited." in reader_html(URL)
