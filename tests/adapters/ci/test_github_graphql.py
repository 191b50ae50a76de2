"""GitHub GraphQL queries and answers: every query valid against GitHub's schema, answers
split by alias (recorded and documented payloads), refusals and rate limits told apart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from release_cockpit.adapters.ci.github_actions_parsing import parse_compare
from release_cockpit.adapters.ci.github_graphql import (
    JOBS_BATCH,
    PROBE_QUERY,
    RUNS_BATCH,
    graphql_url,
    jobs_request,
    parse_workflow_ids,
    rate_limited,
    refused,
    runs_request,
    split_answer,
)
from release_cockpit.adapters.ci.github_graphql_compare import (
    COMPARE_BATCH,
    LONG,
    compare_request,
    comparison_payload,
)
from tests.support.adapters import FIXTURES, load

SCHEMA_FILE = FIXTURES / "github" / "graphql-schema-subset.graphql"
WORLD_SCHEMA = (
    Path(__file__).resolve().parents[3] / "app" / "release_cockpit_demo" / "github_schema.graphql"
)


@pytest.fixture(scope="module")
def github_schema():
    return build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


def problems(schema, body: dict) -> list[str]:
    return [e.message for e in validate(schema, parse(str(body["query"])))]


# -- the queries against GitHub's own schema -----------------------------------------------


@pytest.mark.parametrize("workflows", [1, RUNS_BATCH])
def test_the_runs_query_is_valid_against_githubs_schema(github_schema, workflows):
    ids = [f"W_kwDO{i}" for i in range(workflows)]
    repos = [("acme", f"svc-{i}") for i in range(workflows)]
    body = runs_request(ids, repos, runs=10)
    assert problems(github_schema, body) == []
    assert body["variables"]["w0"] == "W_kwDO0"
    assert body["variables"][f"n{workflows - 1}"] == f"svc-{workflows - 1}"
    assert body["variables"]["runs"] == 10
    assert "rateLimit { cost limit remaining resetAt used }" in str(body["query"])


def test_the_jobs_and_probe_queries_are_valid(github_schema):
    body = jobs_request([f"CS_kwDO{i}" for i in range(JOBS_BATCH)], jobs=50)
    assert problems(github_schema, body) == []
    assert body["variables"]["jobs"] == 50
    assert problems(github_schema, {"query": PROBE_QUERY}) == []


def test_batches_are_bounded_and_pages_clamped():
    with pytest.raises(ValueError, match="at most 50 workflows"):
        runs_request([f"W{i}" for i in range(RUNS_BATCH + 1)], [])
    with pytest.raises(ValueError, match="at most 50 check suites"):
        jobs_request([f"CS{i}" for i in range(JOBS_BATCH + 1)])
    assert runs_request(["W"], [], runs=500)["variables"]["runs"] == 100
    assert jobs_request(["CS"], jobs=0)["variables"]["jobs"] == 1


def test_the_world_serves_exactly_the_schema_the_tests_check_against():
    assert WORLD_SCHEMA.read_text(encoding="utf-8") == SCHEMA_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("api", "endpoint"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://api.github.com/", "https://api.github.com/graphql"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"),
        ("http://127.0.0.1:8080/github", "http://127.0.0.1:8080/github/graphql"),
    ],
)
def test_the_graphql_endpoint_follows_the_rest_url(api, endpoint):
    assert graphql_url(api) == endpoint


# -- answers -------------------------------------------------------------------------------


def test_a_recorded_not_found_is_charged_to_its_alias():
    answer = split_answer(load("github/graphql-node-not-found-200.json"))
    assert answer.has_data
    assert answer.value("node") is None
    (problem,) = answer.problems("node")
    assert problem.type == "NOT_FOUND"
    assert problem.path == ("node",)
    assert "D_abcdefgh" in problem.message
    assert not refused(answer)


def test_a_recorded_plain_answer_has_its_fields_and_no_budget():
    answer = split_answer(load("github/graphql-query-200.json"))
    assert answer.value("repository") == {"url": "https://github.com/PyGithub/PyGithub"}
    assert answer.failed == {}
    assert answer.budget is None


def test_an_error_on_one_alias_leaves_the_others_whole():
    answer = split_answer(load("github/graphql-runs-partial-not-found.json"))
    assert answer.value("w1") is None
    assert answer.value("w0")["name"] == "release"
    assert answer.value("r1")["nameWithOwner"] == "acme/search"
    assert [p.type for p in answer.problems("w1")] == ["NOT_FOUND"]
    assert answer.general == ()


def test_the_budget_comes_from_rate_limit():
    budget = split_answer(load("github/graphql-workflow-runs.json")).budget
    assert budget is not None
    assert (budget.cost, budget.limit, budget.remaining, budget.used) == (1, 5000, 4987, 13)
    assert budget.reset_at == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_refusals_and_rate_limits_are_told_apart():
    scopes = split_answer(load("github/graphql-insufficient-scopes-200.json"))
    limited = split_answer(load("github/graphql-rate-limited-200.json"))
    unprocessable = split_answer(load("github/graphql-mutation-unprocessable-200.json"))
    assert refused(scopes)
    assert not rate_limited(scopes)
    assert rate_limited(limited)
    assert not refused(limited)
    assert not refused(unprocessable)
    assert not rate_limited(unprocessable)
    assert not scopes.has_data


def test_garbage_is_an_answer_without_data_not_a_crash():
    for payload in (None, [], "oops", {"data": "x"}, {"errors": "x"}):
        answer = split_answer(payload)
        assert not answer.has_data
        assert answer.fields == {}


def test_workflow_node_ids_from_the_recorded_list_and_one_workflow():
    listed = load("github/actions-workflows-list.json")
    assert parse_workflow_ids(listed) == tuple(w["node_id"] for w in listed["workflows"])
    assert parse_workflow_ids(listed["workflows"][0]) == ("MDg6V29ya2Zsb3cxMDI2Mzkw",)
    assert parse_workflow_ids({"message": "Not Found"}) == ()


# -- change sets -----------------------------------------------------------------------------


def test_the_compare_query_is_valid(github_schema):
    body = compare_request([("acme", "checkout", "v2.7.0", "v2.8.0")] * COMPARE_BATCH)
    assert problems(github_schema, body) == []
    assert body["variables"]["b0"] == "refs/tags/v2.7.0"
    assert body["variables"]["h0"] == "refs/tags/v2.8.0"
    with pytest.raises(ValueError, match="at most 50 ranges"):
        compare_request([("a", "b", "c", "d")] * (COMPARE_BATCH + 1))


def test_a_comparison_reads_as_rests_compare():
    answer = split_answer(load("github/graphql-compare.json"))
    payload = comparison_payload(answer.value("c0"), "v2.7.0", "v2.8.0")
    assert isinstance(payload, dict)
    change = parse_compare(payload, "2.7.0", "2.8.0")
    assert change.commits == 3
    assert change.pull_requests == (42, 40)
    assert change.authors == ("alice", "bob", "Release Bot")
    assert change.first_commit_at == datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
    assert change.url == "https://github.com/acme/checkout/compare/v2.7.0...v2.8.0"


def test_a_missing_tag_is_no_change_set_and_a_long_range_goes_to_rest():
    answer = split_answer(load("github/graphql-compare.json"))
    assert comparison_payload(answer.value("c1"), "v0.0.1", "v2.8.0") is None
    assert comparison_payload(answer.value("c2"), "v1.0.0", "v5.4.0") == LONG
