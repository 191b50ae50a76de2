"""Datadog through the real engine: 50 release lines sharing Datadog templates cost one
request per template per poll (plus the sparkline backfill once), and the answers judge
each line; a monitor in No Data makes its release inconclusive, never OK."""

from __future__ import annotations

import json
from collections import Counter

import httpx

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import VerdictLevel
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from tests.support.clock import FakeClock

SERVICES = [f"svc-{i:03d}" for i in range(50)]
BAD = "svc-007"
ENV = {"DD_API": "dd-api-engine-0123456789", "DD_APP": "dd-app-engine-0123456789"}
RATIO = (
    "errors = sum:trace.http.request.errors{$service AND env:prod} by {service}.as_count(); "
    "hits = sum:trace.http.request.hits{$service AND env:prod} by {service}.as_count(); "
    "errors / hits as ratio"
)
P99 = "avg:trace.http.request.duration.by.service.99p{service:$service,env:prod}"


def config_text() -> str:
    text = (
        '[backends.dd]\ntype = "datadog"\nurl = "https://dd.test"\n'
        'api_key_env = "DD_API"\napp_key_env = "DD_APP"\n\n'
        '[backends.monitors]\ntype = "datadog-monitors"\nurl = "https://dd.test"\n'
        'api_key_env = "DD_API"\napp_key_env = "DD_APP"\n\n'
    )
    for service in SERVICES:
        text += (
            f'[services.{service}]\nenvironment = "production"\n\n'
            f'[[services.{service}.signals]]\nname = "5xx ratio"\nbackend = "dd"\n'
            f"query = '{RATIO}'\nformat = \"percent\"\nfail_above = 0.05\n\n"
            f'[[services.{service}.signals]]\nname = "p99"\nbackend = "dd"\n'
            f"query = '{P99}'\nformat = \"seconds\"\nfail_above = 0.5\n\n"
            f'[services.{service}.alerts]\nbackend = "monitors"\n'
            f"matchers = ['service=\"{service}\"']\n\n"
        )
    return text


class FakeDatadog:
    """Answers scalar, timeseries and monitor requests in Datadog's shapes, counting them."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests[request.url.path] += 1
        if request.url.path == "/api/v1/monitor":
            return httpx.Response(
                200,
                json=[
                    {
                        "id": 1,
                        "name": "svc-003 logs",
                        "overall_state": "No Data",
                        "tags": ["service:svc-003"],
                    }
                ],
            )
        attributes = json.loads(request.content)["data"]["attributes"]
        if request.url.path.endswith("/timeseries"):
            empty: dict[str, list[object]] = {"series": [], "times": [], "values": []}
            return httpx.Response(200, json={"data": {"attributes": empty}})
        formulas = attributes.get("formulas") or []
        if formulas:  # one grouped query answers every service
            services = [[s] for s in SERVICES]
            values = [0.2 if s == BAD else 0.01 for s in SERVICES]
            columns = [
                {"name": "service", "type": "group", "values": services},
                {"name": "ratio", "type": "number", "values": values},
            ]
        else:  # the service:$service form: one query per service (query_s0, query_s1...)
            columns = [
                {"name": q["name"], "type": "number", "values": [0.1]}
                for q in attributes["queries"]
            ]
        return httpx.Response(200, json={"data": {"attributes": {"columns": columns}}})


async def test_fifty_lines_cost_one_request_per_template_per_poll():
    config = parse_config(config_text(), "<engine>", kinds=adapter_kinds())
    backend = FakeDatadog()
    adapters = build_adapters(config, ENV, transport=httpx.MockTransport(backend))
    engine = Engine(config, adapters, clock=FakeClock())
    try:
        snapshot = await engine.poll_once()
        first = dict(backend.requests)
        backend.requests.clear()
        await engine.clock.advance(20)
        await engine.poll_once()
        second = dict(backend.requests)
    finally:
        await engine.stop()
    # Two templates: two scalar requests a poll; the first poll also backfills sparklines
    # with one timeseries request per template; one monitor list.
    assert first == {
        "/api/v2/query/scalar": 2,
        "/api/v2/query/timeseries": 2,
        "/api/v1/monitor": 1,
    }
    assert second == {"/api/v2/query/scalar": 2, "/api/v1/monitor": 1}
    releases = {r.key: r for r in snapshot.releases}
    assert releases[BAD].verdict.level is VerdictLevel.FAILING
    assert releases[BAD].verdict.reason.startswith("5xx ratio 20.0% > 5.0%")
    assert releases["svc-000"].verdict.level is VerdictLevel.OK
    silent = releases["svc-003"]
    assert silent.verdict.level is VerdictLevel.INCONCLUSIVE
    assert silent.verdict.reason.startswith("alert svc-003 logs: no data")
