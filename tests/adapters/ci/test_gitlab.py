"""The GitLab adapter on httpx.MockTransport: one GraphQL request per 50 projects, REST only
for details, every action's exact request and words, history, compare, probe.

Payloads are the fixtures of tests/fixtures/gitlab (SOURCES.md says where each comes from);
the REST pipeline and jobs of an action are documented payloads with fields changed, as
``tests/support/gitlab_payloads.py`` does for the parsing tests.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import httpx
import pytest

from release_cockpit.adapters.ci.gitlab import GitLab, instance_root
from release_cockpit.adapters.ci.gitlab_graphql import MAX_FULL_PATHS
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Action, RunStatus, Target
from release_cockpit.domain.history import ReleaseOutcome
from release_cockpit.domain.release_line import ReleaseLine
from release_cockpit.errors import ActionFailed, AuthError, BadResponse, ConfigError, NotFound
from tests.support.adapters import TOKEN, load, make_settings
from tests.support.builders import release_with_run
from tests.support.gitlab_payloads import REQUESTED, graphql, job_payload, pipeline_payload

URL = "https://gitlab.example.com"
GQL = "/api/graphql"
CHECKOUT = "/api/v4/projects/shop/checkout"
TARGETS = [Target.of(project=path) for path in REQUESTED]


def sent_json(request: httpx.Request) -> dict:
    return json.loads(request.content)


def empty_projects(request: httpx.Request) -> httpx.Response:
    """A GraphQL answer listing every requested project, with no pipelines."""
    paths = sent_json(request)["variables"]["fullPaths"]
    nodes = [{"fullPath": p, "pipelines": {"nodes": []}} for p in paths]
    return httpx.Response(200, json={"data": {"projects": {"nodes": nodes}}})


async def polled(backend, build, payload=None, **options) -> tuple[GitLab, dict]:
    backend.json("POST", GQL, payload if payload is not None else graphql())
    adapter = build(GitLab, url=URL, **options)
    return adapter, await adapter.runs_for(TARGETS)


# -- reading: one GraphQL request for many projects ------------------------------------------


async def test_one_graphql_request_reads_every_project(backend, build):
    _adapter, found = await polled(backend, build)
    (sent,) = backend.sent()
    assert (sent.method, sent.url.path) == ("POST", GQL)
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert "private-token" not in sent.headers
    variables = sent_json(sent)["variables"]
    assert variables == {"fullPaths": REQUESTED, "projects": 3, "pipelines": 5, "jobs": 50}
    release, older = found[TARGETS[0]]
    assert (release.id, release.number, release.version) == ("812", 57, "2.4.0")
    assert release.status is RunStatus.WAITING
    assert release.url == f"{URL}/shop/checkout/-/pipelines/812"
    jobs = {j.name: j.status for j in release.jobs}
    assert jobs["deploy-production"] is RunStatus.WAITING  # blocking manual job
    assert jobs["performance-check"] is RunStatus.SKIPPED  # optional manual job
    assert jobs["lint"] is RunStatus.SUCCEEDED  # allowed to fail
    assert older.status is RunStatus.SUCCEEDED
    assert older.version is None
    (payments,) = found[TARGETS[1]]
    assert (payments.status, payments.version) == (RunStatus.QUEUED, "1.9.2")
    missing = found[TARGETS[2]]
    assert isinstance(missing, NotFound)
    assert "shop/missing" in missing.message
    assert missing.backend == "test-backend"
    assert "read_api" in missing.hint


@pytest.mark.parametrize(("projects", "requests"), [(1, 1), (50, 1), (51, 2), (120, 3)])
async def test_requests_grow_with_batches_of_fifty_not_with_projects(
    backend, build, projects, requests
):
    backend.on("POST", GQL, empty_projects)
    adapter = build(GitLab, url=URL)
    targets = [Target.of(project=f"group/p{i}") for i in range(projects)]
    found = await adapter.runs_for(targets)
    assert len(backend.sent()) == requests
    assert all(
        len(sent_json(r)["variables"]["fullPaths"]) <= MAX_FULL_PATHS for r in backend.sent()
    )
    assert all(found[t] == () for t in targets)


async def test_lines_with_a_ref_filter_share_a_request_per_ref(backend, build):
    backend.on("POST", GQL, empty_projects)
    adapter = build(GitLab, url=URL)
    main = [Target.of(project=f"g/p{i}", ref="main") for i in range(3)]
    await adapter.runs_for([*main, Target.of(project="g/q")])
    refs = sorted(str(sent_json(r)["variables"].get("ref")) for r in backend.sent())
    assert refs == ["None", "main"]


async def test_a_numeric_project_id_is_looked_up_once(backend, build):
    backend.json("GET", "/api/v4/projects/42", {"id": 42, "path_with_namespace": "shop/checkout"})
    backend.json("POST", GQL, graphql())
    adapter = build(GitLab, url=URL)
    target = Target.of(project="42")
    for _ in range(2):
        (found,) = (await adapter.runs_for([target])).values()
        assert found[0].id == "812"
    assert [r.method for r in backend.sent()] == ["GET", "POST", "POST"]
    assert sent_json(backend.sent("POST")[0])["variables"]["fullPaths"] == ["shop/checkout"]


async def test_the_api_suffix_of_a_configured_url_is_dropped(backend, build):
    assert instance_root("https://gitlab.example.com/api/v4/") == URL
    assert instance_root("https://example.com/gitlab/api/graphql") == "https://example.com/gitlab"
    backend.json("POST", "/gitlab/api/graphql", graphql())
    adapter = build(GitLab, url="https://example.com/gitlab/api/v4")
    found = await adapter.runs_for(TARGETS[:1])
    # GitLab's webPath already carries the relative root: links join the origin.
    assert found[TARGETS[0]][0].url == "https://example.com/shop/checkout/-/pipelines/812"


async def test_a_pipeline_with_more_jobs_than_a_page_is_completed_over_rest(backend, build):
    payload = graphql()
    release = payload["data"]["projects"]["nodes"][0]["pipelines"]["nodes"][0]
    release["jobs"]["pageInfo"] = {"hasNextPage": True}
    jobs = [
        job_payload(id=9105, name="deploy-production", stage="deploy", status="manual"),
        job_payload(id=9110, name="e2e-tests", stage="test", status="failed"),
    ]
    backend.on(
        "GET",
        f"{CHECKOUT}/pipelines/812/jobs",
        httpx.Response(200, json=jobs, headers={"ETag": 'W/"jobs-1"'}),
        httpx.Response(304, headers={"ETag": 'W/"jobs-1"'}),
    )
    adapter, found = await polled(backend, build, payload)
    names = {j.name: j.status for j in found[TARGETS[0]][0].jobs}
    assert names == {"deploy-production": RunStatus.WAITING, "e2e-tests": RunStatus.FAILED}
    await adapter.runs_for(TARGETS)
    first, second = backend.sent("GET")
    assert first.url.raw_path == b"/api/v4/projects/shop%2Fcheckout/pipelines/812/jobs?per_page=100"
    assert second.headers["if-none-match"] == 'W/"jobs-1"'


async def test_a_pipelines_rest_jobs_failing_keeps_its_graphql_jobs_and_never_passes(
    backend, build
):
    payload = graphql()
    release = payload["data"]["projects"]["nodes"][0]["pipelines"]["nodes"][0]
    release["jobs"]["pageInfo"] = {"hasNextPage": True}
    backend.json("GET", f"{CHECKOUT}/pipelines/812/jobs", {"message": "500 Oops"}, status=500)
    _, found = await polled(backend, build, payload)
    runs = found[TARGETS[0]]
    assert not isinstance(runs, BaseException)
    newest = runs[0]
    assert newest.jobs  # what GraphQL sent is kept
    assert "HTTP 500" in newest.jobs_problem
    assert len(runs) > 1
    assert not runs[1].jobs_problem


# -- GraphQL failures: errors inside HTTP 200, partial data, auth -----------------------------


async def test_a_failed_query_with_http_200_fails_every_project_of_the_batch(backend, build):
    errors = {"errors": [{"message": "Query has complexity of 300, which exceeds max of 250"}]}
    _, found = await polled(backend, build, errors)
    for target in TARGETS:
        assert isinstance(found[target], BadResponse)
        assert "exceeds max of 250" in found[target].message


async def test_an_error_on_one_project_fails_only_that_project(backend, build):
    payload = graphql()
    payload["data"]["projects"]["nodes"][1]["pipelines"] = None
    payload["errors"] = [
        {"message": "Internal error", "path": ["projects", "nodes", 1, "pipelines"]}
    ]
    _, found = await polled(backend, build, payload)
    assert found[TARGETS[0]][0].id == "812"
    assert isinstance(found[TARGETS[1]], BadResponse)
    assert "Internal error" in found[TARGETS[1]].message
    assert isinstance(found[TARGETS[2]], NotFound)


async def test_an_error_outside_the_projects_distrusts_the_whole_answer(backend, build):
    payload = graphql()
    payload["errors"] = [{"message": "Timeout on validation of query"}]
    _, found = await polled(backend, build, payload)
    assert all(isinstance(found[t], BadResponse) for t in TARGETS)


async def test_a_bad_token_is_an_auth_error_in_gitlab_words(backend, build):
    body = {"errors": [{"message": "Invalid token"}]}
    backend.json("POST", GQL, body, status=401)
    adapter = build(GitLab, url=URL)
    with pytest.raises(AuthError, match="Invalid token"):
        await adapter.runs(TARGETS[0])


# -- actions: the exact request, the words, and refusals --------------------------------------


def manual_pipeline_rest(backend) -> None:
    pipeline = pipeline_payload(id=812, iid=57, status="manual", ref="v2.4.0", tag=True)
    jobs = [
        job_payload(id=9105, name="deploy-production", stage="deploy", status="manual"),
        job_payload(id=9104, name="performance-check", stage="test", status="manual")
        | {"allow_failure": True},
        job_payload(id=9101, name="build", stage="build", status="success"),
    ]
    backend.json("GET", f"{CHECKOUT}/pipelines/812", pipeline)
    backend.json("GET", f"{CHECKOUT}/pipelines/812/jobs", jobs)


async def test_approve_plays_the_blocking_manual_job(backend, build):
    adapter, found = await polled(backend, build)
    run = found[TARGETS[0]][0]
    words = adapter.describe(Action.APPROVE, release_with_run(run))
    assert words.target == "play job deploy-production of shop/checkout"
    assert words.current == "pipeline #57 waiting on v2.4.0"
    assert words.effect.startswith(
        "GitLab starts manual job 'deploy-production' (stage deploy) of pipeline #57 now"
    )
    assert "later stages run once it passes" in words.effect
    manual_pipeline_rest(backend)
    backend.json("POST", f"{CHECKOUT}/jobs/9105/play", job_payload(id=9105, status="pending"))
    result = await adapter.act(Action.APPROVE, TARGETS[0], run)
    (play,) = backend.sent("POST")[1:]
    assert play.url.raw_path == b"/api/v4/projects/shop%2Fcheckout/jobs/9105/play"
    assert play.content == b""
    assert result.ok
    assert result.action is Action.APPROVE
    assert result.requests == ("POST /api/v4/projects/shop%2Fcheckout/jobs/9105/play",)
    assert (
        result.detail
        == "play job deploy-production of shop/checkout sent; GitLab says it is pending now"
    )


def failed_pipeline_rest(backend) -> None:
    backend.json(
        "GET", f"{CHECKOUT}/pipelines/46", pipeline_payload(id=46, iid=11, status="failed")
    )
    backend.json("GET", f"{CHECKOUT}/pipelines/46/jobs", load("gitlab/pipeline-jobs.json"))


async def test_retry_retries_the_failed_and_canceled_jobs_only(backend, build):
    payload = graphql()
    node = payload["data"]["projects"]["nodes"][0]["pipelines"]["nodes"][0]
    node.update(id="gid://gitlab/Ci::Pipeline/46", iid="11", status="FAILED")
    node["jobs"]["nodes"][0].update(status="FAILED", allowFailure=False)
    adapter, found = await polled(backend, build, payload)
    run = found[TARGETS[0]][0]
    words = adapter.describe(Action.RETRY_CI, release_with_run(run))
    assert (
        "re-runs the failed and canceled jobs (deploy-production, lint) of pipeline #11"
        in words.effect
    )
    assert "jobs that passed are not run again" in words.effect
    assert words.goal == "failed and canceled jobs running again"
    failed_pipeline_rest(backend)
    backend.json(
        "POST", f"{CHECKOUT}/pipelines/46/retry", load("gitlab/pipeline-retry-pending.json"), 201
    )
    result = await adapter.act(Action.RETRY_CI, TARGETS[0], run)
    assert result.requests == ("POST /api/v4/projects/shop%2Fcheckout/pipelines/46/retry",)
    assert result.detail.endswith("GitLab says it is pending now")


async def test_cancel_of_a_pipeline_waiting_for_a_human_sends_nothing(backend, build):
    adapter, found = await polled(backend, build)
    run = found[TARGETS[0]][0]
    words = adapter.describe(Action.CANCEL_CI, release_with_run(run))
    assert words.effect == (
        "Nothing to do now: pipeline #57 has no job left to cancel; the cockpit sends nothing."
    )
    manual_pipeline_rest(backend)
    with pytest.raises(ActionFailed, match="GitLab would do nothing: pipeline #57 has no job"):
        await adapter.act(Action.CANCEL_CI, TARGETS[0], run)
    assert len(backend.sent("POST")) == 1  # the poll only


async def test_cancel_of_a_running_pipeline(backend, build):
    adapter, found = await polled(backend, build)
    run = found[TARGETS[0]][0]
    running = pipeline_payload(id=812, iid=57, status="running")
    backend.json("GET", f"{CHECKOUT}/pipelines/812", running)
    backend.json(
        "GET",
        f"{CHECKOUT}/pipelines/812/jobs",
        [job_payload(id=9106, name="e2e", stage="test", status="running")],
    )
    backend.json("POST", f"{CHECKOUT}/pipelines/812/cancel", running | {"status": "canceling"})
    result = await adapter.act(Action.CANCEL_CI, TARGETS[0], run)
    assert result.requests == ("POST /api/v4/projects/shop%2Fcheckout/pipelines/812/cancel",)
    assert "canceling" in result.detail


async def test_a_refused_play_is_action_failed_with_gitlab_words(backend, build):
    adapter, found = await polled(backend, build)
    manual_pipeline_rest(backend)
    backend.json("POST", f"{CHECKOUT}/jobs/9105/play", {"message": "403 Forbidden"}, status=403)
    with pytest.raises(ActionFailed) as caught:
        await adapter.act(Action.APPROVE, TARGETS[0], found[TARGETS[0]][0])
    assert "GitLab refused to play job deploy-production (HTTP 403): 403 Forbidden" in str(
        caught.value
    )
    assert "protected" in caught.value.hint


async def test_reject_is_not_a_gitlab_action(backend, build):
    adapter, found = await polled(backend, build)
    with pytest.raises(ActionFailed, match="cannot reject"):
        await adapter.act(Action.REJECT, TARGETS[0], found[TARGETS[0]][0])
    assert Action.REJECT not in GitLab.CAPABILITIES


# -- history, compare, probe, config ----------------------------------------------------------


async def test_history_backfills_deployments_with_the_dora_times(backend, build):
    environment = copy.deepcopy(load("gitlab/environments-list.json")[0])
    environment.update(name="production", tier="production")
    backend.json("GET", f"{CHECKOUT}/environments", [environment])
    backend.json("GET", f"{CHECKOUT}/deployments", load("gitlab/deployments-list.json"))
    adapter = build(GitLab, url=URL)
    line = ReleaseLine(key="shop", service="shop", environment="prod-eu")
    since = datetime(2016, 1, 1, tzinfo=UTC)
    records = await adapter.history(line, TARGETS[0], since)
    listed = backend.sent("GET")[1]
    assert listed.url.params["order_by"] == "id"
    assert listed.url.params["sort"] == "desc"
    assert listed.url.params["environment"] == "prod-eu"
    assert records
    assert all(r.production and r.source == "gitlab-deployments" for r in records)
    assert all(r.first_commit_at is not None for r in records)
    assert {r.outcome for r in records} <= set(ReleaseOutcome)


async def test_changes_between_two_tags(backend, build):
    backend.json("GET", f"{CHECKOUT}/repository/compare", load("gitlab/repository-compare.json"))
    adapter = build(GitLab, url=URL)
    found = await adapter.changes(TARGETS[0], "1.0.0", "1.1.0")
    assert found is not None
    assert (found.commits, found.authors) == (1, ("Example User",))
    assert found.first_commit_at == datetime(2014, 2, 27, 8, 27, tzinfo=UTC)
    assert found.url == f"{URL}/shop/checkout/-/compare/v1.0.0...v1.1.0"
    assert backend.sent()[0].url.params["from"] == "v1.0.0"


async def test_changes_without_the_tags_or_after_a_timeout_are_unknown(backend, build):
    timed_out = load("gitlab/repository-compare.json") | {"compare_timeout": True}
    backend.on(
        "GET",
        f"{CHECKOUT}/repository/compare",
        httpx.Response(404, json={"message": "404 Ref Not Found"}),
        httpx.Response(200, json=timed_out),
    )
    adapter = build(GitLab, url=URL)
    assert await adapter.changes(TARGETS[0], "1.0.0", "1.1.0") is None
    assert await adapter.changes(TARGETS[0], "1.0.0", "1.2.0") is None


async def test_probe_names_the_token_user(backend, build):
    backend.json("POST", GQL, {"data": {"currentUser": {"username": "alice"}}})
    result = await build(GitLab, url=URL).probe()
    assert (result.reachable, result.authorised, result.detail) == (
        True,
        True,
        "signed in as alice",
    )
    assert "currentUser" in sent_json(backend.sent()[0])["query"]


async def test_probe_with_a_dead_token_is_not_authorised(backend, build):
    backend.json("POST", GQL, {"data": {"currentUser": None}})
    result = await build(GitLab, url=URL).probe()
    assert not result.authorised
    assert "expired or revoked" in result.detail
    anonymous = await build(GitLab, url=URL, token=None).probe()
    assert anonymous.authorised
    assert "only public projects" in anonymous.detail


def test_a_config_using_gitlab_validates():
    text = (
        '[backends.gl]\ntype = "gitlab"\nurl = "https://gitlab.com"\ntoken_env = "GITLAB_TOKEN"\n'
        "pipelines_per_poll = 3\n"
        '[services.shop]\nenvironment = "production"\n'
        '[services.shop.ci]\nbackend = "gl"\nproject = "acme/shop"\nref = "main"\n'
        'build = ["build"]\n'
    )
    config = parse_config(text, "c.toml", kinds=adapter_kinds())
    assert config.services["shop"].ci.target == Target.of(project="acme/shop", ref="main")
    with pytest.raises(ConfigError, match=r"services\.shop\.ci\.projet"):
        parse_config(text.replace("project =", "projet ="), "c.toml", kinds=adapter_kinds())


def test_a_bad_tag_format_is_a_config_error():
    with pytest.raises(ConfigError, match="not a tag template"):
        GitLab(make_settings("gitlab", tag_format="v{ver}"))
