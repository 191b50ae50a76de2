"""GitLab control actions: the exact request and the effect text of each, the offers."""

from __future__ import annotations

from release_cockpit.adapters.ci.gitlab_actions import (
    GitLabAction,
    action_offers,
    cancel_pipeline,
    play_job,
    retry_job,
    retry_pipeline,
)
from release_cockpit.adapters.ci.gitlab_graphql import (
    parse_pipelines_graphql,
)
from release_cockpit.adapters.ci.gitlab_rest import (
    parse_job_single,
    parse_jobs,
    parse_pipeline_single,
    project_ref,
    with_jobs,
)
from tests.support.adapters import load
from tests.support.gitlab_payloads import (
    REQUESTED,
    graphql,
    job_payload,
    pipeline_payload,
)

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
