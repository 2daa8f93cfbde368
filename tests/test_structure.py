"""The project's own modules import each other in one direction only (no circles)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "core", "glossary", "consent")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every project module this file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name in known:
                found.add(name)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str]:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return []
        visiting.append(node)
        for target in sorted(graph[node]):
            cycle = visit(target)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return []

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return []


def test_no_module_imports_one_that_imports_it_back():
    modules = project_modules()
    known = set(modules)
    graph = {
        name: {target for target in imports_of(path, known) if target != name}
        for name, path in modules.items()
    }
    # A package's __init__ is not an import of its modules.
    graph = {name: {t for t in targets if t not in PACKAGES} for name, targets in graph.items()}
    assert find_cycle(graph) == []


def test_glossary_and_consent_do_not_import_each_other():
    modules = project_modules()
    known = set(modules)
    for name, path in modules.items():
        targets = imports_of(path, known)
        if name.startswith("glossary"):
            assert not [t for t in targets if t.startswith("consent")], name
        if name.startswith("consent"):
            assert not [t for t in targets if t.startswith("glossary")], name


def test_rendering_reads_no_database():
    source = (ROOT / "glossary" / "rendering.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not [
        name for name in imported if name.startswith(("django.db", "glossary", "consent", "core"))
    ]
