"""GitLab GraphQL: the batched query, its answer per project, errors inside HTTP 200.

The answer is the written fixture described in tests/fixtures/gitlab/SOURCES.md.
"""

from __future__ import annotations

import pytest

from release_cockpit.adapters.ci.gitlab_graphql import (
    MAX_FULL_PATHS,
    PIPELINES_QUERY,
    full_path_batches,
    parse_pipelines_graphql,
    pipelines_request,
)
from release_cockpit.adapters.ci.gitlab_rest import (
    gid_number,
    stages,
    to_ci_run,
)
from release_cockpit.adapters.ci.gitlab_status import GitLabStatus
from release_cockpit.domain.ci import RunStatus
from release_cockpit.errors import BadResponse
from tests.support.gitlab_payloads import (
    BASE,
    REQUESTED,
    graphql,
)

S = GitLabStatus


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
