"""GitLab CI parsing: documented REST payloads, the GraphQL batch, statuses, actions, history.

Payloads come from tests/fixtures/gitlab (see SOURCES.md there). Statuses the documentation
examples do not show are derived in ``relabelled_*`` helpers by changing one field of a
documented payload; SOURCES.md lists each derivation.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from release_cockpit.adapters.ci.gitlab_parsing import (
    MAX_FULL_PATHS,
    PIPELINES_QUERY,
    DeploymentStatus,
    GitLabAction,
    GitLabStatus,
    action_offers,
    cancel_pipeline,
    deployment_records,
    error_text,
    full_path_batches,
    gid_number,
    latest_attempts,
    map_status,
    parse_deployments,
    parse_environment,
    parse_environments,
    parse_job_single,
    parse_jobs,
    parse_pipeline_single,
    parse_pipelines,
    parse_pipelines_graphql,
    parse_rate_limit,
    pipelines_request,
    play_job,
    project_ref,
    retry_job,
    retry_pipeline,
    roll_up,
    stages,
    to_ci_job,
    to_ci_run,
    with_jobs,
)
from release_cockpit.domain.ci import RunStatus
from release_cockpit.domain.history import ReleaseOutcome
from release_cockpit.domain.stage_rules import ci_stage
from release_cockpit.domain.stages import StageName, StageState
from release_cockpit.errors import BadResponse
from tests.support.adapters import load

BASE = "https://gitlab.example.com"
REQUESTED = ["shop/checkout", "shop/payments", "shop/missing"]


def pipeline_payload(**changes) -> dict:
    """The documented single pipeline with fields changed."""
    item = copy.deepcopy(load("gitlab/pipeline-single-success.json"))
    item.update(changes)
    return item


def job_payload(**changes) -> dict:
    """The documented single job (``rubocop``, failed) with fields changed."""
    item = copy.deepcopy(load("gitlab/job-single-failed.json"))
    item.update(changes)
    return item


def graphql() -> dict:
    return copy.deepcopy(load("gitlab/graphql-projects-pipelines-written.json"))


def cockpit_test_stage(jobs) -> StageState:
    run = to_ci_run(with_jobs(parse_pipeline_single(pipeline_payload()), jobs))
    return ci_stage(StageName.TEST, ["*"], run, configured=True, have_data=True).state


# -- statuses ----------------------------------------------------------------------------

ALL_STATUSES = [
    ("created", RunStatus.QUEUED),
    ("waiting_for_resource", RunStatus.QUEUED),
    ("preparing", RunStatus.QUEUED),
    ("pending", RunStatus.QUEUED),
    ("running", RunStatus.RUNNING),
    ("success", RunStatus.SUCCEEDED),
    ("failed", RunStatus.FAILED),
    ("canceled", RunStatus.CANCELLED),
    ("skipped", RunStatus.SKIPPED),
    ("manual", RunStatus.WAITING),
    ("scheduled", RunStatus.QUEUED),
    ("canceling", RunStatus.RUNNING),
    ("waiting_for_callback", RunStatus.RUNNING),
]


@pytest.mark.parametrize(("status", "expected"), ALL_STATUSES)
def test_every_pipeline_status_on_the_documented_pipeline(status, expected):
    pipeline = parse_pipeline_single(pipeline_payload(status=status))
    assert to_ci_run(pipeline).status is expected


@pytest.mark.parametrize(("status", "expected"), ALL_STATUSES)
def test_every_job_status_on_the_documented_job(status, expected):
    job = parse_job_single(job_payload(status=status))
    assert job.status is GitLabStatus(status)
    assert to_ci_job(job).status is expected


@pytest.mark.parametrize(("status", "expected"), ALL_STATUSES)
def test_graphql_upper_case_statuses(status, expected):
    assert map_status(status.upper()) is expected


@pytest.mark.parametrize("value", [None, "", "bogus", 7, ["failed"], {"status": "success"}])
def test_unknown_statuses_never_read_as_success(value):
    assert map_status(value) is RunStatus.UNKNOWN
    job = parse_job_single(job_payload(status=value))
    assert to_ci_job(job).status is RunStatus.UNKNOWN


def test_a_job_without_status_is_unknown_not_passed():
    item = job_payload()
    del item["status"]
    assert to_ci_job(parse_job_single(item)).status is RunStatus.UNKNOWN


# -- GitLab's roll-up (Composite) --------------------------------------------------------

S = GitLabStatus


@pytest.mark.parametrize(
    ("items", "expected", "warnings"),
    [
        ([(S.SUCCESS, False), (S.SKIPPED, False)], S.SUCCESS, False),
        ([(S.SUCCESS, False), (S.FAILED, True)], S.SUCCESS, True),
        ([(S.SUCCESS, False), (S.CANCELED, True)], S.SUCCESS, True),
        ([(S.SUCCESS, False), (S.MANUAL, True)], S.SUCCESS, False),
        ([(S.SUCCESS, False), (S.MANUAL, False)], S.MANUAL, False),
        ([(S.MANUAL, True)], S.SKIPPED, False),
        ([(S.FAILED, False), (S.SUCCESS, False)], S.FAILED, False),
        ([(S.FAILED, False), (S.RUNNING, False)], S.RUNNING, False),
        ([(S.CANCELED, False), (S.SUCCESS, False)], S.CANCELED, False),
        ([(S.PENDING, False), (S.CREATED, False)], S.PENDING, False),
        ([(S.CREATED, False), (S.SUCCESS, False)], S.RUNNING, False),
        ([(S.WAITING_FOR_RESOURCE, False), (S.SUCCESS, False)], S.WAITING_FOR_RESOURCE, False),
        ([(S.SCHEDULED, False), (S.SUCCESS, False)], S.SCHEDULED, False),
        ([(S.CANCELING, False), (S.SUCCESS, False)], S.RUNNING, False),
        ([(S.UNKNOWN, False), (S.SUCCESS, False)], S.UNKNOWN, False),
    ],
)
def test_roll_up_follows_gitlab_composite(items, expected, warnings):
    rolled = roll_up(items)
    assert rolled is not None
    assert (rolled.status, rolled.warnings) == (expected, warnings)


def test_roll_up_of_nothing_is_none():
    assert roll_up([]) is None


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


# -- GraphQL -----------------------------------------------------------------------------


def test_graphql_request_batches_projects():
    body = pipelines_request(["shop/checkout", "/shop/payments/"], pipelines=3, jobs=500)
    assert body["query"] == PIPELINES_QUERY
    assert body["variables"] == {
        "fullPaths": ["shop/checkout", "shop/payments"],
        "projects": 2,
        "pipelines": 3,
        "jobs": 100,
    }
    assert "projects(fullPaths: $fullPaths, first: $projects)" in PIPELINES_QUERY
    assert "jobs(first: $jobs, retried: false)" in PIPELINES_QUERY
    with pytest.raises(ValueError, match="at most 50"):
        pipelines_request([f"g/p{i}" for i in range(MAX_FULL_PATHS + 1)])


def test_full_paths_are_deduplicated_and_batched_by_fifty():
    paths = [f"g/p{i}" for i in range(120)] + ["G/P0", " g/p1 ", ""]
    batches = full_path_batches(paths)
    assert [len(b) for b in batches] == [50, 50, 20]
    assert batches[0][:2] == ["g/p0", "g/p1"]


def test_graphql_answer_gives_pipelines_per_project():
    answer = parse_pipelines_graphql(graphql(), REQUESTED, base_url=BASE)
    assert (answer.complexity, answer.complexity_limit, answer.errors) == (87, 250, ())
    checkout = answer.projects["shop/checkout"]
    assert checkout.problem == ""
    release, older = checkout.pipelines
    assert (release.id, release.iid, release.status) == (812, 57, S.MANUAL)
    assert release.tag is True
    assert release.version.version == "2.4.0"
    assert release.web_url == f"{BASE}/shop/checkout/-/pipelines/812"
    assert release.warnings
    assert release.user == "alice"
    run = to_ci_run(release)
    assert run.status is RunStatus.WAITING
    assert [(j.name, j.status) for j in run.jobs] == [
        ("build", RunStatus.SUCCEEDED),
        ("unit-tests", RunStatus.SUCCEEDED),
        ("lint", RunStatus.SUCCEEDED),  # failed, allow_failure
        ("performance-check", RunStatus.SKIPPED),  # optional manual
        ("deploy-production", RunStatus.WAITING),  # blocking manual
    ]
    assert run.jobs[2].failed_steps[0].name.startswith("failed, allowed to fail")
    assert run.jobs[0].url == f"{BASE}/shop/checkout/-/jobs/9101"
    assert [(s.name, s.status, s.warnings) for s in stages(release.jobs)] == [
        ("build", S.SUCCESS, False),
        ("test", S.SUCCESS, True),
        ("deploy", S.MANUAL, False),
    ]
    assert older.tag is False
    assert older.name == ""
    assert to_ci_run(older).name == "pipeline"
    payments = answer.projects["shop/payments"].pipelines[0]
    assert to_ci_run(payments).status is RunStatus.QUEUED
    assert payments.version.version == "1.9.2"
    assert payments.version.source == "branch"


def test_a_project_the_token_cannot_see_is_reported_not_empty():
    missing = parse_pipelines_graphql(graphql(), REQUESTED).projects["shop/missing"]
    assert missing.pipelines == ()
    assert missing.problem.startswith("not visible")


def test_graphql_partial_data_charges_errors_to_their_project():
    payload = graphql()
    payload["data"]["projects"]["nodes"][1]["pipelines"] = None
    payload["errors"] = [
        {
            "message": "Timeout on Project.pipelines",
            "locations": [{"line": 6, "column": 7}],
            "path": ["projects", "nodes", 1, "pipelines"],
        },
        {"message": "Something else", "locations": [{"line": 1, "column": 1}]},
    ]
    answer = parse_pipelines_graphql(payload, REQUESTED)
    assert answer.projects["shop/payments"].problem == (
        "GitLab reported an error: Timeout on Project.pipelines"
    )
    assert answer.projects["shop/payments"].pipelines == ()
    assert len(answer.projects["shop/checkout"].pipelines) == 2
    assert answer.errors == ("Something else",)


@pytest.mark.parametrize(
    "payload",
    [
        {"errors": [{"message": "Query has complexity of 301, which exceeds max of 250"}]},
        {"data": None, "errors": [{"message": "Invalid token"}]},
        {"data": {"projects": None}},
    ],
)
def test_a_failed_graphql_query_is_a_bad_response_with_gitlab_words(payload):
    with pytest.raises(BadResponse) as caught:
        parse_pipelines_graphql(payload, REQUESTED)
    for error in payload.get("errors", []):
        assert error["message"] in caught.value.message


def test_graphql_nodes_of_the_wrong_shape_are_skipped():
    payload = graphql()
    nodes = payload["data"]["projects"]["nodes"]
    nodes[0]["pipelines"]["nodes"][0]["jobs"]["nodes"].append({"id": "gid://gitlab/x"})
    nodes[0]["pipelines"]["nodes"].append("junk")
    nodes.append({"fullPath": None})
    answer = parse_pipelines_graphql(payload, REQUESTED)
    assert len(answer.projects["shop/checkout"].pipelines) == 2
    assert len(answer.projects["shop/checkout"].pipelines[0].jobs) == 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gid://gitlab/Ci::Pipeline/123", 123),
        ("gid://gitlab/Ci::Build/9", 9),
        ("42", 42),
        ("gid://gitlab/Ci::Pipeline/abc", None),
        (None, None),
    ],
)
def test_global_ids(value, expected):
    assert gid_number(value) == expected


# -- control actions ---------------------------------------------------------------------


def failing_pipeline():
    jobs = parse_jobs(load("gitlab/pipeline-jobs.json"))
    return with_jobs(parse_pipeline_single(pipeline_payload(id=46, iid=11, status="failed")), jobs)


def test_retry_pipeline_request_and_effect():
    request = retry_pipeline("shop/checkout", failing_pipeline())
    assert (request.kind, request.method) == (GitLabAction.RETRY_PIPELINE, "POST")
    assert request.path == "/projects/shop%2Fcheckout/pipelines/46/retry"
    assert request.title == "Retry pipeline #11"
    assert "re-runs the failed and canceled jobs (rspec:other, teaspoon)" in request.effect
    assert "jobs that passed are not run again" in request.effect
    assert "nothing happens" in request.effect


def test_cancel_pipeline_request_and_effect():
    running = with_jobs(
        parse_pipeline_single(pipeline_payload(status="running")),
        [parse_job_single(job_payload(status="running"))],
    )
    request = cancel_pipeline(1, running)
    assert request.path == "/projects/1/pipelines/287/cancel"
    assert "(rubocop)" in request.effect
    assert "re-reads the pipeline" in request.effect


def test_play_manual_job_request_and_effect():
    job = parse_job_single(job_payload(status="manual", name="deploy-prod", stage="deploy"))
    pipeline = parse_pipeline_single(pipeline_payload(status="manual"))
    request = play_job(21, pipeline, job, {"TARGET": "eu"})
    assert request.path == "/projects/21/jobs/8/play"
    assert request.json_body == {"job_variables_attributes": [{"key": "TARGET", "value": "eu"}]}
    assert "starts manual job 'deploy-prod' (stage deploy)" in request.effect
    assert "later stages run once it passes" in request.effect
    assert play_job(21, pipeline, job).json_body is None


def test_retry_job_request_and_effect():
    job = parse_job_single(load("gitlab/job-single-failed.json"))
    request = retry_job("foo/bar", failing_pipeline(), job)
    assert request.path == "/projects/foo%2Fbar/jobs/8/retry"
    assert "new job id" in request.effect
    assert "attempt 8 keeps its result (failed)" in request.effect


def test_offers_put_the_blocking_manual_job_first_and_explain_the_rest():
    release = parse_pipelines_graphql(graphql(), REQUESTED).projects["shop/checkout"].pipelines[0]
    offers = action_offers("shop/checkout", release)
    kinds = [(o.request.kind, o.request.title, o.applies) for o in offers]
    assert kinds[:2] == [
        (GitLabAction.PLAY_JOB, "Play job deploy-production", True),
        (GitLabAction.PLAY_JOB, "Play job performance-check", True),
    ]
    retry = next(o for o in offers if o.request.kind is GitLabAction.RETRY_PIPELINE)
    assert retry.applies  # lint failed (allowed): a retry re-runs it
    cancel = next(o for o in offers if o.request.kind is GitLabAction.CANCEL_PIPELINE)
    assert cancel.unavailable == "pipeline #57 has no job left to cancel"


def test_nothing_to_retry_on_a_passed_pipeline():
    passed = with_jobs(
        parse_pipeline_single(pipeline_payload()),
        [parse_job_single(job_payload(status="success"))],
    )
    offers = {o.request.kind: o for o in action_offers(1, passed)}
    assert offers[GitLabAction.RETRY_PIPELINE].unavailable == (
        "no job of pipeline #144 failed or was canceled"
    )
    assert not offers[GitLabAction.CANCEL_PIPELINE].applies
    assert GitLabAction.RETRY_JOB not in offers


def test_project_refs():
    assert project_ref("group/sub/project") == "group%2Fsub%2Fproject"
    assert project_ref(42) == "42"


# -- deployments, environments, history --------------------------------------------------


def deployment_item(ident: int, sha: str, status: str, finished: str, created: str) -> dict:
    item = copy.deepcopy(load("gitlab/deployments-list.json")[0])
    item.update(
        id=ident, iid=ident, sha=sha, status=status, created_at=created, updated_at=finished
    )
    item["deployable"]["finished_at"] = finished
    return item


def test_documented_deployments():
    first, second = parse_deployments(load("gitlab/deployments-list.json"))
    assert (first.id, first.status, first.environment) == (
        41,
        DeploymentStatus.CREATED,
        "production",
    )
    assert first.job_status is S.SUCCESS  # the job passed; the deployment says created
    assert first.commit_at == datetime(2016, 8, 11, 7, 36, 1, tzinfo=UTC)
    assert first.finished_at == datetime(2016, 8, 11, 7, 36, 39, 851000, tzinfo=UTC)
    records = deployment_records([first, second], key="bar", service="bar")
    assert [r.outcome for r in records] == [ReleaseOutcome.IN_PROGRESS] * 2
    assert all(r.production and r.source == "gitlab-deployments" for r in records)


def test_deployment_history_gives_dora_inputs_and_rollbacks():
    a, b = "a" * 40, "b" * 40
    items = [
        deployment_item(1, a, "success", "2026-11-01T10:10:00Z", "2026-11-01T10:00:00Z"),
        deployment_item(2, b, "failed", "2026-11-02T10:10:00Z", "2026-11-02T10:00:00Z"),
        deployment_item(3, b, "success", "2026-11-03T10:10:00Z", "2026-11-03T10:00:00Z"),
        deployment_item(4, a, "success", "2026-11-04T10:10:00Z", "2026-11-04T10:00:00Z"),
        deployment_item(5, a, "canceled", "2026-11-05T10:10:00Z", "2026-11-05T10:00:00Z"),
        deployment_item(6, a, "skipped", "2026-11-06T10:10:00Z", "2026-11-06T10:00:00Z"),
        deployment_item(7, a, "mystery", "2026-11-07T10:10:00Z", "2026-11-07T10:00:00Z"),
        deployment_item(8, b, "blocked", "2026-11-08T10:10:00Z", "2026-11-08T10:00:00Z"),
    ]
    records = deployment_records(parse_deployments(items), key="checkout", service="checkout")
    assert [r.outcome for r in records] == [
        ReleaseOutcome.SUCCEEDED,
        ReleaseOutcome.FAILED,
        ReleaseOutcome.ROLLED_BACK,  # #4 redeployed sha a
        ReleaseOutcome.SUCCEEDED,
        ReleaseOutcome.ABORTED,
        ReleaseOutcome.IN_PROGRESS,  # blocked: waiting for approval
    ]
    first = records[0]
    assert first.deployed_at == datetime(2026, 11, 1, 10, 10, tzinfo=UTC)
    assert first.first_commit_at == datetime(2016, 8, 11, 7, 36, 1, tzinfo=UTC)
    assert first.lead_time is not None
    assert first.lead_time > timedelta(days=3000)
    assert records[1].restored_at == datetime(2026, 11, 3, 10, 10, tzinfo=UTC)
    assert records[2].restored_at == datetime(2026, 11, 4, 10, 10, tzinfo=UTC)


def test_documented_environments():
    (environment,) = parse_environments(load("gitlab/environments-list.json"))
    assert (environment.name, environment.state, environment.tier) == (
        "review/fix-foo",
        "available",
        "development",
    )
    assert environment.last_deployment is None
    assert not environment.production
    single = parse_environment(load("gitlab/environment-single-last-deployment.json"))
    last = single.last_deployment
    assert last is not None
    assert (last.id, last.status, last.environment, last.sha[:7]) == (
        100,
        DeploymentStatus.SUCCESS,
        "review/fix-foo",
        "416d8ea",
    )
    assert last.commit_at == datetime(2016, 1, 2, 15, 39, 18, tzinfo=UTC)  # authored_date
    (record,) = deployment_records([last], key="app", service="app", production=single.production)
    assert record.outcome is ReleaseOutcome.SUCCEEDED
    assert not record.production
    assert record.deployed_at == datetime(2019, 3, 25, 18, 55, 13, 216000, tzinfo=UTC)


# -- errors and rate limits --------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"message": "404 Project Not Found"}, "404 Project Not Found"),
        ({"message": {"ref": ["is empty"], "base": ["must exist", "bad"]}}, None),
        (
            {"error": "insufficient_scope", "error_description": "The request requires higher"},
            "insufficient_scope: The request requires higher",
        ),
        ({"error": "404 Not Found"}, "404 Not Found"),
        ({"errors": [{"message": "Invalid token"}]}, "Invalid token"),
        ({"message": "bad\x1b[31m red\u202e"}, "bad[31m red"),
        ([1, 2], ""),
        (None, ""),
    ],
)
def test_error_text(payload, expected):
    text = error_text(payload)
    if expected is None:
        assert text == "ref is empty; base must exist, bad"
    else:
        assert text == expected


def test_rate_limit_headers_case_insensitive():
    headers = {
        "ratelimit-limit": "600",
        "RateLimit-Observed": "6",
        "RATELIMIT-REMAINING": "594",
        "RateLimit-Reset": "1563325137",
        "RateLimit-ResetTime": "Wed, 17 Jul 2019 00:58:57 GMT",
    }
    limit = parse_rate_limit(headers, now=1563325000.0)
    assert (limit.limit, limit.observed, limit.remaining) == (600, 6, 594)
    assert limit.reset_at == 1563325137.0
    assert limit.retry_after is None
    assert limit.known


def test_rate_limit_reset_time_and_retry_after():
    now = datetime(2019, 7, 17, 0, 58, 0, tzinfo=UTC).timestamp()
    limit = parse_rate_limit(
        {"RateLimit-ResetTime": "Wed, 17 Jul 2019 00:58:57 GMT", "Retry-After": "57"}, now
    )
    assert limit.reset_at == pytest.approx(now + 57)
    assert limit.retry_after == 57.0
    assert limit.remaining is None


def test_missing_rate_limit_headers_are_unknown_not_plenty():
    limit = parse_rate_limit({"Content-Type": "application/json", "RateLimit-Limit": "x"}, 0.0)
    assert not limit.known
    assert limit.remaining is None
