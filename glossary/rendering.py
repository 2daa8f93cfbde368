"""Markdown to sanitized HTML, with cross-links to other terms and a table of contents.

Pure text work: every function here is handed what it needs (the markdown, the name
index) and reads no database, so it is easy to test and cannot write into anybody's
revision. `glossary.name_index` keeps the index of published names current and
`glossary.changes` decides which articles to render when something changed.

Cross-linking uses one Aho-Corasick automaton over every published title, alias and
their singular/plural forms, so its cost grows with the length of the text, not with
the number of terms (50,000 terms cost the same per article as 50).
"""

from __future__ import annotations

import functools
import html
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import ahocorasick
import markdown
import nh3
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext

from glossary import citations
from glossary.citations import ArticleSources, Source

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
HEADING_TAGS = {"h2", "h3", "h4", "h5", "h6"}  # h1 is demoted to h2
# Every heading id an editor makes starts with this, and none of the page's own ids do,
# so "## Main content" or a raw <h2 id="term-previews"> can never collide with the page.
SECTION_ID_PREFIX = "section-"


@dataclass
class RenderedTerm:
    body_html: str
    references_html: str
    toc: list[dict]
    linked_term_ids: list[int] = field(default_factory=list)
    unknown_keys: list[str] = field(default_factory=list)
    cited_sources: list[dict] = field(default_factory=list)  # what the list shows, as JSON


@dataclass(frozen=True)
class LinkTarget:
    term_id: int
    slug: str
    language: str


def default_language() -> str:
    return settings.LANGUAGE_CODE


# --- The term-name index -------------------------------------------------------


def name_forms(name: str, language: str | None = None) -> set[str]:
    """A name and its regular inflected forms in its language, lower-cased.

    The one rule for "which words name this term": the renderer links these forms and
    the mention scan (glossary.relinking) looks for the same ones. Only the last word is
    inflected (the head of "Brain-derived neurotrophic factor", of "Neurotropher Faktor").
    An abbreviation in capitals ("BDNF") is never inflected; a name in English that looks
    plural ("Synapses") gets its singular only. A language without rules here (Polish,
    Arabic: their inflection is not a matter of endings) links the names as written.
    """
    base = " ".join(name.lower().split())
    if len(base) < 2:
        return set()
    letters = [c for c in name if c.isalpha()]
    if not base[-1].isalpha() or (len(letters) >= 2 and all(c.isupper() for c in letters)):
        return {base}
    head, _, last = base.rpartition(" ")
    prefix = f"{head} " if head else ""
    rule = INFLECTIONS.get((language or default_language()).split("-")[0])
    if rule is None:
        return {base}
    return {base} | {prefix + form for form in rule(last) if len(form) >= 2}


def _english(word: str) -> set[str]:
    singular = _english_singular(word)
    return {singular} if singular else {_english_plural(word)}


def _english_singular(word: str) -> str:
    """The singular of a regular plural, or "" when the word does not look plural."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("ses"):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return ""


def _english_plural(word: str) -> str:
    if word.endswith("is") and len(word) > 3:
        return word[:-2] + "es"
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def _german(word: str) -> set[str]:
    # Plurals and the genitive: "Myokin" → "Myokine", "Kinase" → "Kinasen",
    # "Krafttraining" → "Krafttrainings"; a name given in a plural form keeps to it.
    if word.endswith("e"):
        return {word + "n", word + "s"}
    if word.endswith(("el", "er")):
        return {word + "n", word + "s"}
    if word.endswith(("s", "x", "z")):
        return {word + "e", word + "es", word + "en"}
    return {word + "e", word + "en", word + "s", word + "es"}


def _romance_plural(word: str) -> set[str]:
    # French and Spanish: "myokine" ↔ "myokines", "factor" → "factores", "réseau" → "réseaux".
    if word.endswith(("s", "x", "z")) and len(word) > 3:
        return {word[:-1]}
    if word.endswith(("eau", "au", "eu")):
        return {word + "x"}
    if word.endswith("al"):
        return {word + "s", word[:-2] + "aux"}
    if word[-1] in "aeiouéáíóú":
        return {word + "s"}
    return {word + "s", word + "es"}


def _italian(word: str) -> set[str]:
    # "miochina" ↔ "miochine", "recettore" ↔ "recettori", "neurone" ↔ "neuroni".
    stem, ending = word[:-1], word[-1]
    return {"o": {stem + "i"}, "a": {stem + "e"}, "e": {stem + "i", stem + "a"},
            "i": {stem + "o", stem + "e"}}.get(ending, set())  # fmt: skip


def _dutch(word: str) -> set[str]:
    # "myokine" → "myokinen", "myokines"; "receptor" → "receptoren"; "eiwit" → "eiwitten"
    # is irregular enough to be an alias.
    if word.endswith("e"):
        return {word + "n", word + "s"}
    if word.endswith(("en", "s")):
        return set()
    return {word + "en", word + "s"}


INFLECTIONS = {
    "en": _english,
    "de": _german,
    "fr": _romance_plural,
    "es": _romance_plural,
    "it": _italian,
    "nl": _dutch,
}


def forms_of_names(title: str, aliases: str, language: str | None = None) -> set[str]:
    """Every form of a term's title and aliases (one alias per line) in its language."""
    forms: set[str] = set()
    for name in [title, *aliases.splitlines()]:
        if name.strip():
            forms |= name_forms(name, language)
    return forms


# (term id, slug, title, aliases, language): what the index needs of one published term.
# A row of four is in the default language.
NameRow = tuple[int, str, str, str, str]


def _row_language(row: tuple) -> str:
    return row[4] if len(row) > 4 else default_language()


class _Layer:
    """One automaton over the forms of some terms, in every language at once.

    A form maps to one target per language, so "Insulin" links an English article to the
    English term and a German article to the German one, never across languages."""

    def __init__(self, rows: Iterable[NameRow]) -> None:
        self.automaton = ahocorasick.Automaton()
        self.forms_by_term: dict[int, set[str]] = {}
        self.terms_by_form: dict[tuple[str, str], set[int]] = {}
        targets_by_form: dict[str, dict[str, LinkTarget]] = {}
        for row in rows:
            term_id, slug, title, aliases = row[:4]
            language = _row_language(row)
            forms = forms_of_names(title, aliases, language)
            self.forms_by_term[term_id] = forms
            target = LinkTarget(term_id, slug, language)
            for form in forms:
                self.terms_by_form.setdefault((language, form), set()).add(term_id)
                targets_by_form.setdefault(form, {}).setdefault(language, target)
        for form, targets in targets_by_form.items():
            self.automaton.add_word(form, (len(form), targets))
        self.empty = not targets_by_form
        if not self.empty:
            self.automaton.make_automaton()

    def candidates(self, lowered: str, text: str, hidden: frozenset[int], language: str):
        if self.empty:
            return
        for end, (length, targets) in self.automaton.iter(lowered):
            target = targets.get(language)
            if target is None:
                continue
            start = end - length + 1
            if target.term_id not in hidden and _is_whole_word(text, start, end):
                yield start, length, target


class TermIndex:
    """Every published term name in one automaton, mapped to the term it names.

    Building the automaton for 50,000 terms takes a while, so a change to a few terms is
    laid over it instead (`with_changes`): a small second automaton for the changed
    terms, whose old entries in the big one are hidden.
    """

    def __init__(self, rows: Iterable[NameRow] = ()) -> None:
        self._base = _Layer(rows)
        self._overlay_rows: dict[int, NameRow | None] = {}
        self._overlay = _Layer(())
        self._hidden: frozenset[int] = frozenset()

    @property
    def overlay_size(self) -> int:
        return len(self._overlay_rows)

    @property
    def empty(self) -> bool:
        return self._base.empty and self._overlay.empty

    def with_changes(self, changes: Mapping[int, NameRow | None]) -> TermIndex:
        """This index with these terms' names replaced (a row) or removed (None)."""
        derived = TermIndex.__new__(TermIndex)
        derived._base = self._base
        derived._overlay_rows = {**self._overlay_rows, **changes}
        derived._overlay = _Layer(row for row in derived._overlay_rows.values() if row)
        derived._hidden = frozenset(derived._overlay_rows)
        return derived

    def matches(self, text: str, language: str | None = None) -> list[tuple[int, int, LinkTarget]]:
        """Non-overlapping whole-word matches of terms in this language (default: the
        default language), longest first at each position."""
        if self.empty:
            return []
        language = language or default_language()
        lowered = _lower_same_length(text)
        found = [
            *self._base.candidates(lowered, text, self._hidden, language),
            *self._overlay.candidates(lowered, text, frozenset(), language),
        ]
        found.sort(key=lambda c: (c[0], -c[1]))
        chosen = []
        covered_until = 0
        for start, length, target in found:
            if start >= covered_until:
                chosen.append((start, start + length, target))
                covered_until = start + length
        return chosen

    def terms_named(self, forms: set[str], language: str | None = None) -> set[int]:
        """Ids of the terms in this language that have any of these name forms."""
        language = language or default_language()
        found: set[int] = set()
        for form in forms:
            found |= self._base.terms_by_form.get((language, form), set()) - self._hidden
            found |= self._overlay.terms_by_form.get((language, form), set())
        return found


class FormMatcher:
    """Finds name forms in text by the renderer's rule (whole words, any case)."""

    def __init__(self, forms: Iterable[str]) -> None:
        self.automaton = ahocorasick.Automaton()
        for form in set(forms):
            if form:
                self.automaton.add_word(form, len(form))
        self.empty = len(self.automaton) == 0
        if not self.empty:
            self.automaton.make_automaton()

    def found_in(self, text: str) -> bool:
        if self.empty or not text:
            return False
        lowered = _lower_same_length(text)
        return any(
            _is_whole_word(text, end - length + 1, end)
            for end, length in self.automaton.iter(lowered)
        )


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


# --- Markdown and sanitizing ---------------------------------------------------------


_converters = threading.local()


def _converter(name: str, extensions: list[str]) -> markdown.Markdown:
    """One converter per thread and kind, reset before each use (building one is costly)."""
    converter = getattr(_converters, name, None)
    if converter is None:
        converter = markdown.Markdown(extensions=extensions, output_format="html")
        setattr(_converters, name, converter)
    return converter.reset()


def _sanitize(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def markdown_to_safe_html(source: str) -> str:
    """Markdown to HTML that passed the allow-list sanitizer (nothing executable survives).

    Heading ids are given by the linker (namespaced, unique), not by a markdown extension.
    """
    body = _converter("body", ["tables", "fenced_code", "sane_lists"])
    return _sanitize(body.convert(source or ""))


def _inline_markdown_to_safe_html(source: str) -> str:
    """One reference line: emphasis and links, no blocks to speak of."""
    return _sanitize(_converter("inline", []).convert(source))


def _is_external(href: str) -> bool:
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return parts.netloc != urlsplit(settings.SITE_URL).netloc


class _Linker(HTMLParser):
    """Rewrites sanitized HTML: term links, external-link rel, h1 demoted, TOC collected."""

    def __init__(
        self,
        index: TermIndex | None,
        exclude_ids: set[int],
        numbering: CitationNumbering | None = None,
        language: str = "",
    ) -> None:
        super().__init__(convert_charrefs=True)
        self.index = index
        self.numbering = numbering
        self.language = language or default_language()
        self.exclude_ids = exclude_ids
        self.out: list[str] = []
        self.stack: list[str] = []
        self.linked: dict[int, str] = {}
        self.toc: list[dict] = []
        self._heading: dict | None = None
        self._ids: set[str] = set()

    def _section_id(self, raw: str) -> str:
        """A unique, namespaced id for an editor's heading (the TOC links to it)."""
        base = slugify(raw).removeprefix(SECTION_ID_PREFIX) or "section"
        candidate = SECTION_ID_PREFIX + base
        number = 2
        while candidate in self._ids:
            candidate = f"{SECTION_ID_PREFIX}{base}-{number}"
            number += 1
        self._ids.add(candidate)
        return candidate

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h1":
            tag = "h2"
        attributes = dict(attrs)
        if tag == "a" and _is_external(attributes.get("href") or ""):
            attributes["rel"] = "noopener noreferrer"
        if tag in HEADING_TAGS:
            # The id is settled at the end tag, once the heading's text is known.
            self._heading = {
                "tag": tag,
                "attributes": attributes,
                "position": len(self.out),
                "title": "",
            }
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
        if tag in HEADING_TAGS and self._heading is not None:
            heading, self._heading = self._heading, None
            title = " ".join(heading["title"].split())
            attributes = heading["attributes"]
            attributes["id"] = self._section_id(attributes.get("id") or title)
            self.out[heading["position"]] = _start_tag(heading["tag"], attributes)
            if heading["tag"] in TOC_LEVELS:
                self.toc.append({"id": attributes["id"], "title": title, "level": int(tag[1])})
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading["title"] += data
        if any(tag in NO_LINK_TAGS for tag in self.stack):
            self.out.append(html.escape(data, quote=False))
            return
        if self.numbering is None:
            self._link_names(data)
            return
        for piece, keys in citations.split_citations(data):
            if keys is None:
                self._link_names(piece)
            else:
                self.out.append(self.numbering.mark(keys))

    def _link_names(self, data: str) -> None:
        if self.index is None:
            self.out.append(html.escape(data, quote=False))
            return
        position = 0
        for start, end, target in self.index.matches(data, self.language):
            if target.term_id in self.exclude_ids or target.term_id in self.linked:
                continue
            self.linked[target.term_id] = target.slug
            self.out.append(html.escape(data[position:start], quote=False))
            url = term_url(target.slug, target.language)
            self.out.append(
                f'<a href="{html.escape(url)}" class="term-link" '
                f'data-term="{html.escape(target.slug)}">'
                f"{html.escape(data[start:end], quote=False)}</a>"
            )
            position = end
        self.out.append(html.escape(data[position:], quote=False))


@functools.cache
def _term_url_template(language: str) -> tuple[str, str]:
    marker = "term-slug-marker"
    with translation.override(language):
        url = reverse("glossary:term_detail", args=[marker])
    before, _, after = url.partition(marker)
    return before, after


def term_url(slug: str, language: str | None = None) -> str:
    """reverse() for a term page in its language (default: the default language, at the
    unprefixed address), without resolving the URLconf for every link.

    Term pages list dozens of other terms (links, related, previous/next); reverse() costs
    about 50 microseconds each, which added up to a fifth of an uncached page."""
    before, after = _term_url_template(language or default_language())
    return f"{before}{quote(slug)}{after}"


def _start_tag(tag: str, attributes: dict[str, str | None]) -> str:
    rendered = "".join(
        f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attributes.items()
    )
    return f"<{tag}{rendered}>"


def link_and_outline(
    safe_html: str,
    index: TermIndex | None,
    exclude_ids: set[int] | None = None,
    numbering: CitationNumbering | None = None,
    language: str | None = None,
) -> tuple[str, list[dict], dict[int, str]]:
    linker = _Linker(index, exclude_ids or set(), numbering, language or default_language())
    linker.feed(safe_html)
    linker.close()
    return "".join(linker.out), linker.toc, linker.linked


def render_markdown(
    source: str,
    index: TermIndex | None,
    exclude_ids: set[int] | None = None,
    numbering: CitationNumbering | None = None,
    language: str | None = None,
) -> tuple[str, list[dict], dict[int, str]]:
    """Sanitized HTML cross-linked to terms in its language, its table of contents and the
    terms it links to.

    With a `numbering`, `[@key]` citations become numbered superscripts (docs/citations.md).
    """
    return link_and_outline(markdown_to_safe_html(source), index, exclude_ids, numbering, language)


# --- Citations and the reference list ---------------------------------------------------

# The reference list is built here, not by markdown, so it gets its own allow-list (ids for
# the back-links, classes for the evidence labels), which editors' markdown never gets.
LIST_MARKER = re.compile(r"^[-*+]\s+")
REFERENCE_TAGS = {"a", "b", "em", "i", "span", "strong", "sub", "sup", "code"}
REFERENCE_ATTRIBUTES = {"a": {"href", "title", "class", "aria-label"}, "span": {"class"}}


class CitationNumbering:
    """Numbers the sources an article cites in order of first citation; a source cited
    again keeps its number. Every citation gets its own id, for the list's back-links."""

    def __init__(self, library: Mapping[str, Source]) -> None:
        self.library = library
        self.numbers: dict[str, int] = {}
        self.uses: dict[str, list[str]] = {}
        self.unknown: dict[str, None] = {}

    def mark(self, keys: list[str]) -> str:
        """The superscript for one citation group such as [@a; @b]."""
        links = []
        for key in dict.fromkeys(keys):
            if key not in self.library:
                self.unknown.setdefault(key)
                continue
            number = self.numbers.setdefault(key, len(self.numbers) + 1)
            uses = self.uses.setdefault(key, [])
            anchor = f"cite-{number}-{len(uses) + 1}"
            uses.append(anchor)
            links.append(f'<a href="#ref-{number}" id="{anchor}">{number}</a>')
        if not links:
            missing = html.escape(gettext("citation needed"))
            return f'<sup class="citation citation-missing">[{missing}]</sup>'
        return f'<sup class="citation">{",".join(links)}</sup>'

    def cited(self) -> list[Source]:
        return [self.library[key] for key in self.numbers]


def _reference_item(source: Source, number: int, uses: list[str]) -> str:
    if source.kind == citations.KIND_UNSTRUCTURED:
        # A list marker ("- ", "* ") is not part of the reference; "*emphasis*" is.
        text = _inline_markdown_to_safe_html(LIST_MARKER.sub("", source.text.strip()))
        text = re.sub(r"^<p>(.*)</p>$", r"\1", text.strip(), flags=re.S)
    else:
        text = citations.ama_html(source)
    parts = [text, citations.identifier_links(source), citations.evidence_html(source)]
    backlinks = [
        f'<a href="#{anchor}" class="citation-backlink" aria-label="'
        + html.escape(gettext("Back to citation %(number)s") % {"number": number})
        + '">↩\ufe0e</a>'
        for anchor in uses
    ]
    if backlinks:
        parts.append(f'<span class="citation-backlinks">{" ".join(backlinks)}</span>')
    item = nh3.clean(
        " ".join(part for part in parts if part),
        tags=REFERENCE_TAGS,
        attributes=REFERENCE_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )
    item, _, _ = link_and_outline(item, None)  # external links get their rel
    return f'<li id="ref-{number}">{item}</li>'


def shown_sources(numbering: CitationNumbering, listed: Iterable[Source]) -> list[Source]:
    """The cited sources in citation order, then the listed ones nobody cites yet."""
    shown = numbering.cited()
    return shown + [source for source in listed if source.key not in numbering.numbers]


def render_reference_list(numbering: CitationNumbering, shown: list[Source]) -> str:
    return "".join(
        _reference_item(source, number, numbering.uses.get(source.key, []))
        for number, source in enumerate(shown, start=1)
    )


def render_body(
    title: str,
    aliases: str,
    body: str,
    index: TermIndex,
    own_id: int | None = None,
    sources: ArticleSources | None = None,
    language: str | None = None,
) -> RenderedTerm:
    """The article: body with its citations (cross-linked to terms in its own language),
    and its reference list.

    `sources` holds the references it needs (the library entries its body cites, the ones
    listed on the term); without it every citation renders as "citation needed".
    """
    sources = sources or ArticleSources()
    # A term never links to itself, even under a name it is about to take.
    exclude = {own_id} if own_id else set()
    exclude |= index.terms_named(forms_of_names(title, aliases, language), language)
    numbering = CitationNumbering(sources.library)
    # The stored HTML's own words ("citation needed", back-link labels) are in the
    # article's language, whatever language the editor who saves it reads the admin in.
    with translation.override(language or settings.LANGUAGE_CODE):
        body_html, toc, linked = render_markdown(body, index, exclude, numbering, language)
        shown = shown_sources(numbering, sources.listed)
        references_html = render_reference_list(numbering, shown)
    return RenderedTerm(
        body_html=body_html,
        references_html=references_html,
        toc=toc,
        linked_term_ids=list(linked),
        unknown_keys=list(numbering.unknown),
        cited_sources=[source.as_json() for source in shown],
    )
