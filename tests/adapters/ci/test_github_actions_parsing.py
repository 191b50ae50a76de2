"""GitHub Actions REST payloads read alone: runs, statuses, jobs and steps, compare."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.ci.github_actions_parsing import (
    map_status,
    parse_compare,
    parse_jobs,
    parse_runs,
)
from release_cockpit.domain import RunStatus
from release_cockpit.errors import BadResponse
from tests.support.adapters import load
from tests.support.github_payloads import run_payload


def test_parse_runs_reads_the_2020_shape_without_newer_fields():
    runs = parse_runs(load("github/actions-workflow-runs-list-success-failure.json"))
    assert [r.id for r in runs] == ["109950033", "109168419", "108934155", "108817672"]
    assert [r.status for r in runs] == [
        RunStatus.SUCCEEDED,
        RunStatus.SUCCEEDED,
        RunStatus.FAILED,
        RunStatus.SUCCEEDED,
    ]
    first = runs[0]
    assert first.ref == "master"
    assert first.version is None
    assert first.attempt == 1
    assert first.name == ""
    assert first.event == "push"
    assert first.created_at == datetime(2020, 5, 20, 2, 37, 57, tzinfo=UTC)


def test_parse_runs_reads_the_current_shape():
    (run,) = parse_runs(load("github/actions-workflow-runs-page1-link.json"))
    assert run.id == "3109327341"
    assert run.name == "test"
    assert run.title == "test"
    assert run.number == 3
    assert run.attempt == 1
    assert run.event == "workflow_dispatch"
    assert run.actor == "<GITHUB_LOGIN>"
    assert run.sha == "f5b9db8d4c16d5f3a0756a092eab03c690e91d96"
    assert run.started_at == datetime(2022, 9, 22, 23, 6, 16, tzinfo=UTC)
    assert run.url.endswith("/actions/runs/3109327341")


def test_parse_runs_maps_single_run_recordings():
    items = [
        load(f"github/actions-workflow-run-{name}.json")
        for name in ("in-progress", "completed-failure", "completed-success")
    ]
    runs = parse_runs({"total_count": 3, "workflow_runs": items})
    assert [r.status for r in runs] == [
        RunStatus.RUNNING,
        RunStatus.FAILED,
        RunStatus.SUCCEEDED,
    ]
    assert {r.actor for r in runs} == {"nuang-ee"}
    assert runs[0].title == "TEST PR"
    assert runs[0].ref == "feat/workflow-run"


def test_run_version_comes_from_a_release_tag_or_branch_only():
    payload = run_payload("v2.8.0", "hotfix/3.1.1", "main", "dependabot/pip/tensorflow-2.3.1")
    payload["workflow_runs"][2]["display_title"] = "Release 1.9.0"
    runs = parse_runs(payload)
    assert [r.version for r in runs] == ["2.8.0", "3.1.1", None, None]
    assert runs[0].version_problem == ""
    assert "'main' is not a release tag or branch" in runs[2].version_problem
    assert "'dependabot/pip/tensorflow-2.3.1'" in runs[3].version_problem


def test_run_actor_prefers_the_triggering_actor():
    payload = run_payload("v1.0.0")
    payload["workflow_runs"][0]["triggering_actor"] = {"login": "re-runner"}
    assert parse_runs(payload)[0].actor == "re-runner"


@pytest.mark.parametrize(
    ("status", "conclusion", "expected"),
    [
        ("queued", None, RunStatus.QUEUED),
        ("requested", None, RunStatus.QUEUED),
        ("pending", None, RunStatus.QUEUED),
        ("waiting", None, RunStatus.WAITING),
        ("in_progress", None, RunStatus.RUNNING),
        ("completed", "success", RunStatus.SUCCEEDED),
        ("completed", "failure", RunStatus.FAILED),
        ("completed", "timed_out", RunStatus.FAILED),
        ("completed", "startup_failure", RunStatus.FAILED),
        ("completed", "cancelled", RunStatus.CANCELLED),
        ("completed", "skipped", RunStatus.SKIPPED),
        ("completed", "neutral", RunStatus.SKIPPED),
        ("completed", "action_required", RunStatus.WAITING),
        ("completed", "stale", RunStatus.UNKNOWN),
        ("completed", None, RunStatus.UNKNOWN),
        ("completed", "brand_new_conclusion", RunStatus.UNKNOWN),
        ("brand_new_status", None, RunStatus.UNKNOWN),
        (None, "success", RunStatus.UNKNOWN),
        (3, None, RunStatus.UNKNOWN),
    ],
)
def test_map_status(status, conclusion, expected):
    assert map_status(status, conclusion) is expected


def test_parse_jobs_reads_recorded_jobs_and_steps():
    jobs = parse_jobs(load("github/actions-workflow-run-jobs-with-steps.json"))
    assert [j.name for j in jobs] == [
        "test (Python 3.7)",
        "test (Python 3.8)",
        "test (Python 3.9)",
        "test (Python 3.10)",
        "test (Python 3.11-dev)",
    ]
    first = jobs[0]
    assert first.id == "10545727758"
    assert first.status is RunStatus.SUCCEEDED
    assert first.url.startswith("https://github.com/")
    assert len(first.steps) == 9
    assert first.steps[0].name == "Set up job"
    assert first.steps[0].number == 1
    assert first.steps[0].started_at == datetime(2023, 1, 10, 8, 24, 27, tzinfo=UTC)
    assert first.failed_steps == ()


def test_parse_jobs_finds_the_failed_step():
    build, tests = parse_jobs(load("github/jobs-failed-step.json"))
    assert build.status is RunStatus.SUCCEEDED
    assert tests.status is RunStatus.FAILED
    assert [s.name for s in tests.failed_steps] == ["Run integration suite"]
    assert tests.steps[2].status is RunStatus.SKIPPED


def test_parse_compare_counts_prs_and_authors():
    change = parse_compare(load("github/compare-tags.json"), "2.7.0", "2.8.0")
    assert (change.base, change.head, change.commits) == ("2.7.0", "2.8.0", 4)
    assert change.pull_requests == (123, 120)
    assert change.authors == ("dana", "sortiz", "Kim Park")
    assert change.first_commit_at == datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
    assert change.url == "https://github.com/acme/checkout/compare/v2.7.0...v2.8.0"


@pytest.mark.parametrize(
    ("parser", "payload"),
    [(parse_runs, {"total_count": 0}), (parse_jobs, []), (parse_runs, "nope")],
)
def test_wrong_shapes_are_bad_responses(parser, payload):
    with pytest.raises(BadResponse):
        parser(payload)


def test_job_names_are_cleaned_of_escape_sequences():
    payload = load("github/jobs-failed-step.json")
    payload["jobs"][0]["name"] = "build \x1b[2J\x1b]0;pwned\x07"
    assert parse_jobs(payload)[0].name == "build [2J]0;pwned"
