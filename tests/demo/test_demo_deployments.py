"""The demo GitHub's Deployments API over real HTTP on loopback: the documented shapes,
newest-first lists, Link pagination, filters, 404s, and a month of history per line that
is the same on every run and gives DORA something to measure."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from release_cockpit.adapters.ci.github_deployment_records import (
    DeploymentState,
    parse_deployments,
    parse_statuses,
    to_records,
)
from release_cockpit.domain.history import ReleaseOutcome
from release_cockpit_demo import DemoServer
from release_cockpit_demo.deployments import HISTORY_DAYS, past_deployments
from release_cockpit_demo.deployments import DeploymentState as DemoState
from release_cockpit_demo.line import DAY, head_sha
from release_cockpit_demo.release_lines import LineSpec, line_specs
from tests.support.demo_clock import START, FakeClock

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
DEPLOYMENTS = "/github/repos/acme/{}/deployments"
STATES = {"error", "failure", "inactive", "pending", "success", "queued", "in_progress"}
LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def fixture(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text())


def links(response: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("Link", ""))}


def all_pages(client: httpx.Client, path: str, params: dict) -> tuple[list[dict], int]:
    """Every item of a paginated list, following rel="next"; and the number of pages."""
    response = client.get(path, params=params)
    items, pages = [], 1
    while True:
        assert response.status_code == 200
        items += response.json()
        following = links(response).get("next")
        if following is None:
            return items, pages
        response = client.get(following)
        pages += 1


def test_deployments_have_the_documented_fields_and_come_newest_first(client: httpx.Client):
    response = client.get(DEPLOYMENTS.format("checkout"), params={"environment": "production"})
    assert response.status_code == 200
    assert response.headers["ETag"].startswith('W/"')
    body = response.json()
    assert len(body) == 9
    recorded = fixture("deployments-list.json")[0]
    for item in body:
        assert set(item) == set(recorded)
        assert item["environment"] == item["original_environment"] == "production"
        assert item["production_environment"] is True
        assert item["transient_environment"] is False
        assert item["task"] == "deploy"
        assert item["statuses_url"] == f"{item['url']}/statuses"
        assert item["url"].endswith(f"/github/repos/acme/checkout/deployments/{item['id']}")
        assert item["creator"]["login"]
    created = [item["created_at"] for item in body]
    assert created == sorted(created, reverse=True)
    assert [i["id"] for i in body] == sorted((i["id"] for i in body), reverse=True)
    # The newest is the line's running version, on the commit its CI run built.
    assert body[0]["ref"] == "v2.7.4"
    assert body[0]["sha"] == head_sha("acme/checkout", "2.7.4")
    assert parse_deployments(body)[0].created_at == datetime(2026, 11, 17, 11, 6, 40, tzinfo=UTC)


def test_environment_filter_and_staging_first(client: httpx.Client):
    everything = client.get(DEPLOYMENTS.format("payments"), params={"per_page": 100}).json()
    staging = client.get(DEPLOYMENTS.format("payments"), params={"environment": "staging"}).json()
    assert {d["environment"] for d in everything} == {"production", "staging"}
    assert staging
    assert all(d["environment"] == "staging" for d in staging)
    assert all(d["production_environment"] is False for d in staging)
    production = [d for d in everything if d["environment"] == "production"]
    # Every version (not the rollbacks) reached staging shortly before production.
    for deployment in production:
        if deployment["ref"].startswith("v"):
            before = [s for s in staging if s["ref"] == deployment["ref"]]
            assert len(before) == 1
            assert before[0]["created_at"] < deployment["created_at"]
    by_sha = client.get(
        DEPLOYMENTS.format("payments"), params={"sha": production[0]["sha"], "per_page": 100}
    ).json()
    assert {d["sha"] for d in by_sha} == {production[0]["sha"]}
    assert client.get(DEPLOYMENTS.format("payments"), params={"environment": "qa"}).json() == []


def test_link_pagination_walks_every_deployment_once(client: httpx.Client):
    whole = client.get(DEPLOYMENTS.format("auth"), params={"per_page": 100}).json()
    paged, pages = all_pages(client, DEPLOYMENTS.format("auth"), {"per_page": 4})
    assert pages == (len(whole) + 3) // 4 > 2
    assert [d["id"] for d in paged] == [d["id"] for d in whole]
    first = client.get(DEPLOYMENTS.format("auth"), params={"per_page": 4})
    rels = links(first)
    assert set(rels) == {"next", "last"}
    assert "per_page=4" in rels["next"]
    assert "page=2" in rels["next"]
    last = client.get(rels["last"])
    assert set(links(last)) == {"first", "prev"}
    assert len(client.get(DEPLOYMENTS.format("auth")).json()) == min(30, len(whole))


def test_statuses_are_documented_newest_first_and_paginated(client: httpx.Client):
    newest = client.get(DEPLOYMENTS.format("checkout"), params={"per_page": 1}).json()[0]
    response = client.get(newest["statuses_url"])
    assert response.status_code == 200
    statuses = response.json()
    recorded = fixture("deployment-statuses-list-queued.json")[0]
    for status in statuses:
        assert set(status) == set(recorded)
        assert status["state"] in STATES
        assert status["deployment_url"] == newest["url"]
        assert status["environment"] == newest["environment"]
        assert status["url"] == f"{newest['url']}/statuses/{status['id']}"
    assert [s["state"] for s in statuses] == ["success", "in_progress", "queued"]
    assert [s["id"] for s in statuses] == sorted((s["id"] for s in statuses), reverse=True)
    assert statuses[-1]["created_at"] == newest["created_at"]
    assert newest["updated_at"] == statuses[0]["created_at"]
    path = f"{DEPLOYMENTS.format('checkout')}/{newest['id']}/statuses"
    paged, pages = all_pages(client, path, {"per_page": 1})
    assert pages == 3
    assert paged == statuses
    one = client.get(f"{DEPLOYMENTS.format('checkout')}/{newest['id']}")
    assert one.status_code == 200
    assert one.json() == newest


def test_unknown_repo_or_deployment_is_a_basic_error_404(client: httpx.Client):
    other = client.get(DEPLOYMENTS.format("ledger"), params={"per_page": 1}).json()[0]["id"]
    for path in (
        DEPLOYMENTS.format("nope"),
        f"{DEPLOYMENTS.format('checkout')}/{other}/statuses",
        f"{DEPLOYMENTS.format('checkout')}/12345/statuses",
        f"{DEPLOYMENTS.format('checkout')}/12345",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        body = response.json()
        assert body["message"] == "Not Found"
        assert body["documentation_url"].startswith("https://docs.github.com/rest/deployments")


def test_the_list_answers_304_to_its_etag_without_spending_quota(client: httpx.Client):
    first = client.get(DEPLOYMENTS.format("catalog"))
    remaining = int(first.headers["x-ratelimit-remaining"])
    again = client.get(
        DEPLOYMENTS.format("catalog"), headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert int(again.headers["x-ratelimit-remaining"]) == remaining


def test_the_history_is_the_same_on_every_run(clock: FakeClock):
    bodies = []
    for _ in range(2):
        with DemoServer(clock=clock) as server, httpx.Client(base_url=server.url) as http:
            listed = http.get(DEPLOYMENTS.format("ledger"), params={"per_page": 100}).json()
            statuses = http.get(f"{DEPLOYMENTS.format('ledger')}/{listed[3]['id']}/statuses")
            # The only difference two runs may have: the port in the API URLs.
            bodies.append(repr((listed, statuses.json())).replace(server.url, "URL"))
    assert bodies[0] == bodies[1]
    # Later worlds see the same history, shifted with their start.
    spec = line_specs()[3]
    now, later = past_deployments(spec, START), past_deployments(spec, START + DAY)
    assert [d.id for d in now] == [d.id for d in later]
    assert [d.created_at + DAY for d in now] == [d.created_at for d in later]


def _incidents(spec: LineSpec) -> tuple[int, int]:
    """(failed deploys, rollbacks) of a line's own environment, from the deployments alone."""
    own = [d for d in past_deployments(spec, START) if d.environment == spec.environment]
    failed = sum(d.statuses[-1].state in (DemoState.FAILURE, DemoState.ERROR) for d in own)
    rollbacks = 0
    for n, deployment in enumerate(own):
        earlier = [d.sha for d in own[:n] if d.statuses[2].state is DemoState.SUCCESS]
        if deployment.sha in earlier[:-1] and deployment.sha != earlier[-1]:
            rollbacks += 1
    return failed, rollbacks


def test_each_line_has_a_realistic_month_before_its_current_release():
    for spec in line_specs(120):
        own = [d for d in past_deployments(spec, START) if d.environment == spec.environment]
        current = START + spec.start_offset
        assert all(current - HISTORY_DAYS * DAY <= d.created_at < current for d in own)
        weeks = HISTORY_DAYS / 7
        versions = {d.version for d in own if not d.rollback}
        assert 1 <= len(versions) / weeks <= 3, spec.service
        assert len(own) / weeks <= 3, spec.service
        assert own[-1].version == spec.stable
        assert own[-2].version == spec.previous
        failed, rollbacks = _incidents(spec)
        assert failed >= 1, spec.service
        assert rollbacks >= 1, spec.service
        for deployment in own:
            states = [s.state for s in deployment.statuses]
            assert states[:2] == [DemoState.QUEUED, DemoState.IN_PROGRESS]
            times = [s.created_at for s in deployment.statuses]
            assert times == sorted(times)
            assert times[0] == deployment.created_at


def test_what_the_real_parsers_make_of_it(client: httpx.Client):
    listed = client.get(DEPLOYMENTS.format("notifications"), params={"environment": "production"})
    deployments = parse_deployments(listed.json())
    items = []
    for deployment in deployments:
        path = f"{DEPLOYMENTS.format('notifications')}/{deployment.id}/statuses"
        statuses = parse_statuses(client.get(path).json())
        assert all(s.state is not DeploymentState.UNKNOWN for s in statuses)
        items.append((deployment, statuses))
    records = to_records(items, key="notifications", service="notifications")
    outcomes = [r.outcome for r in records]
    assert outcomes.count(ReleaseOutcome.ROLLED_BACK) == 1
    assert outcomes.count(ReleaseOutcome.FAILED) == 1
    assert outcomes[-1] is ReleaseOutcome.SUCCEEDED
    assert records[-1].version == "2.4.0"
    assert all(r.production for r in records)
    failed = next(r for r in records if r.outcome is ReleaseOutcome.FAILED)
    assert failed.restore_time is not None
    assert failed.restore_time.total_seconds() > 3600


def test_a_line_close_to_zero_keeps_the_history_it_can():
    spec = line_specs(1)[0]
    young = replace(spec, previous="0.0.2", stable="0.0.3")
    own = [d for d in past_deployments(young, START) if d.environment == young.environment]
    assert [d.version for d in own if not d.rollback][-2:] == ["0.0.2", "0.0.3"]
    assert {d.version for d in own} <= {"0.0.0", "0.0.1", "0.0.2", "0.0.3"}
