"""Every SVG snapshot on disk belongs to a test that still exists.

syrupy fails a run in one process that leaves a snapshot unused (a test renamed, deleted
or re-parametrised), but skips that check under pytest-xdist, which the suite runs with;
this test keeps it. (``pytest -n 0 --snapshot-update`` deletes the unused files.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SNAPSHOTS = Path(__file__).resolve().parent / "__snapshots__"
REPO = SNAPSHOTS.parents[2]


def collected_ids(modules: list[Path]) -> set[str]:
    """The test ids pytest collects from ``modules`` (in a subprocess, without xdist)."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts=", "-p", "no:xdist"]
        + [str(m.relative_to(REPO)) for m in modules],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {line for line in result.stdout.splitlines() if "::" in line}


def test_every_snapshot_file_has_its_test():
    folders = sorted(d for d in SNAPSHOTS.iterdir() if d.is_dir())
    modules = [SNAPSHOTS.parent / f"{d.name}.py" for d in folders]
    missing = [str(m.relative_to(REPO)) for m in modules if not m.is_file()]
    assert not missing, f"snapshot folders without their test module: {missing}"
    ids = collected_ids(modules)
    assert ids
    unused = [
        str(svg.relative_to(REPO))
        for folder, module in zip(folders, modules, strict=True)
        for svg in sorted(folder.glob("*.svg"))
        if f"{module.relative_to(REPO)}::{svg.stem}" not in ids
    ]
    assert not unused, f"snapshots no test asserts (delete them): {unused}"
