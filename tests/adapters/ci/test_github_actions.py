"""GitHub Actions: version options, runs with jobs, ETags, compare, re-run, limits."""

from __future__ import annotations

import copy
import time

import httpx
import pytest

from release_cockpit.adapters.ci import github_actions
from release_cockpit.adapters.ci.github_actions import GitHubActions
from release_cockpit.adapters.ci.github_actions_parsing import (
    DEFAULT_READING,
    parse_runs,
)
from release_cockpit.domain import Action, RunStatus, Target
from release_cockpit.errors import ActionFailed, AuthError, BadResponse, ConfigError, RateLimited
from tests.support.adapters import TOKEN, load, make_settings, meta_headers
from tests.support.github_payloads import run_payload

REPO = "/repos/acme/checkout"
RUNS = f"{REPO}/actions/workflows/release.yml/runs"
TARGET = Target.of(project="acme/checkout", workflow="release.yml")


def jobs_path(run_id: int) -> str:
    return f"{REPO}/actions/runs/{run_id}/jobs"


# -- the version reading chosen by options ------------------------------------------


def test_run_name_option_reads_the_title_when_the_ref_has_no_version():
    gh = GitHubActions(make_settings("github-actions", run_name="Release {version}"))
    payload = run_payload("main", "main")
    payload["workflow_runs"][0]["display_title"] = "Release 1.9.0"
    payload["workflow_runs"][1]["display_title"] = "Bump the lockfile"
    assert [r.version for r in parse_runs(payload, gh.reading)] == ["1.9.0", None]


@pytest.mark.parametrize("key", ["tag_format", "release_branches", "run_name"])
def test_a_version_pattern_without_its_placeholder_names_its_key(key):
    value: object = ["release/"] if key == "release_branches" else "release"
    with pytest.raises(ConfigError) as caught:
        GitHubActions(make_settings("github-actions", **{key: value}))
    assert [p.key for p in caught.value.problems] == [f"backends.test-backend.{key}"]
    assert "{version}" in caught.value.problems[0].hint


# -- the adapter over a scripted backend -------------------------------------------------


async def test_runs_fetches_jobs_for_the_newest_run_of_the_newest_three_versions(build, backend):
    payload = run_payload("v2.8.0", "v2.8.0", "v2.7.0", "main", "v2.6.0", "v2.5.0")
    backend.json("GET", RUNS, payload, ETag='W/"runs"')
    for run_id in (1000, 998, 996):
        backend.json("GET", jobs_path(run_id), load("github/jobs-failed-step.json"))
    gh = build(GitHubActions)

    runs = await gh.runs(TARGET)

    assert [r.version for r in runs] == ["2.8.0", "2.8.0", "2.7.0", None, "2.6.0", "2.5.0"]
    with_jobs = [r.id for r in runs if r.jobs]
    assert with_jobs == ["1000", "998", "996"]
    assert runs[0].jobs[1].failed_steps[0].name == "Run integration suite"
    first = backend.requests[0]
    assert first.url.path == RUNS
    assert first.url.params["per_page"] == "10"
    assert first.headers["accept"] == "application/vnd.github+json"
    assert first.headers["x-github-api-version"] == "2022-11-28"
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert first.headers["user-agent"].startswith("release-cockpit/")
    jobs_request = backend.requests[1]
    assert dict(jobs_request.url.params) == {"filter": "latest", "per_page": "100"}


async def test_runs_without_a_workflow_lists_the_whole_repository(build, backend):
    backend.json("GET", f"{REPO}/actions/runs", run_payload("main"))
    backend.json("GET", jobs_path(1000), load("github/jobs-failed-step.json"))
    gh = build(GitHubActions, runs_per_poll=25)
    (run,) = await gh.runs(Target.of(project="acme/checkout"))
    assert backend.requests[0].url.params["per_page"] == "25"
    # The newest run has no version, and its jobs are read all the same: the panel
    # shows it ("version unknown") rather than hide a failing job.
    assert run.version is None
    assert "'main' is not a release tag or branch" in run.version_problem
    assert [j.name for j in run.jobs if j.status is RunStatus.FAILED] == ["integration-tests"]


async def test_one_run_whose_jobs_answer_404_keeps_the_poll(build, backend):
    backend.json("GET", RUNS, run_payload("v2.8.0", "v2.7.0"))
    backend.json("GET", jobs_path(1000), {"message": "Not Found"}, status=404)
    backend.json("GET", jobs_path(999), load("github/jobs-failed-step.json"))
    gh = build(GitHubActions)

    newest, older = await gh.runs(TARGET)

    assert (newest.version, newest.jobs) == ("2.8.0", ())
    assert "HTTP 404" in newest.jobs_problem
    assert older.jobs
    assert older.jobs_problem == ""


async def test_refused_credentials_on_a_job_list_still_fail_the_poll(build, backend):
    backend.json("GET", RUNS, run_payload("v2.8.0", "v2.7.0"))
    backend.json("GET", jobs_path(1000), {"message": "Bad credentials"}, status=401)
    backend.json("GET", jobs_path(999), load("github/jobs-failed-step.json"))
    gh = build(GitHubActions)
    with pytest.raises(AuthError):
        await gh.runs(TARGET)


async def test_jobs_follow_link_pagination(build, backend, recorded_headers):
    backend.json("GET", RUNS, run_payload("v1.0.0"))
    page1 = load("github/actions-workflow-run-attempt-jobs-page1-link.json")
    headers = recorded_headers("github/actions-workflow-run-attempt-jobs-page1-link.meta.json")
    headers["Link"] = (
        f'<https://backend.test{jobs_path(1000)}?filter=latest&per_page=100&page=2>; rel="next"'
    )
    page2 = load("github/jobs-failed-step.json")
    backend.on(
        "GET",
        jobs_path(1000),
        httpx.Response(200, json=page1, headers=headers),
        httpx.Response(200, json=page2),
    )
    gh = build(GitHubActions)
    (run,) = await gh.runs(TARGET)
    assert [j.name for j in run.jobs] == ["archive-build-artifacts", "build", "integration-tests"]
    assert backend.requests[2].url.params["page"] == "2"


async def test_a_304_reuses_parsed_runs_and_jobs_without_parsing(build, backend, monkeypatch):
    runs_headers = meta_headers("github/actions-workflow-runs-page1-link.meta.json")
    runs_headers.pop("Link")
    jobs_headers = meta_headers("github/actions-workflow-run-jobs-with-steps.meta.json")
    backend.on(
        "GET",
        RUNS,
        httpx.Response(200, json=run_payload("v3.0.0"), headers=runs_headers),
        httpx.Response(304, headers=runs_headers),
    )
    backend.on(
        "GET",
        jobs_path(1000),
        httpx.Response(
            200, json=load("github/actions-workflow-run-jobs-with-steps.json"), headers=jobs_headers
        ),
        httpx.Response(304, headers=jobs_headers),
    )
    calls = {"runs": 0, "jobs": 0}
    real_runs, real_jobs = github_actions.parse_runs, github_actions.parse_jobs

    def counting_runs(payload, reading=DEFAULT_READING):
        calls["runs"] += 1
        return real_runs(payload, reading)

    def counting_jobs(payload):
        calls["jobs"] += 1
        return real_jobs(payload)

    monkeypatch.setattr(github_actions, "parse_runs", counting_runs)
    monkeypatch.setattr(github_actions, "parse_jobs", counting_jobs)
    gh = build(GitHubActions)

    first = await gh.runs(TARGET)
    second = await gh.runs(TARGET)

    assert second == first
    assert len(second[0].jobs) == 5
    assert calls == {"runs": 1, "jobs": 1}
    assert backend.requests[2].headers["if-none-match"] == runs_headers["Etag"]
    # The run has finished: its jobs cannot change, so they are not asked for again.
    assert [r.url.path for r in backend.requests] == [RUNS, jobs_path(1000), RUNS]


async def test_the_jobs_of_a_running_run_are_asked_for_every_poll(build, backend):
    running = run_payload("v3.0.0")
    running["workflow_runs"][0].update(status="in_progress", conclusion=None)
    jobs = load("github/actions-workflow-run-jobs-with-steps.json")
    backend.json("GET", RUNS, running)
    backend.json("GET", jobs_path(1000), jobs)
    gh = build(GitHubActions)

    await gh.runs(TARGET)
    await gh.runs(TARGET)

    assert [r.url.path for r in backend.requests] == [RUNS, jobs_path(1000)] * 2


async def test_a_re_run_asks_for_the_jobs_of_its_new_attempt(build, backend):
    first = run_payload("v3.0.0")
    again = copy.deepcopy(first)
    again["workflow_runs"][0].update(run_attempt=2, updated_at="2030-01-01T00:00:00Z")
    jobs = load("github/actions-workflow-run-jobs-with-steps.json")
    backend.on("GET", RUNS, httpx.Response(200, json=first), httpx.Response(200, json=again))
    backend.json("GET", jobs_path(1000), jobs)
    gh = build(GitHubActions)

    await gh.runs(TARGET)
    await gh.runs(TARGET)

    assert [r.url.path for r in backend.requests] == [RUNS, jobs_path(1000)] * 2


async def test_changes_compares_tags_built_from_the_tag_format(build, backend):
    backend.json(
        "GET", f"{REPO}/compare/release-2.7.0...release-2.8.0", load("github/compare-tags.json")
    )
    gh = build(GitHubActions, tag_format="release-{version}", graphql=False)
    change = await gh.changes(TARGET, "2.7.0", "2.8.0")
    assert change is not None
    assert change.commits == 4
    assert change.pull_requests == (123, 120)


async def test_changes_is_none_when_a_tag_does_not_exist(build, backend):
    backend.json("GET", f"{REPO}/compare/v0.0.1...v2.8.0", {"message": "Not Found"}, status=404)
    gh = build(GitHubActions, graphql=False)
    assert await gh.changes(TARGET, "0.0.1", "2.8.0") is None


async def test_retry_posts_rerun_failed_jobs(build, backend):
    path = f"{REPO}/actions/runs/1000/rerun-failed-jobs"
    backend.json("POST", path, load("github/actions-rerun-failed-jobs-201.json"), status=201)
    gh = build(GitHubActions)
    (run,) = parse_runs(run_payload("v1.0.0"))
    result = await gh.retry(TARGET, run)
    assert result.ok
    assert result.action is Action.RETRY_CI
    assert result.requests == (f"POST {path}",)
    assert "attempt 2" in result.detail
    assert backend.requests[0].method == "POST"


@pytest.mark.parametrize("status", [403, 409, 422])
async def test_retry_refused_is_action_failed_with_githubs_message(build, backend, status):
    path = f"{REPO}/actions/runs/1000/rerun-failed-jobs"
    backend.json("POST", path, load("github/actions-cancel-run-forbidden-403.json"), status=status)
    gh = build(GitHubActions)
    (run,) = parse_runs(run_payload("v1.0.0"))
    with pytest.raises(ActionFailed, match="Must have admin rights to Repository") as caught:
        await gh.retry(TARGET, run)
    assert caught.value.backend == "test-backend"
    assert len(backend.requests) == 1


async def test_recorded_primary_rate_limit_without_reset_waits_at_least_a_minute(
    build, backend, recorded_headers
):
    headers = recorded_headers("github/rate-limit-exceeded-403.meta.json")
    backend.json("GET", RUNS, load("github/rate-limit-exceeded-403.json"), status=403, **headers)
    gh = build(GitHubActions)
    with pytest.raises(RateLimited, match="API Rate Limit Exceeded") as caught:
        await gh.runs(TARGET)
    assert caught.value.retry_after == 60.0
    assert len(backend.requests) == 1
    assert gh.rate_limit_remaining() == 0


async def test_primary_rate_limit_waits_until_the_reset(build, backend):
    reset = int(time.time()) + 600
    backend.json(
        "GET",
        RUNS,
        {"message": "API rate limit exceeded"},
        status=403,
        **{
            "x-ratelimit-remaining": "0",
            "x-ratelimit-limit": "5000",
            "x-ratelimit-reset": str(reset),
        },
    )
    gh = build(GitHubActions)
    with pytest.raises(RateLimited) as caught:
        await gh.runs(TARGET)
    assert 590 <= caught.value.retry_after <= 600


async def test_secondary_rate_limit_obeys_retry_after(build, backend):
    backend.on(
        "GET",
        RUNS,
        httpx.Response(
            403,
            json={"message": "You have exceeded a secondary rate limit"},
            headers={"Retry-After": "3"},
        ),
        httpx.Response(200, json=run_payload()),
    )
    gh = build(GitHubActions)
    await gh.runs(TARGET)
    assert gh.http.last_retry_waits == (3.0,)


async def test_bad_credentials_is_an_auth_error_without_the_token(build, backend):
    backend.json("GET", RUNS, {"message": "Bad credentials"}, status=401)
    gh = build(GitHubActions)
    with pytest.raises(AuthError, match="Bad credentials") as caught:
        await gh.runs(TARGET)
    assert TOKEN not in str(caught.value)


async def test_an_html_page_is_a_bad_response_naming_the_backend(build, backend):
    backend.on(
        "GET",
        RUNS,
        httpx.Response(
            200, text="<html>Unicorn!</html>", headers={"Content-Type": "application/json"}
        ),
    )
    gh = build(GitHubActions)
    with pytest.raises(BadResponse) as caught:
        await gh.runs(TARGET)
    assert caught.value.backend == "test-backend"


async def test_a_wrong_shape_is_attributed_to_the_backend(build, backend):
    backend.json("GET", RUNS, {"total_count": 0})
    gh = build(GitHubActions)
    with pytest.raises(BadResponse, match="workflow_runs") as caught:
        await gh.runs(TARGET)
    assert caught.value.backend == "test-backend"


async def test_probe_reports_the_quota(build, backend):
    backend.json(
        "GET",
        "/rate_limit",
        {"resources": {"core": {"limit": 5000, "remaining": 4999, "reset": 1, "used": 1}}},
        **{"x-ratelimit-remaining": "4999", "x-ratelimit-limit": "5000"},
    )
    backend.json(
        "POST",
        "/graphql",
        {
            "data": {
                "viewer": {"login": "octocat"},
                "rateLimit": {"limit": 5000, "remaining": 4990, "resetAt": "2026-11-27T12:00:00Z"},
            }
        },
    )
    gh = build(GitHubActions)
    result = await gh.probe()
    assert (result.reachable, result.authorised) == (True, True)
    assert "4999/5000 requests left" in result.detail
    assert "GraphQL: 4,990/5,000 points left" in result.detail
    assert result.latency_ms is not None


async def test_probe_says_when_graphql_refuses_the_token(build, backend):
    backend.json("GET", "/rate_limit", {"resources": {"core": {"limit": 5000, "remaining": 1}}})
    backend.json("POST", "/graphql", {"message": "Resource not accessible by integration"}, 403)
    result = await build(GitHubActions).probe()
    assert (result.reachable, result.authorised) == (True, True)
    assert "GraphQL refused" in result.detail
    assert "polls go over REST" in result.detail


async def test_probe_reports_refused_and_unreachable(build, backend):
    backend.on(
        "GET",
        "/rate_limit",
        httpx.Response(401, json={"message": "Bad credentials"}),
        httpx.ConnectError("refused"),
    )
    gh = build(GitHubActions)
    refused = await gh.probe()
    assert (refused.reachable, refused.authorised) == (True, False)
    down = await gh.probe()
    assert (down.reachable, down.authorised) == (False, False)


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"runs_per_poll": 0}, "runs_per_poll"),
        ({"runs_per_poll": "ten"}, "runs_per_poll"),
        ({"tag_format": "v{ver}"}, "tag_format"),
        ({"tag_fromat": "v{version}"}, "tag_fromat"),
    ],
)
def test_bad_options_are_config_errors_with_the_key(options, key):
    with pytest.raises(ConfigError) as caught:
        GitHubActions(make_settings("github-actions", **options))
    assert caught.value.problems[0].key == f"backends.test-backend.{key}"


async def test_a_project_that_is_not_owner_slash_repo_is_explained(build):
    gh = build(GitHubActions)
    with pytest.raises(Exception, match="owner/repo"):
        await gh.runs(Target.of(project="checkout"))
