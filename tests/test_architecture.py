"""Layers import one way (domain <- config <- adapters <- engine <- ui <- cli), and only
app/ui imports Textual."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
# Each layer may import only the layers to its left (and itself).
ORDER = [
    "errors",
    "domain",
    "config",
    "paths",
    "adapters",
    "engine",
    "demo",
    "ui",
    "headless",
    "cli",
]
ALLOWED = {
    "errors": set(),
    "domain": {"errors"},
    "config": {"errors", "domain", "paths"},
    "paths": set(),
    "adapters": {"errors", "domain", "config"},
    "engine": {"errors", "domain", "config", "adapters", "paths"},
    "demo": {"errors", "domain"},
    "ui": {"errors", "domain", "config", "engine", "paths"},
    "headless": {"errors", "domain", "config", "adapters", "engine", "paths"},
    "cli": set(ORDER) - {"cli"},
}


def layer_of(path: Path) -> str:
    rel = path.relative_to(APP)
    return rel.parts[0].removesuffix(".py")


def app_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app."):
            yield node.module.split(".")[1], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("app."):
                    yield alias.name.split(".")[1], node.lineno


MODULES = sorted(p for p in APP.rglob("*.py") if layer_of(p) in ALLOWED and p.name != "__main__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(APP)))
def test_layers_import_one_way(path):
    layer = layer_of(path)
    bad = [
        f"line {line}: imports app.{target}"
        for target, line in app_imports(path)
        if target != layer and target not in ALLOWED[layer] and target in ALLOWED
    ]
    assert not bad, f"{path.relative_to(APP)} ({layer}) breaks the layering: {bad}"


def test_core_layers_do_not_load_textual():
    code = (
        "import sys, app.domain, app.config, app.adapters.base, app.engine.engine, "
        "app.headless.check; "
        "print('textual' in sys.modules or any(m.startswith('textual.') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"
