"""Reading public pages as a reader does (a fresh client, no session): their HTML and
their JSON-LD nodes."""

from __future__ import annotations

import extruct
from django.test import Client


def reader_html(path: str) -> str:
    """The page at ``path`` as an anonymous reader gets it (must be a 200)."""
    response = Client().get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def jsonld_nodes(html: str) -> dict[str, dict]:
    """The page's JSON-LD graph nodes by type, read with extruct."""
    data = extruct.extract(html, base_url="http://testserver/", syntaxes=["json-ld"])["json-ld"]
    return {node["@type"]: node for block in data for node in block["@graph"]}
