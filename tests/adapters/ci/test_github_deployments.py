"""GitHub Deployments backfill: bounded fetching, statuses, lead times, partial reads."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from release_cockpit.adapters.ci.github_deployments import fetch_deployments
from release_cockpit.adapters.http import HttpClient
from release_cockpit.domain.history import ReleaseOutcome
from release_cockpit.errors import AuthError, BadResponse, NotFound
from tests.support.adapters import TOKEN, Backend, load, make_settings
from tests.support.github_payloads import (
    SHA_A,
    SHA_B,
    deployment_payload,
    status_payload,
    t,
)

# -- fetching over httpx.MockTransport ----------------------------------------------------

REPO = "/repos/acme/checkout"


@pytest.fixture
async def http(backend: Backend):
    client = HttpClient(
        make_settings("github-deployments"),
        headers={"Authorization": f"Bearer {TOKEN}"},
        transport=backend.transport,
    )
    yield client
    await client.aclose()


async def test_fetch_follows_pages_stops_at_since_and_reads_statuses(backend, http):
    next_url = f"https://backend.test{REPO}/deployments?environment=production&page=2"
    backend.on(
        "GET",
        f"{REPO}/deployments",
        httpx.Response(
            200,
            json=[deployment_payload(3, SHA_A, t(12)), deployment_payload(2, SHA_B, t(10))],
            headers={"Link": f'<{next_url}>; rel="next"'},
        ),
        httpx.Response(
            200,
            json=[deployment_payload(1, SHA_A, t(9)), deployment_payload(0, SHA_B, t(1))],
            headers={"Link": f'<{next_url}&page=3>; rel="next"'},
        ),
    )
    backend.json("GET", f"{REPO}/deployments/3/statuses", status_payload(("success", t(12, 3))))
    backend.json(
        "GET",
        f"{REPO}/deployments/2/statuses",
        status_payload(("success", t(10, 5)), ("inactive", t(12, 3))),
    )
    backend.json("GET", f"{REPO}/deployments/1/statuses", status_payload(("success", t(9, 5))))
    # Lead time: each deployed sha against the one live before it (deployment 0, older
    # than the window, for the first); the rollback to A is behind B: no commits.
    backend.json("GET", f"{REPO}/compare/{SHA_B}...{SHA_A}", load("github/compare-tags.json"))
    backend.json("GET", f"{REPO}/compare/{SHA_A}...{SHA_B}", load("github/compare-tags.json"))
    read = await fetch_deployments(http, "acme/checkout", "production", t(8), team="pay")
    records = read.records
    assert read.missing == ()
    assert [r.version for r in records] == ["aaaaaaa", "bbbbbbb", "aaaaaaa"]
    assert {r.first_commit_at for r in records} == {datetime(2026, 11, 18, 9, 30, tzinfo=UTC)}
    assert records[1].outcome is ReleaseOutcome.ROLLED_BACK
    assert {(r.key, r.service, r.team) for r in records} == {("checkout", "checkout", "pay")}
    lists = [r for r in backend.sent() if r.url.path.endswith("/deployments")]
    assert len(lists) == 2  # page 2 reached deployments older than since: no page 3
    assert lists[0].url.params["environment"] == "production"
    assert lists[0].url.params["per_page"] == "100"
    assert lists[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert not any(r.url.path.endswith("/0/statuses") for r in backend.sent())
    status_calls = [r for r in backend.sent() if r.url.path.endswith("/statuses")]
    assert all(r.url.params["per_page"] == "100" for r in status_calls)


async def test_fetch_is_bounded_by_max_pages(backend, http):
    url = f"https://backend.test{REPO}/deployments?page=2"
    backend.on(
        "GET",
        f"{REPO}/deployments",
        httpx.Response(200, json=[], headers={"Link": f'<{url}>; rel="next"'}),
    )
    read = await fetch_deployments(http, "acme/checkout", "production", t(0), max_pages=3)
    assert (read.records, read.missing) == ([], ())
    assert len(backend.sent()) == 3


async def test_fetch_maps_errors(backend, http):
    backend.json("GET", f"{REPO}/deployments", {"message": "Not Found"}, status=404)
    with pytest.raises(NotFound) as caught:
        await fetch_deployments(http, "acme/checkout", "production", t(0))
    assert caught.value.backend == "test-backend"
    assert TOKEN not in str(caught.value)
    with pytest.raises(NotFound, match="not a GitHub repository name"):
        await fetch_deployments(http, "just-a-name", "production", t(0))


async def test_fetch_rejects_a_non_list_answer(backend, http):
    backend.json("GET", f"{REPO}/deployments", {"deployments": []})
    with pytest.raises(BadResponse, match="GitHub deployments"):
        await fetch_deployments(http, "acme/checkout", "production", t(0))


def _three_deployments(backend) -> None:
    backend.json(
        "GET",
        f"{REPO}/deployments",
        [
            deployment_payload(3, "c" * 40, t(12)),
            deployment_payload(2, SHA_B, t(10)),
            deployment_payload(1, SHA_A, t(9)),
        ],
    )
    backend.json("GET", f"{REPO}/deployments/3/statuses", status_payload(("success", t(12, 3))))
    backend.json("GET", f"{REPO}/deployments/1/statuses", status_payload(("success", t(9, 5))))


async def test_one_deployment_whose_statuses_are_missing_keeps_the_rest(backend, http):
    _three_deployments(backend)
    backend.json("GET", f"{REPO}/deployments/2/statuses", {"message": "Not Found"}, status=404)
    backend.json("GET", f"{REPO}/compare/{SHA_A}...{'c' * 40}", load("github/compare-tags.json"))
    read = await fetch_deployments(http, "acme/checkout", "production", t(8))
    assert [r.version for r in read.records] == ["aaaaaaa", "ccccccc"]
    (missing,) = read.missing
    assert missing.startswith("deployment 2 (bbbbbbb): statuses not read: ")
    assert "HTTP 404" in missing
    # The oldest has nothing before it to compare with; the newest compares with it.
    assert read.records[0].first_commit_at is None
    assert read.records[1].first_commit_at == datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


async def test_a_compare_that_fails_leaves_that_lead_time_empty_and_says_so(backend, http):
    _three_deployments(backend)
    backend.json("GET", f"{REPO}/deployments/2/statuses", status_payload(("success", t(10, 5))))
    backend.json("GET", f"{REPO}/compare/{SHA_A}...{SHA_B}", {"message": "Server Error"}, 500)
    backend.json("GET", f"{REPO}/compare/{SHA_B}...{'c' * 40}", load("github/compare-tags.json"))
    read = await fetch_deployments(http, "acme/checkout", "production", t(8))
    assert [r.first_commit_at is not None for r in read.records] == [False, False, True]
    (missing,) = read.missing
    assert missing.startswith("deployment 2 (bbbbbbb): commits not read: ")


async def test_refused_credentials_on_statuses_fail_the_whole_read(backend, http):
    _three_deployments(backend)
    backend.json("GET", f"{REPO}/deployments/2/statuses", {"message": "Bad credentials"}, 401)
    with pytest.raises(AuthError):
        await fetch_deployments(http, "acme/checkout", "production", t(8))
