"""`dora` and `export` on a hand-built history: the figures and the retrospective text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from release_cockpit.domain.history import (
    ReleaseOutcome,
    ReleaseRecord,
    TimelineEvent,
    TimelineKind,
)
from release_cockpit.engine.audit_log import ActionStart, AuditLog
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.headless.export import export_markdown

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)


def run(*args: str, database, tmp_path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RELEASE_COCKPIT_DB": str(database),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "COLUMNS": "140",
    }
    env.pop("RELEASE_COCKPIT_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "release_cockpit", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def history(path) -> None:
    store = HistoryStore(path)
    records = []
    for week in range(4):  # one good production deploy a week, lead time 2 days
        deployed = NOW - (week * 7 + 1) * DAY
        records.append(
            ReleaseRecord(
                "api",
                "api",
                "core",
                "production",
                f"1.{week}.0",
                started_at=deployed - DAY,
                first_commit_at=deployed - 2 * DAY,
                deployed_at=deployed,
                finished_at=deployed,
                outcome=ReleaseOutcome.SUCCEEDED,
                production=True,
            )
        )
    failed = NOW - 3 * DAY
    records.append(
        ReleaseRecord(
            "api",
            "api",
            "core",
            "production",
            "1.9.0",
            started_at=failed,
            failed_at=failed,
            restored_at=failed + timedelta(minutes=30),
            finished_at=failed + timedelta(minutes=30),
            outcome=ReleaseOutcome.ABORTED,
            production=True,
        )
    )
    events = [
        (
            "api",
            "1.9.0",
            TimelineEvent(
                failed,
                TimelineKind.VERDICT,
                "Verdict failing",
                "5xx ratio 7.9% > 5.0% | over the limit",
            ),
        ),
        (
            "api",
            "1.9.0",
            TimelineEvent(
                failed + timedelta(minutes=29),
                TimelineKind.ACTION,
                "Abort confirmed",
                "abort confirmed",
                "ana",
            ),
        ),
    ]
    store.save(records, events)
    store.close()
    audit = AuditLog(path, user="ana", host="bastion")
    start = ActionStart(
        "api", "api/production@1.9.0", "api", "production", "abort", "rollout prod/api", {}
    )
    audit.refused(start, "freeze")
    audit.close()


def test_dora_json_has_the_four_metrics_with_tiers(tmp_path):
    database = tmp_path / "c.db"
    history(database)
    result = run("dora", "--json", "--by", "all", database=database, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["tier_table"]["year"] == 2024
    [figures] = document["groups"]
    assert figures["deployment_frequency"]["deploys"] == 4
    assert figures["lead_time"]["median"] == "2d0h"
    assert figures["change_failure_rate"]["failed"] == 1
    assert figures["change_failure_rate"]["finished"] == 5
    assert figures["time_to_restore"]["median"] == "30m00s"
    assert figures["time_to_restore"]["tier"] is not None
    table = run("dora", "--window", "7d", database=database, tmp_path=tmp_path)
    assert "api" in table.stdout
    assert "DORA metrics, 7 days" in table.stdout


def test_dora_rejects_an_unknown_year(tmp_path):
    result = run("dora", "--year", "2031", database=tmp_path / "c.db", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "no tier table for '2031'" in result.stderr


def test_export_markdown_is_a_readable_retrospective(tmp_path):
    database = tmp_path / "c.db"
    history(database)
    result = run("export", "api@1.9.0", database=database, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("# Release api/production@1.9.0")
    assert "| Outcome | **aborted** |" in text
    assert "| Time to restore | 30m00s |" in text
    assert "5xx ratio 7.9% > 5.0% \\| over the limit" in text  # pipes escaped
    assert "| Abort confirmed | abort confirmed | ana |" in text
    assert "refused: freeze" in text
    by_id = run(
        "export", "api/production@1.9.0", "--format", "json", database=database, tmp_path=tmp_path
    )
    document = json.loads(by_id.stdout)
    assert document["outcome"] == "aborted"
    assert document["restore_seconds"] == 1800
    assert [a["outcome"] for a in document["actions"]] == ["refused"]


def test_export_of_an_unknown_release_says_how_to_name_one(tmp_path):
    result = run("export", "nope", database=tmp_path / "c.db", tmp_path=tmp_path)
    assert result.returncode == 1
    assert "Release not found" in result.stderr
    assert "KEY@VERSION" in result.stderr


def test_markdown_without_timeline_or_actions():
    record = ReleaseRecord("api", "api", "", "staging", "2.0", source="github-deployments")
    text = export_markdown(record, (), ())
    assert "No timeline was recorded for this release." in text
    assert "No actions were taken on this release from the cockpit." in text
