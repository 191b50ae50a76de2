"""Layers import one way (domain <- config <- adapters <- engine <- ui <- cli), only the ui
layer imports Textual, and the simulated world imports nothing of the product."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "app"
PRODUCT = ROOT / "release_cockpit"
WORLD = ROOT / "release_cockpit_demo"
# Each layer may import only the layers to its left (and itself).
ALLOWED = {
    "errors": set(),
    "domain": {"errors"},
    "config": {"errors", "domain", "paths"},
    "paths": set(),
    "adapters": {"errors", "domain", "config"},
    "engine": {"errors", "domain", "config", "adapters", "paths"},
    "ui": {"errors", "domain", "config", "engine", "paths"},
    "headless": {"errors", "domain", "config", "adapters", "engine", "paths"},
}
ALLOWED["cli"] = set(ALLOWED) | {"world"}


def layer_of(path: Path) -> str:
    return path.relative_to(PRODUCT).parts[0].removesuffix(".py")


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno


def product_layer(module: str) -> str | None:
    """The layer a module of ours belongs to ("world" for the simulated world), or None."""
    parts = module.split(".")
    if parts[0] == "release_cockpit_demo":
        return "world"
    if parts[0] == "release_cockpit" and len(parts) > 1:
        return parts[1]
    return None


MODULES = sorted(
    p for p in PRODUCT.rglob("*.py") if layer_of(p) in ALLOWED and p.name != "__main__.py"
)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PRODUCT)))
def test_layers_import_one_way(path: Path) -> None:
    layer = layer_of(path)
    bad = [
        f"line {line}: imports {module}"
        for module, line in imports(path)
        if (target := product_layer(module)) is not None
        and target != layer
        and target not in ALLOWED[layer]
    ]
    assert not bad, f"{path.relative_to(PRODUCT)} ({layer}) breaks the layering: {bad}"


@pytest.mark.parametrize(
    "path", sorted(WORLD.rglob("*.py")), ids=lambda p: str(p.relative_to(WORLD))
)
def test_the_simulated_world_speaks_only_wire_formats(path: Path) -> None:
    """The world is a stand-in for other people's servers: it may not borrow the cockpit's
    model, or a bug in one would hide the same bug in the other."""
    bad = [f"line {line}: {m}" for m, line in imports(path) if m.split(".")[0] == "release_cockpit"]
    assert not bad, f"{path.relative_to(WORLD)} imports the product: {bad}"


def test_no_top_level_app_package() -> None:
    """The wheel installs uniquely named packages only; ``app`` is just the source root."""
    assert not (ROOT / "__init__.py").exists()
    assert sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()) == [
        "release_cockpit",
        "release_cockpit_demo",
    ]


def test_core_layers_do_not_load_textual() -> None:
    code = (
        "import sys, release_cockpit.domain, release_cockpit.config, "
        "release_cockpit.adapters.base, release_cockpit.engine.engine, "
        "release_cockpit.headless.check; "
        "print('textual' in sys.modules or any(m.startswith('textual.') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"
