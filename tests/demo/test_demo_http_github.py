"""The GitHub endpoints over real HTTP on loopback: runs, jobs, ETag/304, quota, compare, rerun."""

from __future__ import annotations

import re

import httpx

from tests.support.demo_clock import FakeClock

RUNS = "/github/repos/acme/{}/actions/workflows/release.yml/runs"
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


def newest(client: httpx.Client, service: str) -> dict:
    response = client.get(RUNS.format(service), params={"per_page": 10}, headers=HEADERS)
    assert response.status_code == 200
    return response.json()["workflow_runs"][0]


def test_runs_are_listed_newest_first_on_both_paths(client: httpx.Client):
    specific = client.get(RUNS.format("checkout"), params={"per_page": 10}).json()
    repo_wide = client.get("/github/repos/acme/checkout/actions/runs").json()
    assert specific == repo_wide
    runs = specific["workflow_runs"]
    assert specific["total_count"] == 3
    assert [r["head_branch"] for r in runs] == ["v2.8.0", "v2.7.4", "v2.7.3"]
    assert runs[0]["html_url"] == f"https://github.com/acme/checkout/actions/runs/{runs[0]['id']}"
    assert runs[0]["path"] == ".github/workflows/release.yml"
    assert runs[1]["conclusion"] == "success"


def test_unknown_repo_or_workflow_is_a_basic_error_404(client: httpx.Client):
    for path in (RUNS.format("nope"), "/github/repos/acme/checkout/actions/workflows/x.yml/runs"):
        response = client.get(path)
        assert response.status_code == 404
        body = response.json()
        assert body["message"] == "Not Found"
        assert body["documentation_url"].startswith("https://docs.github.com/")


def test_etag_304_is_free_and_changes_when_the_world_does(client: httpx.Client, clock: FakeClock):
    first = client.get(RUNS.format("checkout"))
    tag = first.headers["ETag"]
    assert tag.startswith('W/"')
    remaining = int(first.headers["x-ratelimit-remaining"])

    again = client.get(RUNS.format("checkout"), headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == tag
    assert int(again.headers["x-ratelimit-remaining"]) == remaining

    clock.advance(20)  # the build job has started: the run's updated_at moved
    changed = client.get(RUNS.format("checkout"), headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag
    assert int(changed.headers["x-ratelimit-remaining"]) == remaining - 1


def test_rate_limit_headers_count_down_with_a_reset_an_hour_ahead(
    client: httpx.Client, clock: FakeClock
):
    a = client.get("/github/repos/acme/search/actions/runs")
    b = client.get("/github/repos/acme/auth/actions/runs")
    assert a.headers["x-ratelimit-limit"] == "5000"
    assert int(b.headers["x-ratelimit-remaining"]) == int(a.headers["x-ratelimit-remaining"]) - 1
    assert int(b.headers["x-ratelimit-used"]) == int(a.headers["x-ratelimit-used"]) + 1
    assert int(a.headers["x-ratelimit-reset"]) == int(clock.now) + 3600
    assert a.headers["x-ratelimit-resource"] == "core"
    quota = client.get("/github/rate_limit").json()
    assert quota["resources"]["core"]["remaining"] == int(b.headers["x-ratelimit-remaining"])
    assert quota["rate"] == quota["resources"]["core"]


def test_jobs_have_steps_and_github_style_urls(client: httpx.Client, clock: FakeClock):
    clock.to(20)
    run = newest(client, "search")
    response = client.get(
        f"/github/repos/acme/search/actions/runs/{run['id']}/jobs",
        params={"filter": "latest", "per_page": 100},
    )
    payload = response.json()
    assert "Link" not in response.headers
    assert payload["total_count"] == 4
    jobs = {j["name"]: j for j in payload["jobs"]}
    assert list(jobs) == ["build", "unit-tests", "integration-tests", "smoke-tests"]
    failed = jobs["integration-tests"]
    assert re.fullmatch(
        rf"https://github\.com/acme/search/actions/runs/{run['id']}/job/{failed['id']}",
        failed["html_url"],
    )
    steps = {s["name"]: s["conclusion"] for s in failed["steps"]}
    assert steps["Run integration suite"] == "failure"
    assert steps["Complete job"] == "success"
    assert failed["steps"][0]["number"] == 1


def test_jobs_paginate_with_link_headers(client: httpx.Client):
    run = newest(client, "catalog")
    first = client.get(
        f"/github/repos/acme/catalog/actions/runs/{run['id']}/jobs",
        params={"filter": "latest", "per_page": 3},
    )
    assert len(first.json()["jobs"]) == 3
    link = first.headers["Link"]
    next_url = re.search(r'<([^>]+)>; rel="next"', link)
    assert next_url, link
    assert next_url.group(1).startswith(str(client.base_url).rstrip("/") + "/github/")
    second = client.get(next_url.group(1))
    assert [j["name"] for j in second.json()["jobs"]] == ["smoke-tests"]
    assert 'rel="next"' not in second.headers.get("Link", "")


def test_rerun_failed_jobs_makes_a_new_attempt(client: httpx.Client, clock: FakeClock):
    clock.to(20)
    run = newest(client, "search")
    assert run["conclusion"] == "failure"
    url = f"/github/repos/acme/search/actions/runs/{run['id']}/rerun-failed-jobs"
    created = client.post(url)
    assert created.status_code == 201
    assert created.json() == {}
    again = newest(client, "search")
    assert (again["id"], again["run_attempt"], again["status"]) == (run["id"], 2, "queued")
    refused = client.post(url)
    assert refused.status_code == 409
    assert "already running" in refused.json()["message"]
    clock.to(70)
    assert newest(client, "search")["conclusion"] == "success"
    done = client.post(url)
    assert done.status_code in (403, 422)


def test_rerun_of_an_unknown_run_is_404(client: httpx.Client):
    response = client.post("/github/repos/acme/search/actions/runs/1/rerun-failed-jobs")
    assert response.status_code == 404


def test_compare_lists_commits_with_pr_refs_and_one_hostile_message(client: httpx.Client):
    response = client.get("/github/repos/acme/checkout/compare/v2.7.4...v2.8.0")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ahead"
    assert 3 <= body["total_commits"] == body["ahead_by"] == len(body["commits"]) <= 40
    messages = [c["commit"]["message"] for c in body["commits"]]
    assert all(re.search(r"\(#\d{3}\)", m) for m in messages)
    assert any("[bold]" in m and "\x1b[31m" in m for m in messages)
    dates = [c["commit"]["author"]["date"] for c in body["commits"]]
    assert dates == sorted(dates)
    assert all(c["author"]["login"] for c in body["commits"])
    assert body["html_url"] == "https://github.com/acme/checkout/compare/v2.7.4...v2.8.0"
    same = client.get("/github/repos/acme/checkout/compare/v2.7.4...v2.8.0").json()
    assert same == body


def test_compare_of_unknown_tags_is_404(client: httpx.Client):
    assert client.get("/github/repos/acme/checkout/compare/main...v2.8.0").status_code == 404
