"""The audit database: durable start records, finishing, unknown outcomes, ticks, errors."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from release_cockpit.domain.audit import Outcome
from release_cockpit.engine.audit_log import ActionStart, AuditLog
from release_cockpit.engine.database import choose_database
from release_cockpit.engine.sqlite_file import StoreError

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


def test_start_is_on_disk_before_the_call(tmp_path):
    log = AuditLog(tmp_path / "a.db", user="ana", host="bastion")
    record = log.start(START)
    # Another connection (another cockpit, or this one after a crash) sees it at once.
    rows = sqlite3.connect(tmp_path / "a.db").execute("SELECT id, outcome FROM audit").fetchall()
    assert rows == [(record, None)]
    log.close()


def test_finish_records_result_and_duration(tmp_path):
    clock = Clock()
    log = AuditLog(tmp_path / "a.db", clock=clock, user="ana", host="bastion")
    record = log.start(START)
    clock.now += timedelta(milliseconds=1500)
    log.finish(record, Outcome.SUCCEEDED, detail="aborted", requests=["PATCH /x"])
    [entry] = log.entries()
    assert entry.outcome is Outcome.SUCCEEDED
    assert entry.duration_ms == pytest.approx(1500)
    assert entry.requests == ("PATCH /x",)
    assert entry.to_json()["outcome"] == "succeeded"
    log.close()


def test_an_open_record_is_in_flight_here_and_unknown_elsewhere(tmp_path):
    log = AuditLog(tmp_path / "a.db")
    record = log.start(START)
    assert log.entries(in_flight={record})[0].outcome is Outcome.IN_FLIGHT
    other = AuditLog(tmp_path / "a.db")
    assert other.entries()[0].outcome is Outcome.UNKNOWN
    log.close()
    other.close()


def test_entries_newest_first_with_limit_and_release_filter(tmp_path):
    log = AuditLog(tmp_path / "a.db")
    for key in ("a", "b", "a"):
        log.refused(ActionStart(key, key, key, "prod", "promote", "t", {}), "read-only")
    assert [e.release_key for e in log.entries()] == ["a", "b", "a"]
    assert [e.id for e in log.entries(limit=2)] == [3, 2]
    assert {e.release_key for e in log.entries(release_key="b")} == {"b"}
    assert log.entries()[0].result_text == "refused: read-only"
    log.close()


def test_ticks_are_per_version_and_last_write_wins(tmp_path):
    log = AuditLog(tmp_path / "a.db", user="ana")
    log.tick("ledger", "5.0.0", "Migration reviewed", True)
    log.tick("ledger", "5.0.0", "Migration reviewed", False)
    log.tick("ledger", "5.0.0", "Support told", True)
    ticks = log.ticks("ledger", "5.0.0")
    assert not ticks["Migration reviewed"].ticked
    assert ticks["Support told"].by == "ana"
    assert log.ticks("ledger", "5.0.1") == {}
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


def test_database_choice(tmp_path):
    configured = tmp_path / "c.db"
    assert str(choose_database(configured, {"RELEASE_COCKPIT_DB": "/x/y.db"})) == "/x/y.db"
    assert choose_database(configured, {}) == configured
    assert choose_database(None, {}, demo=True).name == "demo.db"
    assert choose_database(None, {}).name == "cockpit.db"
