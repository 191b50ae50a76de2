"""Alertmanager: parsing recorded and hand-written alerts, the request, errors, probe."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from release_cockpit.adapters.monitoring.alertmanager import Alertmanager, parse_alerts
from release_cockpit.errors import AuthError, BadResponse
from tests.support.adapters import load


def flattened_groups() -> list[dict]:
    """The recorded v0.27.0 groups as the flat /api/v2/alerts list (one entry per alert)."""
    seen: dict[str, dict] = {}
    for group in load("alertmanager/alert-groups-v0.27.0.json"):
        for alert in group["alerts"]:
            seen.setdefault(alert["fingerprint"], alert)
    return list(seen.values())


def test_parses_the_recorded_flat_answer():
    (alert,) = parse_alerts(load("alertmanager/alerts-amp-single-active.json"))
    assert alert.name == "metric:alerting_rule"
    assert alert.severity == ""
    assert alert.summary == "metric:alerting_rule"
    assert alert.runbook_url == ""
    assert alert.labels == (("alertname", "metric:alerting_rule"),)
    assert alert.starts_at == datetime(2021, 9, 16, 13, 20, 35, 966000, tzinfo=UTC)
    assert alert.fingerprint == "114212a24ca97549"
    assert alert.generator_url.startswith("/graph?g0.expr=")
    assert alert.silenced is False


def test_parses_recorded_alertmanager_alerts_and_spots_the_silenced():
    alerts = parse_alerts(flattened_groups())
    assert len(alerts) == len({a.fingerprint for a in alerts}) > 10
    silenced = [a for a in alerts if a.silenced]
    active = [a for a in alerts if not a.silenced]
    assert silenced
    assert active
    disk = next(a for a in alerts if a.fingerprint == "aae7a1432b5d2f1b")
    assert disk.name == "Free_Disk_Space_Too_Low"
    assert disk.label_map["instance"] == "server5"
    assert [k for k, _ in disk.labels] == sorted(k for k, _ in disk.labels)


def test_hand_written_alerts_with_severity_and_runbooks():
    by_name = {a.name: a for a in parse_alerts(load("alertmanager/alerts-severity-runbook.json"))}
    assert set(by_name) == {
        "HighErrorRate",
        "HighLatency",
        "DiskFillingUp",
        "PodRestarts",
        "FutureState",
    }
    high = by_name["HighErrorRate"]
    assert high.severity == "critical"
    assert high.summary == "5xx ratio above 5% for checkout canary"
    assert high.description.startswith("The canary of checkout")
    assert high.runbook_url == "https://runbooks.example.com/checkout/high-error-rate"
    latency = by_name["HighLatency"]
    assert latency.summary == "p99 latency of payments is above 500ms."
    assert latency.runbook_url == "https://runbooks.example.com/payments/latency"
    assert latency.starts_at == datetime(2026, 11, 27, 12, 6, 30, 250000, tzinfo=UTC)
    assert by_name["DiskFillingUp"].silenced is True
    # An inhibited alert is suppressed too: listed with why, never counted as firing.
    assert by_name["PodRestarts"].silenced is True
    assert by_name["PodRestarts"].suppressed_by == ("inhibited by 0f1e2d3c4b5a6978",)


def test_unknown_states_and_bad_times_do_not_crash_and_text_is_cleaned():
    alerts = parse_alerts(load("alertmanager/alerts-severity-runbook.json"))
    odd = next(a for a in alerts if a.name == "FutureState")
    assert odd.silenced is False
    assert odd.starts_at is None
    assert "\x1b" not in odd.summary
    assert "\x07" not in odd.summary


def test_items_that_are_not_objects_are_skipped():
    assert len(parse_alerts(load("alertmanager/alerts-severity-runbook.json"))) == 5


def test_a_payload_that_is_not_a_list_is_a_bad_response():
    with pytest.raises(BadResponse, match="JSON array"):
        parse_alerts({"alerts": []})


async def test_alerts_asks_for_every_active_alert_suppressed_ones_too(build, backend):
    """Suppressed alerts are read so the detail can list them (never counted): a
    muted alert shows up as "muted by ..." since 0.28, whose filter "muted" older servers
    ignore."""
    backend.json("GET", "/api/v2/alerts", load("alertmanager/alerts-amp-single-active.json"))
    am = build(Alertmanager)
    alerts = await am.alerts()
    assert len(alerts) == 1
    assert str(backend.requests[0].url.query, "ascii") == (
        "active=true&silenced=true&inhibited=true&muted=true"
    )
    assert backend.requests[0].headers["accept"] == "application/json"


def test_an_alert_muted_by_a_time_interval_is_suppressed_and_says_by_what():
    """Alertmanager 0.28 reports time-interval mutes (prometheus/alertmanager#3793):
    state "suppressed" with ``mutedBy``; the shape of the recorded 0.27 item, plus it."""
    item = load("alertmanager/alert-groups-v0.27.0.json")[0]["alerts"][0]
    item["status"] = {
        "state": "suppressed",
        "silencedBy": [],
        "inhibitedBy": [],
        "mutedBy": ["weekend-freeze"],
    }
    (alert,) = parse_alerts([item])
    assert alert.silenced is True
    assert alert.suppressed_by == ("muted by weekend-freeze",)


async def test_a_json_string_error_body_is_in_the_error(build, backend):
    backend.json("GET", "/api/v2/alerts", 'bad matcher format: severity=="x"', status=400)
    am = build(Alertmanager)
    with pytest.raises(BadResponse, match='bad matcher format: severity=="x"') as caught:
        await am.alerts()
    assert caught.value.backend == "test-backend"


async def test_a_500_is_reported_without_a_retry(build, backend):
    backend.on("GET", "/api/v2/alerts", httpx.Response(500, json="internal"))
    am = build(Alertmanager)
    with pytest.raises(BadResponse, match="HTTP 500"):
        await am.alerts()
    assert len(backend.requests) == 1


async def test_a_503_is_retried_then_succeeds(build, backend):
    backend.on(
        "GET",
        "/api/v2/alerts",
        httpx.Response(503),
        httpx.Response(503, headers={"Retry-After": "2"}),
        httpx.Response(200, json=[]),
    )
    am = build(Alertmanager)
    assert await am.alerts() == ()
    assert am.http.last_retry_waits == (None, 2.0)


async def test_a_proxy_401_is_an_auth_error(build, backend):
    backend.on("GET", "/api/v2/alerts", httpx.Response(401))
    am = build(Alertmanager)
    with pytest.raises(AuthError):
        await am.alerts()


async def test_truncated_json_is_a_bad_response(build, backend):
    backend.on(
        "GET",
        "/api/v2/alerts",
        httpx.Response(
            200,
            content=b'[{"labels": {"alertname": "X"',
            headers={"Content-Type": "application/json"},
        ),
    )
    am = build(Alertmanager)
    with pytest.raises(BadResponse, match="not valid JSON"):
        await am.alerts()


async def test_probe_reads_version_and_cluster(build, backend):
    backend.json(
        "GET",
        "/api/v2/status",
        {
            "cluster": {"status": "disabled"},
            "versionInfo": {"version": "0.25.0"},
            "config": {"original": ""},
            "uptime": "2026-11-27T10:00:00Z",
        },
    )
    am = build(Alertmanager)
    result = await am.probe()
    assert result.detail == "Alertmanager 0.25.0, cluster disabled"
    assert (result.reachable, result.authorised) == (True, True)
