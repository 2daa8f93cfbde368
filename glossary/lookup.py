"""Filling a reference in from Crossref (by DOI) or PubMed (by PMID): optional, off by default.

With `CITATION_LOOKUP` on, the reference admin's action "Fill in missing details" asks
Crossref's REST API or NCBI's E-utilities (esummary) and fills only the fields an editor
left empty; nothing an editor typed is replaced, and the evidence level is only suggested
from PubMed's publication types when none is set. Off (the default), nothing here opens a
connection. The parsers are plain functions over the services' JSON, tested against
recorded answers (tests/glossary/recorded/).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from urllib.parse import quote

from django.conf import settings
from django.utils.translation import gettext

from glossary.citations import KIND_ARTICLE, KIND_BOOK, KIND_UNSTRUCTURED, KIND_WEBPAGE
from glossary.models import Reference

CROSSREF_URL = "https://api.crossref.org/works/{doi}"
PUBMED_URL = (
    "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi?db=pubmed&retmode=json&id={pmid}"
)
TIMEOUT_SECONDS = 5
MAX_ANSWER_BYTES = 2_000_000
FILLED_FIELDS = ("authors", "title", "container", "year", "volume", "issue", "pages")
# PubMed publication types, strongest first, and the evidence level each suggests.
PUBLICATION_TYPES = [
    ("Meta-Analysis", "meta-analysis"),
    ("Systematic Review", "meta-analysis"),
    ("Randomized Controlled Trial", "rct"),
    ("Observational Study", "observational"),
    ("Practice Guideline", "expert"),
    ("Guideline", "expert"),
]


class LookupFailed(Exception):
    """The service could not answer (off, unreachable, or an answer we cannot read)."""


def _initials(given: str) -> str:
    return "".join(part[0] for part in re.split(r"[\s.\-]+", given) if part)


def full_pages(pages: str) -> str:
    """PubMed's "170-8" as AMA wants it: "170-178"."""
    match = re.fullmatch(r"(\d+)-(\d+)", pages.strip())
    if not match or len(match.group(2)) >= len(match.group(1)):
        return pages.strip()
    first, last = match.groups()
    return f"{first}-{first[: len(first) - len(last)]}{last}"


def from_crossref(answer: dict) -> dict:
    """A Crossref /works/{doi} answer → Reference fields."""
    work = answer.get("message") or {}
    kinds = {"journal-article": KIND_ARTICLE, "book": KIND_BOOK, "monograph": KIND_BOOK}
    authors = [
        f"{person['family']} {_initials(person.get('given', ''))}".strip()
        if person.get("family")
        else person.get("name", "")
        for person in work.get("author", [])
    ]
    date_parts = (work.get("issued") or {}).get("date-parts") or [[None]]
    return {
        "kind": kinds.get(work.get("type", ""), KIND_WEBPAGE),
        "authors": "\n".join(name for name in authors if name),
        "title": " ".join(" ".join(work.get("title") or [""]).split()),
        "container": " ".join((work.get("container-title") or [""])[0].split()),
        "year": date_parts[0][0],
        "volume": work.get("volume", ""),
        "issue": work.get("issue", ""),
        "pages": work.get("page", ""),
        "doi": work.get("DOI", ""),
    }


def from_pubmed(answer: dict, pmid: str) -> dict:
    """An esummary (JSON) answer for one PMID → Reference fields, and a suggested level."""
    summary = (answer.get("result") or {}).get(pmid)
    if not summary:
        raise LookupFailed(gettext("PubMed has no record %(pmid)s") % {"pmid": pmid})
    year = re.match(r"\d{4}", summary.get("pubdate", ""))
    doi = next((i["value"] for i in summary.get("articleids", []) if i.get("idtype") == "doi"), "")
    types = set(summary.get("pubtype", []))
    evidence = next((level for name, level in PUBLICATION_TYPES if name in types), "")
    return {
        "kind": KIND_ARTICLE,
        "authors": "\n".join(
            a["name"] for a in summary.get("authors", []) if a.get("authtype") == "Author"
        ),
        "title": summary.get("title", "").strip().removesuffix("."),
        "container": summary.get("source", ""),
        "year": int(year.group(0)) if year else None,
        "volume": summary.get("volume", ""),
        "issue": summary.get("issue", ""),
        "pages": full_pages(summary.get("pages", "")),
        "doi": doi,
        "evidence": evidence,
    }


def _get_json(url: str) -> dict:
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": f"{settings.SITE_NAME}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return json.loads(response.read(MAX_ANSWER_BYTES))
    except (urllib.error.URLError, TimeoutError, ValueError, OSError) as error:
        raise LookupFailed(str(error)) from None


def fill_missing(reference: Reference) -> list[str]:
    """Fill the reference's empty fields from its DOI (Crossref) or PMID (PubMed).

    Returns the names of the fields filled; the caller saves. Raises LookupFailed when
    lookup is off, the reference has neither identifier, or the service fails.
    """
    if not settings.CITATION_LOOKUP:
        raise LookupFailed(gettext("metadata lookup is off (set CITATION_LOOKUP=1 to use it)"))
    if reference.doi:
        found = from_crossref(_get_json(CROSSREF_URL.format(doi=quote(reference.doi, safe="/"))))
    elif reference.pmid:
        answer = _get_json(PUBMED_URL.format(pmid=quote(reference.pmid)))
        found = from_pubmed(answer, reference.pmid)
    else:
        raise LookupFailed(gettext("it has neither a DOI nor a PMID"))
    filled = []
    for name in (*FILLED_FIELDS, "doi", "evidence"):
        value = found.get(name)
        if value and not getattr(reference, name):
            setattr(reference, name, value)
            filled.append(name)
    if reference.kind == KIND_UNSTRUCTURED and reference.title:  # structured now
        reference.kind = found["kind"]
        filled.append("kind")
    return filled
