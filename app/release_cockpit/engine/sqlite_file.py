"""The cockpit's SQLite file: one connection per store, WAL, short locked transactions.

The audit log and the release history share the file (``cockpit.db``) and this handling:
the directory is created private, WAL lets several cockpits (a laptop and the wall) write
at once, every write is one transaction, and any failure becomes a ``StoreError`` that
says how to fix it. Connections are used from the event loop and from worker threads
(``asyncio.to_thread``), so each one is guarded by a lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from release_cockpit.errors import CockpitError

DATABASE_ENV = "RELEASE_COCKPIT_DB"
"""Environment variable naming the database file (overrides the config and the default)."""

Statement = tuple[str, tuple[Any, ...]]


class StoreError(CockpitError):
    """The database cannot be opened or written; actions are refused until it can."""

    title = "Cockpit database unavailable"


class SqliteFile:
    """A connection with its schema applied; reads and writes under one lock."""

    def __init__(self, path: Path, schema: str, what: str, *, durable: bool = False) -> None:
        """Open (creating if needed) ``path`` and apply ``schema``.

        ``durable`` commits with ``synchronous=FULL``: a returned write survives a power
        cut, which the audit's start record promises; history can lose its last second.

        Raises:
            StoreError: the directory or file cannot be created, opened or written.
        """
        self.path = path
        self.what = what
        self.lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=5.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            if durable:
                self._db.execute("PRAGMA synchronous=FULL")
            with self._db:
                self._db.executescript(schema)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the {what} database {path}: {exc}",
                hint=f"check the directory's permissions and free space, or set "
                f"{DATABASE_ENV} / [cockpit] database to a writable file",
            ) from exc

    def write(self, statements: Iterable[Statement]) -> int:
        """Run the statements in one transaction; the last insert's row id.

        Raises:
            StoreError: the write failed (nothing of it was kept).
        """
        row_id = 0
        try:
            with self.lock, self._db:
                for sql, values in statements:
                    row_id = int(self._db.execute(sql, values).lastrowid or 0)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot write to the {self.what} database {self.path}: {exc}",
                hint="free some disk space or fix the file's permissions",
            ) from exc
        return row_id

    def read(self, sql: str, values: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self._db.execute(sql, values).fetchall()

    def close(self) -> None:
        with self.lock:
            self._db.close()
