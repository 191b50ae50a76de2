"""Each demo run has its own database; ended runs' files are pruned but the newest, which
the history commands read; a running demo's file is never touched."""

from __future__ import annotations

import os
import subprocess
import sys

from release_cockpit.engine.demo_database import latest_database, prune_ended, run_database


def ended_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(child.stdout)


def touch(path, mtime):
    path.write_bytes(b"")
    os.utime(path, (mtime, mtime))


def test_each_run_has_its_own_file(tmp_path):
    assert run_database(tmp_path) == tmp_path / f"demo-{os.getpid()}.db"
    assert run_database(tmp_path, 42) != run_database(tmp_path, 43)


def test_history_commands_read_the_newest_run(tmp_path):
    assert latest_database(tmp_path) == tmp_path / "demo.db"
    touch(tmp_path / "demo-1.db", 1000)
    touch(tmp_path / "demo-2.db", 2000)
    assert latest_database(tmp_path) == tmp_path / "demo-2.db"


def test_pruning_keeps_running_demos_and_the_newest_ended_one(tmp_path):
    mine = run_database(tmp_path)
    touch(mine, 500)  # this process runs
    old, newer = ended_pid(), ended_pid()
    touch(tmp_path / f"demo-{old}.db", 1000)
    touch(tmp_path / f"demo-{old}.db-wal", 1000)
    touch(tmp_path / f"demo-{newer}.db", 2000)
    removed = prune_ended(tmp_path, keep=None)
    assert removed == [tmp_path / f"demo-{old}.db"]
    assert not (tmp_path / f"demo-{old}.db-wal").exists()
    assert mine.exists()
    assert (tmp_path / f"demo-{newer}.db").exists()


def test_two_demo_sessions_do_not_share_or_delete_each_others_file(tmp_path, monkeypatch):
    from release_cockpit.config.schema import CockpitSettings, Config, PollingSettings
    from release_cockpit.engine.database import session_database

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    config = Config(None, CockpitSettings(), PollingSettings(), {}, {})
    first = session_database(config, {}, demo=True)
    try:
        assert first.error is None
        assert first.path.name == f"demo-{os.getpid()}.db"
        # Another demo (another process) running meanwhile keeps its file.
        other = first.path.with_name("demo-1.db")  # pid 1 always runs
        other.write_bytes(b"")
        second = session_database(config, {}, demo=True)
        second.close()
        assert other.exists()
    finally:
        first.close()
