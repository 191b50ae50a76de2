"""The Jenkins endpoints over real HTTP on loopback, and the Jenkins adapter against them:
one tree request, wfapi, crumbs, and an input step, a stop and a rebuild the world reacts
to."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.ci.jenkins import Jenkins
from release_cockpit.adapters.ci.jenkins_jobs import jobs_tree
from release_cockpit.domain import Action, RunStatus, Target
from release_cockpit_demo import DemoServer
from release_cockpit_demo.line import GATE_SECONDS
from release_cockpit_demo.release_lines import CI_FAMILIES
from release_cockpit_demo.scenarios import CIFamily
from release_cockpit_demo.world import Stage
from tests.support.demo_clock import FakeClock

WAREHOUSE = Target.of(job="acme/warehouse")
JOB = "/jenkins/job/acme/job/warehouse"


@pytest.fixture
def named(clock: FakeClock) -> Iterator[DemoServer]:
    """The named world with its GitLab and Jenkins lines."""
    with DemoServer(clock=clock, families=CI_FAMILIES) as demo:
        yield demo


@pytest.fixture
def http(named: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=named.url, timeout=5, verify=False) as client:
        yield client


def jenkins(server: DemoServer, token: str | None = None, **options: str) -> Jenkins:
    settings = BackendSettings(
        "jenkins",
        "jenkins",
        f"{server.url}/jenkins",
        token=token,
        verify_tls=False,
        options=options,
    )
    return Jenkins(settings)


def last_build(http: httpx.Client) -> dict:
    return http.get(f"{JOB}/api/json", params={"tree": "lastBuild[number]"}).json()["lastBuild"]


def test_the_tree_selection_is_applied(http: httpx.Client):
    answer = http.get("/jenkins/api/json", params={"tree": jobs_tree(2)})
    assert answer.headers["X-Jenkins"]
    (folder,) = answer.json()["jobs"]
    (job,) = folder["jobs"]
    assert (folder["name"], job["name"], job["color"]) == ("acme", "warehouse", "blue_anime")
    build = job["lastBuild"]
    assert build["building"] is True
    assert build["result"] is None
    assert build["actions"][0]["parameters"] == [
        {"_class": "hudson.model.StringParameterValue", "name": "VERSION", "value": "0.10.0"}
    ]
    assert "estimatedDuration" not in build  # not asked for
    names = http.get("/jenkins/api/json", params={"tree": "jobs[name]"}).json()
    assert names["jobs"] == [
        {"_class": "com.cloudbees.hudson.plugins.folder.Folder", "name": "acme"}
    ]


def test_wfapi_shows_the_input_step_waiting(http: httpx.Client):
    number = last_build(http)["number"]
    run = http.get(f"{JOB}/{number}/wfapi/describe").json()
    assert run["status"] == "PAUSED_PENDING_INPUT"
    assert [s["name"] for s in run["stages"]][-1] == "approval"
    assert run["_links"]["pendingInputActions"]["href"].startswith(f"{JOB}/{number}/")
    (pending,) = http.get(f"{JOB}/{number}/wfapi/pendingInputActions").json()
    assert pending["message"] == "Deploy 0.10.0 to staging?"
    assert pending["proceedUrl"].startswith(f"{JOB}/{number}/input/")


def test_a_post_without_a_crumb_of_the_session_is_refused(http: httpx.Client):
    number = last_build(http)["number"]
    pending = http.get(f"{JOB}/{number}/wfapi/pendingInputActions").json()[0]
    refused = http.post(pending["abortUrl"])
    assert refused.status_code == 403
    assert "No valid crumb" in refused.text
    crumb = http.get("/jenkins/crumbIssuer/api/json").json()  # sets the session cookie
    answered = http.post(
        pending["proceedUrl"], headers={crumb["crumbRequestField"]: crumb["crumb"]}
    )
    assert answered.status_code == 200


async def test_the_adapter_answers_the_input_anonymously_with_a_crumb(
    named: DemoServer, clock: FakeClock
):
    adapter = jenkins(named)
    try:
        (run, *_) = await adapter.runs(WAREHOUSE)
        assert (run.status, run.version) == (RunStatus.WAITING, "0.10.0")
        result = await adapter.act(Action.APPROVE, WAREHOUSE, run)
        assert result.detail == f"Jenkins accepted: Proceed acme/warehouse #{run.number}"
        (after, *_) = await adapter.runs(WAREHOUSE)
        assert after.status is RunStatus.RUNNING
        clock.advance(GATE_SECONDS + 3)
        (done, *_) = await adapter.runs(WAREHOUSE)
        assert done.status is RunStatus.SUCCEEDED
        assert [j.name for j in done.jobs][-2:] == ["approval", "deploy"]
        named.world.advance()
        assert named.world.line("warehouse").stage is Stage.STEPPING
    finally:
        await adapter.aclose()


async def test_reject_aborts_the_build(named: DemoServer):
    adapter = jenkins(named, token="release-bot:11deadbeef")
    try:
        (run, *_) = await adapter.runs(WAREHOUSE)
        await adapter.act(Action.REJECT, WAREHOUSE, run)
        (after, *_) = await adapter.runs(WAREHOUSE)
        assert after.status is RunStatus.CANCELLED
        assert {j.name: j.status for j in after.jobs}["approval"] is RunStatus.CANCELLED
    finally:
        await adapter.aclose()


async def test_stop_then_rebuild_with_the_same_version(clock: FakeClock):
    with DemoServer(7, clock=clock, ci=CIFamily.JENKINS) as server:
        adapter = jenkins(server)
        target = Target.of(job="acme/svc-001")
        try:
            (running, *_) = await adapter.runs(target)
            assert running.status is RunStatus.RUNNING
            await adapter.act(Action.CANCEL_CI, target, running)
            (stopped, *_) = await adapter.runs(target)
            assert stopped.status is RunStatus.CANCELLED
            result = await adapter.act(Action.RETRY_CI, target, stopped)
            assert "queued as /jenkins/queue/item/" in result.detail
            (rebuilt, *_) = await adapter.runs(target)
            assert rebuilt.number == (stopped.number or 0) + 1
            assert (rebuilt.status, rebuilt.version) == (RunStatus.RUNNING, stopped.version)
        finally:
            await adapter.aclose()
