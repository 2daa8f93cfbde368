# ruff: noqa: F811  (pytest fixtures imported from tests.glossary.editor_helpers)
"""What happens when a term changes (glossary.changes): revisions, relinking, the name index."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from core import stamps
from glossary import name_index, relinking, rendering, versions
from glossary.models import InboundLinks, NameChange, Term
from tests.glossary.editor_helpers import (  # noqa: F401 (fixtures)
    PASSWORD,
    change_url,
    editor,
    editor_client,
    ensure_editors_group,
    term_form_data,
)

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/glossary/term/add/"


def links_of(term: Term) -> set[str]:
    return set(Term.objects.get(pk=term.pk).linked_terms.values_list("slug", flat=True))


def html_of(term: Term) -> str:
    return Term.objects.get(pk=term.pk).body_html


# --- Revisions hold only what the editor changed -------------------------------------------


def test_reverting_a_term_never_reverts_the_articles_its_save_relinked(editor_client, editor):
    """The lost-edit scenario, through the admin's own views."""
    public = Term.objects.create(
        title="Zorblax public",
        slug="zorblax-public",
        summary="The public one.",
        body="It is related to zorblax secret.\n",
        status=Term.Status.PUBLISHED,
        published_at=timezone.now() - timezone.timedelta(hours=1),
    )
    # Editor one creates "Zorblax secret": its save relinks "Zorblax public".
    created = editor_client.post(
        ADD_URL,
        term_form_data(
            title="Zorblax secret", slug="zorblax-secret", body="## Origin\n\nFirst version.\n"
        ),
    )
    assert created.status_code == 302
    secret = Term.objects.get(slug="zorblax-secret")
    assert links_of(public) == {"zorblax-secret"}
    first_version = Version.objects.get_for_object(secret).get()
    assert {v.object_id for v in first_version.revision.version_set.all()} == {str(secret.pk)}

    # Editor two edits "Zorblax public".
    second = User.objects.create_user("sam", password=PASSWORD, is_staff=True)
    second.groups.add(ensure_editors_group())
    other = Client()
    other.force_login(second)
    public.refresh_from_db()
    edited = other.post(
        change_url(public),
        term_form_data(public, body="It is related to zorblax secret. Second editor's words.\n"),
    )
    assert edited.status_code == 302

    # Someone changes "Zorblax secret", then reverts it to its first version.
    secret.refresh_from_db()
    editor_client.post(change_url(secret), term_form_data(secret, body="## Origin\n\nLater.\n"))
    secret.refresh_from_db()
    url = f"/admin/glossary/term/{secret.pk}/history/{first_version.pk}/"
    form = editor_client.get(url)
    assert form.status_code == 200
    data = term_form_data(secret, body=first_version.field_dict["body"])
    data["base_token"] = form.context["adminform"].form["base_token"].value()
    assert editor_client.post(url, data).status_code == 302

    secret.refresh_from_db()
    public.refresh_from_db()
    assert secret.body.strip() == "## Origin\n\nFirst version."
    assert "Second editor's words." in public.body
    assert "Second editor's words." in public.body_html
    assert 'href="/glossary/zorblax-secret/"' in public.body_html
    latest = Version.objects.get_for_object(public).first()
    assert "Second editor's words." in latest.field_dict["body"]


def test_an_editors_revision_holds_that_term_alone(editor_client, make_term):
    mentioning = [make_term(f"Article {n}", body="Mentions synapse here.") for n in range(3)]
    assert editor_client.post(
        ADD_URL, term_form_data(title="Synapses", slug="synapses")
    ).status_code
    synapses = Term.objects.get(slug="synapses")
    for article in mentioning:
        assert links_of(article) == {"synapses"}
        assert not Version.objects.get_for_object(article).exists()
    revision = Version.objects.get_for_object(synapses).get().revision
    assert revision.version_set.count() == 1


# --- The mention scan and the renderer agree ------------------------------------------------


@pytest.mark.parametrize(
    ("new_title", "mention"),
    [
        ("Synapses", "a synapse"),
        ("Synapse", "many synapses"),
        ("Artery", "the arteries"),
        ("Arteries", "one artery"),
        ("Myokine", "MYOKINES"),
    ],
)
def test_adding_a_term_links_singular_and_plural_mentions_both_ways(make_term, new_title, mention):
    article = make_term("Exercise", body=f"Training changes {mention} over weeks.")
    bystander = make_term("Sleep", body="Nothing to see here.")
    bystander_html = html_of(bystander)
    term = make_term(new_title, slug="the-new-term")
    assert links_of(article) == {"the-new-term"}
    assert html_of(bystander) == bystander_html
    assert links_of(term) == set()


def test_the_mention_scan_finds_exactly_what_the_renderer_links(make_term):
    """One rule: every article the renderer links is found by the scan, and no other."""
    texts = [
        "A synapse fires.",
        "Synapses fire.",
        "SYNAPSE in capitals.",
        "A synapse-like shape.",  # hyphenated: not the word
        "Presynapse is another word.",
        "Nothing relevant.",
        "`synapse` in code is still text in the body.",
    ]
    articles = [make_term(f"Text {n}", body=body) for n, body in enumerate(texts)]
    forms = rendering.forms_of_names("Synapse", "")
    found = set(relinking.mentioning(forms))
    index = rendering.TermIndex([(10**9, "synapse", "Synapse", "")])
    linked = {
        article.pk
        for article in articles
        if 10**9 in rendering.render_body(article.title, "", article.body, index).linked_term_ids
    }
    assert linked == {articles[0].pk, articles[1].pk, articles[2].pk}
    # The scan reads the markdown source, so it may also name an article whose mention sits
    # where the renderer never links (code); it never misses one the renderer links.
    assert found >= linked
    assert found - linked <= {articles[6].pk}


def test_publishing_renaming_unpublishing_and_deleting_rerender_exactly_the_affected(make_term):
    mentions_old = make_term("One", body="About the synapse.")
    mentions_new = make_term("Two", body="About the junctions.")
    unrelated = make_term("Three", body="About the kidney.")
    term = make_term("Synapse", slug="synapse", status=Term.Status.DRAFT)
    assert links_of(mentions_old) == set()

    term.status = Term.Status.PUBLISHED
    term.save()
    assert links_of(mentions_old) == {"synapse"}

    before = {a.pk: html_of(a) for a in (mentions_new, unrelated)}
    term.title = "Junction"
    term.save()
    assert links_of(mentions_old) == set()
    assert links_of(mentions_new) == {"synapse"}
    assert html_of(unrelated) == before[unrelated.pk]

    term.status = Term.Status.DRAFT
    term.save()
    assert links_of(mentions_new) == set()

    term.status = Term.Status.PUBLISHED
    term.save()
    assert links_of(mentions_new) == {"synapse"}
    term.delete()
    assert links_of(mentions_new) == set()
    assert "term-link" not in html_of(mentions_new)


def test_rerendering_writes_only_the_articles_whose_html_or_links_change(make_term):
    linked = make_term("One", body="The synapse again.")
    plain = make_term("Two", body="No mention at all.")
    make_term("Synapse", slug="synapse")
    index = name_index.current()
    assert relinking.rerender([linked.pk, plain.pk], index) == []
    Term.objects.filter(pk=plain.pk).update(body="Now about the synapse.")
    assert relinking.rerender([linked.pk, plain.pk], index) == [plain.pk]
    assert links_of(plain) == {"synapse"}


def test_a_new_slug_repoints_the_links_at_the_new_address(make_term):
    article = make_term("One", body="The synapse again.")
    term = make_term("Synapse", slug="synapse")
    term.slug = "synapse-junction"
    term.save()
    assert 'href="/glossary/synapse-junction/"' in html_of(article)


# --- Fast saves: the name index ------------------------------------------------------------


@pytest.fixture
def count_builds(monkeypatch):
    """How many times this process builds the whole name automaton."""
    built = []
    original = name_index._build

    def counting(stamp):
        built.append(stamp)
        return original(stamp)

    monkeypatch.setattr(name_index, "_build", counting)
    return built


def test_a_save_that_changes_no_name_never_rebuilds_or_rescans(
    make_term, count_builds, django_assert_max_num_queries
):
    term = make_term("Synapse", slug="synapse", body="First body.")
    make_term("Other", body="Mentions the synapse.")
    name_index.committed()
    builds = len(count_builds)
    names_stamp = stamps.current(versions.NAMES)
    term.body = "A new body, no new name."
    with django_assert_max_num_queries(14):
        term.save()
    assert len(count_builds) == builds
    assert stamps.current(versions.NAMES) == names_stamp


def test_a_rename_is_laid_over_the_index_without_rebuilding(make_term, count_builds):
    term = make_term("Synapse", slug="synapse")
    article = make_term("Other", body="Mentions a junction.")
    builds = len(count_builds)
    term.title = "Junction"
    term.save()
    assert links_of(article) == {"synapse"}
    assert len(count_builds) == builds


def test_another_process_changing_names_is_caught_up_from_the_log(make_term, count_builds):
    term = make_term("Synapse", slug="synapse")
    index = name_index.current()
    builds = len(count_builds)
    # Another process renames the term: its row, the stamp and the log, nothing in ours.
    Term.objects.filter(pk=term.pk).update(title="Junction")
    stamp = stamps.bump(versions.NAMES)[versions.NAMES]
    NameChange.record(stamp, [term.pk])
    name_index._local.pending = None
    fresh = name_index.current()
    assert fresh is not index
    assert [t.slug for _, _, t in fresh.matches("a junction")] == ["synapse"]
    assert fresh.matches("a synapse") == []
    assert len(count_builds) == builds


def test_a_bulk_change_logged_as_many_terms_makes_other_processes_rebuild(make_term, count_builds):
    make_term("Synapse", slug="synapse")
    name_index.current()
    builds = len(count_builds)
    stamp = stamps.bump(versions.NAMES)[versions.NAMES]
    NameChange.record(stamp, None)
    name_index._local.pending = None
    name_index.current()
    assert len(count_builds) == builds + 1


def test_a_scheduled_term_joins_the_index_when_its_time_comes(make_term):
    soon = timezone.now() + timezone.timedelta(hours=1)
    make_term("Synapse", slug="synapse", published_at=soon)
    name_index.committed()  # as after the commit: the process's index takes the change
    assert name_index.current().matches("a synapse") == []
    Term.objects.filter(slug="synapse").update(published_at=timezone.now())
    # The index remembers when the next scheduled term is due; travel past it.
    name_index._cached.valid_until = timezone.now()
    assert [t.slug for _, _, t in name_index.current().matches("a synapse")] == ["synapse"]


# --- Inbound link counts ("most linked-to first") --------------------------------------


def stored_counts() -> dict[int, int]:
    return dict(InboundLinks.objects.values_list("term_id", "count"))


def counted_links() -> dict[int, int]:
    rows = Term.linked_terms.through.objects.values("to_term_id").annotate(n=Count("*"))
    return {row["to_term_id"]: row["n"] for row in rows}


class TestInboundLinkCounts:
    def test_counts_follow_edits_renames_and_deletes(self, make_term):
        synapse = make_term("Synapse", slug="synapse")
        make_term("Reader A", body="A synapse here.")
        reader_b = make_term("Reader B", body="Synapses everywhere.")
        assert stored_counts() == counted_links() == {synapse.pk: 2}

        reader_b.body = "No mention any more."
        reader_b.save()
        assert stored_counts() == counted_links() == {synapse.pk: 1}

        synapse.title = "Dendrite"  # nobody mentions the new name
        synapse.save()
        assert stored_counts() == counted_links() == {}
        synapse.title = "Synapse"
        synapse.save()
        assert stored_counts() == counted_links() == {synapse.pk: 1}

        Term.objects.filter(title="Reader A").delete()  # the linking article goes
        assert stored_counts() == counted_links() == {}

        make_term("Reader C", body="One synapse.")
        synapse.delete()  # the linked-to term goes
        assert stored_counts() == counted_links() == {}

    def test_a_plain_edit_writes_no_links(self, make_term):
        make_term("Synapse")
        reader = make_term("Reader", body="A synapse here.")
        counts = stored_counts()
        reader.summary = "A new lead."
        reader.save()
        assert stored_counts() == counts
        assert Term.linked_terms.through.objects.filter(from_term=reader).count() == 1

    def test_bulk_loads_count_and_relink_restores_lost_counts(self, seed):
        call_command("generate_demo_terms", count=200, seed=3)
        assert stored_counts() == counted_links()
        assert len(stored_counts()) > 50
        InboundLinks.objects.all().delete()
        call_command("relink_terms", verbosity=0)
        assert stored_counts() == counted_links()
