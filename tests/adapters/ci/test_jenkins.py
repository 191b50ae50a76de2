"""The Jenkins adapter on httpx.MockTransport: one tree request for every job, wfapi only
for running builds, input steps, each action's exact request and words, CSRF crumbs.

Payloads are the recordings of tests/fixtures/jenkins put together by
``tests/support/jenkins_payloads.py`` (SOURCES.md lists each derivation). The adapter
points at ``https://backend.test/jenkins``: the wfapi examples carry that context path.
"""

from __future__ import annotations

import base64
import copy
from urllib.parse import parse_qs

import httpx
import pytest

from release_cockpit.adapters.ci.jenkins import Jenkins
from release_cockpit.adapters.ci.jenkins_jobs import jobs_tree
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Action, RunStatus, Target
from release_cockpit.errors import ActionFailed, BadResponse, ConfigError, NotFound
from tests.support.adapters import TOKEN, load, make_settings
from tests.support.builders import release_with_run
from tests.support.jenkins_payloads import WORKFLOW, tree, workflow_tree

URL = "https://backend.test/jenkins"
ROOT = "/jenkins/api/json"
JOB = "/jenkins/job/Test Workflow"  # request paths as httpx decodes them
BUILD = f"{JOB}/11"
PIPELINE = Target.of(job=WORKFLOW)
BRANCH = Target.of(job="Test MultiBranch Project/release/1.4.0")
FREESTYLE = Target.of(job="Test Folder/Test Project")
MISSING = Target.of(job="Test Folder/nope")
INPUT = "/jenkins/job/Test Workflow/11/input/Ef95dd500ae6ed3b27b89fb852296d12"
CRUMB_REFUSAL = httpx.Response(
    403, text="<html><body>No valid crumb was included in the request</body></html>"
)


def jenkins(build, **options) -> Jenkins:
    return build(Jenkins, url=URL, user="alice", **options)


def paused_backend(backend) -> None:
    backend.json("GET", ROOT, workflow_tree())
    backend.json(
        "GET",
        f"{BUILD}/wfapi/describe",
        load("jenkins/wfapi-run-describe-paused-pending-input.json"),
    )
    backend.json(
        "GET",
        f"{BUILD}/wfapi/pendingInputActions",
        load("jenkins/wfapi-pending-input-actions.json"),
    )


def form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())


# -- reading ----------------------------------------------------------------------------------


async def test_one_tree_request_reads_every_job(backend, build):
    backend.json("GET", ROOT, tree(result=None, building=True))
    backend.json(
        "GET",
        "/jenkins/job/Test MultiBranch Project/job/release%2F1.4.0/10/wfapi/describe",
        load("jenkins/wfapi-runs.json")[1],
    )
    adapter = jenkins(build)
    found = await adapter.runs_for([BRANCH, FREESTYLE, MISSING])
    first = backend.sent()[0]
    assert first.url.params["tree"] == jobs_tree(4)
    expected = base64.b64encode(f"alice:{TOKEN}".encode()).decode()
    assert first.headers["authorization"] == f"Basic {expected}"
    assert [r.url.path for r in backend.sent()] == [
        ROOT,
        "/jenkins/job/Test MultiBranch Project/job/release%2F1.4.0/10/wfapi/describe",
    ]
    (branch,) = found[BRANCH]
    assert (branch.id, branch.status, branch.version) == ("10", RunStatus.RUNNING, "1.4.0")
    assert [j.name for j in branch.jobs] == ["Build", "Test", "Deploy"]
    assert found[FREESTYLE] == ()  # a job that never built
    assert isinstance(found[MISSING], NotFound)
    assert "Jenkins has no job 'Test Folder/nope'" in found[MISSING].message


async def test_a_run_paused_on_input_waits_for_a_human(backend, build):
    paused_backend(backend)
    adapter = jenkins(build)
    (run,) = (await adapter.runs_for([PIPELINE]))[PIPELINE]
    assert (run.id, run.status, run.version) == ("11", RunStatus.WAITING, "1.4.0")
    assert {j.name: j.status for j in run.jobs}["Deploy"] is RunStatus.WAITING
    await adapter.runs_for([PIPELINE])
    paths = [r.url.path for r in backend.sent()]
    # wfapi every poll while the build runs; its pending input only once.
    assert paths.count(f"{BUILD}/wfapi/describe") == 2
    assert paths.count(f"{BUILD}/wfapi/pendingInputActions") == 1


async def test_a_finished_build_is_described_once_with_its_failed_step(backend, build):
    described = copy.deepcopy(load("jenkins/wfapi-run-describe-paused-pending-input.json"))
    described["status"] = "FAILED"
    described["stages"][1]["status"] = "FAILED"
    described["stages"][2]["status"] = "NOT_EXECUTED"
    backend.json("GET", ROOT, workflow_tree(result="FAILURE", building=False))
    backend.json("GET", f"{BUILD}/wfapi/describe", described)
    backend.json(
        "GET",
        f"{JOB}/16/execution/node/8/wfapi/describe",
        load("jenkins/wfapi-stage-node-describe-failed.json"),
    )
    adapter = jenkins(build)
    (run,) = (await adapter.runs_for([PIPELINE]))[PIPELINE]
    test = next(j for j in run.jobs if j.name == "Test")
    assert test.status is RunStatus.FAILED
    assert test.steps[0].name == "Shell Script: script returned exit code 1 (AbortException)"
    (again,) = (await adapter.runs_for([PIPELINE]))[PIPELINE]
    assert again.jobs == run.jobs
    assert [r.url.path for r in backend.sent()].count(f"{BUILD}/wfapi/describe") == 1
    assert len(backend.sent()) == 4  # tree, describe, node; then the tree only


async def test_without_the_pipeline_rest_api_a_run_has_no_stages(backend, build):
    backend.json("GET", ROOT, workflow_tree(result="SUCCESS", building=False))
    backend.json("GET", f"{BUILD}/wfapi/describe", {"message": "Not Found"}, status=404)
    (run,) = (await jenkins(build).runs_for([PIPELINE]))[PIPELINE]
    assert (run.status, run.jobs) == (RunStatus.SUCCEEDED, ())


async def test_a_garbled_stage_answer_keeps_the_run_and_says_why(backend, build):
    backend.json("GET", ROOT, workflow_tree(result="SUCCESS", building=False))
    backend.json("GET", f"{BUILD}/wfapi/describe", ["not", "a", "run"])
    (run,) = (await jenkins(build).runs_for([PIPELINE]))[PIPELINE]
    assert (run.status, run.jobs) == (RunStatus.SUCCEEDED, ())
    assert run.jobs_problem


async def test_a_failed_tree_request_fails_the_poll(backend, build):
    backend.json("GET", ROOT, {"surprise": True})
    with pytest.raises(BadResponse, match="no 'jobs' list"):
        await jenkins(build).runs_for([PIPELINE])


async def test_a_job_deeper_than_the_tree_says_how_to_read_it(backend, build):
    root = tree()
    next(j for j in root["jobs"] if j["name"] == "Test Folder").pop("jobs")
    backend.json("GET", ROOT, root)
    found = (await jenkins(build, depth=2).runs_for([FREESTYLE]))[FREESTYLE]
    assert isinstance(found, NotFound)
    assert "raise backends.test-backend.depth" in found.hint


# -- actions ----------------------------------------------------------------------------------


async def test_approve_answers_the_input_with_proceed(backend, build):
    paused_backend(backend)
    adapter = jenkins(build)
    (run,) = (await adapter.runs_for([PIPELINE]))[PIPELINE]
    words = adapter.describe(Action.APPROVE, release_with_run(run))
    assert words.target == "input 'Is the build okay?' of Test Workflow #11"
    assert words.effect.startswith(
        "Jenkins answers 'Is the build okay?' of Test Workflow #11 with Proceed"
    )
    backend.json("GET", f"{BUILD}/api/json", workflow_tree()["jobs"][-1]["lastBuild"])
    backend.on("POST", f"{INPUT}/proceedEmpty", httpx.Response(200))
    result = await adapter.act(Action.APPROVE, PIPELINE, run)
    (post,) = backend.sent("POST")
    assert post.url.raw_path == (
        b"/jenkins/job/Test%20Workflow/11/input/Ef95dd500ae6ed3b27b89fb852296d12/proceedEmpty"
    )
    assert "jenkins-crumb" not in post.headers  # an API token needs no crumb
    assert result.requests == (
        f"POST {INPUT.replace(' ', '%20').removeprefix('/jenkins')}/proceedEmpty",
    )
    assert result.detail == "Jenkins accepted: Proceed Test Workflow #11"


async def test_reject_answers_the_input_with_abort(backend, build):
    paused_backend(backend)
    adapter = jenkins(build)
    (run,) = (await adapter.runs_for([PIPELINE]))[PIPELINE]
    words = adapter.describe(Action.REJECT, release_with_run(run))
    assert "with Abort" in words.effect
    assert "#11 ends ABORTED" in words.effect
    backend.json("GET", f"{BUILD}/api/json", workflow_tree()["jobs"][-1]["lastBuild"])
    backend.on("POST", f"{INPUT}/abort", httpx.Response(200))
    await adapter.act(Action.REJECT, PIPELINE, run)
    assert backend.sent("POST")[0].url.path == f"{INPUT}/abort"


async def test_retry_rebuilds_with_the_same_parameters(backend, build):
    failed = workflow_tree(result="FAILURE", building=False)
    backend.json("GET", ROOT, failed)
    backend.json("GET", f"{BUILD}/wfapi/describe", {"message": "x"}, status=404)
    adapter = jenkins(build)
    (run,) = (await adapter.runs_for([PIPELINE]))[PIPELINE]
    words = adapter.describe(Action.RETRY_CI, release_with_run(run))
    assert words.effect.startswith(
        "Jenkins queues #12 of Test Workflow with the same parameters as #11 "
        "(bear=true, fish=salmon, VERSION=v1.4.0)"
    )
    assert "#11 stays in the history as failure; nothing is re-run in place." in words.effect
    backend.json("GET", f"{BUILD}/api/json", failed["jobs"][-1]["lastBuild"])
    backend.on(
        "POST",
        f"{JOB}/buildWithParameters",
        httpx.Response(201, headers={"Location": "https://backend.test/jenkins/queue/item/42/"}),
    )
    result = await adapter.act(Action.RETRY_CI, PIPELINE, run)
    (post,) = backend.sent("POST")
    assert form(post) == {"bear": ["true"], "fish": ["salmon"], "VERSION": ["v1.4.0"]}
    assert result.detail.endswith("queued as /jenkins/queue/item/42/")


async def test_cancel_stops_a_running_build_and_refuses_a_finished_one(backend, build):
    paused_backend(backend)
    adapter = jenkins(build)
    (run,) = (await adapter.runs_for([PIPELINE]))[PIPELINE]
    backend.json("GET", f"{BUILD}/api/json", workflow_tree()["jobs"][-1]["lastBuild"])
    backend.on("POST", f"{BUILD}/stop", httpx.Response(200))
    result = await adapter.act(Action.CANCEL_CI, PIPELINE, run)
    assert result.requests == ("POST /job/Test%20Workflow/11/stop",)
    finished = workflow_tree(result="SUCCESS", building=False)["jobs"][-1]["lastBuild"]
    backend.routes[("GET", f"{BUILD}/api/json")] = [httpx.Response(200, json=finished)]
    with pytest.raises(ActionFailed, match="Jenkins would do nothing: #11 is not running"):
        await adapter.act(Action.CANCEL_CI, PIPELINE, run)
    assert len(backend.sent("POST")) == 1


async def test_anonymous_posts_carry_a_crumb_of_the_session(backend, build):
    paused_backend(backend)
    backend.json("GET", "/jenkins/crumbIssuer/api/json", load("jenkins/crumb-issuer-written.json"))
    backend.json("GET", f"{BUILD}/api/json", workflow_tree()["jobs"][-1]["lastBuild"])
    backend.on("POST", f"{INPUT}/proceedEmpty", httpx.Response(200))
    adapter = build(Jenkins, url=URL, token=None)
    (run,) = (await adapter.runs_for([PIPELINE]))[PIPELINE]
    await adapter.act(Action.APPROVE, PIPELINE, run)
    (post,) = backend.sent("POST")
    assert post.headers["jenkins-crumb"] == "c0ffee00112233445566778899aabbcc"
    assert "authorization" not in post.headers


async def test_a_crumb_refusal_is_answered_with_a_crumb_once(backend, build):
    paused_backend(backend)
    backend.json("GET", "/jenkins/crumbIssuer/api/json", load("jenkins/crumb-issuer-written.json"))
    backend.json("GET", f"{BUILD}/api/json", workflow_tree()["jobs"][-1]["lastBuild"])
    backend.on("POST", f"{INPUT}/proceedEmpty", CRUMB_REFUSAL, httpx.Response(200))
    adapter = jenkins(build)
    (run,) = (await adapter.runs_for([PIPELINE]))[PIPELINE]
    await adapter.act(Action.APPROVE, PIPELINE, run)
    first, second = backend.sent("POST")
    assert "jenkins-crumb" not in first.headers
    assert second.headers["jenkins-crumb"] == "c0ffee00112233445566778899aabbcc"


async def test_a_refused_action_is_action_failed_in_jenkins_words(backend, build):
    paused_backend(backend)
    backend.json("GET", f"{BUILD}/api/json", workflow_tree()["jobs"][-1]["lastBuild"])
    backend.on(
        "POST",
        f"{INPUT}/proceedEmpty",
        httpx.Response(403, text="<html><h1>alice is missing the Job/Build permission</h1></html>"),
    )
    adapter = jenkins(build)
    (run,) = (await adapter.runs_for([PIPELINE]))[PIPELINE]
    with pytest.raises(ActionFailed) as caught:
        await adapter.act(Action.APPROVE, PIPELINE, run)
    assert "(HTTP 403): alice is missing the Job/Build permission" in caught.value.message
    assert "submitters" in caught.value.hint


# -- auth, probe, config ----------------------------------------------------------------------


def test_a_token_needs_its_user():
    with pytest.raises(ConfigError, match="needs the name of its user"):
        Jenkins(make_settings("jenkins"))
    adapter = Jenkins(make_settings("jenkins", token="bob:11aa22bb33cc44dd"))
    assert adapter.authenticated


async def test_probe_says_who_and_which_jenkins(backend, build):
    backend.on(
        "GET",
        "/jenkins/whoAmI/api/json",
        httpx.Response(
            200,
            json={"name": "alice", "anonymous": False, "authenticated": True},
            headers={"X-Jenkins": "2.479.1"},
        ),
    )
    result = await jenkins(build).probe()
    assert (result.authorised, result.detail) == (True, "Jenkins 2.479.1, signed in as alice")


async def test_probe_with_a_token_taken_as_anonymous_is_not_authorised(backend, build):
    backend.json("GET", "/jenkins/whoAmI/api/json", {"name": "anonymous", "anonymous": True})
    result = await jenkins(build).probe()
    assert not result.authorised
    assert "as anonymous" in result.detail


def test_a_config_using_jenkins_validates():
    text = (
        '[backends.ci]\ntype = "jenkins"\nurl = "https://ci.example.com"\n'
        'token_env = "JENKINS_TOKEN"\nuser = "release-bot"\nversion_parameter = "RELEASE"\n'
        '[services.shop]\nenvironment = "production"\n'
        '[services.shop.ci]\nbackend = "ci"\njob = "shop/release"\ntest = ["Test*"]\n'
    )
    config = parse_config(text, "c.toml", kinds=adapter_kinds())
    assert config.services["shop"].ci.target == Target.of(job="shop/release")
    with pytest.raises(ConfigError, match="did you mean 'job'"):
        parse_config(text.replace('job = "shop', 'jobs = "shop'), "c.toml", kinds=adapter_kinds())


async def test_an_echoed_basic_header_is_scrubbed_from_errors(backend, build):
    pair = base64.b64encode(f"alice:{TOKEN}".encode()).decode()
    backend.on("GET", ROOT, httpx.Response(500, text=f"debug: Authorization: Basic {pair}"))
    with pytest.raises(BadResponse) as caught:
        await jenkins(build).runs_for([PIPELINE])
    assert pair not in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert "[redacted]" in str(caught.value)


async def test_a_build_without_a_version_says_what_was_looked_at(backend, build):
    root = workflow_tree(result="SUCCESS", building=False)
    last = root["jobs"][-1]["lastBuild"]
    last["actions"][0]["parameters"] = [
        p for p in last["actions"][0]["parameters"] if p["name"] != "VERSION"
    ]
    backend.json("GET", ROOT, root)
    backend.json("GET", f"{BUILD}/wfapi/describe", {"message": "x"}, status=404)
    (run,) = (await jenkins(build).runs_for([PIPELINE]))[PIPELINE]
    assert run.version is None
    assert run.version_problem == (
        "version unknown: no parameter VERSION; display name '#10' holds no version "
        "(expected e.g. v1.2.3 or release/1.2.3)"
    )
