"""The audit log's hash chain: how a record is hashed, appended and verified.

Every record carries the hash of the record before it (``prev_hash``) and its own
``hash``: SHA-256 over ``prev_hash`` and the record's stored values, as canonical JSON.
Editing a record breaks its own hash; deleting one breaks the link of the next; rewriting
the whole tail to hide either needs UPDATE on the table, which the cockpit's role does not
have (README: grants), and changes the head hash ``audit verify`` prints, which a team can
keep elsewhere. This is the pattern of Certificate Transparency's and git's chains, kept
small: one table, one hash per row.

Appends are serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level
advisory lock) so two cockpits appending at once still form one chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from release_cockpit.engine.db_schema import Tx

GENESIS = "0" * 64
"""The ``prev_hash`` of the first record."""

FIELDS = (
    "kind",
    "started_id",
    "at",
    "os_user",
    "host",
    "identity",
    "pid",
    "release_key",
    "release_id",
    "service",
    "environment",
    "action",
    "target",
    "parameters",
    "outcome",
    "detail",
    "error",
    "requests",
    "duration_ms",
)
"""The hashed columns, in hashing order."""

COLUMNS = ", ".join(FIELDS)
CHAIN_LOCK = "audit-chain"
"""The advisory lock name appends take on PostgreSQL."""


def digest(prev_hash: str, values: Sequence[Any]) -> str:
    """The record's hash: canonical JSON (ASCII, no spaces) of the link and the values."""
    text = json.dumps([prev_hash, *values], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def append(tx: Tx, values: Sequence[Any]) -> int:
    """Chain one record after the newest and insert it; its id. The caller holds the lock."""
    if len(values) != len(FIELDS):
        raise ValueError(f"an audit record has {len(FIELDS)} values, not {len(values)}")
    rows = tx.execute("SELECT hash FROM audit_records ORDER BY id DESC LIMIT 1")
    prev = str(rows[0][0]) if rows else GENESIS
    marks = ",".join("?" * (len(FIELDS) + 2))
    inserted = tx.execute(
        f"INSERT INTO audit_records ({COLUMNS}, prev_hash, hash) VALUES ({marks}) RETURNING id",
        (*values, prev, digest(prev, values)),
    )
    return int(inserted[0][0])


def chain_legacy_rows(tx: Tx) -> None:
    """Migration 3: the rows of the old mutable ``audit`` table, as chained records.

    A finished row becomes a start and an end record (a refusal one record), in the
    order they were written; the old table stays, untouched, as it was.
    """
    rows = tx.execute(
        'SELECT started_at, finished_at, duration_ms, "user", host, pid, release_key,'
        " release_id, service, environment, action, target, parameters, outcome, detail,"
        " error, requests FROM audit ORDER BY id"
    )
    for row in rows:
        started, finished, duration, user, host, pid = row[:6]
        what = row[6:13]
        outcome, detail, error, requests = row[13:17]
        ms = round(duration) if duration is not None else None
        if outcome == "refused":
            ended = (outcome, detail, error, requests, ms)
            append(tx, ("refused", None, started, user, host, "", pid, *what, *ended))
            continue
        first = append(
            tx, ("started", None, started, user, host, "", pid, *what, "", "", "", "[]", None)
        )
        if outcome:
            ended = (outcome, detail, error, requests, ms)
            at = finished or started
            append(tx, ("finished", first, at, user, host, "", pid, *what, *ended))


@dataclass(slots=True)
class ChainReport:
    """What ``audit verify`` found."""

    records: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)
    """Records whose content or link does not hold: edited, deleted or reordered."""
    gaps: list[str] = field(default_factory=list)
    """Missing ids: a record deleted, or (harmless) a write that was rolled back."""

    @property
    def intact(self) -> bool:
        return not self.problems


def _who(values: Sequence[Any]) -> str:
    """``alice (root@bastion)``: as stored, so an edited name shows as edited."""
    login = f"{values[3]}@{values[4]}"
    return f"{values[5]} ({login})" if values[5] else login


def verify(rows: Iterable[Sequence[Any]]) -> ChainReport:
    """Walk ``(id, *FIELDS, prev_hash, hash)`` rows in id order and check every link.

    Each record is judged on its own (its values against its hash) and against its
    predecessor (its ``prev_hash`` against the hash before it), so one edited record
    is reported once, as edited, and a deleted one as a broken link after it.
    """
    report = ChainReport()
    previous_hash = GENESIS
    previous_id: int | None = None
    seen: set[int] = set()
    for row in rows:
        ident = int(row[0])
        values = row[1 : 1 + len(FIELDS)]
        prev_hash, stored = str(row[-2]), str(row[-1])
        report.records += 1
        if previous_id is not None and ident > previous_id + 1:
            missing = (
                f"{previous_id + 1}"
                if ident == previous_id + 2
                else (f"{previous_id + 1}-{ident - 1}")
            )
            report.gaps.append(
                f"id {missing} is missing" if "-" not in missing else f"ids {missing} are missing"
            )
        if digest(prev_hash, values) != stored:
            report.problems.append(
                f"record {ident} ({values[0]} {values[11]} {values[9]} at {values[2]} by "
                f"{_who(values)}) does not match its hash: it was edited after it was written"
            )
        elif prev_hash != previous_hash:
            after = f"record {previous_id}" if previous_id is not None else "the start"
            report.problems.append(
                f"record {ident} does not follow {after}: {after} was changed and re-hashed,"
                " or records between them were deleted"
            )
        started = values[1]
        if started is not None and int(started) not in seen:
            report.problems.append(
                f"record {ident} ends record {started}, which is not in the log: it was deleted"
            )
        seen.add(ident)
        previous_hash, previous_id = stored, ident
    report.head = previous_hash
    return report
