"""GitHub's GraphQL endpoint of the world over real HTTP, and the adapter polling it: the
same story as REST, GitHub's errors, limits and costs."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.ci.github_actions import GitHubActions
from release_cockpit.adapters.ci.github_graphql import jobs_request, runs_request
from release_cockpit.domain import RunStatus, Target
from release_cockpit.errors import AdapterError
from release_cockpit_demo import DemoServer
from tests.support.demo_clock import FakeClock

GRAPHQL = "/github/graphql"
AUTH = {"Authorization": "Bearer demo"}
NAMED = ("checkout", "search", "payments", "auth")


def workflow_id(client: httpx.Client, service: str) -> str:
    answer = client.get(f"/github/repos/acme/{service}/actions/workflows/release.yml")
    assert answer.status_code == 200
    return str(answer.json()["node_id"])


def ask(client: httpx.Client, body: dict) -> httpx.Response:
    answer = client.post(GRAPHQL, json=body, headers=AUTH)
    assert answer.status_code == 200
    return answer


def test_graphql_needs_a_token_like_github(client: httpx.Client):
    answer = client.post(GRAPHQL, json={"query": "{ viewer { login } }"})
    assert answer.status_code == 401
    assert answer.json()["message"] == "This endpoint requires you to be authenticated."


def test_workflows_have_node_ids_over_rest(client: httpx.Client):
    listed = client.get("/github/repos/acme/checkout/actions/workflows").json()
    assert [w["node_id"] for w in listed["workflows"]] == [workflow_id(client, "checkout")]
    assert listed["workflows"][0]["path"] == ".github/workflows/release.yml"
    assert client.get("/github/repos/acme/checkout/actions/workflows/x.yml").status_code == 404


def test_runs_answer_in_githubs_shape_with_tag_runs_naming_no_branch(client: httpx.Client):
    ids = [workflow_id(client, s) for s in ("checkout", "auth")]
    body = runs_request(ids, [("acme", "checkout"), ("acme", "auth")], runs=2)
    data = ask(client, body).json()["data"]
    tag_run, _ = data["w0"]["runs"]["nodes"]
    assert tag_run["checkSuite"]["branch"] is None  # a tag push
    tags = {t["name"]: t["target"]["oid"] for t in data["r0"]["tags"]["nodes"]}
    assert tags["v2.8.0"] == tag_run["checkSuite"]["commit"]["oid"]
    hotfix = data["w1"]["runs"]["nodes"][0]["checkSuite"]["branch"]
    assert hotfix == {"name": "hotfix/3.1.1", "prefix": "refs/heads/"}
    rest = client.get("/github/repos/acme/checkout/actions/runs", params={"per_page": 2}).json()
    assert [r["databaseId"] for r in data["w0"]["runs"]["nodes"]] == [
        r["id"] for r in rest["workflow_runs"]
    ]


def test_the_cost_is_githubs_and_comes_out_of_its_own_budget(client: httpx.Client):
    core = int(
        client.get("/github/repos/acme/search/actions/runs").headers["x-ratelimit-remaining"]
    )
    ids = [workflow_id(client, s) for s in NAMED]
    answer = ask(client, runs_request(ids, [("acme", s) for s in NAMED]))
    budget = answer.json()["data"]["rateLimit"]
    assert budget["cost"] == 1  # 8 connections of at most 100: under one point
    assert answer.headers["x-ratelimit-resource"] == "graphql"
    assert int(answer.headers["x-ratelimit-remaining"]) == budget["remaining"] == 4999
    suites = [f"CS_kwDO{n}" for n in range(50)]
    jobs = ask(client, jobs_request(suites)).json()
    # 50 suites x (2 check-run lists + 10 step lists of the failed ones) = 600 requests
    assert jobs["data"]["rateLimit"]["cost"] == 6
    after = client.get("/github/repos/acme/auth/actions/runs").headers["x-ratelimit-remaining"]
    assert int(after) == core - len(NAMED) - 1  # REST counts only REST requests (ids, runs)


def test_an_unknown_node_is_not_found_on_its_alias_only(client: httpx.Client):
    body = runs_request([workflow_id(client, "checkout"), "W_kwDO1"], [("acme", "nope")])
    answer = ask(client, body).json()
    assert answer["data"]["w0"]["name"] == "release"
    assert answer["data"]["w1"] is None
    assert answer["data"]["r0"] is None
    by_alias = {e["path"][0]: e for e in answer["errors"]}
    assert by_alias["w1"]["type"] == "NOT_FOUND"
    assert "W_kwDO1" in by_alias["w1"]["message"]
    assert (
        by_alias["r0"]["message"] == "Could not resolve to a Repository with the name 'acme/nope'."
    )


@pytest.mark.parametrize(
    ("runs", "kind"),
    [
        ("runs { nodes { runNumber } }", "MISSING_PAGINATION_BOUNDARIES"),
        ("runs(first: 101) { nodes { runNumber } }", "EXCESSIVE_PAGINATION"),
    ],
)
def test_connections_need_a_first_of_at_most_100(client: httpx.Client, runs: str, kind: str):
    node = workflow_id(client, "checkout")
    query = f'query {{ node(id: "{node}") {{ ... on Workflow {{ {runs} }} }} }}'
    answer = ask(client, {"query": query}).json()
    assert "data" not in answer
    assert answer["errors"][0]["type"] == kind


def test_a_query_outside_the_schema_is_refused_with_its_reason(client: httpx.Client):
    answer = ask(client, {"query": '{ repository(owner: "acme", name: "checkout") { stars } }'})
    assert "Cannot query field 'stars'" in answer.json()["errors"][0]["message"]


async def test_the_adapter_reads_over_graphql_what_rest_says(clock: FakeClock):
    clock.to(30)  # search's integration tests are running
    with DemoServer(clock=clock) as server:
        settings = BackendSettings("github", "github-actions", f"{server.url}/github", token="demo")
        adapter = GitHubActions(settings)
        targets = [Target.of(project=f"acme/{s}", workflow="release.yml") for s in NAMED]
        try:
            over_graphql = await adapter.runs_for(targets)
            over_rest = await adapter.graphql.rest(targets)
        finally:
            await adapter.aclose()
    assert "GraphQL:" in adapter.usage_note()
    assert adapter.rate_limit_remaining() is not None
    for target in targets:
        fast, slow = over_graphql[target], over_rest[target]
        assert not isinstance(fast, AdapterError)
        assert not isinstance(slow, AdapterError)
        assert [(r.id, r.ref, r.version, r.status, r.sha, r.number) for r in fast] == [
            (r.id, r.ref, r.version, r.status, r.sha, r.number) for r in slow
        ]
        assert [[(j.id, j.name, j.status, j.url) for j in r.jobs] for r in fast] == [
            [(j.id, j.name, j.status, j.url) for j in r.jobs] for r in slow
        ]
    search = over_graphql[targets[1]]
    assert not isinstance(search, AdapterError)
    assert search[0].status is RunStatus.RUNNING


async def test_change_sets_read_over_graphql_equal_rests(server: DemoServer):
    url = f"{server.url}/github"
    fast = GitHubActions(BackendSettings("github", "github-actions", url, token="demo"))
    slow = GitHubActions(
        BackendSettings("github", "github-actions", url, token="demo", options={"graphql": False})
    )
    checkout = Target.of(project="acme/checkout", workflow="release.yml")
    ranges = [("2.7.4", "2.8.0"), ("2.7.3", "2.7.4"), ("nope", "2.8.0")]
    try:
        over_graphql = await asyncio.gather(*(fast.changes(checkout, b, h) for b, h in ranges))
        over_rest = [await slow.changes(checkout, b, h) for b, h in ranges]
    finally:
        await fast.aclose()
        await slow.aclose()
    assert over_graphql == over_rest
    assert over_graphql[0] is not None
    assert over_graphql[2] is None  # no tag vnope
    assert "last poll 1 query" in fast.usage_note()
