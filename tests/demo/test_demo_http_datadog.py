"""The Datadog endpoint of the demo world over real HTTP: keys, the v2 query wire format for
the Datadog line's templates, monitors, rate-limit headers; and the default world without it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from release_cockpit_demo import DemoServer, World
from release_cockpit_demo.datadog_routes import (
    ERRORS,
    HITS,
    P99,
)
from release_cockpit_demo.release_lines import line_specs
from tests.support.demo_clock import START, FakeClock

KEYS = {"DD-API-KEY": "demo-api", "DD-APPLICATION-KEY": "demo-app"}
SCALAR = "/datadog/api/v2/query/scalar"
TIMESERIES = "/datadog/api/v2/query/timeseries"


@pytest.fixture
def dd_client() -> Iterator[httpx.Client]:
    clock = FakeClock()
    with (
        DemoServer(clock=clock, families=("datadog",)) as server,
        httpx.Client(base_url=server.url, timeout=5, verify=False, headers=KEYS) as http,
    ):
        yield http


def body(queries: list[dict], formulas: list[dict] | None = None, span: float = 300) -> dict:
    attributes: dict = {
        "from": int((START - span) * 1000),
        "to": int(START * 1000),
        "queries": [{"data_source": "metrics", "aggregator": "avg", **q} for q in queries],
    }
    if formulas:
        attributes["formulas"] = formulas
    return {"data": {"type": "scalar_request", "attributes": attributes}}


def test_the_datadog_family_adds_a_line_beyond_the_default_world():
    default = [s.service for s in line_specs()]
    extended = [s.service for s in line_specs(families=("datadog",))]
    assert extended == [*default, "recommendations"]
    assert line_specs(families=("datadog",))[-1].health == "datadog"
    assert [s.service for s in World().specs] == default
    with pytest.raises(ValueError, match="unknown demo line family 'nope'"):
        line_specs(families=("nope",))


def test_both_keys_are_required(dd_client):
    answer = dd_client.get("/datadog/api/v2/validate_keys", headers={"DD-APPLICATION-KEY": ""})
    assert answer.status_code == 403
    assert answer.json() == {"errors": ["Forbidden"]}
    assert dd_client.get("/datadog/api/v2/validate_keys").json() == {"status": "ok"}


def test_a_formula_over_two_scoped_queries_is_the_error_ratio(dd_client):
    scope = "{service IN (recommendations,checkout) AND version:canary} by {service}"
    request = body(
        [
            {"name": "errors", "query": f"sum:{ERRORS}{scope}.as_count()"},
            {"name": "hits", "query": f"sum:{HITS}{scope}.as_count()"},
        ],
        [{"formula": "errors / hits", "alias": "ratio"}],
    )
    answer = dd_client.post(SCALAR, json=request)
    assert answer.status_code == 200
    columns = answer.json()["data"]["attributes"]["columns"]
    assert columns[0] == {
        "name": "service",
        "type": "group",
        "values": [["checkout"], ["recommendations"]],
    }
    assert columns[1]["name"] == "ratio"
    checkout, recommendations = columns[1]["values"]
    assert checkout == pytest.approx(0.003, rel=0.1)
    assert recommendations > 0.05  # the bad canary
    limits = {
        k.lower(): v for k, v in answer.headers.items() if k.lower().startswith("x-ratelimit")
    }
    assert limits["x-ratelimit-name"] == "query_scalar"
    assert int(limits["x-ratelimit-remaining"]) < 1200


def test_a_timeseries_answers_one_series_per_query_and_service(dd_client):
    def query(track: str) -> str:
        return f"avg:{P99}{{service IN (recommendations) AND track:{track}}} by {{service}}"

    request = body(
        [
            {"name": "canary", "query": query("canary")},
            {"name": "baseline", "query": query("stable")},
        ]
    )
    request["data"]["type"] = "timeseries_request"
    request["data"]["attributes"]["interval"] = 10_000
    answer = dd_client.post(TIMESERIES, json=request)
    assert answer.status_code == 200, answer.text
    attributes = answer.json()["data"]["attributes"]
    assert [s["query_index"] for s in attributes["series"]] == [0, 1]
    assert attributes["series"][0]["group_tags"] == ["service:recommendations"]
    assert len(attributes["times"]) == 30
    assert all(len(v) == 30 for v in attributes["values"])
    canary, baseline = (max(x for x in v if x is not None) for v in attributes["values"])
    assert canary > 2 * baseline


def test_unknown_queries_are_a_400_with_errors(dd_client):
    answer = dd_client.post(SCALAR, json=body([{"name": "a", "query": "not a query"}]))
    assert answer.status_code == 400
    assert "Error parsing query" in answer.json()["errors"][0]
    missing = dd_client.post(SCALAR, json=body([{"name": "a", "query": "avg:no.such{*}"}]))
    assert missing.status_code == 200  # an unknown metric has no data, as in Datadog
    assert all(v is None for v in missing.json()["data"]["attributes"]["columns"][1]["values"])


def test_monitors_of_the_datadog_line(dd_client):
    monitors = dd_client.get("/datadog/api/v1/monitor", params={"page": 0}).json()
    names = {m["name"]: m for m in monitors}
    assert set(names) == {"recommendations 5xx ratio high", "recommendations p99 latency high"}
    firing = names["recommendations 5xx ratio high"]
    assert firing["overall_state"] == "Alert"
    assert firing["priority"] == 1
    assert "service:recommendations" in firing["tags"]
    assert dd_client.get("/datadog/api/v1/monitor", params={"page": 1}).json() == []
