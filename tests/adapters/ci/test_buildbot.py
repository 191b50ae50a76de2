"""Buildbot: parsing documented and recorded payloads, runs with steps, queue, JSON-RPC control."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import httpx
import pytest

from release_cockpit.adapters.ci.buildbot import Buildbot
from release_cockpit.adapters.ci.buildbot_parsing import (
    Result,
    epoch_time,
    map_result,
    parse_builds,
    parse_requests,
    parse_rpc_reply,
    parse_sourcestamps,
    parse_steps,
    release_version,
    revision_of,
    with_sourcestamp,
)
from release_cockpit.domain import Action, CIRun, RunStatus, Target
from release_cockpit.errors import ActionFailed, BadResponse, ConfigError, NotFound
from tests.support.adapters import TOKEN, load, make_settings

URL = "https://backend.test"
TARGET = Target.of(builder="pipeline")
BUILDER = "/api/v2/builders/pipeline"
BUILDS = "/api/v2/builders/1/builds"
REQUESTS = "/api/v2/builders/1/buildrequests"
NO_REQUESTS = {"buildrequests": [], "meta": {"total": 0}}


def parse(payload, version_property="version", builder="pipeline"):
    return parse_builds(payload, base_url=URL, version_property=version_property, builder=builder)


def failed_build() -> dict:
    return load("buildbot/builds-pipeline-failed.json")["builds"][0]


def builds_payload(*builds: dict) -> dict:
    return {"builds": list(builds), "meta": {"total": len(builds)}}


def relabelled(number: int, version: str, results: int | None = 2) -> dict:
    """The recorded failed build as build ``number`` of ``version``."""
    build = copy.deepcopy(failed_build())
    build["buildid"] = 100 + number
    build["number"] = number
    build["results"] = results
    build["complete"] = results is not None
    build["properties"]["version"] = [version, "Force Build Form"]
    build["properties"]["branch"] = [f"release/{version}", "Build"]
    return build


def happy_backend(backend, builds: dict, steps: dict | None = None):
    backend.json("GET", BUILDER, load("buildbot/builder-pipeline.json"))
    backend.json("GET", BUILDS, builds)
    backend.json("GET", REQUESTS, NO_REQUESTS)
    for build in builds["builds"]:
        path = f"/api/v2/builds/{build['buildid']}/steps"
        backend.json("GET", path, steps or load("buildbot/steps-integration-tests-failed.json"))
    return backend


# -- pure parsing on documented and recorded payloads -------------------------------------


def test_the_documented_build_example_is_a_running_build():
    (run,) = parse(load("buildbot/build-raml-example.json"), builder="nightly")
    assert run.id == "100"
    assert run.number == 1
    assert run.status is RunStatus.RUNNING
    assert run.name == "nightly"
    assert run.version is None
    assert run.started_at == datetime(2015, 12, 25, tzinfo=UTC)
    assert run.updated_at == run.started_at
    assert run.url == f"{URL}/#/builders/10/builds/1"


def test_a_recorded_failed_build_carries_version_ref_sha_and_people():
    (run,) = parse(load("buildbot/builds-pipeline-failed.json"))
    assert run.id == "4"
    assert run.status is RunStatus.FAILED
    assert run.version == "2.4.0"
    assert run.ref == "release/2.4.0"
    assert run.sha == "9f1c2e7a4b"
    assert run.actor == "alice <alice@example.com>"
    assert run.event == "force"
    assert run.title == "release 2.4.0"
    assert run.name == "pipeline"
    assert run.created_at == datetime.fromtimestamp(1795753572, UTC)
    assert run.updated_at == datetime.fromtimestamp(1795753573, UTC)
    assert run.url == f"{URL}/#/builders/1/builds/1"


def test_recorded_steps_become_jobs_and_the_failed_one_is_named():
    jobs = parse_steps(load("buildbot/steps-integration-tests-failed.json"), url="u")
    assert [(j.name, j.status) for j in jobs] == [
        ("worker_preparation", RunStatus.SUCCEEDED),
        ("compile", RunStatus.SUCCEEDED),
        ("unit-tests", RunStatus.SUCCEEDED),
        ("integration-tests", RunStatus.FAILED),
    ]
    assert {j.url for j in jobs} == {"u"}
    assert jobs[3].id == "13"


def test_a_recorded_running_build_and_its_running_step():
    (run,) = parse(load("buildbot/builds-slow-running.json"), builder="slow")
    assert run.status is RunStatus.RUNNING
    assert run.version == "2.5.0"
    assert run.updated_at == run.started_at
    jobs = parse_steps(load("buildbot/steps-unit-tests-running.json"))
    assert [j.status for j in jobs] == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.RUNNING]
    assert jobs[2].completed_at is None


def test_recorded_queued_request_with_its_buildset_source_stamp():
    run, older = parse_requests(
        load("buildbot/buildrequests-queued.json"), version_property="version", builder="slow"
    )
    assert (older.id, older.version) == ("request-5", "2.6.0")
    assert run.id == "request-6"
    assert run.status is RunStatus.QUEUED
    assert run.version == "2.6.1"
    assert run.actor == "alice <alice@example.com>"
    stamps = parse_sourcestamps(load("buildbot/buildsets-queued.json"))
    assert stamps == {6: ("release/2.6.1", "dd44")}
    full = with_sourcestamp(run, *stamps[6])
    assert (full.ref, full.sha, full.version) == ("release/2.6.1", "dd44", "2.6.1")


def test_claimed_or_complete_requests_are_not_queued_runs():
    payload = load("buildbot/buildrequests-queued.json")
    claimed = copy.deepcopy(payload["buildrequests"][0])
    claimed["claimed"] = True
    done = copy.deepcopy(payload["buildrequests"][0])
    done["complete"] = True
    payload["buildrequests"] += [claimed, done]
    assert len(parse_requests(payload, version_property="version", builder="b")) == 2


@pytest.mark.parametrize(
    ("results", "complete", "expected"),
    [
        (Result.SUCCESS, True, RunStatus.SUCCEEDED),
        (Result.WARNINGS, True, RunStatus.SUCCEEDED),
        (Result.FAILURE, True, RunStatus.FAILED),
        (Result.SKIPPED, True, RunStatus.SKIPPED),
        (Result.EXCEPTION, True, RunStatus.FAILED),
        (Result.RETRY, True, RunStatus.QUEUED),
        (Result.CANCELLED, True, RunStatus.CANCELLED),
        (None, False, RunStatus.RUNNING),
        (None, None, RunStatus.RUNNING),
        (7, True, RunStatus.UNKNOWN),
        (-1, True, RunStatus.UNKNOWN),
        ("2", True, RunStatus.UNKNOWN),
        (True, True, RunStatus.UNKNOWN),
        (None, True, RunStatus.UNKNOWN),
    ],
)
def test_map_result(results, complete, expected):
    assert map_result(results, complete) is expected


def test_a_step_that_has_not_started_is_queued_and_hidden_steps_are_left_out():
    payload = load("buildbot/steps-unit-tests-running.json")
    waiting = copy.deepcopy(payload["steps"][2])
    waiting.update(stepid=9, name="package", started_at=None, number=3)
    hidden = copy.deepcopy(payload["steps"][1])
    hidden.update(stepid=10, name="set-props", hidden=True)
    payload["steps"] += [waiting, hidden]
    jobs = parse_steps(payload)
    assert [j.name for j in jobs] == ["worker_preparation", "compile", "unit-tests", "package"]
    assert jobs[3].status is RunStatus.QUEUED


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"version": ["v2.4.0", "Force"]}, "2.4.0"),
        ({"version": ["2026.11", "Force"]}, "2026.11"),
        ({"version": ["", "Force"], "branch": ["release/3.1.0", "Build"]}, "3.1.0"),
        ({"branch": ["main", "Build"]}, None),
        ({"version": [{"not": "text"}, "Force"], "branch": ["v1.2.3", "Build"]}, "1.2.3"),
    ],
)
def test_release_version_prefers_the_property_then_the_branch(properties, expected):
    branch = properties.get("branch", ["", ""])[0]
    assert release_version(properties, "version", branch).version == expected


def test_the_version_property_is_configurable():
    build = failed_build()
    build["properties"]["release"] = ["5.0.0", "Build"]
    (run,) = parse(builds_payload(build), version_property="release")
    assert run.version == "5.0.0"


def test_revision_prefers_got_revision_and_reads_multi_codebase_builds():
    assert revision_of({"got_revision": ["abc", "Git"], "revision": ["def", "Build"]}) == "abc"
    assert revision_of({"revision": ["def", "Build"]}) == "def"
    assert revision_of({"got_revision": [{"": "main-sha", "lib": "lib-sha"}, "Git"]}) == "main-sha"
    assert revision_of({"got_revision": [{"lib": "lib-sha"}, "Git"]}) == "lib-sha"


@pytest.mark.parametrize("value", [None, "1451001600", True, -5, float("nan"), 1e20])
def test_epoch_time_rejects_junk(value):
    assert epoch_time(value) is None


def test_backend_strings_are_cleaned_of_escape_sequences():
    build = failed_build()
    build["properties"]["reason"] = ["\x1b]0;pwned\x07release\x1b[31m", "Force"]
    (run,) = parse(builds_payload(build))
    assert run.title == "]0;pwnedrelease[31m"
    assert "\x1b" not in run.title


@pytest.mark.parametrize(
    ("parser", "payload"),
    [
        (parse, {"meta": {}}),
        (parse, ["not", "an", "object"]),
        (parse_steps, {"steps": "nope"}),
        (parse_sourcestamps, {"buildsets": None}),
    ],
)
def test_wrong_shapes_are_bad_responses(parser, payload):
    with pytest.raises(BadResponse, match="Buildbot"):
        parser(payload)


def test_rpc_reply_error_is_action_failed_with_buildbots_message():
    with pytest.raises(ActionFailed, match=r"action: bogus is not supported \(JSON-RPC -32601\)"):
        parse_rpc_reply(load("buildbot/rpc-error-unknown-method-501.json"), 1, "to bogus")
    assert parse_rpc_reply(load("buildbot/rpc-rebuild-result.json"), 1, "x") == [3, {"2": 3}]
    with pytest.raises(BadResponse, match="not a JSON-RPC"):
        parse_rpc_reply(load("buildbot/rpc-rebuild-result.json"), 2, "x")


# -- the adapter over a scripted backend --------------------------------------------------


async def test_runs_reads_builds_with_steps_and_looks_the_builder_up_once(build, backend):
    builds = builds_payload(relabelled(3, "2.5.0"), relabelled(2, "2.5.0"), relabelled(1, "2.4.0"))
    happy_backend(backend, builds)
    bb = build(Buildbot)
    runs = await bb.runs(TARGET)
    await bb.runs(TARGET)
    assert [r.number for r in runs] == [3, 2, 1]
    assert [bool(r.jobs) for r in runs] == [True, False, True]
    assert runs[0].jobs[-1].name == "integration-tests"
    assert runs[0].jobs[-1].status is RunStatus.FAILED
    paths = [r.url.path for r in backend.sent()]
    assert paths.count(BUILDER) == 1
    assert "/api/v2/builds/102/steps" not in paths
    listing = next(r for r in backend.sent() if r.url.path == BUILDS)
    params = listing.url.params
    assert params["order"] == "-number"
    assert params["limit"] == "10"
    assert {"version", "branch", "got_revision", "revision"} <= set(params.get_list("property"))
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in backend.sent())


async def test_release_branches_say_which_branches_carry_a_version(build, backend):
    deploy, release = relabelled(2, "3.1.0"), relabelled(1, "3.0.0")
    for item, branch in ((deploy, "deploy/3.1.0"), (release, "release/3.0.0")):
        del item["properties"]["version"]
        item["properties"]["branch"] = [branch, "Build"]
    happy_backend(backend, builds_payload(deploy, release))
    newest, older = await build(Buildbot, release_branches=["deploy/{version}"]).runs(TARGET)
    assert newest.version == "3.1.0"
    assert older.version is None
    assert "(expected e.g. deploy/{version}); set the build's version property" in (
        older.version_problem
    )


async def test_one_builds_steps_answering_404_keeps_the_other_builds(build, backend):
    builds = builds_payload(relabelled(2, "2.5.0"), relabelled(1, "2.4.0"))
    happy_backend(backend, builds)
    backend.routes.pop(("GET", "/api/v2/builds/102/steps"))
    backend.json("GET", "/api/v2/builds/102/steps", {"error": "not found"}, status=404)
    newest, older = await build(Buildbot).runs(TARGET)
    assert (newest.number, newest.jobs) == (2, ())
    assert "HTTP 404" in newest.jobs_problem
    assert older.jobs
    assert not older.jobs_problem


async def test_the_newest_build_without_a_version_has_its_steps_read(build, backend):
    untagged = relabelled(3, "2.6.0")
    del untagged["properties"]["version"]
    untagged["properties"]["branch"] = ["main", "Build"]
    happy_backend(backend, builds_payload(untagged, relabelled(2, "2.5.0")))
    newest, older = await build(Buildbot).runs(TARGET)
    assert newest.version is None
    assert newest.version_problem.startswith("version unknown: no property 'version'")
    assert "branch 'main' is not a release tag or branch" in newest.version_problem
    assert newest.jobs[-1].status is RunStatus.FAILED
    assert older.version == "2.5.0"
    assert older.jobs


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        (0, RunStatus.SUCCEEDED),
        (1, RunStatus.SUCCEEDED),
        (2, RunStatus.FAILED),
        (3, RunStatus.SKIPPED),
        (4, RunStatus.FAILED),
        (5, RunStatus.QUEUED),
        (6, RunStatus.CANCELLED),
        (None, RunStatus.RUNNING),
        (42, RunStatus.UNKNOWN),
    ],
)
async def test_every_result_code_reaches_the_run_status(build, backend, results, expected):
    happy_backend(backend, builds_payload(relabelled(1, "1.0.0", results=results)))
    (run,) = await build(Buildbot).runs(TARGET)
    assert run.status is expected


async def test_queued_requests_come_first_with_their_branch(build, backend):
    happy_backend(backend, builds_payload(relabelled(1, "2.4.0")))
    backend.routes.pop(("GET", REQUESTS))
    backend.json("GET", REQUESTS, load("buildbot/buildrequests-queued.json"))
    backend.json("GET", "/api/v2/buildsets", load("buildbot/buildsets-queued.json"))
    runs = await build(Buildbot).runs(TARGET)
    assert [(r.id, r.status, r.ref) for r in runs] == [
        ("request-6", RunStatus.QUEUED, "release/2.6.1"),
        ("request-5", RunStatus.QUEUED, ""),  # its buildset is not in the recorded answer
        ("101", RunStatus.FAILED, "release/2.4.0"),
    ]
    assert runs[1].version == "2.6.0"
    (sets,) = [r for r in backend.sent() if r.url.path == "/api/v2/buildsets"]
    assert sets.url.params.get_list("bsid__eq") == ["5", "6"]


async def test_a_builder_given_by_id_and_a_url_with_a_path_prefix(build, backend):
    backend.json("GET", "/ci/api/v2/builders/1", load("buildbot/builder-pipeline.json"))
    backend.json("GET", "/ci/api/v2/builders/1/builds", builds_payload(relabelled(1, "1.0.0")))
    backend.json("GET", "/ci/api/v2/builders/1/buildrequests", NO_REQUESTS)
    backend.json("GET", "/ci/api/v2/builds/101/steps", {"steps": []})
    (run,) = await build(Buildbot, url=f"{URL}/ci").runs(Target.of(builder="1"))
    assert run.url == f"{URL}/ci/#/builders/1/builds/1"


async def test_an_unknown_builder_is_not_found_with_a_fix(build, backend):
    backend.json("GET", "/api/v2/builders/nope", load("buildbot/builder-not-found-404.json"), 404)
    with pytest.raises(NotFound) as caught:
        await build(Buildbot).runs(Target.of(builder="nope"))
    assert "no builder 'nope'" in caught.value.message
    assert "ci.builder" in caught.value.hint
    assert caught.value.backend == "test-backend"


async def test_buildbots_error_envelope_is_a_bad_response_with_its_text(build, backend):
    backend.json("GET", BUILDER, load("buildbot/builder-pipeline.json"))
    backend.json("GET", BUILDS, {"error": "cannot filter on un-selected fields"}, status=400)
    with pytest.raises(BadResponse, match="cannot filter on un-selected fields"):
        await build(Buildbot).runs(TARGET)


async def test_a_5xx_is_retried_and_then_succeeds(build, backend):
    happy_backend(backend, builds_payload(relabelled(1, "1.0.0")))
    backend.routes[("GET", BUILDS)] = [
        httpx.Response(503, text="Service Unavailable"),
        httpx.Response(200, json=builds_payload(relabelled(1, "1.0.0"))),
    ]
    (run,) = await build(Buildbot).runs(TARGET)
    assert run.version == "1.0.0"
    assert [r.url.path for r in backend.sent()].count(BUILDS) == 2


async def test_changes_are_unknown(build):
    assert await build(Buildbot).changes(TARGET, "1.0.0", "1.1.0") is None


def finished_run(buildid: str = "4", number: int | None = 1) -> CIRun:
    return CIRun(id=buildid, name="pipeline", status=RunStatus.FAILED, number=number)


async def test_retry_posts_a_jsonrpc_rebuild(build, backend):
    backend.json("POST", "/api/v2/builds/4", load("buildbot/rpc-rebuild-result.json"))
    bb = build(Buildbot)
    result = await bb.retry(TARGET, finished_run())
    (sent,) = backend.sent("POST")
    assert json.loads(sent.content) == {
        "jsonrpc": "2.0",
        "method": "rebuild",
        "params": {},
        "id": 1,
    }
    assert sent.headers["content-type"] == "application/json"
    assert result.action is Action.RETRY_CI
    assert result.ok
    assert result.detail == "rebuilding build #1: buildset 3, build request 3"
    assert result.requests == ("POST /api/v2/builds/4 rebuild",)


@pytest.mark.parametrize(
    ("status", "fixture", "text"),
    [
        (500, "buildbot/rpc-error-exception-500.json", "builderNames not specified"),
        (501, "buildbot/rpc-error-unknown-method-501.json", "action: bogus is not supported"),
    ],
)
async def test_a_jsonrpc_error_is_action_failed(build, backend, status, fixture, text):
    payload = load(fixture)
    payload["id"] = 1
    backend.json("POST", "/api/v2/builds/4", payload, status=status)
    bb = build(Buildbot)
    with pytest.raises(ActionFailed, match=text) as caught:
        await bb.retry(TARGET, finished_run())
    assert caught.value.backend == "test-backend"
    assert len(backend.sent("POST")) == 1  # a refused POST is not sent again
    assert TOKEN not in str(caught.value)


async def test_a_refusal_without_a_jsonrpc_body_is_action_failed(build, backend):
    backend.on("POST", "/api/v2/builds/4", httpx.Response(404, text="<h1>No such resource</h1>"))
    with pytest.raises(ActionFailed, match=r"HTTP 404\): No such resource"):
        await build(Buildbot).retry(TARGET, finished_run())


async def test_a_queued_request_cannot_be_rebuilt(build, backend):
    with pytest.raises(ActionFailed, match="queued build request"):
        await build(Buildbot).retry(TARGET, finished_run("request-6"))
    assert backend.sent() == []


async def test_stop_a_build_and_cancel_a_queued_request(build, backend):
    backend.on(
        "POST", "/api/v2/builds/4", lambda r: httpx.Response(200, json=_echo(r, result=None))
    )
    backend.on(
        "POST", "/api/v2/buildrequests/6", lambda r: httpx.Response(200, json=_echo(r, None))
    )
    bb = build(Buildbot)
    stopped = await bb.stop(finished_run(), reason="bad release")
    cancelled = await bb.stop(finished_run("request-6"))
    first, second = (json.loads(r.content) for r in backend.sent("POST"))
    assert (first["method"], first["params"]) == ("stop", {"reason": "bad release"})
    assert second["method"] == "cancel"
    assert stopped.detail == "stopping build #1"
    assert cancelled.detail == "cancelled build request 6"


async def test_force_names_the_builder_and_returns_request_ids(build, backend):
    backend.on(
        "POST",
        "/api/v2/forceschedulers/force",
        lambda r: httpx.Response(200, json=_echo(r, [7, {"1": 12}])),
    )
    bb = build(Buildbot)
    assert await bb.force("force", "pipeline", fields={"version": "1.0.0"}) == (12,)
    assert await bb.force("force", "1") == (12,)
    by_name, by_id = (json.loads(r.content)["params"] for r in backend.sent("POST"))
    assert by_name["builderNames"] == ["pipeline"]
    assert by_name["version"] == "1.0.0"
    assert by_id["builderid"] == 1


def _echo(request: httpx.Request, result) -> dict:
    return {"jsonrpc": "2.0", "id": json.loads(request.content)["id"], "result": result}


async def test_probe_counts_builders(build, backend):
    backend.json("GET", "/api/v2/builders", {"builders": [{"name": "a"}, {"name": "b"}]})
    result = await build(Buildbot).probe()
    assert (result.reachable, result.authorised, result.detail) == (True, True, "2 builders")


async def test_probe_of_a_web_page_is_not_authorised(build, backend):
    backend.on("GET", "/api/v2/builders", httpx.Response(200, text="<html>login</html>"))
    result = await build(Buildbot).probe()
    assert (result.reachable, result.authorised) == (True, False)
    assert "not valid JSON" in result.detail


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"runs_per_poll": 0}, "runs_per_poll"),
        ({"version_property": " "}, "version_property"),
        ({"release_branches": ["deploy"]}, "release_branches"),
    ],
)
def test_bad_options_are_config_problems(options, key):
    with pytest.raises(ConfigError) as caught:
        Buildbot(make_settings("buildbot", **options))
    assert caught.value.problems[0].key == f"backends.test-backend.{key}"
