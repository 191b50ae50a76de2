"""Sources are cited where a reader can open them: upstream docs, issues, repositories.

Notes kept next to the project while it was written (a shared reference folder, design
drafts, section numbers of documents that ship nowhere) mean nothing to a user: a
citation to one is a dead end. This scans what ships and what people read (the package,
the docs, the README, the example config, the benchmarks) and the tests' fixture notes.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHIPPED = ["app", "docs", "benchmarks", "README.md", "config.example.toml", "tests/fixtures"]
LOCAL_NOTES = re.compile(
    r"/work/|\.\./shared|\bshared/(?:reference|fixtures)|backend-apis\.md|wire\.md|"
    r"DESIGN\.md|anchors\.md|layout-and-style\.md|terminal-conventions\.md|textual\.md|"
    r"§\s*\d"
)
"""Paths and names of notes that are not in this repository, and bare section numbers
(``§6.2``) of documents a reader cannot open."""


def files() -> list[Path]:
    found: list[Path] = []
    for entry in SHIPPED:
        path = REPO / entry
        if path.is_file():
            found.append(path)
        else:
            found += [
                p
                for p in path.rglob("*")
                if p.suffix in {".py", ".md", ".toml", ".txt"} and "__pycache__" not in p.parts
            ]
    return sorted(found)


def test_the_scan_reads_the_package_and_the_docs():
    names = {p.relative_to(REPO).as_posix() for p in files()}
    assert {"README.md", "docs/dora.md", "app/release_cockpit/adapters/http_cache.py"} <= names


def test_no_citation_points_at_a_note_outside_the_repository():
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()[:120]}"
        for path in files()
        for number, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
        )
        if LOCAL_NOTES.search(line)
    ]
    assert found == [], "cite the upstream source (docs URL, repository and path) instead"


def test_the_pattern_catches_what_it_is_for():
    for bad in ("see backend-apis.md §6", "/work/shared/fixtures/x.json", "../shared/x"):
        assert LOCAL_NOTES.search(bad)
    for good in ("https://docs.github.com/en/rest", "docs/dora.md", "tests/fixtures/README.md"):
        assert not LOCAL_NOTES.search(good)
