"""Where test code lives: helpers in tests/support, fixtures in conftest.py, tests elsewhere.

- every Python file outside tests/support is a test module (``test_*.py``), a
  ``conftest.py`` or an ``__init__.py``: helpers have one home, so two packages never grow
  two copies of one fake, and a helper is never found only by reading a conftest;
- nothing imports a ``conftest.py`` (pytest loads those itself; importing one runs it a
  second time under another name, and hides a helper where nobody looks for one) or a
  test module;
- test code imports ``tests.*`` only from ``tests.support``, and tests/support imports
  no test package;
- a ``conftest.py`` defines fixtures and pytest hooks only (private ``_names`` aside).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SUPPORT = TESTS / "support"
DATA = {"fixtures", "__snapshots__", "__pycache__"}
"""Directories of recorded data, never code."""


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if not DATA.intersection(p.parts))


def module_name(path: Path) -> str:
    parts = path.relative_to(TESTS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, importer: str, *, is_package: bool = False) -> Iterator[str]:
    """Every module ``importer`` imports, relative imports resolved. ``from a import b``
    counts as importing ``a.b`` (``b`` may be a module; a conftest often is)."""
    package = importer if is_package else importer.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                module = ".".join([*base[: len(base) - (node.level - 1)], *filter(None, [module])])
            yield from (f"{module}.{alias.name}" for alias in node.names)


def import_problem(module: str) -> str | None:
    parts = module.split(".")
    if "conftest" in parts:
        conftest = ".".join(parts[: parts.index("conftest") + 1])
        return f"imports {conftest}: import helpers from tests.support instead"
    if parts[0] != "tests" or len(parts) < 2:
        return None
    if any(p.startswith("test_") for p in parts):
        return f"imports the test module {module}: move what it shares to tests.support"
    if parts[1] != "support":
        return f"imports {module}: shared test code lives in tests.support"
    return None


def layout_problems(path: Path, source: str) -> list[str]:
    """What is wrong with where ``path`` lives and what it imports."""
    name = module_name(path)
    in_support = SUPPORT in path.parents
    problems = set()
    if not in_support and not (
        path.name in ("__init__.py", "conftest.py") or path.name.startswith("test_")
    ):
        problems.add("is a helper module outside tests/support: move it there")
    for module in imported_modules(source, name, is_package=path.name == "__init__.py"):
        problem = import_problem(module)
        if problem is not None:
            problems.add(problem)
    return sorted(problems)


def conftest_problems(source: str) -> list[str]:
    """Public top-level names of a conftest that are neither fixtures nor pytest hooks."""
    problems = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
            fixture = any("fixture" in ast.unparse(d) for d in node.decorator_list)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            fixture = False
        else:
            continue
        problems += [
            f"line {node.lineno}: {n} is not a fixture: move it to tests/support"
            for n in names
            if not fixture and not n.startswith(("_", "pytest_"))
        ]
    return problems


FILES = python_files()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(TESTS)))
def test_helpers_live_in_support_and_nothing_imports_a_conftest(path: Path) -> None:
    problems = layout_problems(path, path.read_text(encoding="utf-8"))
    assert not problems, f"tests/{path.relative_to(TESTS)}: {problems}"


@pytest.mark.parametrize(
    "path",
    [p for p in FILES if p.name == "conftest.py"],
    ids=lambda p: str(p.relative_to(TESTS)),
)
def test_conftest_files_hold_only_fixtures(path: Path) -> None:
    problems = conftest_problems(path.read_text(encoding="utf-8"))
    assert not problems, f"tests/{path.relative_to(TESTS)}: {problems}"


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("ui/test_x.py", "from tests.ui.conftest import build_app\n", "imports tests.ui.conftest"),
        ("demo/test_x.py", "from .conftest import START\n", "imports tests.demo.conftest"),
        ("demo/test_x.py", "from . import conftest\n", "imports tests.demo.conftest"),
        ("ui/test_x.py", "import tests.ui.conftest\n", "imports tests.ui.conftest"),
        ("ui/test_x.py", "from tests.ui.world import NOW\n", "shared test code lives in"),
        ("ui/test_x.py", "from tests import clock\n", "shared test code lives in"),
        ("a/test_x.py", "from tests.b.test_y import helper\n", "imports the test module"),
        ("support/x.py", "from tests.faults.world import Drive\n", "shared test code lives in"),
        ("faults/world.py", "import json\n", "helper module outside tests/support"),
    ],
)
def test_the_layout_rule_catches_each_kind_of_breach(where, source, expected):
    problems = layout_problems(TESTS / where, source)
    assert any(expected in p for p in problems), problems


def test_the_layout_rule_allows_support_imports():
    source = "from tests.support.ui import build_app\nfrom tests.support import fault_world\n"
    assert layout_problems(TESTS / "ui" / "test_x.py", source) == []
    assert layout_problems(TESTS / "support" / "x.py", source) == []


def test_a_conftest_with_a_helper_is_caught():
    source = (
        "import pytest\n_CACHE = {}\n\n"
        "@pytest.fixture\ndef clock(): ...\n\n"
        "def pytest_configure(config): ...\n\n"
        "def build_app(): ...\n\nclass FixedFeed: ...\nTOKEN = 'x'\n"
    )
    problems = conftest_problems(source)
    assert [p.split(": ")[1].split()[0] for p in problems] == ["build_app", "FixedFeed", "TOKEN"]
