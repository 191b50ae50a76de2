"""The cockpit's database for one session: audit log, checklist ticks and release history.

All three live in one SQLite file (``choose_database``). Every engine-side call goes
through ``Database.call``, which runs it on one worker thread: SQLite never runs on the
event loop (a lock held by another cockpit would freeze the UI), and the one thread keeps
writes in the order they were made (an audit "finished" never overtakes its "started").

A file that cannot be opened is not fatal for the TUI: it still shows every release,
refuses actions (nothing is sent without an audit record) and records no history, and
says why at start-up.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ParamSpec, TypeVar

from release_cockpit.config.schema import Config
from release_cockpit.engine.audit_log import AuditLog
from release_cockpit.engine.demo_database import latest_database, prune_ended, run_database
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.engine.sqlite_file import DATABASE_ENV, DatabaseNameError, StoreError
from release_cockpit.paths import user_data_dir

P = ParamSpec("P")
T = TypeVar("T")

_NOT_A_FILE = frozenset({":memory:", ""})
MAX_PATH = 4096  # PATH_MAX on Linux
MAX_NAME = 255  # NAME_MAX: one path component


def default_database(demo: bool = False) -> Path:
    """``cockpit.db``; for the demo the newest demo run's file (``engine.demo_database``),
    so the demo never mixes with real history."""
    if demo:
        return latest_database(user_data_dir())
    return user_data_dir() / "cockpit.db"


def choose_database(configured: Path | None, env: Mapping[str, str], demo: bool = False) -> Path:
    """``$RELEASE_COCKPIT_DB``, else ``[cockpit] database``, else the user data directory.

    Raises:
        StoreError: the name cannot be a durable file (``:memory:``, or a ``~user`` that
            does not exist): an audit trail must outlive the process.
    """
    named = env.get(DATABASE_ENV, "").strip()
    chosen = Path(named) if named else configured
    if chosen is None:
        return default_database(demo)
    where = DATABASE_ENV if named else "[cockpit] database"
    if str(chosen).strip() in _NOT_A_FILE or str(chosen).startswith("file:"):
        raise DatabaseNameError(
            f"{where} is {str(chosen)!r}: the audit log must be a file that outlives the cockpit",
            hint=f"set {where} to a file path, or unset it to use {default_database(demo)}",
        )
    try:
        path = chosen.expanduser()
    except RuntimeError as exc:  # "~nobody/x": no such user, no home directory
        raise DatabaseNameError(
            f"{where} {str(chosen)[:200]!r} names a home directory that does not exist",
            hint="write the path out in full",
        ) from exc
    if len(str(path)) > MAX_PATH or any(len(part) > MAX_NAME for part in path.parts):
        raise DatabaseNameError(
            f"{where} is {len(str(path))} characters long: longer than a file system allows",
            hint="give a shorter path",
        )
    return path


@dataclass(slots=True)
class Database:
    """The session's stores and the one thread their calls run on."""

    path: Path
    audit: AuditLog | None
    history: HistoryStore | None
    error: StoreError | None = None
    _thread: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="cockpit-db")
    )

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run one store call on the database thread and wait for it without blocking."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        if self.audit is not None:
            self.audit.close()
        if self.history is not None:
            self.history.close()


def open_database(
    path: Path, *, retention: timedelta | None = None, fresh: bool = False
) -> Database:
    """Open the audit log and the history in ``path``, and prune history older than
    ``retention`` (None: no pruning, for commands that only read). A failure is kept in
    ``error`` (the store that failed is None), never raised: the TUI runs without a
    database, and a headless command reports it.

    ``fresh`` starts from an empty file (the demo: the simulated world replays the same
    versions at every start, and mixing sessions would make its history wrong).
    """
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    try:
        audit = AuditLog(path)
    except StoreError as exc:
        return Database(path, None, None, exc)
    try:
        history = HistoryStore(path, retention=retention)
        if retention is not None:
            history.prune(datetime.now(UTC))
    except StoreError as exc:
        return Database(path, audit, None, exc)
    return Database(path, audit, history)


def session_database(config: Config, env: Mapping[str, str], *, demo: bool = False) -> Database:
    """The database of a cockpit session: where the config and environment say.

    A demo run without a database named gets a file of its own (``demo-<pid>.db``), empty
    at start; it stays after exit, so `audit --demo`, `dora --demo` and `export --demo`
    read the last session.
    """
    try:
        path = choose_database(config.cockpit.database, env, demo)
    except StoreError as exc:
        return Database(default_database(demo), None, None, exc)
    if demo and path == default_database(demo=True):
        path = run_database(user_data_dir())
        prune_ended(user_data_dir(), keep=path)
    fresh = demo and path == run_database(user_data_dir())
    return open_database(path, retention=config.cockpit.history_retention, fresh=fresh)
