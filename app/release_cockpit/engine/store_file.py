"""One store interface, two engines: what the audit log, history and intents call.

``SqliteFile`` (one person, zero setup) and ``PostgresFile`` (a team) both provide it, with
the same schema (``db_schema``) and statements written once with ``?`` placeholders. Every
call blocks, so engine code makes them through ``Database.call`` (a worker thread), never
on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from release_cockpit.engine.db_schema import Dialect, Tx
from release_cockpit.engine.postgres_file import PostgresFile, PostgresTarget
from release_cockpit.engine.sqlite_file import SqliteFile, Statement

T = TypeVar("T")

StoreTarget = Path | PostgresTarget
"""Where a store lives: a SQLite file or a PostgreSQL database."""


class StoreFile(Protocol):
    dialect: Dialect

    @property
    def where(self) -> str:
        """The file's path or the database's URL (never a password)."""

    @property
    def schema_version(self) -> int: ...

    def read(self, sql: str, values: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...

    def write(self, statements: Iterable[Statement]) -> int: ...

    def transact(self, work: Callable[[Tx], T], lock: str = "") -> T: ...

    def integrity(self) -> list[str]: ...

    def close(self) -> None: ...


def open_store(
    target: StoreTarget | StoreFile, what: str, *, durable: bool = False
) -> tuple[StoreFile, bool]:
    """The store at ``target`` (opened here: True) or ``target`` itself when it is an
    open store already shared by several stores (False: its owner closes it).

    Raises:
        StoreError: it cannot be opened (see each engine).
    """
    if isinstance(target, Path):
        return SqliteFile(target, what, durable=durable), True
    if isinstance(target, PostgresTarget):
        return PostgresFile(target, what), True
    return target, False
