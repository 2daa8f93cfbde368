"""The README and docs/ say what the code does: make targets that exist, the settings that
are read, links that lead somewhere in the repository, no names of removed code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# Files that read the environment (the README's settings table lists what they read).
SETTINGS_SOURCES = (ROOT / "config" / "settings.py", ROOT / "config" / "gunicorn.conf.py")
README_MAX_LINES = 220
# Names of code that no longer exists: a doc that mentions one describes something gone.
REMOVED_NAMES = (
    "STAMP_MIRROR_SECONDS",
    "TERM_PAGE_STORED_SECONDS",
    "StampSnapshotMiddleware",
    "fetch_rendering",
    "PROCESS_COPIES",
)

FENCED_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
# A code span: a run of backticks up to the same run (``a ` b`` holds a backtick); it may
# wrap onto the next line, as in markdown.
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
MAKE_TARGET = re.compile(r"\bmake ([A-Za-z][\w-]*)")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HTML_LINK = re.compile(r"""\b(?:src|href)=["']([^"']+)["']""")
MAKEFILE_RULE = re.compile(r"^([A-Za-z][\w-]*)\s*:(?!=)", re.MULTILINE)
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def documentation_files() -> list[Path]:
    """Every README and every file in docs/ (markdown)."""
    found = {README, *(ROOT / "docs").rglob("*.md")}
    for package in ("config", "core", "glossary", "consent", "benchmarks", "tests"):
        candidate = ROOT / package / "README.md"
        if candidate.exists():
            found.add(candidate)
    return sorted(found)


def code_in(markdown: str) -> list[str]:
    """The text of fenced code blocks and inline code spans: where commands are written."""
    blocks = FENCED_BLOCK.findall(markdown)
    prose = FENCED_BLOCK.sub("", markdown)
    return blocks + [match.group(2) for match in CODE_SPAN.finditer(prose)]


def make_targets_named(markdown: str) -> set[str]:
    return {target for code in code_in(markdown) for target in MAKE_TARGET.findall(code)}


def makefile_targets() -> set[str]:
    return set(MAKEFILE_RULE.findall((ROOT / "Makefile").read_text(encoding="utf-8")))


def section(markdown: str, heading: str) -> str:
    """The text under ``## heading`` up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"README.md has no '## {heading}' section"
    return match.group(1)


def settings_table_variables(markdown: str) -> set[str]:
    """The variables named in the first column of the README's settings table."""
    names = set()
    for line in section(markdown, "Settings").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or not cells or set(cells[0]) <= {"-", " "}:
            continue
        for match in CODE_SPAN.finditer(cells[0]):
            if ENV_NAME.fullmatch(match.group(2)):
                names.add(match.group(2))
    return names


def is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def environment_variables_read(source: str) -> set[str]:
    """Names read with os.environ.get / os.environ[...] / os.getenv / the _env_* helpers."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        name_node = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            reads = (
                (
                    isinstance(func, ast.Attribute)
                    and func.attr == "get"
                    and is_os_environ(func.value)
                )
                or (isinstance(func, ast.Attribute) and func.attr == "getenv")
                or (isinstance(func, ast.Name) and func.id.startswith("_env_"))
            )
            if reads:
                name_node = node.args[0]
        elif isinstance(node, ast.Subscript) and is_os_environ(node.value):
            name_node = node.slice
        if isinstance(name_node, ast.Constant) and isinstance(name_node.value, str):
            names.add(name_node.value)
    return names


def variables_read_by_settings() -> set[str]:
    names = set()
    for path in SETTINGS_SOURCES:
        names |= environment_variables_read(path.read_text(encoding="utf-8"))
    return names


def relative_links(markdown: str) -> list[str]:
    """Link targets that are neither web addresses nor anchors within the page (code is
    not a link: `<script data-consent-src="…">` in a code span leads nowhere)."""
    prose = CODE_SPAN.sub("", FENCED_BLOCK.sub("", markdown))
    targets = MARKDOWN_LINK.findall(prose) + HTML_LINK.findall(prose)
    return [
        target
        for target in targets
        if not re.match(r"[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")
    ]


def broken_links(path: Path) -> list[str]:
    """The relative links of this file that lead to no file inside the repository."""
    broken = []
    for target in relative_links(path.read_text(encoding="utf-8")):
        location = target.split("#", 1)[0].split("?", 1)[0]
        resolved = (path.parent / location).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    return broken


# --- The checks -------------------------------------------------------------------------


def test_every_make_target_in_the_readme_exists():
    named = make_targets_named(README.read_text(encoding="utf-8"))
    assert {"run", "test", "serve", "bench"} <= named, "the README names the main targets"
    assert named - makefile_targets() == set()


def test_the_settings_table_lists_exactly_the_variables_the_settings_read():
    documented = settings_table_variables(README.read_text(encoding="utf-8"))
    read = variables_read_by_settings()
    assert "DJANGO_SECRET_KEY" in read and "WEB_CONCURRENCY" in read, "the parser finds reads"
    assert documented - read == set(), "documented but never read"
    assert read - documented == set(), "read but not documented"


@pytest.mark.parametrize(
    "path", documentation_files(), ids=lambda path: str(path.relative_to(ROOT))
)
def test_relative_links_lead_to_files_in_the_repository(path):
    assert broken_links(path) == []


def test_the_readme_stays_short():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines (at most {README_MAX_LINES})"


@pytest.mark.parametrize(
    "path", documentation_files(), ids=lambda path: str(path.relative_to(ROOT))
)
def test_no_doc_names_removed_code(path):
    text = path.read_text(encoding="utf-8")
    assert [name for name in REMOVED_NAMES if name in text] == []


# --- The checkers themselves: each finds what it looks for --------------------------------


def test_the_checkers_notice_what_they_guard(tmp_path):
    assert make_targets_named("Run `make nosuchtarget` or\n```sh\nmake run\n```") == {
        "nosuchtarget",
        "run",
    }
    assert make_targets_named("what one client may make per window") == set()
    assert code_in("``a ` b`` and `c\nd`") == ["a ` b", "c\nd"]
    table = "## Settings\n\n| Variable | Default |\n| --- | --- |\n| `A_B`, `C` | `0` |\n## Next\n"
    assert settings_table_variables(table) == {"A_B", "C"}
    source = (
        'import os\nX = os.environ.get("ONE", "")\nY = os.environ["TWO"]\nZ = _env_bool("THREE", 1)'
    )
    assert environment_variables_read(source) == {"ONE", "TWO", "THREE"}
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](https://example.org) [here](#top) [gone](missing.md) "
        '<img src="../../outside.png"> [shared](../shared/x.md) `<a href="code.md">`',
        encoding="utf-8",
    )
    assert relative_links(page.read_text(encoding="utf-8")) == [
        "missing.md",
        "../shared/x.md",
        "../../outside.png",
    ]
    assert len(broken_links(page)) == 3  # missing, or outside the repository
