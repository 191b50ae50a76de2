"""The per-track p99 template and the missing-data canary, over real HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from release_cockpit_demo.query_templates import Query, match_query
from tests.support.demo_clock import START, FakeClock

QUERY = "/prometheus/api/v1/query"
RANGE = "/prometheus/api/v1/query_range"
ROLLOUTS = "/k8s/apis/argoproj.io/v1alpha1/namespaces/production/rollouts"
EMPTY_VECTOR = {"status": "success", "data": {"resultType": "vector", "result": []}}


def instant(client: httpx.Client, query: str, **extra: str) -> dict:
    response = client.post(QUERY, data={"query": query, **extra})
    assert response.status_code == 200
    return response.json()


def by_track(client: httpx.Client, service: str, **extra: str) -> dict[str, float]:
    body = instant(client, Query.P99_BY_TRACK.query(service), **extra)
    assert body["status"] == "success"
    assert body["data"]["resultType"] == "vector"
    result = body["data"]["result"]
    assert all(sorted(sample["metric"]) == ["service", "track"] for sample in result)
    assert {sample["metric"]["service"] for sample in result} <= {service}
    return {sample["metric"]["track"]: float(sample["value"][1]) for sample in result}


def by_track_range(client: httpx.Client, service: str, start: float, end: float) -> list[dict]:
    query = Query.P99_BY_TRACK.query(service)
    params = {"query": query, "start": str(start), "end": str(end), "step": "15s"}
    body = client.post(RANGE, data=params).json()
    assert body["status"] == "success"
    assert body["data"]["resultType"] == "matrix"
    return body["data"]["result"]


def test_the_template_is_the_one_the_brief_names():
    assert Query.P99_BY_TRACK.query("payments", "a.b") == (
        "histogram_quantile(0.99, sum by (le, service, track) "
        '(rate(http_request_duration_seconds_bucket{service=~"payments|a\\\\.b"}[5m])))'
    )
    spaced = Query.P99_BY_TRACK.query("ledger").replace(
        "(le, service, track)", "( le ,service, track )"
    )
    assert match_query(spaced) == (Query.P99_BY_TRACK, "ledger")


def test_the_bad_canary_is_clearly_slower_than_stable(client: httpx.Client):
    tracks = by_track(client, "payments")
    assert set(tracks) == {"canary", "stable"}
    assert tracks["stable"] == pytest.approx(0.2, rel=0.1)
    assert tracks["canary"] > 3.5 * tracks["stable"]
    # The canary series is the canary template's value: one world, two ways to ask.
    [canary] = instant(client, Query.P99_LATENCY.query("payments"))["data"]["result"]
    assert float(canary["value"][1]) == tracks["canary"]


def test_the_canary_series_is_absent_without_canary_traffic(client: httpx.Client, clock: FakeClock):
    # Checkout is building, catalog is fully promoted (weight 0), ledger's blue-green
    # preview takes no production traffic: the stable track alone has requests.
    for service in ("checkout", "catalog", "ledger"):
        assert list(by_track(client, service)) == ["stable"], service
    clock.to(50)  # checkout's canary takes 10 % from 46 s (CI 40 s, deploy 2 s, scaling 4 s)
    tracks = by_track(client, "checkout")
    assert list(tracks) == ["canary", "stable"]
    # Healthy: the same baseline with noise of its own, well inside a 25 % tolerance.
    assert tracks["canary"] != tracks["stable"]
    assert tracks["canary"] == pytest.approx(tracks["stable"], rel=0.25)


def test_an_abort_removes_the_canary_series_but_not_its_past(
    client: httpx.Client, clock: FakeClock
):
    clock.to(5)
    aborted = client.patch(
        f"{ROLLOUTS}/payments/status",
        content=json.dumps({"status": {"abort": True}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert aborted.status_code == 200
    assert list(by_track(client, "payments")) == ["stable"]
    assert list(by_track(client, "payments", time=str(START))) == ["canary", "stable"]


def test_the_range_query_has_a_series_per_track_while_it_had_traffic(client: httpx.Client):
    canary, stable = by_track_range(client, "payments", START - 300, START)
    assert (canary["metric"], stable["metric"]) == (
        {"service": "payments", "track": "canary"},
        {"service": "payments", "track": "stable"},
    )
    assert len(stable["values"]) == 21
    # Payments' canary has taken traffic since ~105.5 s before the start (its rollout began
    # ~109.5 s before, then 4 s of scaling): the canary series starts at the -105 s step.
    times = [round(t - START) for t, _ in canary["values"]]
    assert times == [-105 + 15 * i for i in range(8)]
    assert float(canary["values"][-1][1]) > 3.5 * float(stable["values"][-1][1])
    stable_values = [float(v) for _, v in stable["values"]]
    assert max(stable_values) < 0.25
    assert min(stable_values) > 0.15


def test_notifications_canary_takes_traffic_without_an_error_ratio(client: httpx.Client):
    status = client.get(f"{ROLLOUTS}/notifications").json()["status"]
    assert status["phase"] == "Paused"
    assert status["canary"]["weights"]["canary"]["weight"] == 10
    # The new version does not export its request counter: the canary's ratio is empty.
    assert instant(client, Query.ERROR_RATIO.query("notifications")) == EMPTY_VECTOR
    tracks = by_track(client, "notifications")
    assert list(tracks) == ["canary", "stable"]
    assert tracks["stable"] == pytest.approx(0.11, rel=0.1)
    [p99] = instant(client, Query.P99_LATENCY.query("notifications"))["data"]["result"]
    assert float(p99["value"][1]) == pytest.approx(0.11, rel=0.1)
    alerts = client.get("/alertmanager/api/v2/alerts", params={"filter": 'service="notifications"'})
    assert alerts.json() == []


def test_notifications_range_stops_when_the_canary_took_traffic(client: httpx.Client):
    query = Query.ERROR_RATIO.query("notifications")
    params = {"query": query, "start": str(START - 120), "end": str(START), "step": "10s"}
    [series] = client.post(RANGE, data=params).json()["data"]["result"]
    # The canary takes traffic from 30 s before the start on: no request counter from then.
    assert [round(t - START) for t, _ in series["values"]] == [-120 + 10 * i for i in range(9)]
    tracks = by_track_range(client, "notifications", START - 120, START)
    assert [t["metric"]["track"] for t in tracks] == ["canary", "stable"]


def test_notifications_ratio_returns_once_the_canary_is_done(
    client: httpx.Client, clock: FakeClock
):
    clock.to(60)  # 30 % now, still no request counter from the canary
    assert instant(client, Query.ERROR_RATIO.query("notifications")) == EMPTY_VECTOR
    clock.to(120)  # fully promoted at 98 s: soaking, no canary track
    status = client.get(f"{ROLLOUTS}/notifications").json()["status"]
    assert status["phase"] == "Healthy"
    [sample] = instant(client, Query.ERROR_RATIO.query("notifications"))["data"]["result"]
    assert float(sample["value"][1]) < 0.005
    assert list(by_track(client, "notifications")) == ["stable"]
