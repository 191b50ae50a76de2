"""The GitHub Actions adapter polling over GraphQL, on httpx.MockTransport: 50 workflows
per request, one batch's failure its own, the budget tracked, REST where GraphQL cannot."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from release_cockpit.adapters.ci.github_actions import GitHubActions
from release_cockpit.domain import RunStatus, Target
from release_cockpit.errors import AdapterError, NotFound, RateLimited
from tests.support.adapters import make_settings

RESET = "2026-11-27T12:00:00Z"
SHA = "8f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2"


@dataclass
class Run:
    """One scripted run: of the repository's release workflow, or of its second workflow
    (ids from 2000), which only lines naming no workflow read."""

    id: int
    branch: str | None = "release/1.0.0"  # None: GraphQL names no branch
    status: str = "COMPLETED"
    conclusion: str | None = "SUCCESS"
    updated: str = "2026-11-27T11:00:00Z"
    sha: str = SHA
    head_branch: str = ""  # what REST says (the run detail)
    attempt: int = 1


@dataclass
class FakeGitHub:
    """api.github.com as the adapter sees it: REST workflow lookups and run details, and
    GraphQL answers built from the request's own variables (aliases w{i}, r{j}, s{i})."""

    runs: dict[str, list[Run]] = field(default_factory=dict)
    tags: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    jobs_more: bool = False
    fail_repo: str = ""  # a runs batch holding this repository answers 502
    graphql_status: int = 200
    graphql_body: Any = None
    missing_workflow: str = ""  # GraphQL answers NOT_FOUND for this repository's workflow
    remaining: int = 5000
    long_ranges: bool = False  # every range has more commits than one GraphQL page
    fail_operation: str = ""  # GraphQL requests of this operation answer 502
    rest_gone: str = ""  # REST answers 404 for this repository's runs
    counts: Counter[str] = field(default_factory=Counter)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path == "/graphql":
            return self.graphql(json.loads(request.content))
        match = re.fullmatch(r"/repos/acme/([^/]+)/actions/workflows(?:/([^/]+))?", path)
        if match:
            self.counts["workflow"] += 1
            if match[1] not in self.runs:
                return httpx.Response(404, json={"message": "Not Found"})
            ids = [{"node_id": f"W_{match[1]}"}]
            if match[2] is None:
                self.counts["workflows-list"] += 1
                ids.append({"node_id": f"W_{match[1]}-nightly"})
                return httpx.Response(200, json={"total_count": 2, "workflows": ids})
            return httpx.Response(200, json=ids[0])
        match = re.fullmatch(r"/repos/acme/([^/]+)/actions/runs/(\d+)", path)
        if match:
            self.counts["run"] += 1
            run = next(r for r in self.runs[match[1]] if r.id == int(match[2]))
            return httpx.Response(200, json=self.rest_run(run))
        match = re.fullmatch(r"/repos/acme/([^/]+)/actions/runs/(\d+)/jobs", path)
        if match:
            self.counts["rest-jobs"] += 1
            return httpx.Response(200, json={"total_count": 1, "jobs": [self.rest_job()]})
        if re.fullmatch(r"/repos/acme/[^/]+/compare/.+", path):
            self.counts["rest-compare"] += 1
            return httpx.Response(200, json=self.rest_compare())
        match = re.fullmatch(r"/repos/acme/([^/]+)/actions(?:/workflows/[^/]+)?/runs", path)
        if match:
            self.counts["rest-runs"] += 1
            if match[1] == self.rest_gone:
                return httpx.Response(404, json={"message": "Not Found"})
            listed = [self.rest_run(r) for r in self.runs.get(match[1], [])]
            return httpx.Response(200, json={"total_count": len(listed), "workflow_runs": listed})
        raise AssertionError(f"unexpected {request.method} {request.url}")

    def graphql(self, body: dict[str, Any]) -> httpx.Response:
        self.counts["graphql"] += 1
        self.counts[str(body.get("operationName"))] += 1
        if body.get("operationName") == self.fail_operation:
            return httpx.Response(502, text="<html>Bad Gateway</html>")
        if self.graphql_status != 200 or self.graphql_body is not None:
            return httpx.Response(self.graphql_status, json=self.graphql_body)
        variables = body["variables"]
        data: dict[str, Any] = {}
        errors = []
        for name, value in variables.items():
            if name.startswith("w"):
                repo = value.removeprefix("W_").removesuffix("-nightly")
                if repo == self.fail_repo:
                    return httpx.Response(502, text="<html>Bad Gateway</html>")
                if repo == self.missing_workflow:
                    data[name] = None
                    errors.append({"type": "NOT_FOUND", "path": [name], "message": "gone"})
                    continue
                nightly = value.endswith("-nightly")
                data[name] = {
                    "id": value,
                    "name": "nightly" if nightly else "release",
                    "runs": {
                        "nodes": [
                            self.node(repo, r) for r in self.runs[repo] if (r.id >= 2000) == nightly
                        ]
                    },
                }
            elif name.startswith("n") and body.get("operationName") == "ReleaseCockpitRuns":
                nodes = [{"name": t, "target": {"oid": sha}} for t, sha in self.tags.get(value, [])]
                data[f"r{name[1:]}"] = {
                    "nameWithOwner": f"acme/{value}",
                    "tags": {"pageInfo": {"hasNextPage": False}, "nodes": nodes},
                }
            elif name.startswith("b"):
                total = 250 if self.long_ranges else 1
                commit = {
                    "oid": SHA,
                    "message": "Faster checkout (#42)",
                    "authoredDate": "2026-11-20T09:00:00Z",
                    "author": {"name": "Alice", "user": {"login": "alice"}},
                }
                compare = {
                    "status": "AHEAD",
                    "aheadBy": total,
                    "commits": {"totalCount": total, "nodes": [commit]},
                }
                data[f"c{name[1:]}"] = {
                    "url": f"https://github.com/acme/{variables['n' + name[1:]]}",
                    "base": {"compare": compare},
                }
            elif name.startswith("s") and name[1:].isdigit():
                data[name] = {
                    "id": value,
                    "checkRuns": {
                        "pageInfo": {"hasNextPage": self.jobs_more},
                        "nodes": [
                            {
                                "databaseId": 7,
                                "name": "build",
                                "status": "COMPLETED",
                                "conclusion": "SUCCESS",
                                "detailsUrl": "https://github.com/job/7",
                            }
                        ],
                    },
                    "failed": {"nodes": []},
                }
        self.remaining -= 1
        data["rateLimit"] = {
            "cost": 1,
            "limit": 5000,
            "remaining": self.remaining,
            "resetAt": RESET,
            "used": 5000 - self.remaining,
        }
        answer: dict[str, Any] = {"data": data}
        if errors:
            answer["errors"] = errors
        return httpx.Response(200, json=answer)

    def node(self, repo: str, run: Run) -> dict[str, Any]:
        branch = None if run.branch is None else {"name": run.branch, "prefix": "refs/heads/"}
        return {
            "databaseId": run.id,
            "runNumber": run.id,
            "event": "push",
            "url": f"https://github.com/acme/{repo}/actions/runs/{run.id}",
            "createdAt": f"2026-11-27T10:{run.id % 60:02d}:00Z",
            "updatedAt": run.updated,
            "workflow": {"name": "release"},
            "checkSuite": {
                "id": f"CS_{repo}_{run.id}",
                "status": run.status,
                "conclusion": run.conclusion,
                "updatedAt": run.updated,
                "branch": branch,
                "commit": {"oid": run.sha},
                "creator": {"login": "alice"},
            },
        }

    def rest_run(self, run: Run) -> dict[str, Any]:
        return {
            "id": run.id,
            "head_branch": run.head_branch or run.branch,
            "head_sha": run.sha,
            "run_number": run.id,
            "run_attempt": run.attempt,
            "display_title": "Release",
            "event": "push",
            "status": run.status.lower(),
            "conclusion": run.conclusion.lower() if run.conclusion else None,
            "created_at": f"2026-11-27T10:{run.id % 60:02d}:00Z",
            "updated_at": run.updated,
            "html_url": f"https://github.com/runs/{run.id}",
        }

    @staticmethod
    def rest_compare() -> dict[str, Any]:
        commits = [
            {
                "sha": SHA,
                "commit": {
                    "message": "Fix (#7)",
                    "author": {"name": "Bob", "date": "2026-11-20T09:00:00Z"},
                },
            }
        ]
        return {"status": "ahead", "total_commits": 250, "commits": commits}

    @staticmethod
    def rest_job() -> dict[str, Any]:
        return {"id": 8, "name": "build", "status": "completed", "conclusion": "success"}


def repos(count: int) -> FakeGitHub:
    return FakeGitHub(runs={f"svc-{i:03d}": [Run(1000 + i)] for i in range(count)})


def targets(count: int, workflow: str = "release.yml") -> list[Target]:
    return [Target.of(project=f"acme/svc-{i:03d}", workflow=workflow) for i in range(count)]


@pytest.fixture
async def adapters():
    made: list[GitHubActions] = []

    def build(fake: FakeGitHub, **options: Any) -> GitHubActions:
        adapter = GitHubActions(
            make_settings("github-actions", url="https://api.github.com", **options),
            transport=fake.transport(),
        )
        made.append(adapter)
        return adapter

    yield build
    for adapter in made:
        await adapter.aclose()


def runs_of(answer: tuple | AdapterError) -> tuple:
    assert not isinstance(answer, AdapterError), answer
    return answer


async def test_120_repositories_cost_3_runs_queries(adapters):
    fake = repos(120)
    gh = adapters(fake)
    first = await gh.runs_for(targets(120))
    assert fake.counts["ReleaseCockpitRuns"] == 3
    assert fake.counts["workflow"] == 120  # each workflow's node id, once
    assert fake.counts["ReleaseCockpitJobs"] == 3  # 120 finished runs' jobs, 50 per query
    assert all(runs_of(a)[0].version == "1.0.0" for a in first.values())
    assert [j.name for j in runs_of(first[targets(1)[0]])[0].jobs] == ["build"]
    fake.counts.clear()
    await gh.runs_for(targets(120))
    assert fake.counts == Counter({"graphql": 3, "ReleaseCockpitRuns": 3})


async def test_a_502_on_one_batch_reads_its_repositories_over_rest_this_poll(adapters):
    fake = repos(120)
    fake.fail_repo = "svc-070"  # in the second batch, svc-050..svc-099
    gh = adapters(fake)
    answers = await gh.runs_for(targets(120))
    assert all(runs_of(a)[0].version == "1.0.0" for a in answers.values())
    assert fake.counts["rest-runs"] == 50  # the failed batch's lines, and only those
    assert "GraphQL failed: 50 repositories polled over REST" in gh.usage_note()
    assert "HTTP 502" in gh.usage_note()
    fake.fail_repo = ""
    fake.counts.clear()
    await gh.runs_for(targets(120))
    assert fake.counts["rest-runs"] == 0  # not a refusal: the next poll asks GraphQL again
    assert fake.counts["ReleaseCockpitRuns"] == 3
    assert "failed" not in gh.usage_note()


async def test_a_query_githubs_schema_rejects_is_read_over_rest(adapters):
    # An Enterprise server whose schema lacks a field answers HTTP 200, errors, no data:
    # https://docs.github.com/en/graphql/overview/resource-limitations (error shape)
    fake = repos(2)
    fake.graphql_body = {
        "errors": [
            {
                "path": ["query ReleaseCockpitRuns", "w0", "... on Workflow", "runs"],
                "extensions": {"code": "undefinedField", "typeName": "Workflow"},
                "locations": [{"line": 4, "column": 5}],
                "message": "Field 'runs' doesn't exist on type 'Workflow'",
            }
        ]
    }
    gh = adapters(fake)
    answers = await gh.runs_for(targets(2))
    assert all(runs_of(a)[0].version == "1.0.0" for a in answers.values())
    assert fake.counts["rest-runs"] == 2
    assert "Field 'runs' doesn't exist on type 'Workflow'" in gh.usage_note()
    assert "GraphQL failed: 2 repositories polled over REST" in gh.usage_note()


async def test_when_rest_fails_too_the_line_carries_rests_failure(adapters):
    fake = repos(2)
    fake.graphql_status, fake.graphql_body = 500, {"message": "Server Error"}
    fake.rest_gone = "svc-001"
    answers = await adapters(fake).runs_for(targets(2))
    assert runs_of(answers[targets(2)[0]])[0].version == "1.0.0"
    assert isinstance(answers[targets(2)[1]], NotFound)


async def test_a_failed_jobs_query_reads_those_jobs_over_rest(adapters):
    fake = repos(2)
    fake.fail_operation = "ReleaseCockpitJobs"
    gh = adapters(fake)
    answers = await gh.runs_for(targets(2))
    assert [[j.id for j in runs_of(a)[0].jobs] for a in answers.values()] == [["8"], ["8"]]
    assert fake.counts["rest-jobs"] == 2
    assert "GraphQL failed: this poll's jobs or ranges read over REST" in gh.usage_note()
    assert "HTTP 502" in gh.usage_note()


async def test_the_points_spent_and_left_are_shown(adapters):
    fake = repos(60)
    gh = adapters(fake)
    await gh.runs_for(targets(60))
    assert gh.rate_limit_remaining() == fake.remaining == 4996  # 2 runs + 2 jobs queries
    note = gh.usage_note()
    assert "GraphQL: 4,996/5,000 points left" in note
    assert "last poll 4 queries, 4 points" in note


async def test_errors_with_partial_data_keep_what_arrived(adapters):
    fake = repos(3)
    fake.missing_workflow = "svc-001"
    gh = adapters(fake)
    answers = await gh.runs_for(targets(3))
    assert isinstance(answers[targets(3)[1]], NotFound)
    assert "gone" in str(answers[targets(3)[1]])
    assert runs_of(answers[targets(3)[0]])[0].version == "1.0.0"
    assert runs_of(answers[targets(3)[2]])[0].version == "1.0.0"
    fake.counts.clear()
    fake.missing_workflow = ""
    again = await gh.runs_for(targets(3))
    assert fake.counts["workflow"] == 1  # the vanished workflow is looked up again
    assert runs_of(again[targets(3)[1]])[0].version == "1.0.0"


async def test_a_refusal_is_detected_once_and_polls_go_over_rest(adapters):
    fake = repos(3)
    fake.graphql_status = 403
    fake.graphql_body = {"message": "Resource not accessible by personal access token"}
    gh = adapters(fake)
    answers = await gh.runs_for(targets(3))
    assert all(runs_of(a)[0].version == "1.0.0" for a in answers.values())
    assert fake.counts["rest-runs"] == 3
    assert "GraphQL refused" in gh.usage_note()
    assert "Resource not accessible by personal access token" in gh.usage_note()
    fake.counts.clear()
    await gh.runs_for(targets(3))
    assert fake.counts["graphql"] == 0
    assert fake.counts["rest-runs"] == 3


async def test_a_scope_error_for_the_whole_query_is_a_refusal(adapters, fixture):
    fake = repos(2)
    fake.graphql_body = fixture("github/graphql-insufficient-scopes-200.json")
    gh = adapters(fake)
    answers = await gh.runs_for(targets(2))
    assert all(not isinstance(a, AdapterError) for a in answers.values())
    assert "required scopes" in gh.usage_note()


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ({"token": None}, "no token"),
        ({"graphql": False}, "graphql = false"),
        ({"run_name": "Release {version}"}, "run_name reads run titles"),
    ],
)
async def test_some_backends_poll_over_rest_from_the_start(options, why):
    fake = repos(2)
    settings = make_settings("github-actions", url="https://api.github.com", **options)
    gh = GitHubActions(settings, transport=fake.transport())
    try:
        answers = await gh.runs_for(targets(2))
    finally:
        await gh.aclose()
    assert all(not isinstance(a, AdapterError) for a in answers.values())
    assert fake.counts["graphql"] == 0
    assert fake.counts["rest-runs"] == 2
    assert why in gh.usage_note()
    assert "polling over REST" in gh.usage_note()


async def test_graphql_points_spent_in_http_200_are_rate_limited(adapters, fixture):
    fake = repos(2)
    fake.graphql_body = fixture("github/graphql-rate-limited-200.json")
    answers = await adapters(fake).runs_for(targets(2))
    assert all(isinstance(a, RateLimited) for a in answers.values())
    assert fake.counts["rest-runs"] == 0  # not a refusal: the engine waits for the reset


async def test_a_run_without_branch_or_single_tag_is_read_over_rest_once(adapters):
    fake = FakeGitHub(runs={"svc-000": [Run(1001, branch=None, head_branch="v2.0.0")]})
    fake.tags["svc-000"] = [("v2.0.0", SHA), ("latest", SHA)]
    gh = adapters(fake)
    (answer,) = (await gh.runs_for(targets(1))).values()
    assert (runs_of(answer)[0].ref, runs_of(answer)[0].version) == ("v2.0.0", "2.0.0")
    assert fake.counts["run"] == 1
    fake.counts.clear()
    await gh.runs_for(targets(1))
    assert fake.counts["run"] == 0  # unchanged run: the REST answer is kept


async def test_a_run_pushed_by_the_only_tag_at_its_commit_needs_no_rest(adapters):
    fake = FakeGitHub(runs={"svc-000": [Run(1001, branch=None)]})
    fake.tags["svc-000"] = [("v2.0.0", SHA)]
    (answer,) = (await adapters(fake).runs_for(targets(1))).values()
    assert runs_of(answer)[0].version == "2.0.0"
    assert fake.counts["run"] == 0


async def test_a_failed_run_shown_gets_its_attempt_from_rest(adapters):
    fake = FakeGitHub(runs={"svc-000": [Run(1001, conclusion="FAILURE", attempt=2)]})
    (answer,) = (await adapters(fake).runs_for(targets(1))).values()
    run = runs_of(answer)[0]
    assert (run.status, run.attempt, run.title) == (RunStatus.FAILED, 2, "Release")


async def test_running_jobs_are_asked_every_poll_finished_ones_once(adapters):
    fake = FakeGitHub(
        runs={
            "svc-000": [Run(1003, branch="release/1.1.0", status="IN_PROGRESS", conclusion=None)],
            "svc-001": [Run(1001)],
        }
    )
    gh = adapters(fake)
    await gh.runs_for(targets(2))
    assert fake.counts["ReleaseCockpitJobs"] == 1
    fake.counts.clear()
    await gh.runs_for(targets(2))
    assert fake.counts["ReleaseCockpitJobs"] == 1  # only the running one, in one query


async def test_a_job_list_longer_than_a_page_is_completed_over_rest(adapters):
    fake = repos(1)
    fake.jobs_more = True
    (answer,) = (await adapters(fake).runs_for(targets(1))).values()
    assert [j.id for j in runs_of(answer)[0].jobs] == ["8"]  # REST's list, whole
    assert fake.counts["rest-jobs"] == 1


async def test_every_workflow_of_a_repository_merges_newest_first(adapters):
    # 2xxx runs belong to the repository's second workflow; minutes are id % 60
    fake = FakeGitHub(runs={"svc-000": [Run(2004), Run(1003), Run(2002)]})
    (answer,) = (await adapters(fake).runs_for(targets(1, workflow=""))).values()
    assert [r.id for r in runs_of(answer)] == ["1003", "2004", "2002"]
    assert fake.counts["workflows-list"] == 1


async def test_a_repository_github_does_not_know_is_not_found(adapters):
    fake = repos(1)
    answers = await adapters(fake).runs_for([Target.of(project="acme/nope", workflow="x.yml")])
    assert isinstance(next(iter(answers.values())), NotFound)


async def test_the_ranges_of_one_poll_are_compared_in_one_query(adapters):
    fake = repos(3)
    gh = adapters(fake)
    asks = [gh.changes(t, "1.0.0", "1.1.0") for t in targets(3)]
    found = await asyncio.gather(*asks)
    assert fake.counts["ReleaseCockpitCompare"] == 1
    assert fake.counts["rest-compare"] == 0
    assert [(c.commits, c.pull_requests) for c in found if c] == [(1, (42,))] * 3


async def test_a_range_longer_than_a_page_is_compared_over_rest(adapters):
    fake = repos(1)
    fake.long_ranges = True
    found = await adapters(fake).changes(targets(1)[0], "1.0.0", "2.0.0")
    assert found is not None
    assert (found.commits, found.pull_requests) == (250, (7,))
    assert fake.counts["rest-compare"] == 1


async def test_with_graphql_refused_ranges_are_compared_over_rest(adapters):
    fake = repos(1)
    fake.graphql_status, fake.graphql_body = 401, {"message": "Bad credentials"}
    found = await adapters(fake).changes(targets(1)[0], "1.0.0", "2.0.0")
    assert found is not None
    assert fake.counts["rest-compare"] == 1


async def test_a_failed_compare_query_compares_over_rest(adapters):
    fake = repos(2)
    fake.fail_operation = "ReleaseCockpitCompare"
    gh = adapters(fake)
    found = await asyncio.gather(*(gh.changes(t, "1.0.0", "2.0.0") for t in targets(2)))
    assert [(c.commits, c.pull_requests) for c in found if c] == [(250, (7,))] * 2
    assert fake.counts["rest-compare"] == 2  # after one query (retried as HTTP 502s are)


async def test_a_bug_in_a_compare_query_fails_its_ranges_instead_of_hanging(adapters):
    fake = repos(1)
    fake.graphql_status, fake.graphql_body = 200, None
    gh = adapters(fake)

    async def broken(body):
        raise ValueError("a bug")

    gh.graphql._compare._query = broken
    with pytest.raises(ValueError, match="a bug"):
        await asyncio.wait_for(gh.changes(targets(1)[0], "1.0.0", "2.0.0"), 5)


def running_and_finished() -> FakeGitHub:
    """Two repositories: one with a run in progress, one with a finished run."""
    return FakeGitHub(
        runs={
            "svc-000": [Run(1003, branch="release/1.1.0", status="IN_PROGRESS", conclusion=None)],
            "svc-001": [Run(1001)],
        }
    )


async def test_an_unchanged_answer_is_not_parsed_again_and_a_changed_one_is(adapters, monkeypatch):
    from release_cockpit.adapters.ci import github_graphql_poll

    parsed = Counter()
    real = github_graphql_poll.parse_workflow_runs

    def counting(workflow, reading, tags):
        parsed["workflows"] += 1
        return real(workflow, reading, tags)

    monkeypatch.setattr(github_graphql_poll, "parse_workflow_runs", counting)
    fake = running_and_finished()
    gh = adapters(fake)
    first = await gh.runs_for(targets(2))
    assert parsed["workflows"] == 2
    again = await gh.runs_for(targets(2))
    assert parsed["workflows"] == 2  # the same JSON: the runs read last time
    assert again == first
    fake.runs["svc-000"] = [Run(1003, branch="release/1.1.0", conclusion="FAILURE")]
    changed = await gh.runs_for(targets(2))
    assert parsed["workflows"] == 3  # only the repository whose answer changed
    assert runs_of(changed[targets(1)[0]])[0].status is RunStatus.FAILED


async def test_an_unchanged_answer_that_asked_for_nothing_is_not_completed_again(
    adapters, monkeypatch
):
    from release_cockpit.adapters.ci.github_graphql_poll import GraphQLRuns

    completed = Counter()
    real = GraphQLRuns._complete

    async def counting(self, line, runs):
        completed[line.name] += 1
        return await real(self, line, runs)

    monkeypatch.setattr(GraphQLRuns, "_complete", counting)
    fake = running_and_finished()
    gh = adapters(fake)
    first = await gh.runs_for(targets(2))
    await gh.runs_for(targets(2))  # the finished run's jobs, asked for once, are kept
    assert completed == {"svc-000": 2, "svc-001": 2}
    again = await gh.runs_for(targets(2))
    # Completing the finished run's line asked for nothing last time: its answer stands.
    # The running one's jobs may move without its run changing: asked for every poll.
    assert completed == {"svc-000": 3, "svc-001": 2}
    assert again == first
    assert runs_of(again[targets(2)[1]])[0].jobs  # the kept answer has its jobs
    fake.runs["svc-001"] = [Run(1001, conclusion="FAILURE", updated="2026-11-27T11:05:00Z")]
    changed = await gh.runs_for(targets(2))
    assert completed == {"svc-000": 4, "svc-001": 3}  # a new answer is completed again
    assert runs_of(changed[targets(2)[1]])[0].status is RunStatus.FAILED
