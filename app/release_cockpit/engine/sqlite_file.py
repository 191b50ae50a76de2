"""The cockpit's SQLite file: one connection per store, WAL, short locked transactions.

The audit log and the release history share the file (``cockpit.db``) and this handling:
the directory is created private, WAL lets several cockpits (a laptop and the wall) write
at once, the schema is brought up to date by numbered migrations (``db_schema``), every
write is one transaction, and any failure — a full disk, a lock held too long, a corrupt
page, text SQLite cannot encode — becomes a ``StoreError`` that says how to fix it.

No call may run on an event loop's thread: a lock held by another cockpit can make a
write wait seconds, and the UI would freeze for that long. Engine code goes through
``Database.call`` (a worker thread); a call made on a loop raises ``OnEventLoop``, which
the UI tests exercise.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import stamina

from release_cockpit.engine.db_schema import MIGRATIONS, VERSION, Dialect
from release_cockpit.errors import CockpitError

T = TypeVar("T")

DATABASE_ENV = "RELEASE_COCKPIT_DB"
"""Environment variable naming the database file (overrides the config and the default)."""

LOCK_TIMEOUT = 5.0
"""Seconds a write waits for another cockpit's lock before it is reported as failed."""

Statement = tuple[str, tuple[Any, ...]]

# What sqlite3 raises besides its own errors: text with lone surrogates cannot be encoded
# (UnicodeEncodeError), and integers past 64 bits overflow.
_FAILURES = (sqlite3.Error, UnicodeError, OverflowError, ValueError)


class StoreError(CockpitError):
    """The database cannot be opened, read or written; actions are refused until it can."""

    title = "Cockpit database unavailable"


class DatabaseNameError(StoreError):
    """The database named by the config or the environment cannot be a durable file."""

    bad_input = True


class OnEventLoop(RuntimeError):
    """A database call was made on an event loop's thread (a bug: it would freeze the UI)."""


def _forbid_event_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise OnEventLoop(
        "a SQLite call ran on the event loop's thread; route it through Database.call"
    )


def _locked(exc: Exception) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def _statements(script: str) -> list[str]:
    """A migration's text as single statements, cut where SQLite says one is complete."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return [s for s in statements if s.rstrip(";").strip()]


def _damaged_hint(path: Path) -> str:
    return (
        f"run `release-cockpit db check` for details; to start afresh, move {path} (and its "
        f"-wal and -shm files) aside: live data needs no history"
    )


class _SqliteTx:
    """The ``Tx`` of an open SQLite transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, values: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, tuple(values)).fetchall()


class SqliteFile:
    """A connection with its schema applied; reads and writes under one lock."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path, what: str, *, durable: bool = False) -> None:
        """Open (creating if needed) ``path`` and bring its schema up to date.

        ``durable`` commits with ``synchronous=FULL``: a returned write survives a power
        cut, which the audit's start record promises; history can lose its last second.

        Raises:
            StoreError: the directory or file cannot be created, opened, migrated or
                written, or it was made by a newer cockpit.
        """
        _forbid_event_loop()
        self.path = path
        self.what = what
        self.lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=LOCK_TIMEOUT)
        except (OSError, *_FAILURES) as exc:
            raise StoreError(
                f"cannot open the {what} database {path}: {exc}",
                hint=f"check the directory's permissions and free space, or set "
                f"{DATABASE_ENV} / [cockpit] database to a writable file",
            ) from exc
        try:
            # SQLite answers "database is locked" at once, without waiting its timeout,
            # where waiting could deadlock (switching an old file to WAL while another
            # cockpit opens it too): opening is tried again a few times before it fails.
            for attempt in stamina.retry_context(
                on=_locked, attempts=8, wait_initial=0.05, wait_max=1.0, timeout=LOCK_TIMEOUT
            ):
                with attempt:
                    self._db.execute("PRAGMA journal_mode=WAL")
                    if durable:
                        self._db.execute("PRAGMA synchronous=FULL")
                    self._migrate()
        except _FAILURES as exc:
            self._db.close()
            raise StoreError(
                f"cannot use the {what} database {path}: {exc}", hint=_damaged_hint(path)
            ) from exc

    def _migrate(self) -> None:
        """Apply the migrations this file has not seen, each in its own transaction.

        Raises:
            StoreError: the file was made by a newer cockpit (its schema is unknown here).
            sqlite3.Error: a migration failed (nothing of it was kept).
        """
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}; this cockpit knows up to {VERSION}",
                hint="upgrade release-cockpit, or point [cockpit] database at another file",
            )
        for number in range(version + 1, VERSION + 1):
            migration = MIGRATIONS[number - 1]
            # Two cockpits starting together both saw the old version: the write lock
            # first, then the version again, or the second one's ALTER TABLE failed with
            # "duplicate column name" and it started without a store.
            if self._db.in_transaction:
                self._db.commit()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if int(self._db.execute("PRAGMA user_version").fetchone()[0]) >= number:
                    self._db.commit()
                    continue
                for statement in _statements(migration.render("sqlite")):
                    self._db.execute(statement)
                if migration.after is not None:
                    migration.after(_SqliteTx(self._db))
                self._db.execute(f"PRAGMA user_version = {number}")
                self._db.commit()
            except BaseException:
                self._db.rollback()
                raise

    @property
    def where(self) -> str:
        """The store as people name it: the file's path."""
        return str(self.path)

    @property
    def schema_version(self) -> int:
        return int(self.read("PRAGMA user_version")[0][0])

    def write(self, statements: Iterable[Statement]) -> int:
        """Run the statements in one transaction; the last insert's row id.

        Raises:
            StoreError: the write failed (nothing of it was kept).
        """
        _forbid_event_loop()
        row_id = 0
        try:
            with self.lock, self._db:
                for sql, values in statements:
                    row_id = int(self._db.execute(sql, values).lastrowid or 0)
        except _FAILURES as exc:
            raise self._write_error(exc) from exc
        return row_id

    def transact(self, work: Callable[[_SqliteTx], T], lock: str = "") -> T:
        """Run ``work`` in one transaction that holds the write lock from its first
        statement (``BEGIN IMMEDIATE``): what it reads stays true until it commits, as a
        chained append needs. ``lock`` names the PostgreSQL advisory lock; here the file's
        one writer lock serves every name.

        Raises:
            StoreError: the transaction failed (nothing of it was kept).
        """
        _forbid_event_loop()
        try:
            with self.lock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(_SqliteTx(self._db))
                    self._db.commit()
                except BaseException:
                    self._db.rollback()
                    raise
                return result
        except _FAILURES as exc:
            raise self._write_error(exc) from exc

    def _write_error(self, exc: BaseException) -> StoreError:
        hint = "free some disk space or fix the file's permissions"
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            hint = f"another process held the database for more than {LOCK_TIMEOUT:g}s"
        elif isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc):
            hint = _damaged_hint(self.path)
        return StoreError(f"cannot write to the {self.what} database {self.path}: {exc}", hint=hint)

    def read(self, sql: str, values: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one query.

        Raises:
            StoreError: the read failed (a damaged file, a lock held too long).
        """
        _forbid_event_loop()
        try:
            with self.lock:
                return self._db.execute(sql, values).fetchall()
        except _FAILURES as exc:
            raise StoreError(
                f"cannot read the {self.what} database {self.path}: {exc}",
                hint=_damaged_hint(self.path),
            ) from exc

    def integrity(self) -> list[str]:
        """SQLite's own integrity check: ``["ok"]`` for a sound file, else its findings.

        Raises:
            StoreError: the check itself could not run.
        """
        return [str(row[0]) for row in self.read("PRAGMA integrity_check")]

    def close(self) -> None:
        with self.lock:
            self._db.close()
