"""`db check`, `db copy --to URL`, `db migrate` and `audit verify`, run as a person would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from release_cockpit.domain.audit import Outcome
from release_cockpit.domain.history import ReleaseRecord, TimelineEvent, TimelineKind
from release_cockpit.domain.human import Answer, Moment
from release_cockpit.engine.audit_log import ActionStart, AuditLog
from release_cockpit.engine.history_store import HistoryStore
from tests.support.db import raw_execute
from tests.support.postgres_server import PASSWORD

START = ActionStart("pay", "pay/prod@1", "pay", "prod", "abort", "rollout shop/pay", {})
AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def run(*args: str, database, tmp_path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RELEASE_COCKPIT_DB": str(database),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "COLUMNS": "160",
        **extra,
    }
    env.pop("RELEASE_COCKPIT_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "release_cockpit", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def filled(path) -> None:
    log = AuditLog(path, user="ana", host="bastion")
    record = log.start(START)
    log.finish(record, Outcome.SUCCEEDED, detail="aborted")
    log.refused(START, "read-only")
    log.close()
    store = HistoryStore(path)
    event = TimelineEvent(AT, TimelineKind.VERDICT, "Verdict failing", "5xx", "", "verdict:f:0")
    store.save([ReleaseRecord("pay", "pay", "shop", "prod", "1", AT)], [("pay", "1", event)])
    store.save_answer(Answer("pay", "1", "ana", AT, Moment.ABORT, 2, 4, "slow gate"))
    store.close()


def test_check_and_verify_a_sound_file_then_a_tampered_one(tmp_path):
    path = tmp_path / "cockpit.db"
    filled(path)
    checked = run("db", "check", "--json", database=path, tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stderr
    document = json.loads(checked.stdout)
    assert [(f["check"], f["ok"]) for f in document["findings"]] == [
        ("schema", True),
        ("integrity", True),
        ("audit chain", True),
    ]
    raw_execute(path, "UPDATE audit_records SET os_user = 'mallory' WHERE id = 1")
    verified = run("audit", "verify", database=path, tmp_path=tmp_path)
    assert verified.returncode == 4
    assert "record 1 (started abort pay" in verified.stdout
    assert "edited after it was written" in verified.stdout
    assert run("db", "check", database=path, tmp_path=tmp_path).returncode == 4


def test_check_a_damaged_file_says_how_to_move_it_aside(tmp_path):
    path = tmp_path / "cockpit.db"
    filled(path)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    path.write_bytes(bytes(data))
    checked = run("db", "check", database=path, tmp_path=tmp_path)
    assert checked.returncode == 4
    assert "FAIL" in checked.stdout
    assert "move" in checked.stdout
    assert "aside" in checked.stdout


def test_copy_a_history_into_postgres_twice_adds_nothing_the_second_time(tmp_path, pg_target):
    path = tmp_path / "cockpit.db"
    filled(path)
    env = {"PGPASSWORD": PASSWORD}
    first = run(
        "db", "copy", "--to", pg_target.url, "--json", database=path, tmp_path=tmp_path, **env
    )
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["releases"], report["events"], report["audit_records_copied"]) == (1, 1, 3)
    assert report["answers"] == 1
    again = json.loads(
        run(
            "db", "copy", "--to", pg_target.url, "--json", database=path, tmp_path=tmp_path, **env
        ).stdout
    )
    assert (again["audit_records_copied"], again["audit_records_already_there"]) == (0, 3)
    copied = HistoryStore(pg_target)
    assert [(a.who, a.confidence, a.friction, a.note) for a in copied.answers()] == [
        ("ana", 2, 4, "slow gate")
    ]
    copied.close()
    log = AuditLog(pg_target)
    assert [(e.action, e.outcome, e.who) for e in log.entries()] == [
        ("abort", Outcome.REFUSED, "ana"),
        ("abort", Outcome.SUCCEEDED, "ana"),
    ]
    assert log.verify().intact
    log.close()
    verified = run("audit", "verify", "--json", database=pg_target.url, tmp_path=tmp_path, **env)
    assert json.loads(verified.stdout)["records"] == 3


def test_a_password_in_the_url_is_refused_naming_the_variable(tmp_path):
    refused = run("db", "check", database="postgresql://u:secret@h/db", tmp_path=tmp_path)
    assert refused.returncode == 2
    assert "RELEASE_COCKPIT_DB" in refused.stderr
    assert "secret" not in refused.stderr + refused.stdout
