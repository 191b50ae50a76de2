"""The cockpit's database: off the event loop, versioned schema, durable and honest errors."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from release_cockpit.domain.history import ReleaseRecord, TimelineEvent, TimelineKind
from release_cockpit.engine.database import choose_database, open_database
from release_cockpit.engine.db_schema import VERSION
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.engine.sqlite_file import OnEventLoop, SqliteFile, StoreError
from tests.support.db import database_at, off_loop

# The schema as the first release wrote it (before versions): what an old cockpit.db holds.
PREVIOUS_SCHEMA = """
CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,
    finished_at TEXT, duration_ms REAL, user TEXT NOT NULL, host TEXT NOT NULL,
    pid INTEGER NOT NULL, release_key TEXT NOT NULL, release_id TEXT NOT NULL,
    service TEXT NOT NULL, environment TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, parameters TEXT NOT NULL DEFAULT '{}', outcome TEXT,
    detail TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '',
    requests TEXT NOT NULL DEFAULT '[]');
CREATE TABLE checklist_ticks (release_key TEXT NOT NULL, version TEXT NOT NULL,
    item TEXT NOT NULL, ticked INTEGER NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (release_key, version, item));
CREATE TABLE releases (key TEXT NOT NULL, version TEXT NOT NULL, service TEXT NOT NULL,
    team TEXT NOT NULL, environment TEXT NOT NULL, production INTEGER NOT NULL,
    source TEXT NOT NULL, started_at TEXT, first_commit_at TEXT, deployed_at TEXT,
    finished_at TEXT, outcome TEXT NOT NULL, failed_at TEXT, restored_at TEXT,
    PRIMARY KEY (key, version));
CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL,
    version TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL,
    detail TEXT NOT NULL, who TEXT NOT NULL);
INSERT INTO releases VALUES ('pay', '1.0', 'pay', 'shop', 'production', 1, 'cockpit',
    '2026-11-01T10:00:00+00:00', NULL, NULL, NULL, 'in_progress', NULL, NULL);
INSERT INTO events (key, version, at, kind, title, detail, who) VALUES
    ('pay', '1.0', '2026-11-01T10:00:00+00:00', 'verdict', 'Verdict failing', 'x', '');
"""
AT = datetime(2026, 11, 1, 10, 5, tzinfo=UTC)


async def test_no_sqlite_call_runs_on_the_event_loop(tmp_path: Path):
    with pytest.raises(OnEventLoop):
        SqliteFile(tmp_path / "x.db", "test")
    file = off_loop(SqliteFile, tmp_path / "x.db", "test")
    with pytest.raises(OnEventLoop):
        file.read("SELECT 1")
    with pytest.raises(OnEventLoop):
        file.write([("SELECT 1", ())])
    database = database_at(tmp_path / "y.db")
    assert database.history is not None
    assert await database.call(database.history.records) == []  # the way the engine reads
    database.close()
    off_loop(file.close)


def test_a_database_made_by_the_previous_schema_opens_and_keeps_its_rows(tmp_path: Path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.executescript(PREVIOUS_SCHEMA)
    store = HistoryStore(path)
    assert store._file.schema_version == VERSION
    [old_event] = store.events("pay", "1.0")
    assert old_event.title == "Verdict failing"
    assert old_event.cause.startswith("legacy:")
    new = TimelineEvent(AT, TimelineKind.VERDICT, "Verdict ok", "", "", "verdict:ok:0")
    store.save([], [("pay", "1.0", new), ("pay", "1.0", new)])
    assert [e.title for e in store.events("pay", "1.0")] == ["Verdict failing", "Verdict ok"]
    assert store.release("pay", "1.0") == ReleaseRecord(
        "pay",
        "pay",
        "shop",
        "production",
        "1.0",
        started_at=datetime(2026, 11, 1, 10, tzinfo=UTC),
        production=True,
    )
    store.close()


def test_a_database_from_a_newer_cockpit_is_refused_not_damaged(tmp_path: Path):
    path = tmp_path / "new.db"
    with sqlite3.connect(path) as newer:
        newer.execute(f"PRAGMA user_version = {VERSION + 1}")
    with pytest.raises(StoreError) as refused:
        HistoryStore(path)
    assert "upgrade release-cockpit" in (refused.value.hint or "")


def test_a_damaged_file_is_an_error_that_says_what_to_do(tmp_path: Path):
    path = tmp_path / "cockpit.db"
    store = HistoryStore(path)
    store.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page's b-tree header and cells
    path.write_bytes(bytes(data))
    database = open_database(path)
    assert database.error is not None
    assert database.audit is None
    assert "db check" in (database.error.hint or "")
    database.close()


@pytest.mark.parametrize("name", [":memory:", "file::memory:?cache=shared"])
def test_an_audit_log_only_in_memory_is_refused(name: str):
    with pytest.raises(StoreError) as refused:
        choose_database(None, {"RELEASE_COCKPIT_DB": name}, False)
    assert "outlives" in refused.value.message
    with pytest.raises(StoreError):
        choose_database(Path(name), {}, False)


def test_a_home_directory_that_does_not_exist_is_a_clear_error():
    with pytest.raises(StoreError) as refused:
        choose_database(None, {"RELEASE_COCKPIT_DB": "~nosuchuser-xyz/cockpit.db"})
    assert "home directory" in refused.value.message


def test_cockpits_starting_together_upgrade_an_old_file_once(tmp_path: Path):
    """Regression: both read the old version, both ran ALTER TABLE; the second got
    "duplicate column name" and started without a store."""
    import threading

    for attempt in range(8):
        path = tmp_path / f"old-{attempt}.db"
        with sqlite3.connect(path) as old:
            old.executescript(PREVIOUS_SCHEMA)
        start = threading.Barrier(3)
        failures: list[BaseException] = []

        def open_it(
            target: Path = path,
            barrier: threading.Barrier = start,
            failed: list[BaseException] = failures,
        ) -> None:
            barrier.wait()
            try:
                HistoryStore(target).close()
            except BaseException as exc:
                failed.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        store = HistoryStore(path)
        assert store._file.schema_version == VERSION
        store.close()
