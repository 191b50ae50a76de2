"""The audit log and checklist ticks, in the cockpit's store (SQLite or PostgreSQL).

Append-only: an action's start and its end are two records, each chained to the one
before by hash (``audit_chain``), so the cockpit's database role needs only INSERT and
SELECT on ``audit_records`` and ``release-cockpit audit verify`` finds an edited or
deleted record. A start record is committed durably (SQLite ``synchronous=FULL``;
PostgreSQL commits are durable) *before* the backend call: if the process dies during
the call the record stays without an end, and every later reader shows it as "outcome
unknown" — unless the action's intent is still live (another cockpit is waiting for the
call right now), which reads "in flight".

Who: the OS user and host, plus ``$RELEASE_COCKPIT_IDENTITY`` when a team's login wrapper
sets it (an SSO name: the OS user on a shared bastion says little).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from release_cockpit.domain.audit import AuditEntry, Outcome
from release_cockpit.domain.checklist import Tick
from release_cockpit.engine import audit_chain
from release_cockpit.engine.audit_chain import CHAIN_LOCK, ChainReport
from release_cockpit.engine.sqlite_file import StoreError
from release_cockpit.engine.store_file import StoreFile, StoreTarget, open_store

IDENTITY_ENV = "RELEASE_COCKPIT_IDENTITY"
"""An identity to record besides the OS user (an SSO name set by a login wrapper)."""


def who() -> tuple[str, str]:
    """(user, host) for the record: the login name as the OS knows it, and this host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = os.environ.get("USER", "") or f"uid {os.getuid()}"
    return user, socket.gethostname()


def identity(env: Mapping[str, str] | None = None) -> str:
    """The identity from the environment, trimmed and bounded ("" when unset)."""
    value = (env if env is not None else os.environ).get(IDENTITY_ENV, "")
    return " ".join(value.split())[:200]


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


_READ = f"SELECT id, {audit_chain.COLUMNS} FROM audit_records"
# Column positions in a _READ row.
_KIND, _STARTED_ID, _AT, _USER, _HOST, _IDENTITY = 1, 2, 3, 4, 5, 6
_OUTCOME, _DETAIL, _ERROR, _REQUESTS, _DURATION = 15, 16, 17, 18, 19


class AuditLog:
    """Append-only, hash-chained store of action attempts; checklist ticks beside it."""

    def __init__(
        self,
        path: StoreTarget | StoreFile,
        *,
        clock: Callable[[], datetime] | None = None,
        user: str | None = None,
        host: str | None = None,
        who_else: str | None = None,
    ) -> None:
        """Open (creating if needed) the store at ``path`` (a SQLite path, a PostgreSQL
        target, or a store another one opened). ``who_else`` overrides the identity.

        Raises:
            StoreError: the store cannot be created, opened or written.
        """
        self._clock = clock or (lambda: datetime.now(UTC))
        default_user, default_host = who()
        self.user = user or default_user
        self.host = host or default_host
        self.identity = identity() if who_else is None else who_else
        self._file, self._owned = open_store(path, "audit", durable=True)
        self.path = path if isinstance(path, Path) else self._file.where

    @property
    def where(self) -> str:
        return self._file.where

    @property
    def file(self) -> StoreFile:
        """The store this log writes to (the intents share it)."""
        return self._file

    @property
    def who(self) -> str:
        """The person in one word, as the audit screen shows them: the identity, else the
        OS user (on a shared bastion everyone may be ``deploy``; the identity tells them
        apart)."""
        return self.identity or self.user

    @property
    def shown_as(self) -> str:
        """How others see this person: the identity, else user@host."""
        return self.identity or f"{self.user}@{self.host}"

    def close(self) -> None:
        if self._owned:
            self._file.close()

    def _values(
        self,
        kind: str,
        start: ActionStart,
        at: datetime,
        *,
        started_id: int | None = None,
        outcome: str = "",
        detail: str = "",
        error: str = "",
        requests: Collection[str] = (),
        duration_ms: int | None = None,
    ) -> tuple[Any, ...]:
        return (
            kind,
            started_id,
            _iso(at),
            self.user,
            self.host,
            self.identity,
            os.getpid(),
            start.release_key,
            start.release_id,
            start.service,
            start.environment,
            start.action,
            start.target,
            json.dumps(dict(start.parameters), sort_keys=True),
            outcome,
            detail,
            error,
            json.dumps(list(requests)),
            duration_ms,
        )

    def _append(self, values: Sequence[Any]) -> int:
        return self._file.transact(lambda tx: audit_chain.append(tx, values), lock=CHAIN_LOCK)

    def start(self, start: ActionStart) -> int:
        """Record an attempt before the call; returns its id. Durable when it returns.

        Raises:
            StoreError: the record could not be written (the caller must not act).
        """
        return self._append(self._values("started", start, self._clock()))

    def finish(
        self,
        record: int,
        outcome: Outcome,
        *,
        detail: str = "",
        error: str = "",
        requests: Collection[str] = (),
    ) -> None:
        """Append the end of a start record: the result and its duration.

        Raises:
            StoreError: the record could not be written, or ``record`` is not a start.
        """
        now = self._clock()
        rows = self._file.read(f"{_READ} WHERE id = ? AND kind = 'started'", (record,))
        if not rows:
            raise StoreError(f"audit record {record} is not the start of an action")
        row = rows[0]
        started = _time(row[_AT])
        duration = round((now - started).total_seconds() * 1000) if started else None
        start = ActionStart(
            row[8], row[9], row[10], row[11], row[12], row[13], json.loads(row[14] or "{}")
        )
        self._append(
            self._values(
                "finished",
                start,
                now,
                started_id=record,
                outcome=outcome.value,
                detail=detail,
                error=error,
                requests=requests,
                duration_ms=duration,
            )
        )

    def refused(self, start: ActionStart, reason: str) -> int:
        """Record an attempt the action path refused (no call was made): one record."""
        values = self._values("refused", start, self._clock(), outcome="refused", error=reason)
        return self._append(values)

    def entries(
        self,
        *,
        limit: int = 200,
        release_key: str | None = None,
        in_flight: Collection[int] = (),
    ) -> list[AuditEntry]:
        """Newest first. An unfinished record is IN_FLIGHT if its id is in ``in_flight``
        (this process is still waiting for the call) or a live action intent names it
        (another cockpit is), otherwise UNKNOWN."""
        where, values = "WHERE kind != 'finished'", ()  # type: tuple[str, tuple[str, ...]]
        if release_key:
            where, values = f"{where} AND release_key = ?", (release_key,)
        starts = self._file.read(f"{_READ} {where} ORDER BY id DESC LIMIT ?", (*values, limit))
        ids = [row[0] for row in starts if row[_KIND] == "started"]
        ends: dict[int, tuple[Any, ...]] = {}
        live: set[int] = set(in_flight)
        if ids:
            marks = ",".join("?" * len(ids))
            for row in self._file.read(
                f"{_READ} WHERE kind = 'finished' AND started_id IN ({marks}) ORDER BY id",
                tuple(ids),
            ):  # in order: a later end (confirmed late) overrides "outcome unknown"
                ends[int(row[_STARTED_ID])] = row
            open_ids = [i for i in ids if i not in ends]
            if open_ids:
                marks = ",".join("?" * len(open_ids))
                now = _iso(self._clock())
                live |= {
                    int(r[0])
                    for r in self._file.read(
                        f"SELECT audit_id FROM action_intents WHERE audit_id IN ({marks})"
                        " AND expires_at > ?",
                        (*open_ids, now),
                    )
                }
        return [self._entry(row, ends.get(row[0]), live) for row in starts]

    @staticmethod
    def _entry(
        row: tuple[Any, ...], end: tuple[Any, ...] | None, in_flight: Collection[int]
    ) -> AuditEntry:
        last = end if end is not None else row
        outcome = Outcome(last[_OUTCOME]) if last[_OUTCOME] else None
        if outcome is None:
            outcome = Outcome.IN_FLIGHT if row[0] in in_flight else Outcome.UNKNOWN
        started = _time(row[_AT])
        assert started is not None  # NOT NULL column
        finished = _time(end[_AT]) if end is not None else None
        if row[_KIND] == "refused":
            finished = started
        return AuditEntry(
            id=row[0],
            started_at=started,
            user=row[_USER],
            host=row[_HOST],
            release_key=row[8],
            release_id=row[9],
            service=row[10],
            environment=row[11],
            action=row[12],
            target=row[13],
            outcome=outcome,
            finished_at=finished,
            duration_ms=float(last[_DURATION]) if last[_DURATION] is not None else None,
            detail=last[_DETAIL],
            error=last[_ERROR],
            parameters=json.loads(row[14] or "{}"),
            requests=tuple(json.loads(last[_REQUESTS] or "[]")),
            identity=row[_IDENTITY],
        )

    def verify(self) -> ChainReport:
        """Walk the whole chain (``release-cockpit audit verify``).

        Raises:
            StoreError: the log could not be read.
        """
        return audit_chain.verify(self._chain_rows())

    def _chain_rows(self, batch: int = 2000) -> Iterable[tuple[Any, ...]]:
        after = -1
        while True:
            rows = self._file.read(
                f"{_READ.replace('FROM', ', prev_hash, hash FROM')} WHERE id > ?"
                " ORDER BY id LIMIT ?",
                (after, batch),
            )
            yield from rows
            if len(rows) < batch:
                return
            after = int(rows[-1][0])

    def tick(self, release_key: str, version: str, item: str, ticked: bool) -> Tick:
        """Tick (or untick) a manual checklist item for one release version, as this user.

        Raises:
            StoreError: the tick could not be written.
        """
        now = self._clock()
        self._file.write(
            [
                (
                    "INSERT INTO checklist_ticks (release_key, version, item, ticked, by, at)"
                    " VALUES (?,?,?,?,?,?) ON CONFLICT (release_key, version, item) DO UPDATE SET"
                    " ticked = excluded.ticked, by = excluded.by, at = excluded.at",
                    (release_key, version, item, int(ticked), self.user, _iso(now)),
                )
            ]
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
