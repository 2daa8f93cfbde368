"""“Cite this page”: a term's citation in APA, MLA and AMA, and as BibTeX and RIS files.

Every format says the same thing: who (the authors of the version shown, else the site),
what (the title), when (the version's date) and where (`citable_url`, the address of the
exact version a reader saw). Nothing depends on the day it is read, so a cached page's
citation is as true as the page (no "accessed on" date; readers add their own).

A style is an English-language convention, and so is everything in it that is not the
article's: its date pattern, month names and abbreviations, and its fixed words ("Updated",
"and", "et al."). Each style is therefore written in English on every language's pages
(``_english_date``), with the article's own title and address: a German page's APA
reads "(2026, December 7)", never a German month in English order (docs/citations.md).

Authors are named as their profiles write them ("Wendy Writer"), never turned into
"Writer, W.": a profile has one name field, and guessing which part is the surname would
misname people. BibTeX keeps each name whole in braces for the same reason.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils import dateformat, timezone, translation

from glossary.models import Publication, Term
from glossary.publications import ShownVersion

# ?format=… → (content type, file extension) of the downloads.
DOWNLOADS = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
}


def citable_url(term: Term, request: HttpRequest, publication: Publication | None = None) -> str:
    """The address a citation points to: the one place that decides it. The permanent
    address of the published version the reader was shown (`/glossary/<slug>/v/<n>/`),
    so a later edit never changes what the citation names; the live page for a term
    never published through the review workflow."""
    path = publication.get_absolute_url() if publication else term.get_absolute_url()
    return request.build_absolute_uri(path)


def citation_authors(shown: ShownVersion) -> list[str]:
    """Who the citation names as author: the people credited on the version shown (its
    publication's authors as published, else the term's authors now), else the site."""
    names = [author["name"] for author in shown.authors if author.get("name", "").strip()]
    return names or [settings.SITE_NAME]


@dataclass(frozen=True)
class TermCitation:
    key: str
    title: str
    authors: tuple[str, ...]
    site: str
    url: str
    date: datetime.date

    @classmethod
    def of(cls, term: Term, request: HttpRequest, shown: ShownVersion) -> TermCitation:
        """The citation of the version shown: its publication when there is one."""
        publication = shown.publication
        moment = publication.published_at if publication else term.updated_at
        date = timezone.localdate(moment)
        return cls(
            key=f"{term.slug}-{date:%Y%m%d}",
            title=publication.title if publication else term.title,
            authors=tuple(citation_authors(shown)),
            site=settings.SITE_NAME,
            url=citable_url(term, request, publication),
            date=date,
        )

    @property
    def author_is_site(self) -> bool:
        return self.authors == (self.site,)


def _english_date(date: datetime.date, pattern: str) -> str:
    """``date`` in a style's own pattern, with English month names in every language."""
    with translation.override("en"):
        return dateformat.format(date, pattern)


def _ended(text: str) -> str:
    """``text`` closed by a full stop, not doubled after an initial or "Jr."."""
    return text if text.endswith(".") else f"{text}."


def _apa_names(authors: tuple[str, ...]) -> str:
    """APA: "A", "A & B", "A, B, & C"."""
    if len(authors) < 3:
        return " & ".join(authors)
    return f"{', '.join(authors[:-1])}, & {authors[-1]}"


def apa(citation: TermCitation) -> str:
    """APA 7, a page on a web site: Author. (Year, Month Day). Title. Site. URL"""
    date = _english_date(citation.date, "Y, F j")
    site = "" if citation.author_is_site else f" {citation.site}."
    names = _ended(_apa_names(citation.authors))
    return f"{names} ({date}). {citation.title}.{site} {citation.url}"


# MLA's month abbreviations (May, June and July are written out; September is "Sept.").
MLA_MONTHS = (
    "Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.",
)  # fmt: skip


def _mla_names(authors: tuple[str, ...]) -> str:
    """MLA: "A", "A and B", "A, et al." for three or more."""
    if len(authors) > 2:
        return f"{authors[0]}, et al"
    return " and ".join(authors)


def mla(citation: TermCitation) -> str:
    """MLA 9: Author. “Title.” Site, Day Mon. Year, URL. (An organisation that publishes
    its own page is not repeated as the author.)"""
    month = MLA_MONTHS[citation.date.month - 1]
    date = f"{citation.date.day} {month} {citation.date.year}"
    author = "" if citation.author_is_site else f"{_ended(_mla_names(citation.authors))} "
    return f"{author}“{citation.title}.” {citation.site}, {date}, {citation.url}."


def _ama_names(authors: tuple[str, ...]) -> str:
    """AMA: every author up to six, else the first three and "et al"."""
    return ", ".join(authors) if len(authors) <= 6 else f"{', '.join(authors[:3])}, et al"


def ama(citation: TermCitation) -> str:
    """AMA 11, a web page: Author. Title. Site. Updated Month Day, Year. URL"""
    updated = f"Updated {_english_date(citation.date, 'F j, Y')}."
    names = _ended(_ama_names(citation.authors))
    return f"{names} {citation.title}. {citation.site}. {updated} {citation.url}"


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


def _bibtex_text(value: str) -> str:
    """A value safe inside braces: LaTeX's special characters escaped."""
    escaped = _BIBTEX_SPECIAL.sub(lambda m: "\\" + m.group(1), value)
    return escaped.replace("\\\\", "\\textbackslash{}").replace("\n", " ")


def bibtex(citation: TermCitation) -> str:
    # Double braces keep each name whole, as written (not "Glossary, Longevity").
    authors = " and ".join(f"{{{_bibtex_text(name)}}}" for name in citation.authors)
    fields = [
        ("author", authors),
        ("title", _bibtex_text(citation.title)),
        ("howpublished", _bibtex_text(citation.site)),
        ("year", str(citation.date.year)),
        ("month", str(citation.date.month)),
        ("date", citation.date.isoformat()),
        ("url", citation.url),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{citation.key},\n{body}\n}}\n"


def ris(citation: TermCitation) -> str:
    """RIS: one tag per line, "TAG  - value", a record from TY to ER."""
    lines = [("TY", "ELEC")]
    lines += [("AU", name) for name in citation.authors]
    lines += [
        ("TI", citation.title),
        ("PB", citation.site),
        ("PY", str(citation.date.year)),
        ("DA", citation.date.strftime("%Y/%m/%d")),
        ("UR", citation.url),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines)


def styles(citation: TermCitation) -> list[tuple[str, str]]:
    """(style name, text) for the page and the term page's "Cite this page"."""
    return [("AMA", ama(citation)), ("APA", apa(citation)), ("MLA", mla(citation))]


def download(citation: TermCitation, format_name: str) -> str:
    return bibtex(citation) if format_name == "bibtex" else ris(citation)
