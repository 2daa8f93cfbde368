"""The project's own modules import each other in one direction only (no circles)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "core", "glossary", "consent", "editorial")


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


APP_PACKAGES = ("config", "core", "glossary", "consent", "editorial")
# Documented despite the underscore: Model._meta (the Options API) and Model._state.
DOCUMENTED = {"_meta", "_state"}


def private_names_of(package: str) -> set[str]:
    """Underscore names that a third-party package defines (methods and attributes)."""
    root = Path(__import__(package).__file__).parent
    names: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and _is_private(node.name):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and _is_private(node.attr):
                names.add(node.attr)
    return names


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def app_files() -> list[Path]:
    return [
        path
        for package in APP_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]


def test_no_private_names_of_django_or_redis_are_imported():
    found = []
    for path in app_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                third_party = node.module.split(".")[0] in ("django", "redis")
                private = [a.name for a in node.names if _is_private(a.name)]
                if third_party and (private or any(map(_is_private, node.module.split(".")))):
                    found.append(f"{path.relative_to(ROOT)}: {node.module} {private}")
    assert found == []


def our_own_private_names() -> set[str]:
    """Underscore attributes our own classes set on themselves (``self._x = ...``)."""
    names = set()
    for path in app_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and _is_private(target.attr)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "self"
                    ):
                        names.add(target.attr)
    return names


def test_no_private_attributes_of_django_or_redis_are_used():
    """``x._name`` where Django or redis-py define ``_name`` (our own ``self._x`` aside)."""
    theirs = (private_names_of("django") | private_names_of("redis")) - DOCUMENTED
    theirs -= our_own_private_names()
    found = []
    for path in app_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Attribute) and node.attr in theirs):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert found == []


def test_core_imports_neither_app():
    modules = project_modules()
    known = set(modules)
    for name, path in modules.items():
        if name.startswith("core"):
            apps = {
                t for t in imports_of(path, known) if t.split(".")[0] in ("glossary", "consent")
            }
            assert apps == set(), name


def test_the_visibility_rule_is_written_once_in_sql():
    """``status = %s AND published_at <= %s`` lives beside TermQuerySet.published only."""
    holders = sorted(
        str(path.relative_to(ROOT))
        for path in app_files()
        if "published_at <= %s" in path.read_text(encoding="utf-8")
    )
    assert holders == ["glossary/models.py"]
