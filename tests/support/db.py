"""Opening and reading the cockpit's database from tests, off the event loop.

The stores refuse to run on an event loop's thread (the UI would freeze); async tests use
these to set up and inspect a database the way the engine does: on another thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from release_cockpit.engine.audit_log import AuditLog
from release_cockpit.engine.database import Database
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.engine.store_file import StoreTarget

T = TypeVar("T")


def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` on another thread and wait for it (blocking: fine in a test)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def database_at(path: Path, **audit_options: Any) -> Database:
    """A Database with an audit log (``clock``, ``user``, ``host`` for it) and a history."""
    audit = off_loop(AuditLog, path, **audit_options)
    history = off_loop(HistoryStore, path)
    return Database(path, audit, history)


class OffLoop:
    """A store whose every method runs on another thread: async tests call it as if sync."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            return off_loop(value, *args, **kwargs)

        return call


def raw_rows(target: StoreTarget, sql: str) -> list[tuple[Any, ...]]:
    """Rows read past the cockpit (as another tool, or a person in psql, would)."""
    if isinstance(target, Path):
        with sqlite3.connect(target) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(target.url, password=target.password, autocommit=True) as conn:
        return list(conn.execute(sql.encode()).fetchall())


def raw_execute(target: StoreTarget, sql: str) -> None:
    """Change rows past the cockpit: what someone with the table owner's rights can do."""
    if isinstance(target, Path):
        with sqlite3.connect(target) as conn:
            conn.execute(sql)
        return
    import psycopg

    with psycopg.connect(target.url, password=target.password, autocommit=True) as conn:
        conn.execute(sql.encode())
