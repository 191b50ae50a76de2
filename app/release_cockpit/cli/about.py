"""`config example`, `docs` and `info`: what an installed cockpit carries and where it looks.

A wheel has no repository beside it: ``config.example.toml`` and the documents the program
points to are inside the package (``release_cockpit/_data``, see ``paths.bundled_dir``),
and these commands print them, so a pip user follows the same steps as a clone.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

from release_cockpit import __version__, paths
from release_cockpit.cli.common import EXIT_OK
from release_cockpit.cli.logs import default_log_file
from release_cockpit.errors import CockpitError

# `release-cockpit docs NAME` -> the bundled document.
DOCS = {"dora": "dora.md", "adapters": "adapters.md", "architecture": "architecture.md"}
# Distributions whose versions `info` reports (what a bug report needs).
VERSIONS = ("textual", "rich", "httpx", "textual-serve")


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CockpitError(
            f"{what} is not at {path}: {exc.strerror or exc}",
            title="Missing bundled file",
            hint="reinstall release-cockpit (pip install --force-reinstall release-cockpit)",
        ) from exc


def cmd_config_example(_args: argparse.Namespace) -> int:
    """Print the example config: every key, commented (start a config from it)."""
    sys.stdout.write(_read(paths.example_config(), "the example config"))
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    """Print a bundled document (``dora``: the DORA definitions the metrics screen uses)."""
    if args.name is None:
        for name, file in DOCS.items():
            sys.stdout.write(f"{name:<14}{paths.bundled_doc(file)}\n")
        return EXIT_OK
    sys.stdout.write(_read(paths.bundled_doc(DOCS[args.name]), f"docs/{DOCS[args.name]}"))
    return EXIT_OK


def info_lines(env: dict[str, str] | None = None, log: Path | None = None) -> list[tuple[str, str]]:
    """Where everything is and which versions run, as (label, value) pairs."""
    from release_cockpit.config import find_config
    from release_cockpit.config.user_settings import settings_file
    from release_cockpit.engine.database import choose_database
    from release_cockpit.engine.sqlite_file import StoreError

    env = dict(os.environ) if env is None else env
    found = find_config(None, env)
    config = str(found) if found else f"none found (looked for {paths.user_config_file()})"
    try:
        chosen = choose_database(None, env)
        database = str(chosen) if isinstance(chosen, Path) else chosen.shown  # no password
    except StoreError as exc:
        database = f"unusable: {exc}"
    demo = choose_database(None, {}, demo=True)
    demo_database = str(demo.parent / "demo-*.db") if isinstance(demo, Path) else demo.shown
    pairs = [
        ("release-cockpit", __version__),
        ("python", f"{platform.python_version()} ({sys.executable})"),
        *((name, _version(name)) for name in VERSIONS),
        ("config", config),
        ("settings", str(settings_file())),
        ("database", database),
        ("demo database", demo_database),
        ("themes (bundled)", str(paths.bundled_themes_dir())),
        ("themes (yours)", str(paths.user_themes_dir())),
        ("example config", str(paths.example_config())),
        ("docs", str(paths.bundled_doc(""))),
        ("log file", str(log) if log else f"none (--log-file FILE; --debug: {default_log_file()})"),
        ("terminal", f"TERM={env.get('TERM', '')} COLORTERM={env.get('COLORTERM', '')}"),
    ]
    return pairs


def _version(distribution: str) -> str:
    from importlib import metadata  # 15 ms: only `info` needs it, not every start

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def cmd_info(args: argparse.Namespace) -> int:
    """Print paths and versions (``--json``: one document)."""
    pairs = info_lines(log=getattr(args, "log_path", None))
    if getattr(args, "json", False):
        import json

        sys.stdout.write(json.dumps(dict(pairs), indent=2) + "\n")
        return EXIT_OK
    width = max(len(label) for label, _ in pairs)
    for label, value in pairs:
        sys.stdout.write(f"{label:<{width}}  {value}\n")
    return EXIT_OK
