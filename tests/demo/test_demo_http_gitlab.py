"""The GitLab endpoints over real HTTP on loopback, and the GitLab adapter against them:
the GraphQL batch, REST with ETags, and a manual job, a retry and a cancel the world
reacts to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.ci.gitlab import GitLab
from release_cockpit.adapters.ci.gitlab_graphql import pipelines_request
from release_cockpit.domain import Action, ReleaseLine, RunStatus, Target
from release_cockpit.domain.history import ReleaseOutcome
from release_cockpit.errors import ActionFailed
from release_cockpit_demo import DemoServer
from release_cockpit_demo.line import GATE_SECONDS
from release_cockpit_demo.release_lines import CI_FAMILIES
from release_cockpit_demo.scenarios import CIFamily
from release_cockpit_demo.world import Stage
from tests.support.demo_clock import FakeClock

BILLING = Target.of(project="acme/billing")
GRAPHQL = "/gitlab/api/graphql"


@pytest.fixture
def named(clock: FakeClock) -> Iterator[DemoServer]:
    """The named world with its GitLab and Jenkins lines."""
    with DemoServer(clock=clock, families=CI_FAMILIES) as demo:
        yield demo


@pytest.fixture
def http(named: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=named.url, timeout=5, verify=False) as client:
        yield client


def gitlab(server: DemoServer) -> GitLab:
    settings = BackendSettings("gitlab", "gitlab", f"{server.url}/gitlab", verify_tls=False)
    return GitLab(settings)


def newest(http: httpx.Client) -> dict:
    body = pipelines_request(["acme/billing"])
    (project,) = http.post(GRAPHQL, json=body).json()["data"]["projects"]["nodes"]
    return project["pipelines"]["nodes"][0]


def test_graphql_answers_the_cockpits_query_per_project(http: httpx.Client):
    body = pipelines_request(["acme/billing", "acme/missing", "acme/checkout"], pipelines=2)
    answer = http.post(GRAPHQL, json=body).json()
    (project,) = answer["data"]["projects"]["nodes"]  # GitHub's checkout is not on GitLab
    assert project["fullPath"] == "acme/billing"
    release, previous = project["pipelines"]["nodes"]
    assert (release["status"], release["refPath"]) == ("MANUAL", "refs/tags/v3.5.0")
    jobs = {j["name"]: j["status"] for j in release["jobs"]["nodes"]}
    assert jobs == {
        "build": "SUCCESS",
        "unit-tests": "SUCCESS",
        "integration-tests": "SUCCESS",
        "smoke-tests": "SUCCESS",
        "deploy-production": "MANUAL",
    }
    assert release["path"] == f"/gitlab/acme/billing/-/pipelines/{release['id'].rsplit('/', 1)[1]}"
    assert previous["status"] == "SUCCESS"


def test_more_than_fifty_paths_is_gitlabs_error_inside_http_200(http: httpx.Client):
    body: dict[str, Any] = pipelines_request([f"acme/p{i}" for i in range(50)])
    body["variables"]["fullPaths"].append("acme/p50")
    response = http.post(GRAPHQL, json=body)
    assert response.status_code == 200
    assert response.json()["data"]["projects"] is None
    assert "more than 50 full paths" in response.json()["errors"][0]["message"]


def test_rest_pipeline_and_jobs_have_etags(http: httpx.Client, clock: FakeClock):
    ident = newest(http)["id"].rsplit("/", 1)[1]
    path = f"/gitlab/api/v4/projects/acme%2Fbilling/pipelines/{ident}"
    first = http.get(path)
    assert first.json()["status"] == "manual"
    assert first.json()["detailed_status"]["group"] == "manual"
    again = http.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    jobs = http.get(f"{path}/jobs").json()
    assert jobs[0]["name"] == "deploy-production"  # newest id first
    assert http.get("/gitlab/api/v4/projects/acme%2Fnope").json() == {
        "message": "404 Project Not Found"
    }


def test_playing_the_manual_job_deploys_and_a_second_play_is_refused(
    http: httpx.Client, named: DemoServer, clock: FakeClock
):
    pipeline = newest(http)
    gate = next(j for j in pipeline["jobs"]["nodes"] if j["name"] == "deploy-production")
    job = gate["id"].rsplit("/", 1)[1]
    played = http.post(f"/gitlab/api/v4/projects/acme%2Fbilling/jobs/{job}/play")
    assert (played.status_code, played.json()["status"]) == (200, "pending")
    again = http.post(f"/gitlab/api/v4/projects/acme%2Fbilling/jobs/{job}/play")
    assert again.status_code == 400
    assert again.json() == {"message": "400 Bad request - Unplayable Job"}
    clock.advance(GATE_SECONDS + 3)
    assert newest(http)["status"] == "SUCCESS"
    named.world.advance()
    assert named.world.line("billing").stage is Stage.STEPPING  # the canary started


def test_cancel_of_a_pipeline_blocked_on_a_manual_job_changes_nothing(http: httpx.Client):
    ident = newest(http)["id"].rsplit("/", 1)[1]
    answer = http.post(f"/gitlab/api/v4/projects/acme%2Fbilling/pipelines/{ident}/cancel")
    assert (answer.status_code, answer.json()["status"]) == (201, "manual")


async def test_the_adapter_plays_the_manual_job_the_world_waits_on(named: DemoServer):
    adapter = gitlab(named)
    try:
        (run, *_) = await adapter.runs(BILLING)
        assert (run.status, run.version) == (RunStatus.WAITING, "3.5.0")
        result = await adapter.act(Action.APPROVE, BILLING, run)
        assert result.detail.startswith("play job deploy-production of acme/billing sent")
        (after, *_) = await adapter.runs(BILLING)
        assert after.status is RunStatus.RUNNING
        with pytest.raises(ActionFailed, match="GitLab would do nothing"):
            await adapter.act(Action.APPROVE, BILLING, after)
    finally:
        await adapter.aclose()


async def test_the_adapter_retries_a_failed_pipeline_and_cancels_a_running_one(clock: FakeClock):
    # svc-003 fails its integration tests first time round (the seven situations' third).
    with DemoServer(7, clock=clock, ci=CIFamily.GITLAB) as server:
        adapter = gitlab(server)
        target = Target.of(project="acme/svc-003")
        try:
            clock.advance(60)
            (failed, *_) = await adapter.runs(target)
            assert failed.status is RunStatus.FAILED
            await adapter.act(Action.RETRY_CI, target, failed)
            (retried, *_) = await adapter.runs(target)
            assert retried.id == failed.id
            assert retried.status is RunStatus.RUNNING
            result = await adapter.act(Action.CANCEL_CI, target, retried)
            assert "canceled" in result.detail
            (canceled, *_) = await adapter.runs(target)
            assert canceled.status is RunStatus.CANCELLED
        finally:
            await adapter.aclose()


async def test_the_adapter_backfills_the_worlds_past_deployments(
    named: DemoServer, clock: FakeClock
):
    adapter = gitlab(named)
    line = ReleaseLine(key="billing", service="billing", environment="production")
    since = datetime.fromtimestamp(clock.now, UTC) - timedelta(days=40)
    try:
        records = await adapter.history(line, BILLING, since)
    finally:
        await adapter.aclose()
    assert len(records) >= 5
    assert all(r.production and r.source == "gitlab-deployments" for r in records)
    assert all(r.first_commit_at is not None for r in records)  # lead time: all four metrics
    outcomes = {r.outcome for r in records}
    assert ReleaseOutcome.SUCCEEDED in outcomes
    assert outcomes & {ReleaseOutcome.FAILED, ReleaseOutcome.ROLLED_BACK}
