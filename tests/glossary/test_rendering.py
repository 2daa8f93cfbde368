"""Markdown becomes sanitized HTML with term links and a table of contents, at save time."""

from __future__ import annotations

import pytest

from glossary import name_index, rendering
from glossary.models import Term

pytestmark = pytest.mark.django_db


def render(source: str) -> str:
    html, _, _ = rendering.render_markdown(source, name_index.current())
    return html


class TestSanitizing:
    def test_script_tags_are_removed(self):
        html = render("Hello <script>alert(1)</script> world")
        assert "<script" not in html
        assert "alert(1)" not in html

    def test_event_handlers_are_removed(self):
        html = render('<img src="x.png" onerror="alert(1)"> <p onclick="x()">hi</p>')
        assert "onerror" not in html
        assert "onclick" not in html

    def test_javascript_urls_are_removed(self):
        html = render("[click](javascript:alert(1)) <a href='JaVaScRiPt:alert(2)'>x</a>")
        assert "javascript:" not in html.lower()

    def test_raw_html_iframes_and_styles_are_removed(self):
        html = render('<iframe src="https://evil.example"></iframe><style>body{}</style>ok')
        assert "<iframe" not in html
        assert "<style" not in html
        assert "ok" in html

    def test_external_links_get_noopener(self):
        html = render("[paper](https://doi.org/10.1/x)")
        assert 'rel="noopener noreferrer"' in html

    def test_internal_links_keep_no_rel(self):
        html = render("[other](/glossary/other/)")
        assert "rel=" not in html

    def test_an_h1_in_the_body_is_demoted_so_the_title_stays_the_only_h1(self):
        html = render("# Big\n\ntext")
        assert "<h1" not in html
        assert '<h2 id="section-big">Big</h2>' in html


class TestHeadingsAndContents:
    def test_sections_get_stable_ids_and_a_table_of_contents(self, make_term):
        term = make_term("Anything", body="## Origin\n\nA.\n\n## Mechanism\n\nB.\n\n### Detail\n")
        assert '<h2 id="section-origin">Origin</h2>' in term.body_html
        assert term.toc == [
            {"id": "section-origin", "title": "Origin", "level": 2},
            {"id": "section-mechanism", "title": "Mechanism", "level": 2},
            {"id": "section-detail", "title": "Detail", "level": 3},
        ]

    def test_rendering_happens_at_save_not_on_read(self, make_term):
        term = make_term("Stored", body="Some **bold** text")
        stored = Term.objects.values_list("body_html", flat=True).get(pk=term.pk)
        assert "<strong>bold</strong>" in stored


class TestCrossLinking:
    def test_mentions_of_published_terms_become_links(self, make_term):
        target = make_term("Neurogenesis", slug="neurogenesis")
        article = make_term("Exercise", body="Exercise supports neurogenesis in adults.")
        assert (
            '<a href="/glossary/neurogenesis/" class="term-link" data-term="neurogenesis">'
            "neurogenesis</a>" in article.body_html
        )
        assert list(article.linked_terms.all()) == [target]

    def test_matching_is_case_insensitive_and_keeps_the_original_text(self, make_term):
        make_term("Neurogenesis", slug="neurogenesis")
        article = make_term("Exercise", body="NEUROGENESIS matters.")
        assert ">NEUROGENESIS</a>" in article.body_html

    def test_aliases_link_to_their_term(self, make_term):
        make_term("Brain-derived neurotrophic factor", slug="bdnf-term", aliases="BDNF")
        article = make_term("Exercise", body="Exercise raises BDNF.")
        assert 'href="/glossary/bdnf-term/"' in article.body_html

    def test_plural_and_singular_forms_link(self, make_term):
        make_term("Myokine", slug="myokine")
        make_term("Synapses", slug="synapses")
        article = make_term("Exercise", body="Muscles release myokines. Each synapse adapts.")
        assert 'href="/glossary/myokine/"' in article.body_html
        assert 'href="/glossary/synapses/"' in article.body_html

    def test_only_whole_words_link(self, make_term):
        make_term("Gen", slug="gen")
        article = make_term("Exercise", body="Neurogenesis and genes, but not gen-x.")
        assert "term-link" not in article.body_html

    def test_longest_match_wins(self, make_term):
        make_term("Neurotrophic factor", slug="neurotrophic-factor")
        make_term("Brain-derived neurotrophic factor", slug="bdnf")
        article = make_term("Exercise", body="It raises brain-derived neurotrophic factor.")
        assert 'href="/glossary/bdnf/"' in article.body_html
        assert 'href="/glossary/neurotrophic-factor/"' not in article.body_html

    def test_only_the_first_mention_links(self, make_term):
        make_term("Neurogenesis", slug="neurogenesis")
        article = make_term("Exercise", body="Neurogenesis here. Neurogenesis there.")
        assert article.body_html.count("term-link") == 1

    def test_no_links_inside_links_headings_or_code(self, make_term):
        make_term("Neurogenesis", slug="neurogenesis")
        body = (
            "## Neurogenesis\n\n[about neurogenesis](https://example.org)\n\n"
            "`neurogenesis`\n\n    neurogenesis\n"
        )
        article = make_term("Exercise", body=body)
        assert "term-link" not in article.body_html

    def test_a_term_never_links_to_itself(self, make_term):
        term = make_term("Neurogenesis", slug="neurogenesis", body="Neurogenesis is growth.")
        assert "term-link" not in term.body_html

    def test_drafts_and_scheduled_terms_are_not_linked(self, make_term):
        from django.utils import timezone

        make_term("Draftterm", slug="draftterm", status=Term.Status.DRAFT)
        make_term(
            "Laterterm",
            slug="laterterm",
            published_at=timezone.now() + timezone.timedelta(days=1),
        )
        article = make_term("Exercise", body="Draftterm and laterterm.")
        assert "term-link" not in article.body_html

    def test_a_scheduled_term_is_linked_once_its_time_has_come(
        self, make_term, django_capture_on_commit_callbacks
    ):
        import time

        from django.utils import timezone

        def committed(**fields) -> Term:
            with django_capture_on_commit_callbacks(execute=True):
                return make_term(**fields)

        due = timezone.now() + timezone.timedelta(seconds=1)
        committed(title="Laterterm", slug="laterterm", published_at=due)
        before = committed(title="Before", body="Laterterm.")
        assert "term-link" not in before.body_html
        time.sleep(max((due - timezone.now()).total_seconds(), 0) + 0.1)
        # This process's index knew when to take the term in; nothing announced it.
        after = committed(title="After", body="Laterterm.")
        assert 'href="/glossary/laterterm/"' in after.body_html

    def test_adding_a_term_links_existing_mentions(self, make_term):
        article = make_term("Exercise", body="Exercise supports neurogenesis.")
        assert "term-link" not in article.body_html
        make_term("Neurogenesis", slug="neurogenesis")
        article.refresh_from_db()
        assert 'href="/glossary/neurogenesis/"' in article.body_html

    def test_renaming_a_term_updates_the_articles_that_mention_it(self, make_term):
        target = make_term("Neurogenesis", slug="neurogenesis")
        article = make_term("Exercise", body="Exercise supports neurogenesis.")
        target.title = "Adult neurogenesis"
        target.save()
        article.refresh_from_db()
        assert "term-link" not in article.body_html

    def test_changing_a_slug_points_mentions_at_the_new_address(self, make_term):
        target = make_term("Neurogenesis", slug="neurogenesis")
        article = make_term("Exercise", body="Exercise supports neurogenesis.")
        target.slug = "adult-neurogenesis"
        target.save()
        article.refresh_from_db()
        assert 'href="/glossary/adult-neurogenesis/"' in article.body_html
        assert 'href="/glossary/neurogenesis/"' not in article.body_html

    def test_unpublishing_a_term_removes_links_to_it(self, make_term):
        target = make_term("Neurogenesis", slug="neurogenesis")
        article = make_term("Exercise", body="Exercise supports neurogenesis.")
        target.status = Term.Status.DRAFT
        target.save()
        article.refresh_from_db()
        assert "term-link" not in article.body_html

    def test_deleting_a_term_removes_links_to_it(self, make_term):
        target = make_term("Neurogenesis", slug="neurogenesis")
        article = make_term("Exercise", body="Exercise supports neurogenesis.")
        target.delete()
        article.refresh_from_db()
        assert "term-link" not in article.body_html

    def test_relinking_does_not_touch_updated_at(self, make_term):
        article = make_term("Exercise", body="Exercise supports neurogenesis.")
        before = article.updated_at
        make_term("Neurogenesis", slug="neurogenesis")
        article.refresh_from_db()
        assert article.updated_at == before


class TestNameForms:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("Myokine", {"myokine", "myokines"}),
            ("Myokines", {"myokines", "myokine"}),
            ("Artery", {"artery", "arteries"}),
            ("Arteries", {"arteries", "artery"}),
            ("Synapses", {"synapses", "synapse"}),
            ("Boxes", {"boxes", "box"}),
            ("Stress", {"stress", "stresses"}),
            ("Virus", {"virus", "viruses"}),
            ("BDNF", {"bdnf"}),
        ],
    )
    def test_forms(self, name, expected):
        assert rendering.name_forms(name) == expected
        assert rendering.name_forms(name, "en-gb") == expected

    @pytest.mark.parametrize(
        ("name", "language", "expected"),
        [
            ("Myokin", "de", {"myokin", "myokine", "myokinen", "myokins", "myokines"}),
            ("Kinase", "de", {"kinase", "kinasen", "kinases"}),
            ("Neurotropher Faktor", "de", {
                "neurotropher faktor", "neurotropher faktore", "neurotropher faktoren",
                "neurotropher faktors", "neurotropher faktores",
            }),
            ("Myokine", "fr", {"myokine", "myokines"}),
            ("Réseau", "fr", {"réseau", "réseaux"}),
            ("Factor", "es", {"factor", "factors", "factores"}),
            ("Miocinas", "es", {"miocinas", "miocina"}),
            ("Recettore", "it", {"recettore", "recettori", "recettora"}),
            ("Miochina", "it", {"miochina", "miochine"}),
            ("Myokine", "nl", {"myokine", "myokinen", "myokines"}),
            ("Receptor", "nl", {"receptor", "receptoren", "receptors"}),
            ("Miokina", "pl", {"miokina"}),
            ("إنسولين", "ar", {"إنسولين"}),
            ("BDNF", "de", {"bdnf"}),
        ],
    )  # fmt: skip
    def test_forms_follow_the_names_language(self, name, language, expected):
        assert rendering.name_forms(name, language) == expected
