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


def test_dora_demo_json_carries_series_stages_answers_and_batches(tmp_path):
    database = tmp_path / "demo.db"
    result = run("dora", "--demo", "--json", database=database, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    weekly = document["weekly_series"]
    assert len(weekly["weeks_ending"]) == 5
    assert set(weekly["all"]) == {
        "deployment_frequency",
        "lead_time",
        "change_failure_rate",
        "time_to_restore",
    }
    human = document["confidence_and_friction"]
    assert human["minimum_answers"] == 3
    for group in human["groups"]:
        for figure in (group["confidence"], group["friction"]):
            assert figure["hidden"] == (figure["count"] < 3)
            assert (figure["median"] is None) == figure["hidden"]
    assert any(not g["confidence"]["hidden"] for g in human["groups"])
    stages = document["stage_durations"]
    assert stages
    assert stages[0]["slowest"] in stages[0]["stages"]
    assert (
        stages[0]["stages"]["deploy"]["p90_seconds"]
        >= stages[0]["stages"]["deploy"]["median_seconds"]
    )
    batches = document["batch_size"]["groups"]
    assert [b["size"] for b in batches] == ["0-2", "3-5", "6-15", "16-40", "41+"]
    assert sum(b["releases"] for b in batches) > 0


def test_export_demo_shows_the_timeline_picture_and_the_answers(tmp_path):
    database = tmp_path / "demo.db"
    assert run("dora", "--demo", database=database, tmp_path=tmp_path).returncode == 0
    store = HistoryStore(database)
    answered = store.answers()[0]
    store.close()
    wanted = f"{answered.key}@{answered.version}"
    result = run("export", "--demo", wanted, database=database, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    picture = text.split("```text\n", 1)[1].split("```", 1)[0]
    assert picture.startswith("stages  |")
    assert all(ord(c) < 128 for c in picture)
    assert "## How it went (confidence and friction, 1-5)" in text
    assert f"| {answered.who} |" in text
    document = json.loads(
        run(
            "export", "--demo", wanted, "--format", "json", database=database, tmp_path=tmp_path
        ).stdout
    )
    assert document["answers"][0]["who"] == answered.who
    assert document["commits"] is not None
    assert "deploy" in document["stages"]
