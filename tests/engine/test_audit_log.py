"""The audit log on both engines: durable start records, finishing, unknown outcomes, the
hash chain and what it finds, ticks, errors."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from release_cockpit.domain.audit import Outcome
from release_cockpit.engine.audit_log import ActionStart, AuditLog
from release_cockpit.engine.database import choose_database
from release_cockpit.engine.sqlite_file import StoreError
from tests.support.db import raw_execute, raw_rows

START = ActionStart(
    "payments",
    "payments/production@1.13.0",
    "payments",
    "production",
    "abort",
    "rollout production/payments",
    {"backend": "cluster"},
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_start_is_stored_before_the_call(store_target):
    log = AuditLog(store_target, user="ana", host="bastion", who_else="ana@example.com")
    record = log.start(START)
    # Another connection (another cockpit, or this one after a crash) sees it at once.
    rows = raw_rows(store_target, "SELECT id, kind, outcome, os_user, identity FROM audit_records")
    assert rows == [(record, "started", "", "ana", "ana@example.com")]
    assert log.entries()[0].who == "ana@example.com"
    log.close()


def test_finish_records_result_and_duration(store_target):
    clock = Clock()
    log = AuditLog(store_target, clock=clock, user="ana", host="bastion")
    record = log.start(START)
    clock.now += timedelta(milliseconds=1500)
    log.finish(record, Outcome.SUCCEEDED, detail="aborted", requests=["PATCH /x"])
    [entry] = log.entries()
    assert entry.outcome is Outcome.SUCCEEDED
    assert entry.duration_ms == pytest.approx(1500)
    assert entry.requests == ("PATCH /x",)
    assert entry.to_json()["outcome"] == "succeeded"
    log.close()


def test_an_open_record_is_in_flight_here_and_unknown_elsewhere(store_target):
    log = AuditLog(store_target)
    record = log.start(START)
    assert log.entries(in_flight={record})[0].outcome is Outcome.IN_FLIGHT
    other = AuditLog(store_target)
    assert other.entries()[0].outcome is Outcome.UNKNOWN
    log.close()
    other.close()


def test_entries_newest_first_with_limit_and_release_filter(store_target):
    log = AuditLog(store_target)
    for key in ("a", "b", "a"):
        log.refused(ActionStart(key, key, key, "prod", "promote", "t", {}), "read-only")
    assert [e.release_key for e in log.entries()] == ["a", "b", "a"]
    assert [e.id for e in log.entries(limit=2)] == [3, 2]
    assert {e.release_key for e in log.entries(release_key="b")} == {"b"}
    assert log.entries()[0].result_text == "refused: read-only"
    log.close()


def test_ticks_are_per_version_and_last_write_wins(store_target):
    log = AuditLog(store_target, user="ana")
    log.tick("ledger", "5.0.0", "Migration reviewed", True)
    log.tick("ledger", "5.0.0", "Migration reviewed", False)
    log.tick("ledger", "5.0.0", "Support told", True)
    ticks = log.ticks("ledger", "5.0.0")
    assert not ticks["Migration reviewed"].ticked
    assert ticks["Support told"].by == "ana"
    assert log.ticks("ledger", "5.0.1") == {}
    log.close()


def _three_actions(log: AuditLog, clock: Clock) -> list[int]:
    first = log.start(START)
    clock.now += timedelta(seconds=2)
    log.finish(first, Outcome.SUCCEEDED, detail="aborted", requests=["PATCH /x"])
    second = log.refused(START, "one action at a time: bob is aborting payments")
    third = log.start(START)
    log.finish(third, Outcome.FAILED, error="409 conflict")
    return [first, second, third]


def test_the_chain_of_an_untouched_log_is_intact(store_target):
    clock = Clock()
    log = AuditLog(store_target, clock=clock, user="ana", host="bastion")
    _three_actions(log, clock)
    report = log.verify()
    assert report.intact, report.problems
    assert report.records == 5  # two starts, two ends, one refusal
    assert report.head == raw_rows(store_target, "SELECT hash FROM audit_records")[-1][0]
    log.close()


def test_verify_finds_a_record_edited_by_hand(store_target):
    clock = Clock()
    log = AuditLog(store_target, clock=clock, user="ana", host="bastion")
    _three_actions(log, clock)
    raw_execute(store_target, "UPDATE audit_records SET outcome = 'succeeded' WHERE id = 5")
    report = log.verify()
    assert not report.intact
    assert report.problems == [
        "record 5 (finished abort payments at 2026-11-27T09:00:02+00:00 by ana@bastion) "
        "does not "
        "match its hash: it was edited after it was written"
    ]
    log.close()


def test_verify_finds_a_deleted_record_and_a_rehashed_one(store_target):
    clock = Clock()
    log = AuditLog(store_target, clock=clock)
    ids = _three_actions(log, clock)
    raw_execute(store_target, f"DELETE FROM audit_records WHERE id = {ids[1]}")
    report = log.verify()
    assert report.problems == [
        f"record {ids[2]} does not follow record {ids[1] - 1}: record {ids[1] - 1} was changed "
        "and re-hashed, or records between them were deleted"
    ]
    assert report.gaps == [f"id {ids[1]} is missing"]
    raw_execute(store_target, f"DELETE FROM audit_records WHERE id = {ids[0]}")
    problems = log.verify().problems
    assert any(f"ends record {ids[0]}, which is not in the log" in p for p in problems)
    log.close()


def test_appends_from_two_writers_at_once_form_one_chain(store_target):
    from concurrent.futures import ThreadPoolExecutor

    logs = [AuditLog(store_target, user=f"u{i}") for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: [logs[i % 4].refused(START, "x") for _ in range(10)], range(4)))
    report = logs[0].verify()
    assert report.intact, report.problems
    assert report.records == 40
    for log in logs:
        log.close()


def test_rows_of_the_old_audit_table_are_chained_when_upgraded(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.executescript(
            "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,"
            " finished_at TEXT, duration_ms REAL, user TEXT NOT NULL, host TEXT NOT NULL,"
            " pid INTEGER NOT NULL, release_key TEXT NOT NULL, release_id TEXT NOT NULL,"
            " service TEXT NOT NULL, environment TEXT NOT NULL, action TEXT NOT NULL,"
            " target TEXT NOT NULL, parameters TEXT NOT NULL DEFAULT '{}', outcome TEXT,"
            " detail TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '',"
            " requests TEXT NOT NULL DEFAULT '[]');"
            "INSERT INTO audit VALUES (1, '2026-11-01T10:00:00+00:00', '2026-11-01T10:00:01+00:00',"
            " 1200.4, 'ana', 'h', 7, 'pay', 'pay@1', 'pay', 'prod', 'abort', 't', '{}',"
            " 'succeeded', 'aborted', '', '[\"PATCH /x\"]');"
            "INSERT INTO audit VALUES (2, '2026-11-01T10:01:00+00:00', NULL, NULL, 'bob', 'h', 8,"
            " 'pay', 'pay@1', 'pay', 'prod', 'promote', 't', '{}', NULL, '', '', '[]');"
            "INSERT INTO audit VALUES (3, '2026-11-01T10:02:00+00:00', '2026-11-01T10:02:00+00:00',"
            " 0, 'bob', 'h', 8, 'pay', 'pay@1', 'pay', 'prod', 'promote', 't', '{}', 'refused',"
            " '', 'read-only', '[]');"
        )
    log = AuditLog(path)
    entries = log.entries()
    assert [(e.action, e.outcome, e.who) for e in entries] == [
        ("promote", Outcome.REFUSED, "bob"),
        ("promote", Outcome.UNKNOWN, "bob"),
        ("abort", Outcome.SUCCEEDED, "ana"),
    ]
    assert entries[2].duration_ms == 1200
    assert entries[2].requests == ("PATCH /x",)
    assert log.verify().intact
    assert raw_rows(path, "SELECT count(*) FROM audit") == [(3,)]  # the old table is kept
    log.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_directory_is_a_store_error_with_a_next_step(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(StoreError) as caught:
        AuditLog(locked / "sub" / "a.db")
    assert "RELEASE_COCKPIT_DB" in caught.value.hint


def test_a_path_that_is_a_directory_is_a_store_error(tmp_path):
    with pytest.raises(StoreError) as caught:
        AuditLog(tmp_path)
    assert caught.value.title == "Cockpit database unavailable"


def test_database_choice(tmp_path, monkeypatch):
    # The user's real data directory may hold demo runs' databases (demo-PID.db).
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    configured = tmp_path / "c.db"
    assert str(choose_database(configured, {"RELEASE_COCKPIT_DB": "/x/y.db"})) == "/x/y.db"
    assert choose_database(configured, {}) == configured
    assert choose_database(None, {}, demo=True).name == "demo.db"
    assert choose_database(None, {}).name == "cockpit.db"
