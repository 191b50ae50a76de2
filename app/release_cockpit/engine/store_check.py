"""`release-cockpit db check`: is the store sound, current and untampered, and what to do.

Reads only: a SQLite file is opened read-only (``mode=ro``: an old file is not upgraded
by being checked, a damaged one not written), a PostgreSQL database through one plain
connection. Four findings, each with what to do: the schema version, the file's own
integrity (SQLite's ``PRAGMA integrity_check``; PostgreSQL verifies its pages itself),
the audit log's hash chain, and, on PostgreSQL, whether the connecting role could edit
the audit log (it should hold INSERT and SELECT only) or lacks a right the schema needs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_cockpit.engine import audit_chain
from release_cockpit.engine.db_schema import VERSION, team_rights
from release_cockpit.engine.postgres_file import PostgresTarget, describe, psycopg_modules
from release_cockpit.engine.sqlite_file import StoreError
from release_cockpit.engine.store_file import StoreTarget

_CHAIN = f"SELECT id, {audit_chain.COLUMNS}, prev_hash, hash FROM audit_records ORDER BY id"


@dataclass(frozen=True, slots=True)
class Finding:
    what: str
    ok: bool
    text: str
    todo: str = ""


@dataclass(slots=True)
class StoreReport:
    where: str
    findings: list[Finding] = field(default_factory=list)
    head: str = ""
    """The audit chain's newest hash: keep it elsewhere to detect a rewritten tail."""

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.where,
            "ok": self.ok,
            "audit_head": self.head,
            "findings": [
                {"check": f.what, "ok": f.ok, "text": f.text, "todo": f.todo} for f in self.findings
            ],
        }


def _version_finding(version: int, engine: str) -> Finding:
    if version > VERSION:
        return Finding(
            "schema",
            False,
            f"schema version {version}, newer than this cockpit's {VERSION}",
            "upgrade release-cockpit on this machine",
        )
    if version < VERSION:
        todo = (
            "run `release-cockpit db migrate` as the database's owner"
            if engine == "postgresql"
            else "the next cockpit start (or `release-cockpit db migrate`) upgrades it"
        )
        return Finding("schema", False, f"schema version {version}, older than {VERSION}", todo)
    return Finding("schema", True, f"schema version {version} (current)")


def _chain_finding(report: StoreReport, rows: Iterator[tuple[Any, ...]]) -> None:
    chain = audit_chain.verify(rows)
    report.head = chain.head
    if chain.intact:
        gaps = f"; {len(chain.gaps)} id gaps (writes that failed)" if chain.gaps else ""
        report.findings.append(
            Finding("audit chain", True, f"{chain.records} records, chain intact{gaps}")
        )
        return
    report.findings.append(
        Finding(
            "audit chain",
            False,
            f"{chain.records} records; {len(chain.problems)} broken: " + "; ".join(chain.problems),
            "find who had UPDATE or DELETE on the table (the cockpit's role must not); "
            "`release-cockpit audit verify` lists every broken record",
        )
    )


def check_sqlite(path: Path) -> StoreReport:
    """Check a SQLite store without changing it."""
    report = StoreReport(str(path))
    if not path.is_file():
        report.findings.append(
            Finding("file", True, "no database yet: the first cockpit start creates it")
        )
        return report
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        report.findings.append(
            Finding("file", False, f"cannot open: {exc}", "check the file's permissions")
        )
        return report
    aside = (
        f"stop every cockpit, move {path} and its -wal and -shm files aside (live data needs "
        f"no history); `sqlite3 {path} .recover` salvages what it can"
    )
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        report.findings.append(_version_finding(version, "sqlite"))
        found = [str(r[0]) for r in db.execute("PRAGMA integrity_check").fetchall()]
        if found == ["ok"]:
            report.findings.append(Finding("integrity", True, "PRAGMA integrity_check: ok"))
        else:
            text = "; ".join(found[:5]) + (f" (+{len(found) - 5} more)" if len(found) > 5 else "")
            report.findings.append(Finding("integrity", False, f"damaged: {text}", aside))
            return report
        if version >= 3:
            _chain_finding(report, iter(db.execute(_CHAIN)))
    except sqlite3.Error as exc:
        report.findings.append(Finding("integrity", False, f"cannot read: {exc}", aside))
    finally:
        db.close()
    return report


def check_postgres(target: PostgresTarget) -> StoreReport:
    """Check a PostgreSQL store without changing it."""
    psycopg, _ = psycopg_modules()
    report = StoreReport(target.shown)
    try:
        conn = psycopg.connect(target.url, **target.kwargs("release-cockpit db check"))
    except psycopg.Error as exc:
        message, hint = describe(exc, target)
        report.findings.append(Finding("connection", False, message, hint))
        return report
    try:
        with conn:
            exists = conn.execute("SELECT to_regclass('cockpit_schema')").fetchone()
            version = 0
            if exists is not None and exists[0] is not None:
                row = conn.execute("SELECT max(version) FROM cockpit_schema").fetchone()
                version = int(row[0]) if row is not None and row[0] is not None else 0
            report.findings.append(_version_finding(version, "postgresql"))
            checksums = conn.execute("SHOW data_checksums").fetchone()
            state = checksums[0] if checksums else "unknown"
            report.findings.append(
                Finding("integrity", True, f"PostgreSQL verifies its own pages (checksums {state})")
            )
            if version >= 3:
                _chain_finding(report, iter(conn.execute(_CHAIN.encode()).fetchall()))
                report.findings.append(_grants_finding(conn))
    except psycopg.Error as exc:
        message, hint = describe(exc, target)
        report.findings.append(Finding("read", False, message, hint))
    return report


def _grants_finding(conn: Any) -> Finding:
    """Too much on the audit log (it could be edited), or too little anywhere (the cockpit
    would be refused mid-release): the rights the schema needs, per table."""
    edits = conn.execute(
        "SELECT has_table_privilege('audit_records', 'UPDATE'),"
        " has_table_privilege('audit_records', 'DELETE'),"
        " has_table_privilege('audit_records', 'TRUNCATE')"
    ).fetchone()
    if edits is not None and any(edits):
        return Finding(
            "grants",
            False,
            "this role may edit or delete audit records",
            "connect the cockpits as a role with only INSERT and SELECT on "
            "audit_records (README: Team mode on PostgreSQL)",
        )
    missing: dict[str, list[str]] = {}
    for table, rights in team_rights().items():
        for right in rights:
            [(held,)] = conn.execute(
                "SELECT has_table_privilege(%s, %s)", (table, right)
            ).fetchall()
            if not held:
                missing.setdefault(table, []).append(right)
    if missing:
        lacks = "; ".join(f"{', '.join(r)} on {t}" for t, r in missing.items())
        [(role,)] = conn.execute("SELECT current_user").fetchall()
        grants = [
            f"GRANT {', '.join(rights)} ON {table} TO {role};" for table, rights in missing.items()
        ]
        return Finding(
            "grants",
            False,
            f"this role lacks {lacks}: the cockpit will be refused when it writes there",
            "as the database's owner run: " + " ".join(grants),
        )
    return Finding("grants", True, "this role can only add and read audit records")


def check_store(target: StoreTarget) -> StoreReport:
    """The report for either engine.

    Raises:
        StoreError: psycopg is not installed (for a PostgreSQL URL).
    """
    if isinstance(target, PostgresTarget):
        return check_postgres(target)
    return check_sqlite(target)


__all__ = ["Finding", "StoreError", "StoreReport", "check_store"]
