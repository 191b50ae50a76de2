"""GitLab REST pipelines and jobs: documented payloads, versions, allowed failures,
manual jobs, retried attempts, broken items.

Payloads come from tests/fixtures/gitlab (see SOURCES.md there).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.ci.gitlab_rest import (
    latest_attempts,
    parse_job_single,
    parse_jobs,
    parse_pipeline_single,
    parse_pipelines,
    stages,
    to_ci_job,
    to_ci_run,
    with_jobs,
)
from release_cockpit.adapters.ci.gitlab_status import GitLabStatus
from release_cockpit.domain.ci import RunStatus
from release_cockpit.domain.stages import StageState
from release_cockpit.errors import BadResponse
from tests.support.adapters import load
from tests.support.gitlab_payloads import (
    cockpit_test_stage,
    job_payload,
    pipeline_payload,
)

S = GitLabStatus


# -- REST pipelines and jobs -------------------------------------------------------------


def test_documented_pipeline_list():
    first, second = parse_pipelines(load("gitlab/pipelines-list.json"), project="foo/bar")
    assert (first.id, first.iid, first.project) == (47, 12, "foo/bar")
    assert first.status is GitLabStatus.PENDING
    assert first.tag is None  # list items do not say
    assert first.source == "push"
    assert second.source == "web"
    assert first.web_url == "https://example.com/foo/bar/pipelines/47"
    assert first.created_at == datetime(2016, 8, 11, 11, 28, 34, 85000, tzinfo=UTC)
    run = to_ci_run(first)
    assert (run.id, run.number, run.status) == ("47", 12, RunStatus.QUEUED)
    assert run.version is None
    assert first.version.reason == (
        "version unknown: ref 'new-pipeline' is not a release tag or branch "
        "(expected e.g. v1.2.3 or release/1.2.3)"
    )


def test_documented_single_pipeline():
    pipeline = parse_pipeline_single(load("gitlab/pipeline-single-success.json"), "test/p")
    assert pipeline.status is GitLabStatus.SUCCESS
    assert pipeline.tag is False
    assert (pipeline.user, pipeline.duration) == ("root", 34.0)
    assert pipeline.started_at == datetime(2022, 9, 21, 1, 5, 14, 197000, tzinfo=UTC)
    assert not pipeline.warnings
    run = to_ci_run(pipeline)
    assert (run.status, run.ref, run.actor, run.name) == (
        RunStatus.SUCCEEDED,
        "main",
        "root",
        "Build pipeline",
    )
    assert "branch 'main' is not a release tag or branch" in pipeline.version.reason


@pytest.mark.parametrize(
    ("ref", "tag", "version", "source"),
    [
        ("v1.4.0", True, "1.4.0", "tag"),
        ("release/2.0.1", False, "2.0.1", "branch"),
        ("v3.0.0-rc.1", True, "3.0.0-rc.1", "tag"),
    ],
)
def test_version_from_tag_or_release_branch(ref, tag, version, source):
    pipeline = parse_pipeline_single(pipeline_payload(ref=ref, tag=tag))
    assert pipeline.version.version == version
    assert pipeline.version.source == source
    assert to_ci_run(pipeline).version == version


def test_merge_request_ref_has_no_version_and_says_why():
    pipeline = parse_pipeline_single(pipeline_payload(ref="refs/merge-requests/14/head"))
    assert pipeline.version.version is None
    assert "refs/merge-requests/14/head" in pipeline.version.reason


def test_success_with_warnings_group_is_kept():
    payload = pipeline_payload()
    payload["detailed_status"]["group"] = "success-with-warnings"
    assert parse_pipeline_single(payload).warnings


def test_retry_answer_is_a_pending_pipeline():
    pipeline = parse_pipeline_single(load("gitlab/pipeline-retry-pending.json"))
    assert to_ci_run(pipeline).status is RunStatus.QUEUED
    assert pipeline.started_at is None
    assert pipeline.duration is None


def test_documented_pipeline_jobs():
    jobs = parse_jobs(load("gitlab/pipeline-jobs.json"))
    assert [(j.id, j.name, j.stage, j.failure_reason) for j in jobs] == [
        (6, "rspec:other", "test", "stuck_or_timeout_failure"),
        (7, "teaspoon", "test", "script_failure"),
    ]
    assert not any(j.retried for j in jobs)
    assert jobs[0].duration == pytest.approx(0.192)
    assert jobs[0].pipeline_id == 6
    assert jobs[0].user == "root"
    (test,) = stages(jobs)
    assert (test.name, test.status, test.run_status) == ("test", S.FAILED, RunStatus.FAILED)
    assert cockpit_test_stage(jobs) is StageState.FAILED


def test_documented_single_job():
    job = parse_job_single(load("gitlab/job-single-failed.json"))
    assert (job.id, job.name, job.status, job.failure_reason) == (8, "rubocop", S.FAILED, "")
    assert job.web_url == "https://example.com/foo/bar/-/jobs/8"
    ci = to_ci_job(job)
    assert (ci.status, ci.url, ci.steps) == (RunStatus.FAILED, job.web_url, ())


def test_allowed_failure_does_not_fail_the_stage_but_stays_visible():
    payload = load("gitlab/pipeline-jobs.json")
    payload[1]["allow_failure"] = True  # teaspoon failed, allowed to fail
    payload[0]["status"] = "success"
    jobs = parse_jobs(payload)
    teaspoon = next(j for j in jobs if j.name == "teaspoon")
    assert teaspoon.allowed_failure
    assert teaspoon.status is S.FAILED
    ci = to_ci_job(teaspoon)
    assert ci.status is RunStatus.SUCCEEDED
    (step,) = ci.failed_steps
    assert step.name == "failed, allowed to fail (script_failure)"
    (test,) = stages(jobs)
    assert (test.status, test.warnings) == (S.SUCCESS, True)
    assert cockpit_test_stage(jobs) is StageState.PASSED


def test_allowed_cancel_counts_as_passed_with_warnings():
    job = parse_job_single(job_payload(status="canceled", allow_failure=True))
    ci = to_ci_job(job)
    assert ci.status is RunStatus.SUCCEEDED
    assert [s.status for s in ci.steps] == [RunStatus.CANCELLED]


def test_blocking_manual_job_waits_for_a_human():
    job = parse_job_single(job_payload(status="manual", allow_failure=False, name="deploy"))
    assert job.manual
    assert job.blocking
    assert to_ci_job(job).status is RunStatus.WAITING
    assert cockpit_test_stage([job]) is StageState.WAITING
    pipeline = parse_pipeline_single(pipeline_payload(status="manual"))
    assert to_ci_run(pipeline).status is RunStatus.WAITING


def test_optional_manual_job_blocks_nothing():
    done = parse_job_single(job_payload(status="success", id=7, name="build"))
    optional = parse_job_single(job_payload(status="manual", allow_failure=True, id=8))
    assert optional.manual
    assert not optional.blocking
    assert to_ci_job(optional).status is RunStatus.SKIPPED
    assert cockpit_test_stage([done, optional]) is StageState.PASSED


def test_retried_attempts_are_marked_and_left_out():
    payload = load("gitlab/pipeline-jobs.json")
    newer = copy.deepcopy(payload[1])
    newer.update(id=10, status="success", failure_reason=None)
    jobs = parse_jobs([newer, *payload])  # include_retried=true lists every attempt
    assert [(j.id, j.retried) for j in jobs] == [(10, False), (6, False), (7, True)]
    pipeline = with_jobs(parse_pipeline_single(pipeline_payload()), jobs)
    assert [j.id for j in to_ci_run(pipeline).jobs] == ["6", "10"]
    (test,) = stages(jobs)
    assert test.jobs == ("rspec:other", "teaspoon")
    assert latest_attempts(jobs) == jobs  # idempotent


def test_stages_come_in_job_id_order():
    build = parse_job_single(job_payload(id=1, stage="build", name="compile", status="success"))
    test = parse_job_single(job_payload(id=5, stage="test", name="unit", status="running"))
    deploy = parse_job_single(job_payload(id=9, stage="deploy", name="prod", status="created"))
    rolled = stages([deploy, test, build])
    assert [(s.name, s.status) for s in rolled] == [
        ("build", S.SUCCESS),
        ("test", S.RUNNING),
        ("deploy", S.CREATED),
    ]


def test_broken_items_never_crash_and_never_pass():
    items = [None, 1, "x", {"id": "abc"}, {"id": 5, "status": 7, "created_at": "nope"}]
    (pipeline,) = parse_pipelines(items)
    assert pipeline.status is S.UNKNOWN
    assert pipeline.created_at is None
    assert to_ci_run(pipeline).status is RunStatus.UNKNOWN
    job = parse_job_single({"id": 3, "duration": float("nan"), "allow_failure": "true"})
    assert job.duration is None
    assert not job.allow_failure
    assert parse_jobs([{"name": "no id"}]) == ()


@pytest.mark.parametrize("payload", [{}, "text", None, 3])
def test_a_list_endpoint_that_answers_no_list_is_a_bad_response(payload):
    with pytest.raises(BadResponse):
        parse_pipelines(payload)
    with pytest.raises(BadResponse):
        parse_jobs(payload)


def test_a_single_endpoint_without_an_id_is_a_bad_response():
    with pytest.raises(BadResponse):
        parse_pipeline_single({"status": "success"})
    with pytest.raises(BadResponse):
        parse_job_single([])
