"""Reader pages of the editorial app: people's profiles and the editorial policy."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from editorial.models import Authorship, EditorialPolicy, Person
from glossary.models import Publication, Term
from glossary.rendering import markdown_to_safe_html

PEOPLE = "editorial.people"  # profiles, and who wrote which term
POLICY = "editorial.policy"  # the editorial policy text


@require_safe
def person(request: HttpRequest, slug: str) -> HttpResponse:
    """A public profile with the published terms the person wrote and reviewed."""
    found = Person.objects.filter(slug=slug, public=True).first()
    if found is None:
        raise Http404("No such person")
    published = Term.objects.published().only("title", "slug", "summary").order_by("sort_title")
    written = published.filter(Exists(Authorship.objects.filter(term=OuterRef("pk"), person=found)))
    reviewed = published.filter(
        Exists(
            Publication.objects.public().filter(
                term=OuterRef("pk"), reviewer_path=found.get_absolute_url()
            )
        )
    )
    return render(
        request,
        "editorial/person.html",
        {"person": found, "written": list(written), "reviewed": list(reviewed)},
    )


@require_safe
def policy(request: HttpRequest) -> HttpResponse:
    current = EditorialPolicy.objects.order_by("-updated_at", "-pk").first()
    if current is None:
        raise Http404("No editorial policy yet")
    return render(
        request,
        "editorial/policy.html",
        {"policy": current, "body_html": markdown_to_safe_html(current.body)},
    )
