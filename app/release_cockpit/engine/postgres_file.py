"""The cockpit's store on PostgreSQL: the same tables and calls as ``SqliteFile``.

A team points every cockpit at one database (``[cockpit] database =
"postgresql://..."``). The stores (audit log, history, intents) call ``read``, ``write``
and ``transact`` exactly as on SQLite, on the database thread, through a small
``psycopg_pool.ConnectionPool`` (psycopg 3: https://www.psycopg.org/psycopg3/docs/); the
poll coordinator talks to the same database on its own asynchronous connections
(``team_channel``). Statements are written with SQLite's ``?`` placeholders and turned
into psycopg's ``%s`` here, so a store's SQL is written once.

The password never comes from the config text or the URL: it comes from
``database_password_env`` / ``database_password_file`` (or libpq's own ``~/.pgpass``,
``PGPASSFILE``, ``PGPASSWORD``); TLS is libpq's URL parameters (``sslmode=verify-full``,
``sslrootcert``, ``sslcert``, ``sslkey``: https://www.postgresql.org/docs/current/libpq-connect.html).
Every failure becomes a ``StoreError`` naming the database (password never shown) and
what to do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from release_cockpit.engine.db_schema import MIGRATIONS, VERSION, Dialect
from release_cockpit.engine.sqlite_file import Statement, StoreError, _forbid_event_loop

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

T = TypeVar("T")

CONNECT_TIMEOUT = 5
"""Seconds to reach the server before it is reported unreachable."""
LOCK_TIMEOUT_MS = 5000
"""A write waits this long for a lock held by another cockpit (as on SQLite)."""
POOL_SIZE = 2
"""Connections per cockpit for the stores (the coordinator adds two of its own)."""
INSTALL = "pip install 'release-cockpit[postgres]'"


@dataclass(frozen=True, slots=True)
class PostgresTarget:
    """Where the team's database is: the URL (without a password) and the password."""

    url: str
    password: str | None = field(default=None, repr=False)
    where_key: str = "[cockpit] database"
    """The key or variable that named it, for errors."""

    @property
    def shown(self) -> str:
        """The URL as people may see it (it never holds a password)."""
        return self.url

    def kwargs(self, application: str = "release-cockpit") -> dict[str, Any]:
        extra: dict[str, Any] = {
            "connect_timeout": CONNECT_TIMEOUT,
            "application_name": application,
            "options": f"-c lock_timeout={LOCK_TIMEOUT_MS}",
        }
        if self.password is not None:
            extra["password"] = self.password
        return extra


@cache
def _pg_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _lock_key(name: str) -> str:
    return "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"


def psycopg_modules() -> tuple[Any, Any]:
    """psycopg and psycopg_pool, or a StoreError that says how to install them."""
    try:
        import psycopg
        import psycopg_pool
    except ImportError as exc:
        raise StoreError(
            f"a PostgreSQL database needs psycopg, which is not usable here: {exc}",
            hint=f"install it with: {INSTALL}",
        ) from exc
    return psycopg, psycopg_pool


class _PgTx:
    """The ``Tx`` of an open PostgreSQL transaction."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, values: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._conn.execute(_pg_sql(sql), tuple(values))
        return list(cursor.fetchall()) if cursor.description is not None else []


def describe(error: BaseException, target: PostgresTarget) -> tuple[str, str]:
    """(what happened, what to do) for a psycopg failure, never naming the password."""
    psycopg, psycopg_pool = psycopg_modules()
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, psycopg_pool.PoolTimeout | psycopg.OperationalError):
        lowered = text.lower()
        if "password" in lowered or "authentication" in lowered:
            return (
                f"PostgreSQL at {target.shown} refused the login: {text}",
                "check the user in the URL and the password in database_password_env "
                "or database_password_file (or ~/.pgpass)",
            )
        if "ssl" in lowered or "certificate" in lowered:
            return (
                f"TLS to PostgreSQL at {target.shown} failed: {text}",
                "check sslmode and sslrootcert in the URL (sslmode=verify-full needs the "
                "server's CA in sslrootcert)",
            )
        return (
            f"cannot reach PostgreSQL at {target.shown}: {text}",
            f"check the host and port in {target.where_key}, that the server runs and "
            "accepts connections from this host (pg_hba.conf); the cockpit polls on its own "
            "meanwhile",
        )
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return (
            f"PostgreSQL at {target.shown} refused: {text}",
            "run `release-cockpit db migrate` as the database's owner, and grant the "
            "cockpit's role as the README's team section says",
        )
    return (f"PostgreSQL at {target.shown}: {text}", "see the server's log for details")


class PostgresFile:
    """A small connection pool with the schema brought up to date; the store calls."""

    dialect: Dialect = "postgresql"

    def __init__(self, target: PostgresTarget, what: str, *, migrate: bool = True) -> None:
        """Connect (waiting at most ``CONNECT_TIMEOUT`` seconds) and check the schema.

        ``migrate`` upgrades an older schema (it needs the owner's rights); without it an
        older schema is refused.

        Raises:
            StoreError: psycopg is missing, the server cannot be reached or refuses the
                login, or the schema is newer than this cockpit (or older, and cannot be
                upgraded with this role).
        """
        _forbid_event_loop()
        psycopg, psycopg_pool = psycopg_modules()
        self.target = target
        self.what = what
        self.path = target.shown
        self.lock = threading.Lock()
        self._psycopg = psycopg
        self._pool: ConnectionPool[Any] = psycopg_pool.ConnectionPool(
            target.url,
            kwargs=target.kwargs(),
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            timeout=CONNECT_TIMEOUT * 2,
            name=f"cockpit-{what}",
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT * 2)
            self._migrate(allowed=migrate)
        except StoreError:
            self._pool.close()
            raise
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            self._pool.close()
            message, hint = describe(exc, target)
            raise StoreError(message, hint=hint) from exc

    @property
    def where(self) -> str:
        return self.target.shown

    def _migrate(self, *, allowed: bool) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute(_lock_key("schema"), ("cockpit-schema",))
            exists = conn.execute("SELECT to_regclass('cockpit_schema')").fetchone()
            version = 0
            if exists is not None and exists[0] is not None:
                row = conn.execute("SELECT max(version) FROM cockpit_schema").fetchone()
                version = int(row[0]) if row is not None and row[0] is not None else 0
            if version > VERSION:
                raise StoreError(
                    f"{self.where} has schema version {version}; this cockpit knows up to "
                    f"{VERSION}",
                    hint="upgrade release-cockpit on this machine",
                )
            if version == VERSION:
                return
            if not allowed:
                raise StoreError(
                    f"{self.where} has schema version {version}; this cockpit needs {VERSION}",
                    hint="run `release-cockpit db migrate` as the database's owner",
                )
            if exists is None or exists[0] is None:
                conn.execute("CREATE TABLE cockpit_schema (version INTEGER NOT NULL)")
            for number in range(version + 1, VERSION + 1):
                migration = MIGRATIONS[number - 1]
                conn.execute(migration.render("postgresql").encode())
                if migration.after is not None:
                    migration.after(_PgTx(conn))
            conn.execute("DELETE FROM cockpit_schema")
            conn.execute("INSERT INTO cockpit_schema (version) VALUES (%s)", (VERSION,))

    def _failed(self, exc: BaseException, doing: str) -> StoreError:
        message, hint = describe(exc, self.target)
        return StoreError(f"cannot {doing} the {self.what} database: {message}", hint=hint)

    def _errors(self) -> tuple[type[BaseException], ...]:
        _, psycopg_pool = psycopg_modules()
        return (self._psycopg.Error, psycopg_pool.PoolTimeout, UnicodeError, OverflowError)

    @property
    def schema_version(self) -> int:
        return int(self.read("SELECT max(version) FROM cockpit_schema")[0][0])

    def write(self, statements: Iterable[Statement]) -> int:
        """Run the statements in one transaction; the first value of the last row a
        statement returned (``RETURNING id``), else 0.

        Raises:
            StoreError: the write failed (nothing of it was kept).
        """

        def work(tx: _PgTx) -> int:
            found = 0
            for sql, values in statements:
                rows = tx.execute(sql, values)
                if rows:
                    found = int(rows[-1][0])
            return found

        return self.transact(work)

    def transact(self, work: Callable[[_PgTx], T], lock: str = "") -> T:
        """Run ``work`` in one transaction; with ``lock``, under a transaction-level
        advisory lock of that name (another cockpit's same lock waits until commit).

        Raises:
            StoreError: the transaction failed (nothing of it was kept).
        """
        _forbid_event_loop()
        try:
            with self._pool.connection() as conn, conn.transaction():
                if lock:
                    conn.execute(_lock_key(lock), (lock,))
                return work(_PgTx(conn))
        except self._errors() as exc:
            raise self._failed(exc, "write to") from exc

    def read(self, sql: str, values: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one query.

        Raises:
            StoreError: the read failed.
        """
        _forbid_event_loop()
        try:
            with self._pool.connection() as conn:
                return list(conn.execute(_pg_sql(sql), values).fetchall())
        except self._errors() as exc:
            raise self._failed(exc, "read") from exc

    def integrity(self) -> list[str]:
        """PostgreSQL checks its own pages; this says whether it can (data checksums)."""
        rows = self.read("SHOW data_checksums")
        state = str(rows[0][0]) if rows else "unknown"
        return ["ok", f"data checksums: {state} (PostgreSQL verifies pages itself)"]

    def close(self) -> None:
        self._pool.close()
