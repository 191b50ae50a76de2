"""Release history: one row per release (service line + version), and its timeline.

The same store as the audit log (``cockpit.db``, or the team's PostgreSQL database). WAL
mode (or PostgreSQL's row locks) and short
transactions let several cockpits record into one store: every write is an upsert that
merges what is known (the earliest start, the first failure, the latest outcome), so two
cockpits watching the same release agree instead of overwriting each other. Records the
cockpit watched win over backfilled ones for the same release. Retention prunes rows whose
release ended before the cut-off.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from release_cockpit.domain.delivery import StageSpan, stage_spans
from release_cockpit.domain.history import (
    ReleaseOutcome,
    ReleaseRecord,
    TimelineEvent,
    TimelineKind,
)
from release_cockpit.domain.human import Answer, Moment
from release_cockpit.domain.insights import HistoryBundle
from release_cockpit.engine.store_file import StoreFile, StoreTarget, open_store

# An upsert that merges: first-known times keep the earliest value, completion times the
# latest, and a finished outcome is never replaced by "in progress". A cockpit-watched row
# is never overwritten by a backfilled one.
_UPSERT = """
INSERT INTO releases (key, version, service, team, environment, production, source,
    started_at, first_commit_at, deployed_at, finished_at, outcome, failed_at, restored_at,
    commits, pull_requests)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (key, version) DO UPDATE SET
    started_at = COALESCE(@LEAST@(releases.started_at, excluded.started_at),
                          releases.started_at, excluded.started_at),
    first_commit_at = COALESCE(releases.first_commit_at, excluded.first_commit_at),
    deployed_at = COALESCE(releases.deployed_at, excluded.deployed_at),
    failed_at = COALESCE(@LEAST@(releases.failed_at, excluded.failed_at),
                         releases.failed_at, excluded.failed_at),
    restored_at = COALESCE(excluded.restored_at, releases.restored_at),
    finished_at = COALESCE(excluded.finished_at, releases.finished_at),
    outcome = CASE WHEN excluded.outcome = 'in_progress' THEN releases.outcome
                   ELSE excluded.outcome END,
    team = excluded.team,
    production = excluded.production,
    commits = COALESCE(excluded.commits, releases.commits),
    pull_requests = COALESCE(excluded.pull_requests, releases.pull_requests)
WHERE releases.source = excluded.source OR excluded.source = 'cockpit'
"""

# SQLite's two-argument MIN is PostgreSQL's LEAST (which skips NULLs; the COALESCE around
# it makes both agree).
_LEAST = {"sqlite": "MIN", "postgresql": "LEAST"}

_COLUMNS = (
    "key, version, service, team, environment, production, source, started_at,"
    " first_commit_at, deployed_at, finished_at, outcome, failed_at, restored_at,"
    " commits, pull_requests"
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class HistoryStore:
    """Releases and their timelines, read by DORA, the metrics screen and ``export``."""

    def __init__(
        self, path: StoreTarget | StoreFile, *, retention: timedelta | None = None
    ) -> None:
        """Open (creating if needed) the history tables in ``path`` (a SQLite path, a
        PostgreSQL target, or a store another one opened).

        Raises:
            StoreError: the store cannot be opened or written.
        """
        self.retention = retention
        self._file, self._owned = open_store(path, "history")
        self.path = path if isinstance(path, Path) else self._file.where
        self._upsert = _UPSERT.replace("@LEAST@", _LEAST[self._file.dialect])

    def close(self) -> None:
        if self._owned:
            self._file.close()

    @staticmethod
    def _row(record: ReleaseRecord) -> tuple[Any, ...]:
        return (
            record.key,
            record.version,
            record.service,
            record.team,
            record.environment,
            int(record.production),
            record.source,
            _iso(record.started_at),
            _iso(record.first_commit_at),
            _iso(record.deployed_at),
            _iso(record.finished_at),
            record.outcome.value,
            _iso(record.failed_at),
            _iso(record.restored_at),
            record.commits,
            record.pull_requests,
        )

    def save(
        self,
        records: Iterable[ReleaseRecord],
        events: Iterable[tuple[str, str, TimelineEvent]] = (),
    ) -> None:
        """Merge records and append (key, version, event) timeline lines, in one transaction.

        An event whose cause is already stored for its release is not written again.

        Raises:
            StoreError: the write failed.
        """
        statements = [(self._upsert, self._row(r)) for r in records]
        statements += [
            (
                "INSERT INTO events (key, version, at, kind, title, detail, who, cause)"
                " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (key, version, cause) DO NOTHING",
                (
                    key,
                    version,
                    e.at.isoformat(),
                    e.kind.value,
                    e.title,
                    e.detail,
                    e.who,
                    e.cause or None,
                ),
            )
            for key, version, e in events
        ]
        if statements:
            self._file.write(statements)

    @staticmethod
    def _record(row: tuple[Any, ...]) -> ReleaseRecord:
        return ReleaseRecord(
            key=row[0],
            version=row[1],
            service=row[2],
            team=row[3],
            environment=row[4],
            production=bool(row[5]),
            source=row[6],
            started_at=_time(row[7]),
            first_commit_at=_time(row[8]),
            deployed_at=_time(row[9]),
            finished_at=_time(row[10]),
            outcome=ReleaseOutcome(row[11]),
            failed_at=_time(row[12]),
            restored_at=_time(row[13]),
            commits=row[14],
            pull_requests=row[15],
        )

    def records(self, since: datetime | None = None) -> list[ReleaseRecord]:
        """Every release that started (or, when the start is unknown, ended) since ``since``."""
        where = ""
        values: tuple[Any, ...] = ()
        if since is not None:
            where = " WHERE COALESCE(started_at, deployed_at, finished_at) >= ?"
            values = (since.isoformat(),)
        rows = self._file.read(
            f"SELECT {_COLUMNS} FROM releases{where} ORDER BY started_at", values
        )
        return [self._record(row) for row in rows]

    def release(self, key: str, version: str | None = None) -> ReleaseRecord | None:
        """One release line's record for ``version``, or its newest when version is None."""
        sql = f"SELECT {_COLUMNS} FROM releases WHERE key = ?"
        values: tuple[Any, ...] = (key,)
        if version is not None:
            sql += " AND version = ?"
            values = (key, version)
        sql += " ORDER BY COALESCE(started_at, deployed_at, finished_at) DESC LIMIT 1"
        rows = self._file.read(sql, values)
        return self._record(rows[0]) if rows else None

    def events(self, key: str, version: str) -> tuple[TimelineEvent, ...]:
        """The timeline of one release, oldest first."""
        rows = self._file.read(
            "SELECT at, kind, title, detail, who, cause FROM events WHERE key = ?"
            " AND version = ? ORDER BY at, id",
            (key, version),
        )
        return tuple(
            TimelineEvent(
                datetime.fromisoformat(at), TimelineKind(kind), title, detail, who, cause or ""
            )
            for at, kind, title, detail, who, cause in rows
        )

    def causes(self, key: str, version: str) -> list[str]:
        """The causes recorded for one release, in recording order (the recorder rebuilds
        what it had seen from them after a restart)."""
        rows = self._file.read(
            "SELECT cause FROM events WHERE key = ? AND version = ? AND cause IS NOT NULL"
            " ORDER BY id",
            (key, version),
        )
        return [str(row[0]) for row in rows]

    def save_answer(self, answer: Answer) -> None:
        """Keep one person's answer for one release; a later answer replaces theirs.

        Raises:
            StoreError: the write failed.
        """
        self._file.write(
            [
                (
                    "INSERT INTO answers (key, version, who, at, moment, confidence, friction,"
                    " note) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (key, version, who) DO UPDATE"
                    " SET at = excluded.at, moment = excluded.moment,"
                    " confidence = excluded.confidence, friction = excluded.friction,"
                    " note = excluded.note",
                    (
                        answer.key,
                        answer.version,
                        answer.who,
                        answer.at.isoformat(),
                        answer.moment.value,
                        answer.confidence,
                        answer.friction,
                        answer.note,
                    ),
                )
            ]
        )

    def answers(
        self, since: datetime | None = None, *, key: str | None = None, version: str | None = None
    ) -> list[Answer]:
        """Answers with their release's service, team and environment (oldest first):
        those given since ``since``, or those of one release."""
        where, values = ["1 = 1"], []
        if since is not None:
            where.append("a.at >= ?")
            values.append(since.isoformat())
        if key is not None:
            where.append("a.key = ?")
            values.append(key)
        if version is not None:
            where.append("a.version = ?")
            values.append(version)
        rows = self._file.read(
            "SELECT a.key, a.version, a.who, a.at, a.moment, a.confidence, a.friction, a.note,"
            " r.service, r.team, r.environment, r.production FROM answers a"
            " LEFT JOIN releases r ON r.key = a.key AND r.version = a.version"
            f" WHERE {' AND '.join(where)} ORDER BY a.at",
            tuple(values),
        )
        return [
            Answer(
                key=row[0],
                version=row[1],
                who=row[2],
                at=datetime.fromisoformat(row[3]),
                moment=Moment(row[4]),
                confidence=row[5],
                friction=row[6],
                note=row[7] or "",
                service=row[8] or row[0],
                team=row[9] or "",
                environment=row[10] or "",
                production=bool(row[11]),
            )
            for row in rows
        ]

    def answered(self, key: str, version: str, who: str) -> bool:
        """Whether this person has answered for this release already (never ask twice)."""
        rows = self._file.read(
            "SELECT 1 FROM answers WHERE key = ? AND version = ? AND who = ?", (key, version, who)
        )
        return bool(rows)

    def spans(self, since: datetime | None = None) -> dict[tuple[str, str], dict[Any, StageSpan]]:
        """Each release's stage spans from its recorded stage events (for "where the time
        goes"), for releases that started since ``since``."""
        where, values = "", tuple[str, ...]()
        if since is not None:
            where = " AND COALESCE(r.started_at, r.deployed_at, r.finished_at) >= ?"
            values = (since.isoformat(),)
        rows = self._file.read(
            "SELECT e.key, e.version, e.at, e.kind, e.title, e.cause FROM events e"
            " JOIN releases r ON r.key = e.key AND r.version = e.version"
            f" WHERE e.kind = 'stage' AND e.cause LIKE 'stage:%'{where} ORDER BY e.at",
            values,
        )
        grouped: dict[tuple[str, str], list[TimelineEvent]] = {}
        for key, version, at, kind, title, cause in rows:
            grouped.setdefault((key, version), []).append(
                TimelineEvent(datetime.fromisoformat(at), TimelineKind(kind), title, "", "", cause)
            )
        return {ident: dict(stage_spans(events)) for ident, events in grouped.items()}

    def bundle(self, since: datetime | None = None) -> HistoryBundle:
        """Records, answers and stage spans since ``since``: one read for the metrics."""
        return HistoryBundle(self.records(since), self.answers(since), self.spans(since))

    def prune(self, now: datetime) -> int:
        """Drop releases (and their events) that ended before the retention window.

        Raises:
            StoreError: the delete failed.
        """
        if self.retention is None:
            return 0
        cut = (now - self.retention).isoformat()
        old = "COALESCE(finished_at, deployed_at, started_at) < ? AND outcome != 'in_progress'"
        found = int(self._file.read(f"SELECT COUNT(*) FROM releases WHERE {old}", (cut,))[0][0])
        self._file.write(
            [
                (
                    "DELETE FROM events WHERE (key, version) IN "
                    f"(SELECT key, version FROM releases WHERE {old})",
                    (cut,),
                ),
                (
                    "DELETE FROM answers WHERE (key, version) IN "
                    f"(SELECT key, version FROM releases WHERE {old})",
                    (cut,),
                ),
                (f"DELETE FROM releases WHERE {old}", (cut,)),
            ]
        )
        return found
