"""Structured references as plain values: identifiers, the `[@key]` markup, the AMA style.

Pure text work like glossary.rendering (which numbers the citations while it renders an
article): nothing here reads the database. `glossary.models.Reference.as_source` turns a
stored reference into a `Source`; `glossary.references` fetches the ones an article needs.
See docs/citations.md.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from django.core.exceptions import ValidationError
from django.utils import dateformat
from django.utils.translation import gettext, gettext_lazy

# --- What a reference is ------------------------------------------------------------

KIND_ARTICLE = "article"
KIND_BOOK = "book"
KIND_WEBPAGE = "webpage"
KIND_GUIDELINE = "guideline"
KIND_UNSTRUCTURED = "unstructured"
KIND_CHOICES = [
    (KIND_ARTICLE, gettext_lazy("Journal article")),
    (KIND_BOOK, gettext_lazy("Book")),
    (KIND_WEBPAGE, gettext_lazy("Web page")),
    (KIND_GUIDELINE, gettext_lazy("Guideline")),
    (KIND_UNSTRUCTURED, gettext_lazy("Unstructured (free text, to be structured)")),
]

# From the strongest evidence to the weakest; the label is shown beside each reference.
EVIDENCE_CHOICES = [
    ("meta-analysis", gettext_lazy("Systematic review or meta-analysis")),
    ("rct", gettext_lazy("Randomized controlled trial")),
    ("observational", gettext_lazy("Observational study")),
    ("animal", gettext_lazy("Animal study")),
    ("in-vitro", gettext_lazy("In vitro study")),
    ("expert", gettext_lazy("Expert opinion or guideline")),
]
EVIDENCE_LABELS = dict(EVIDENCE_CHOICES)

# A citation key: a letter or digit, then letters, digits and _ : . - (pandoc's core set).
KEY_PATTERN = r"[A-Za-z0-9][\w:.\-]*"
KEY = re.compile(rf"^{KEY_PATTERN}$")
# [@key] or [@key1; @key2]: one citation group, rendered as one superscript.
CITATION = re.compile(rf"\[(@{KEY_PATTERN}(?:\s*;\s*@{KEY_PATTERN})*)\]")
CITED_KEY = re.compile(rf"@({KEY_PATTERN})")

DOI = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")
PMID = re.compile(r"^[1-9]\d{0,8}$")
AMA_MAX_AUTHORS = 6  # more than six: the first three, then "et al"
AMA_LISTED_WHEN_TRUNCATED = 3


def normalize_doi(value: str) -> str:
    """A DOI as stored: no resolver address or "doi:" in front, no surrounding spaces."""
    doi = (value or "").strip()
    for prefix in DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
    if doi.lower().startswith("doi:"):
        doi = doi[4:].strip()
    return doi


def validate_doi(value: str) -> None:
    if value and not DOI.match(normalize_doi(value)):
        raise ValidationError(
            gettext(
                "“%(value)s” is not a DOI. A DOI starts with “10.”, a registrant code of 4 to 9 "
                "digits, a slash and the item's own part, for example 10.1038/nrendo.2012.49."
            ),
            params={"value": value},
            code="invalid_doi",
        )


def validate_pmid(value: str) -> None:
    if value and not PMID.match(value.strip()):
        raise ValidationError(
            gettext(
                "“%(value)s” is not a PubMed ID. A PMID is a number of 1 to 9 digits "
                "(no “PMID:” in front), for example 22473333."
            ),
            params={"value": value},
            code="invalid_pmid",
        )


def validate_key(value: str) -> None:
    if not KEY.match(value or ""):
        raise ValidationError(
            gettext(
                "A citation key starts with a letter or digit and holds only letters, digits "
                "and _ : . - (for example pedersen2012), so it can be cited as [@key]."
            ),
            code="invalid_key",
        )


@dataclass(frozen=True)
class Source:
    """One reference, as the renderer and the citation formats need it."""

    key: str
    kind: str = KIND_ARTICLE
    text: str = ""  # the free text of an unstructured reference, as the editor wrote it
    authors: tuple[str, ...] = ()  # "Surname Initials", or an organisation's name
    title: str = ""
    container: str = ""  # journal, book publisher, web site or issuing body
    year: int | None = None
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    url: str = ""
    accessed: datetime.date | None = None
    evidence: str = ""

    @property
    def evidence_label(self) -> str:
        return str(EVIDENCE_LABELS.get(self.evidence, ""))

    # What a term keeps of each source it shows (Term.cited_sources, for its JSON-LD).
    JSON_FIELDS = ("key", "kind", "text", "authors", "title", "container", "year", "doi", "url")

    def as_json(self) -> dict:
        """Plain JSON values (a list, not a tuple), so it compares equal to the stored data."""
        data = {name: getattr(self, name) for name in self.JSON_FIELDS if getattr(self, name)}
        if "authors" in data:
            data["authors"] = list(data["authors"])
        return data

    @classmethod
    def from_json(cls, data: dict) -> Source:
        known = {name: data[name] for name in cls.JSON_FIELDS if name in data}
        known["authors"] = tuple(known.get("authors", ()))
        return cls(**known)


@dataclass
class ArticleSources:
    """What an article's reference list can show: the library entries its body cites (by
    key) and the references listed on the term (migrated free text, further reading)."""

    library: dict[str, Source] = field(default_factory=dict)
    listed: Sequence[Source] = ()


def cited_keys(markdown: str) -> list[str]:
    """Every key cited in this markdown, in order of first citation."""
    keys: dict[str, None] = {}
    for group in CITATION.finditer(markdown or ""):
        for key in CITED_KEY.findall(group.group(1)):
            keys.setdefault(key)
    return list(keys)


def split_citations(text: str) -> Iterator[tuple[str, list[str] | None]]:
    """Text pieces (keys None) and citation groups (their keys), in order."""
    position = 0
    for match in CITATION.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], None
        yield match.group(0), CITED_KEY.findall(match.group(1))
        position = match.end()
    if position < len(text):
        yield text[position:], None


# --- The AMA style (AMA Manual of Style, 11th edition) --------------------------------


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def safe_url(url: str) -> str:
    """The address if a reader can follow it safely (http or https), else ""."""
    parts = urlsplit((url or "").strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else ""


def ama_authors(authors: Sequence[str]) -> str:
    names = [name.strip() for name in authors if name.strip()]
    if len(names) > AMA_MAX_AUTHORS:
        names = [*names[:AMA_LISTED_WHEN_TRUNCATED], "et al"]
    return ", ".join(names)


def _sentence(text: str) -> str:
    """A part of a reference ends with a period unless it ends with its own punctuation."""
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."


def _locator(source: Source) -> str:
    """year;volume(issue):pages, with whatever parts the reference has."""
    located = str(source.year or "")
    if source.volume:
        located += f";{source.volume}"
    if source.issue:
        located += f"({source.issue})"
    if source.pages:
        located += f":{source.pages}"
    return located.lstrip(";")


def doi_url(doi: str) -> str:
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{quote(pmid)}/"


def ama_html(source: Source) -> str:
    """One structured reference in the AMA style, as escaped HTML (without its links)."""
    parts = []
    if source.authors:
        parts.append(_e(_sentence(ama_authors(source.authors))))
    title = _e(_sentence(source.title))
    container = _e(source.container.strip())
    if source.kind == KIND_ARTICLE:
        parts.append(title)
        if container:
            parts.append(f"<i>{container}</i>.")
        if _locator(source):
            parts.append(_e(_sentence(_locator(source))))
    elif source.kind == KIND_BOOK:
        parts.append(f"<i>{title}</i>")
        publisher = "; ".join(p for p in (source.container.strip(), str(source.year or "")) if p)
        if publisher:
            parts.append(_e(_sentence(publisher)))
    else:  # a web page or a guideline
        parts.append(f"<i>{title}</i>" if source.kind == KIND_GUIDELINE else title)
        if container:
            parts.append(_e(_sentence(source.container)))
        if source.year:
            parts.append(_e(gettext("Published %(year)s.") % {"year": source.year}))
        if source.accessed:
            accessed = dateformat.format(source.accessed, "F j, Y")
            parts.append(_e(gettext("Accessed %(date)s.") % {"date": accessed}))
    return " ".join(part for part in parts if part)


def identifier_links(source: Source) -> str:
    """The DOI, PubMed and web links of a reference (only addresses a reader may follow)."""
    links = []
    if source.doi:
        links.append(f'<a href="{_e(doi_url(source.doi))}">doi:{_e(source.doi)}</a>')
    if source.pmid:
        links.append(f'<a href="{_e(pubmed_url(source.pmid))}">PubMed: {_e(source.pmid)}</a>')
    url = safe_url(source.url)
    if url and not source.doi:
        links.append(f'<a href="{_e(url)}">{_e(url)}</a>')
    return " ".join(links)


def evidence_html(source: Source) -> str:
    if not source.evidence_label:
        return ""
    label = _e(gettext("Evidence: %(level)s") % {"level": source.evidence_label})
    return f'<span class="evidence evidence-{_e(source.evidence)}">{label}</span>'


# --- "Evidence needed" sections --------------------------------------------------------

EVIDENCE_NEEDED_MARK = re.compile(r"<!--\s*evidence[- ]needed\s*-->", re.I)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class UncitedClaim:
    section: str
    text: str


def uncited_claims(markdown: str) -> list[UncitedClaim]:
    """Paragraphs that cite nothing in sections marked `<!-- evidence needed -->`.

    The mark stands on its own line under a heading and covers that section, up to the next
    heading of the same or a higher level (docs/citations.md).
    """
    claims: list[UncitedClaim] = []
    heading, level, marked = "", 0, False
    for block in re.split(r"\n\s*\n", (markdown or "").replace("\r\n", "\n")):
        lines = [line for line in block.strip().split("\n") if line.strip()]
        while lines and HEADING.match(lines[0]):
            depth, title = HEADING.match(lines[0]).groups()
            if not marked or len(depth) <= level:
                level, marked = len(depth), False
            heading = title
            lines = lines[1:]
        text = "\n".join(lines)
        if EVIDENCE_NEEDED_MARK.search(text):
            marked = True
            text = EVIDENCE_NEEDED_MARK.sub("", text).strip()
        if marked and text and not CITATION.search(text):
            claims.append(UncitedClaim(heading, " ".join(text.split())))
    return claims
