"""`release-cockpit db copy --to URL`: one person's SQLite history and audit log into the
team's PostgreSQL database.

Runs again safely: releases merge by their upsert, timeline events are unique per cause,
ticks are keyed, and an audit record already in the destination (same kind, time, user,
host, process and action) is skipped. Audit records are re-chained in the destination
after its newest record (ids change there, so an end record's ``started_id`` is mapped),
and the source's own chain is verified first: the report says whether it was intact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_cockpit.engine import audit_chain
from release_cockpit.engine.audit_chain import CHAIN_LOCK
from release_cockpit.engine.db_schema import Tx
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.engine.postgres_file import PostgresFile, PostgresTarget
from release_cockpit.engine.sqlite_file import SqliteFile

BATCH = 500

_AUDIT = f"SELECT id, {audit_chain.COLUMNS}, prev_hash, hash FROM audit_records ORDER BY id"
_NATURAL = (
    "SELECT id FROM audit_records WHERE kind = ? AND at = ? AND os_user = ? AND host = ?"
    " AND pid = ? AND action = ? AND release_key = ?"
)


@dataclass(slots=True)
class CopyReport:
    source: str
    destination: str
    releases: int = 0
    events: int = 0
    ticks: int = 0
    answers: int = 0
    audit_copied: int = 0
    audit_skipped: int = 0
    source_chain_intact: bool = True
    source_chain_problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.destination,
            "releases": self.releases,
            "events": self.events,
            "checklist_ticks": self.ticks,
            "answers": self.answers,
            "audit_records_copied": self.audit_copied,
            "audit_records_already_there": self.audit_skipped,
            "source_chain_intact": self.source_chain_intact,
            "source_chain_problems": list(self.source_chain_problems),
        }


def _copy_audit(rows: list[tuple[Any, ...]], tx: Tx, mapping: dict[int, int]) -> tuple[int, int]:
    copied = skipped = 0
    for row in rows:
        values = list(row[1 : 1 + len(audit_chain.FIELDS)])
        kind, at, user, host, pid, action, key = (
            values[0],
            values[2],
            values[3],
            values[4],
            values[6],
            values[11],
            values[7],
        )
        found = tx.execute(_NATURAL, (kind, at, user, host, pid, action, key))
        if found:
            mapping[int(row[0])] = int(found[0][0])
            skipped += 1
            continue
        if values[1] is not None:
            values[1] = mapping.get(int(values[1]), values[1])
        mapping[int(row[0])] = audit_chain.append(tx, values)
        copied += 1
    return copied, skipped


def copy_store(source: Path, target: PostgresTarget) -> CopyReport:
    """Copy everything from the SQLite file ``source`` into ``target`` (migrated first).

    Raises:
        StoreError: either store cannot be opened, read or written (what was copied in
            finished batches stays; running it again completes it).
    """
    report = CopyReport(str(source), target.shown)
    src = SqliteFile(source, "source")
    dst = PostgresFile(target, "destination")
    try:
        chain = audit_chain.verify(src.read(_AUDIT))
        report.source_chain_intact = chain.intact
        report.source_chain_problems = tuple(chain.problems)
        from_history, to_history = HistoryStore(src), HistoryStore(dst)
        records = from_history.records()
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            events = [
                (r.key, r.version, e) for r in batch for e in from_history.events(r.key, r.version)
            ]
            to_history.save(batch, events)
            report.releases += len(batch)
            report.events += len(events)
        ticks = src.read("SELECT release_key, version, item, ticked, by, at FROM checklist_ticks")
        dst.write(
            [
                (
                    "INSERT INTO checklist_ticks (release_key, version, item, ticked, by, at)"
                    " VALUES (?,?,?,?,?,?) ON CONFLICT (release_key, version, item) DO NOTHING",
                    tuple(tick),
                )
                for tick in ticks
            ]
        )
        report.ticks = len(ticks)
        answers = from_history.answers()
        for answer in answers:  # one per person per release: a second copy rewrites it
            to_history.save_answer(answer)
        report.answers = len(answers)
        rows = src.read(_AUDIT)
        mapping: dict[int, int] = {}
        for start in range(0, len(rows), BATCH):
            batch_rows = rows[start : start + BATCH]
            copied, skipped = dst.transact(
                lambda tx, b=batch_rows: _copy_audit(b, tx, mapping),  # type: ignore[misc]
                lock=CHAIN_LOCK,
            )
            report.audit_copied += copied
            report.audit_skipped += skipped
    finally:
        src.close()
        dst.close()
    return report
