"""The demo's databases: one file per demo run, never one shared by accident.

Every `release-cockpit demo` (and every `serve --demo`) starts its simulated world from
the same versions, so its history must start empty; it used to do so by deleting a shared
``demo.db``, under any other demo that had it open. Now each run gets its own
``demo-<pid>.db`` in the user data directory; files of runs that have ended are removed
when a new run starts (except the newest, which `audit --demo`, `dora --demo` and `export
--demo` read: the last session's record).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PATTERN = "demo-*.db"
SUFFIXES = ("", "-wal", "-shm")


def run_database(directory: Path, pid: int | None = None) -> Path:
    """The database file of this demo run."""
    return directory / f"demo-{os.getpid() if pid is None else pid}.db"


def latest_database(directory: Path) -> Path:
    """The newest demo run's database (running or ended), for the history commands;
    ``demo.db`` (which does not exist) when no demo ran yet."""
    runs = sorted(directory.glob(PATTERN), key=_modified, reverse=True)
    return runs[0] if runs else directory / "demo.db"


def prune_ended(directory: Path, keep: Path | None = None) -> list[Path]:
    """Remove the databases of demo runs whose process has ended, but the newest of them
    (and ``keep``); returns what was removed. A running demo's file is never touched."""
    ended = [path for path in directory.glob(PATTERN) if path != keep and not _running(path)]
    ended.sort(key=_modified, reverse=True)
    removed = []
    for path in ended[1:]:
        for suffix in SUFFIXES:
            with contextlib.suppress(OSError):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        removed.append(path)
    return removed


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _running(path: Path) -> bool:
    """Whether the process that made ``demo-<pid>.db`` still runs (a name we did not
    make counts as running: it is left alone)."""
    pid = path.stem.removeprefix("demo-")
    if not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: someone else's process, alive
        return True
    return True
