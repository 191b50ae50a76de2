"""Stage spans from recorded causes, stage durations per service, batch size against failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from release_cockpit.domain.delivery import (
    batch_table,
    stage_durations,
    stage_spans,
)
from release_cockpit.domain.history import (
    ReleaseOutcome,
    ReleaseRecord,
    TimelineEvent,
    TimelineKind,
)
from release_cockpit.domain.stages import StageName, StageState

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def stage(name: str, state: str, minutes_ago: float, n: int = 0) -> TimelineEvent:
    at = NOW - timedelta(minutes=minutes_ago)
    return TimelineEvent(at, TimelineKind.STAGE, "any title", "", "", f"stage:{name}:{state}:{n}")


def test_a_stage_runs_from_its_first_running_event_to_its_last_settled_one():
    spans = stage_spans(
        [
            stage("build", "passed", 50),
            stage("build", "running", 60),
            stage("test", "running", 50),
            stage("test", "failed", 40),
            stage("test", "running", 35, 1),
            stage("test", "passed", 30, 1),
            stage("deploy", "running", 20),
        ]
    )
    assert spans[StageName.BUILD].seconds == 600
    assert spans[StageName.TEST].seconds == 1200  # the retry counts: the stage took that long
    assert spans[StageName.TEST].state is StageState.PASSED
    assert spans[StageName.DEPLOY].end is None  # still running


def test_titles_are_never_parsed_and_foreign_causes_are_ignored():
    events = [
        TimelineEvent(NOW, TimelineKind.STAGE, "Build running", "", "", ""),
        TimelineEvent(NOW, TimelineKind.STAGE, "Canary 20%", "", "", "step:1:20"),
        TimelineEvent(NOW, TimelineKind.STAGE, "x", "", "", "stage:nonsense:running:0"),
    ]
    assert stage_spans(events) == {}


def record(service: str, version: str, days_ago: float, **kw) -> ReleaseRecord:
    started = NOW - timedelta(days=days_ago)
    return ReleaseRecord(
        key=f"{service}-prod",
        service=service,
        team="t",
        environment="production",
        version=version,
        started_at=started,
        finished_at=started + timedelta(hours=1),
        outcome=kw.pop("outcome", ReleaseOutcome.SUCCEEDED),
        production=True,
        **kw,
    )


def test_stage_durations_name_the_slowest_stage_and_its_weekly_median():
    records = [record("api", f"1.{n}", 3 + n * 7) for n in range(3)]
    spans = {}
    for n, r in enumerate(records):
        base = 100 + n * 10
        spans[(r.key, r.version)] = stage_spans(
            [
                stage("build", "running", base),
                stage("build", "passed", base - 5),
                stage("test", "running", base - 5),
                stage("test", "passed", base - 25 - n),
            ]
        )
    [api] = stage_durations(records, spans, NOW, timedelta(days=30))
    assert api.slowest is StageName.TEST
    test = next(f for f in api.stages if f.stage is StageName.TEST)
    assert test.median_seconds == 21 * 60
    assert test.p90_seconds == 22 * 60
    assert test.samples == 3
    assert len(api.slowest_trend) == 5
    assert api.slowest_trend.count(None) == 2


def test_services_with_no_recorded_stage_are_left_out():
    assert stage_durations([record("api", "1", 1)], {}, NOW, timedelta(days=30)) == []


def test_batch_table_groups_by_commits_against_failure_and_restore():
    failed = {
        "outcome": ReleaseOutcome.ROLLED_BACK,
        "failed_at": NOW - timedelta(days=2),
        "restored_at": NOW - timedelta(days=2) + timedelta(minutes=30),
    }
    records = [
        record("api", "1", 5, commits=1),
        record("api", "2", 4, commits=2),
        record("api", "3", 2, commits=30, **failed),
        record("api", "4", 1, commits=20),
        record("api", "5", 1, pull_requests=4),  # commits unknown: pull requests count
        record("api", "6", 1),  # size unknown
    ]
    groups, unknown = batch_table(records, NOW, timedelta(days=30))
    by = {g.label: g for g in groups}
    assert (by["0-2"].releases, by["0-2"].failed, by["0-2"].failure_rate) == (2, 0, 0.0)
    assert by["3-5"].releases == 1
    assert (by["16-40"].releases, by["16-40"].failed) == (2, 1)
    assert by["16-40"].restore_median_seconds == 1800
    assert by["41+"].failure_rate is None
    assert unknown == 1
