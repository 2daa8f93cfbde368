"""Markdown to sanitized HTML, with cross-links to other terms and a table of contents.

Rendering happens when a term is saved (and when a term it mentions changes), never
on a read: the stored HTML is what readers get. The same function renders the
editor's live preview, so the preview shows exactly what the public page will.

Cross-linking uses one Aho-Corasick automaton over every published title, alias and
their singular/plural forms, so its cost grows with the length of the text, not with
the number of terms (50,000 terms cost the same per article as 50).
"""

from __future__ import annotations

import contextlib
import contextvars
import html
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import ahocorasick
import markdown
import nh3
from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils.text import slugify

if TYPE_CHECKING:
    from glossary.models import Term

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"scope"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Text inside these elements is never turned into a term link.
NO_LINK_TAGS = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
VOID_TAGS = {"br", "hr", "img"}
WORD_CHARS = re.compile(r"[\w-]")
TOC_LEVELS = {"h2", "h3"}


@dataclass
class RenderedTerm:
    body_html: str
    references_html: str
    toc: list[dict]
    linked_term_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class LinkTarget:
    term_id: int
    slug: str


# --- The term-name index -------------------------------------------------------


def name_forms(name: str) -> set[str]:
    """A name and its regular singular and plural forms, lower-cased."""
    base = " ".join(name.lower().split())
    if len(base) < 2:
        return set()
    forms = {base}
    if base[-1].isalpha():
        if base.endswith("ies") and len(base) > 4:
            forms.add(base[:-3] + "y")
        elif base.endswith(("ses", "xes", "zes", "ches", "shes")):
            forms |= {base[:-2], base[:-1]}  # "boxes" -> "box", "synapses" -> "synapse"
        elif base.endswith("s") and not base.endswith("ss") and len(base) > 3:
            forms.add(base[:-1])
        if base.endswith("y") and len(base) > 2 and base[-2] not in "aeiou":
            forms.add(base[:-1] + "ies")
        elif base.endswith(("s", "x", "z", "ch", "sh")):
            forms.add(base + "es")
        else:
            forms.add(base + "s")
    return forms


class TermIndex:
    """Every published term name in one automaton, mapped to the term it names."""

    def __init__(self, rows: Iterable[tuple[int, str, str, str]]) -> None:
        self.automaton = ahocorasick.Automaton()
        self.names_by_term: dict[int, set[str]] = {}
        # The reverse map, so "which terms share one of these names?" costs no scan of all terms.
        self.terms_by_name: dict[str, set[int]] = {}
        taken: set[str] = set()
        for term_id, slug, title, aliases in rows:
            names = [title, *(a for a in aliases.splitlines() if a.strip())]
            forms: set[str] = set()
            for name in names:
                forms |= name_forms(name)
            self.names_by_term[term_id] = forms
            for form in forms:
                self.terms_by_name.setdefault(form, set()).add(term_id)
            target = LinkTarget(term_id, slug)
            for form in forms:
                if form not in taken:
                    taken.add(form)
                    self.automaton.add_word(form, (len(form), target))
        self.empty = not taken
        if not self.empty:
            self.automaton.make_automaton()

    def matches(self, text: str) -> list[tuple[int, int, LinkTarget]]:
        """Non-overlapping whole-word matches, longest first at each position."""
        if self.empty:
            return []
        lowered = _lower_same_length(text)
        candidates = []
        for end, (length, target) in self.automaton.iter(lowered):
            start = end - length + 1
            if not _is_whole_word(text, start, end):
                continue
            candidates.append((start, -length, target))
        candidates.sort(key=lambda c: (c[0], c[1]))
        chosen = []
        covered_until = 0
        for start, negative_length, target in candidates:
            if start >= covered_until:
                chosen.append((start, start - negative_length, target))
                covered_until = start - negative_length
        return chosen

    def terms_named(self, names: set[str]) -> set[int]:
        """Ids of the terms that have any of these name forms."""
        found: set[int] = set()
        for name in names:
            found |= self.terms_by_name.get(name, set())
        return found


def _is_whole_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end + 1] stands alone: no word character (or hyphen) touches it."""
    if start > 0 and WORD_CHARS.match(text[start - 1]):
        return False
    return not (end + 1 < len(text) and WORD_CHARS.match(text[end + 1]))


def _lower_same_length(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


_index_lock = threading.Lock()
_index_cache: dict[str, object] = {}


def _published_fingerprint() -> tuple:
    from glossary.models import Term

    stats = Term.objects.published().aggregate(
        count=Count("pk"), updated=Max("updated_at"), published=Max("published_at")
    )
    return (stats["count"], stats["updated"], stats["published"])


def term_index() -> TermIndex:
    """The automaton of published names, rebuilt only when the published set changed.

    The fingerprint is read from the database, so every app server notices a change
    another one made; only the automaton itself lives in this process.
    """
    from glossary.models import Term

    fingerprint = _published_fingerprint()
    with _index_lock:
        if _index_cache.get("fingerprint") == fingerprint:
            return _index_cache["index"]  # type: ignore[return-value]
        rows = Term.objects.published().order_by("pk").values_list("pk", "slug", "title", "aliases")
        index = TermIndex(rows.iterator(chunk_size=5000))
        _index_cache["fingerprint"] = fingerprint
        _index_cache["index"] = index
        return index


def forget_term_index() -> None:
    with _index_lock:
        _index_cache.clear()


# --- Markdown and sanitizing ---------------------------------------------------------


def _heading_slug(value: str, separator: str) -> str:
    return slugify(value) or "section"


_converters = threading.local()


def _markdown_converter() -> markdown.Markdown:
    """One converter per thread, reset before each use (building one costs more than a render)."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = markdown.Markdown(
            extensions=["toc", "tables", "fenced_code", "sane_lists"],
            extension_configs={"toc": {"slugify": _heading_slug, "toc_depth": "1-6"}},
            output_format="html",
        )
        _converters.markdown = converter
    return converter.reset()


def markdown_to_safe_html(source: str) -> str:
    """Markdown to HTML that passed the allow-list sanitizer (nothing executable survives)."""
    raw = _markdown_converter().convert(source or "")
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def _is_external(href: str) -> bool:
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return parts.netloc != urlsplit(settings.SITE_URL).netloc


class _Linker(HTMLParser):
    """Rewrites sanitized HTML: term links, external-link rel, h1 demoted, TOC collected."""

    def __init__(self, index: TermIndex | None, exclude_ids: set[int]) -> None:
        super().__init__(convert_charrefs=True)
        self.index = index
        self.exclude_ids = exclude_ids
        self.out: list[str] = []
        self.stack: list[str] = []
        self.linked: dict[int, str] = {}
        self.toc: list[dict] = []
        self._heading: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h1":
            tag = "h2"
        attributes = dict(attrs)
        if tag == "a" and _is_external(attributes.get("href") or ""):
            attributes["rel"] = "noopener noreferrer"
        if tag in TOC_LEVELS and attributes.get("id"):
            self._heading = {"id": attributes["id"], "title": "", "level": int(tag[1])}
        self.out.append(_start_tag(tag, attributes))
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(_start_tag(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            tag = "h2"
        if tag in VOID_TAGS:
            return
        if tag in self.stack:
            while self.stack:
                if self.stack.pop() == tag:
                    break
        if tag in TOC_LEVELS and self._heading is not None:
            self._heading["title"] = " ".join(self._heading["title"].split())
            self.toc.append(self._heading)
            self._heading = None
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading["title"] += data
        if self.index is None or any(tag in NO_LINK_TAGS for tag in self.stack):
            self.out.append(html.escape(data, quote=False))
            return
        position = 0
        for start, end, target in self.index.matches(data):
            if target.term_id in self.exclude_ids or target.term_id in self.linked:
                continue
            self.linked[target.term_id] = target.slug
            self.out.append(html.escape(data[position:start], quote=False))
            url = reverse("glossary:term_detail", args=[target.slug])
            self.out.append(
                f'<a href="{html.escape(url)}" class="term-link" '
                f'data-term="{html.escape(target.slug)}">'
                f"{html.escape(data[start:end], quote=False)}</a>"
            )
            position = end
        self.out.append(html.escape(data[position:], quote=False))


def _start_tag(tag: str, attributes: dict[str, str | None]) -> str:
    rendered = "".join(
        f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attributes.items()
    )
    return f"<{tag}{rendered}>"


def link_and_outline(
    safe_html: str, index: TermIndex | None, exclude_ids: set[int] | None = None
) -> tuple[str, list[dict], dict[int, str]]:
    linker = _Linker(index, exclude_ids or set())
    linker.feed(safe_html)
    linker.close()
    return "".join(linker.out), linker.toc, linker.linked


def render_markdown(
    source: str, exclude_ids: set[int] | None = None, index: TermIndex | None = None
) -> tuple[str, list[dict], dict[int, str]]:
    """Sanitized, cross-linked HTML, its table of contents and the terms it links to."""
    return link_and_outline(
        markdown_to_safe_html(source), index or term_index(), exclude_ids=exclude_ids
    )


def render_references(source: str) -> str:
    items = []
    for line in (source or "").splitlines():
        line = line.strip().lstrip("-*").strip()
        if not line:
            continue
        item = markdown_to_safe_html(line)
        item = re.sub(r"^<p>(.*)</p>$", r"\1", item.strip(), flags=re.S)
        item, _, _ = link_and_outline(item, None)
        items.append(f"<li>{item}</li>")
    return "".join(items)


def render_term(term: Term, index: TermIndex | None = None) -> RenderedTerm:
    return render_fields(
        term.title, term.aliases, term.body, term.references, own_id=term.pk, index=index
    )


def render_fields(
    title: str,
    aliases: str,
    body: str,
    references: str,
    own_id: int | None = None,
    index: TermIndex | None = None,
) -> RenderedTerm:
    """Render a term from its fields (bulk loads render rows that are not saved yet)."""
    exclude = {own_id} if own_id else set()
    if index is None:
        index = term_index()
    # A term never links to itself, even under a name it is about to take.
    own_names: set[str] = set()
    for name in [title, *(a.strip() for a in aliases.splitlines() if a.strip())]:
        own_names |= name_forms(name)
    exclude |= index.terms_named(own_names)
    body_html, toc, linked = render_markdown(body, exclude_ids=exclude, index=index)
    return RenderedTerm(
        body_html=body_html,
        references_html=render_references(references),
        toc=toc,
        linked_term_ids=list(linked),
    )


def render_preview(source: str) -> str:
    """What the editor's live preview shows: exactly the public rendering of the body."""
    body_html, _, _ = render_markdown(source)
    return body_html


# --- Keeping links in step --------------------------------------------------------------


def relink(terms: Iterable[Term], index: TermIndex | None = None) -> int:
    """Re-render the stored HTML of these terms against the current set of published names.

    Uses update(), so it neither bumps updated_at nor triggers another relink.
    """
    from glossary.models import Term

    index = index or term_index()
    count = 0
    for term in terms:
        # Only the body is re-rendered: references hold no term links (and are often deferred).
        rendered = render_fields(term.title, term.aliases, term.body, "", term.pk, index)
        Term.objects.filter(pk=term.pk).update(body_html=rendered.body_html, toc=rendered.toc)
        term.linked_terms.set(rendered.linked_term_ids)
        count += 1
    return count


def relink_all(batch_size: int = 2000) -> int:
    """Re-render every term (after an import or bulk load)."""
    from glossary.models import Term

    forget_term_index()
    return relink_bulk(Term.objects.all(), index=term_index(), batch_size=batch_size)


def relink_bulk(
    terms: QuerySet[Term], index: TermIndex | None = None, batch_size: int = 1000
) -> int:
    """What relink() does, for many terms: a few queries per batch instead of a few per term."""
    from glossary import bulk
    from glossary.models import Term

    index = index or term_index()
    links = Term.linked_terms.through
    # Ids first, then batches by id: never write to a table while a cursor over it is open.
    ids = list(terms.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = list(
            Term.objects.filter(pk__in=ids[start : start + batch_size])
            .order_by("pk")
            .only("pk", "title", "aliases", "body")
        )
        link_rows = []
        for term in batch:
            # References hold no term links, so they are not re-rendered here.
            rendered = render_fields(term.title, term.aliases, term.body, "", term.pk, index)
            term.body_html, term.toc = rendered.body_html, rendered.toc
            link_rows += [
                links(from_term_id=term.pk, to_term_id=t) for t in rendered.linked_term_ids
            ]
        bulk.update_rows(batch, ["body_html", "toc"])
        links.objects.filter(from_term_id__in=[term.pk for term in batch]).delete()
        links.objects.bulk_create(link_rows, batch_size=2000)
    return len(ids)


def terms_mentioning(names: Iterable[str], exclude_ids: Iterable[int] = ()) -> list[int]:
    """Ids of terms whose body mentions any of these names (one automaton scan of all bodies)."""
    from glossary.models import Term

    automaton = ahocorasick.Automaton()
    forms: set[str] = set()
    for name in names:
        forms |= name_forms(name)
    for form in forms:
        automaton.add_word(form, len(form))
    if not forms:
        return []
    automaton.make_automaton()
    excluded = set(exclude_ids)
    found = []
    rows = Term.objects.order_by("pk").values_list("pk", "body")
    for pk, body in rows.iterator(chunk_size=2000):
        if pk in excluded or not body:
            continue
        lowered = _lower_same_length(body)
        for end, length in automaton.iter(lowered):
            if _is_whole_word(body, end - length + 1, end):
                found.append(pk)
                break
    return found


def affected_by(term: Term, names: set[str]) -> list[Term]:
    """Terms whose stored links may change because `term` was added, renamed or hidden."""
    from glossary.models import Term

    # Two plain queries, not one OR across a join: joined to the link table, the text
    # search ran once per link row (seconds at 50,000 terms) and needed a DISTINCT.
    ids: set[int] = set()
    if term.pk:
        ids |= set(
            Term.linked_terms.through.objects.filter(to_term_id=term.pk).values_list(
                "from_term_id", flat=True
            )
        )
    mentions = Q(pk__in=[])
    for name in sorted(names, key=len)[:20]:
        mentions |= Q(body__icontains=name)
    ids |= set(Term.objects.filter(mentions).values_list("pk", flat=True))
    ids.discard(term.pk)
    ordered = sorted(ids)
    found: list[Term] = []
    for start in range(0, len(ordered), 2000):
        found += Term.objects.filter(pk__in=ordered[start : start + 2000]).only(
            "pk", "title", "aliases", "body"
        )
    return found


def names_of(title: str, aliases: str) -> set[str]:
    names = {title.strip().lower()} | {a.strip().lower() for a in aliases.splitlines()}
    return {name for name in names if len(name) >= 2}


_relinking_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "glossary_relinking_enabled", default=True
)


@contextlib.contextmanager
def deferred_relinking() -> Iterator[None]:
    """Skip per-save relinking inside the block (bulk loads call relink_all() after)."""
    token = _relinking_enabled.set(False)
    try:
        yield
    finally:
        _relinking_enabled.reset(token)


def relink_after_change(term: Term, previous: dict | None) -> int:
    """After a save: re-render the articles whose links to `term` appear, change or vanish."""
    if not _relinking_enabled.get():
        return 0
    from glossary.models import Term as TermModel

    names_now = names_of(term.title, term.aliases) if term.is_public else set()
    names_before: set[str] = set()
    if previous is not None and TermModel.is_public_state(
        previous["status"], previous["published_at"]
    ):
        names_before = names_of(previous["title"], previous["aliases"])
    moved = previous is not None and previous.get("slug", term.slug) != term.slug
    if names_now == names_before and not (moved and names_now):
        return 0
    # A new slug counts too: mentions should point at the new address, not through a 301.
    return relink(affected_by(term, names_now | names_before))


def relink_mentions_of_deleted(term_ids: list[int]) -> int:
    """After a delete: the articles that linked to the deleted terms lose those links."""
    if not _relinking_enabled.get() or not term_ids:
        return 0
    from glossary.models import Term as TermModel

    return relink(TermModel.objects.filter(pk__in=term_ids).only("pk", "title", "aliases", "body"))
