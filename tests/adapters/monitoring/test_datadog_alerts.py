"""Datadog monitors as an alert source, on the wire: pages, states, mutes, no data, errors."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from release_cockpit.adapters.monitoring.datadog_alerts import PAGE_SIZE, DatadogMonitors
from release_cockpit.domain import AlertMatcher
from release_cockpit.domain.alerts import alerts_for
from release_cockpit.errors import BadResponse, NotFound, RateLimited
from tests.support.adapters import DD_KEYS, Backend, load, make_settings

MONITORS = "/api/v1/monitor"


def monitors(backend: Backend, **options) -> DatadogMonitors:
    settings = make_settings("datadog-monitors", token=None, secrets=dict(DD_KEYS), **options)
    return DatadogMonitors(settings, transport=backend.transport)


@pytest.fixture
async def adapter(backend):
    made = monitors(backend)
    yield made
    await made.aclose()


def by_name(alerts, name):
    return [a for a in alerts if a.name == name]


async def test_firing_monitors_become_alerts_with_priority_as_severity(adapter, backend):
    backend.json("GET", MONITORS, load("datadog/v1-monitor-list-states-derived.json"))
    alerts = await adapter.alerts()
    (request,) = backend.sent()
    query = parse_qs(request.url.query.decode())
    assert query["group_states"] == ["all"]
    assert query["with_downtimes"] == ["true"]
    assert query["page_size"] == [str(PAGE_SIZE)]
    assert request.headers["DD-APPLICATION-KEY"] == DD_KEYS["app_key"]

    checkout = by_name(alerts, "checkout 5xx ratio high")
    # One alert per firing group: P1 Alert on checkout, Warn on search; OK payments is not.
    assert sorted((a.label_map["service"], a.severity) for a in checkout) == [
        ("checkout", "critical"),
        ("search", "warning"),
    ]
    first = next(a for a in checkout if a.label_map["service"] == "checkout")
    assert first.summary == "5xx ratio on is above 5%."  # template markup removed
    assert first.runbook_url == "https://runbooks.example.com/checkout-5xx"
    assert first.label_map["priority"] == "P1"
    assert first.label_map["team"] == "developer_insights"  # tags are labels (first wins)
    assert "@slack" not in first.description
    assert by_name(alerts, "payments latency p95")[0].severity == "warning"
    assert by_name(alerts, "orders queue depth")[0].severity == "critical"  # no priority


async def test_muted_and_downtimed_monitors_are_silenced_not_dropped(adapter, backend):
    backend.json("GET", MONITORS, load("datadog/v1-monitor-list-states-derived.json"))
    alerts = await adapter.alerts()
    assert [a.silenced for a in by_name(alerts, "cart 5xx (muted)")] == [True]
    by_env = {a.label_map["env"]: a.silenced for a in by_name(alerts, "cart latency by env")}
    assert by_env == {"prod": True, "staging": False}  # the downtime scopes env:prod only
    cart = alerts_for(alerts, (AlertMatcher.parse('service="cart"'),))
    assert [(a.name, a.label_map["env"]) for a in cart] == [("cart latency by env", "staging")]


async def test_no_data_monitors_read_as_no_data_never_healthy(adapter, backend):
    backend.json("GET", MONITORS, load("datadog/v1-monitor-list-states-derived.json"))
    alerts = await adapter.alerts()
    silent = [a for a in alerts if a.no_data]
    assert sorted(a.name for a in silent) == ["future state", "search error logs", "unknown state"]
    search = by_name(alerts, "search error logs")[0]
    assert search.summary.startswith("monitor is No Data")
    assert search.word == "no data"
    # OK, Ignored and Skipped monitors raise nothing.
    assert not by_name(alerts, "checkout saturation")
    assert not by_name(alerts, "ignored monitor")


async def test_monitor_tags_narrow_the_list_and_pages_are_followed(backend):
    adapter = monitors(backend, monitor_tags="team:payments, env:prod")
    full = [{"id": i, "name": f"m{i}", "overall_state": "OK"} for i in range(PAGE_SIZE)]
    backend.on(
        "GET",
        MONITORS,
        httpx.Response(200, json=full),
        httpx.Response(200, json=[{"id": 1, "name": "last", "overall_state": "Alert"}]),
    )
    try:
        alerts = await adapter.alerts()
    finally:
        await adapter.aclose()
    pages = [parse_qs(r.url.query.decode()) for r in backend.sent()]
    assert [p["page"] for p in pages] == [["0"], ["1"]]
    assert pages[0]["monitor_tags"] == ["team:payments,env:prod"]
    assert [a.name for a in alerts] == ["last"]


async def test_errors_and_garbage(adapter, backend):
    backend.json("GET", MONITORS, load("datadog/v1-monitor-list-400.json"), status=400)
    with pytest.raises(BadResponse):
        await adapter.alerts()
    backend.routes.clear()
    backend.json("GET", MONITORS, {"unexpected": True})
    with pytest.raises(BadResponse, match="expected a JSON array"):
        await adapter.alerts()
    backend.routes.clear()
    backend.json("GET", MONITORS, load("datadog/v1-monitor-get-404.json"), status=404)
    with pytest.raises(NotFound):
        await adapter.alerts()


async def test_a_spent_monitor_bucket_waits_for_its_reset(adapter, backend):
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "20", "x-ratelimit-limit": "50"}
    backend.json("GET", MONITORS, [], **headers)
    assert await adapter.alerts() == ()
    with pytest.raises(RateLimited):
        await adapter.alerts()
    assert len(backend.sent()) == 1
    assert adapter.rate_limit_remaining() == 0
