"""The audit log and checklist ticks: one SQLite file in the user's data directory.

Standard-library ``sqlite3`` in WAL mode with short transactions, so several cockpits (a
laptop and the wall) can share one file. A start record is committed with
``synchronous=FULL`` *before* the backend call: if the process dies during the call the
record stays without an end, and every later reader shows it as "outcome unknown".
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from release_cockpit.domain.audit import AuditEntry, Outcome
from release_cockpit.domain.checklist import Tick
from release_cockpit.engine.sqlite_file import SqliteFile


def who() -> tuple[str, str]:
    """(user, host) for the record: the login name as the OS knows it, and this host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = os.environ.get("USER", "") or f"uid {os.getuid()}"
    return user, socket.gethostname()


@dataclass(frozen=True, slots=True)
class ActionStart:
    """What is known before the call; written as the start record."""

    release_key: str
    release_id: str
    service: str
    environment: str
    action: str
    target: str
    parameters: Mapping[str, str]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class AuditLog:
    """Append-mostly store of action attempts and checklist ticks."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], datetime] | None = None,
        user: str | None = None,
        host: str | None = None,
    ) -> None:
        """Open (creating if needed) the database at ``path``.

        Raises:
            StoreError: the directory or file cannot be created, opened or written.
        """
        self.path = path
        self._clock = clock or (lambda: datetime.now(UTC))
        default_user, default_host = who()
        self.user = user or default_user
        self.host = host or default_host
        self._file = SqliteFile(path, "audit", durable=True)

    def close(self) -> None:
        self._file.close()

    def _write(self, sql: str, values: tuple[Any, ...]) -> int:
        return self._file.write([(sql, values)])

    def start(self, start: ActionStart) -> int:
        """Record an attempt before the call; returns its id. Durable when it returns.

        Raises:
            StoreError: the record could not be written (the caller must not act).
        """
        return self._write(
            "INSERT INTO audit (started_at, user, host, pid, release_key, release_id, service,"
            " environment, action, target, parameters) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                _iso(self._clock()),
                self.user,
                self.host,
                os.getpid(),
                start.release_key,
                start.release_id,
                start.service,
                start.environment,
                start.action,
                start.target,
                json.dumps(dict(start.parameters), sort_keys=True),
            ),
        )

    def finish(
        self,
        record: int,
        outcome: Outcome,
        *,
        detail: str = "",
        error: str = "",
        requests: Collection[str] = (),
    ) -> None:
        """Complete a start record with the result and its duration.

        Raises:
            StoreError: the record could not be written.
        """
        now = self._clock()
        rows = self._file.read("SELECT started_at FROM audit WHERE id = ?", (record,))
        started = _time(rows[0][0]) if rows else None
        duration = (now - started).total_seconds() * 1000 if started else None
        self._write(
            "UPDATE audit SET finished_at = ?, duration_ms = ?, outcome = ?, detail = ?,"
            " error = ?, requests = ? WHERE id = ?",
            (_iso(now), duration, outcome.value, detail, error, json.dumps(list(requests)), record),
        )

    def refused(self, start: ActionStart, reason: str) -> int:
        """Record an attempt the action path refused (no call was made)."""
        record = self.start(start)
        self.finish(record, Outcome.REFUSED, error=reason)
        return record

    def entries(
        self,
        *,
        limit: int = 200,
        release_key: str | None = None,
        in_flight: Collection[int] = (),
    ) -> list[AuditEntry]:
        """Newest first. An unfinished record is IN_FLIGHT if its id is in ``in_flight``
        (this process is still waiting for the call), otherwise UNKNOWN."""
        where, values = ("WHERE release_key = ?", (release_key,)) if release_key else ("", ())
        rows = self._file.read(
            "SELECT id, started_at, user, host, release_key, release_id, service,"
            " environment, action, target, outcome, finished_at, duration_ms, detail,"
            f" error, parameters, requests FROM audit {where} ORDER BY id DESC LIMIT ?",
            (*values, limit),
        )
        return [self._entry(row, in_flight) for row in rows]

    @staticmethod
    def _entry(row: tuple[Any, ...], in_flight: Collection[int]) -> AuditEntry:
        outcome = Outcome(row[10]) if row[10] else None
        if outcome is None:
            outcome = Outcome.IN_FLIGHT if row[0] in in_flight else Outcome.UNKNOWN
        started = _time(row[1])
        assert started is not None  # NOT NULL column
        return AuditEntry(
            id=row[0],
            started_at=started,
            user=row[2],
            host=row[3],
            release_key=row[4],
            release_id=row[5],
            service=row[6],
            environment=row[7],
            action=row[8],
            target=row[9],
            outcome=outcome,
            finished_at=_time(row[11]),
            duration_ms=row[12],
            detail=row[13],
            error=row[14],
            parameters=json.loads(row[15] or "{}"),
            requests=tuple(json.loads(row[16] or "[]")),
        )

    def tick(self, release_key: str, version: str, item: str, ticked: bool) -> Tick:
        """Tick (or untick) a manual checklist item for one release version, as this user.

        Raises:
            StoreError: the tick could not be written.
        """
        now = self._clock()
        self._write(
            "INSERT INTO checklist_ticks (release_key, version, item, ticked, by, at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (release_key, version, item) DO UPDATE SET"
            " ticked = excluded.ticked, by = excluded.by, at = excluded.at",
            (release_key, version, item, int(ticked), self.user, _iso(now)),
        )
        return Tick(item, self.user, now, ticked)

    def ticks(self, release_key: str, version: str) -> dict[str, Tick]:
        """The stored ticks of one release version, by item name."""
        rows = self._file.read(
            "SELECT item, by, at, ticked FROM checklist_ticks"
            " WHERE release_key = ? AND version = ?",
            (release_key, version),
        )
        ticks: dict[str, Tick] = {}
        for item, by, at, ticked in rows:
            moment = _time(at)
            if moment is not None:
                ticks[item] = Tick(item, by, moment, bool(ticked))
        return ticks
