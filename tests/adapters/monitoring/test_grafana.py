"""Grafana-managed alerts on the wire: the Alertmanager-compatible path, Grafana's states
mapped (suppressed never firing, NoData as no data), organisation header, errors."""

from __future__ import annotations

import copy
from urllib.parse import parse_qs

import pytest

from release_cockpit.adapters.monitoring.grafana import GrafanaAlerts
from release_cockpit.domain import AlertMatcher
from release_cockpit.domain.alerts import alerts_for
from release_cockpit.errors import AuthError, BadResponse
from tests.support.adapters import TOKEN, Backend, load, make_settings

ALERTS = "/api/alertmanager/grafana/api/v2/alerts"


def grafana(backend: Backend, **options) -> GrafanaAlerts:
    return GrafanaAlerts(make_settings("grafana-alerts", **options), transport=backend.transport)


@pytest.fixture
async def adapter(backend):
    made = grafana(backend)
    yield made
    await made.aclose()


async def test_reads_grafana_alerts_with_their_states_mapped(adapter, backend):
    backend.json("GET", ALERTS, load("grafana/alerts-derived.json"))
    alerts = await adapter.alerts()
    (request,) = backend.sent()
    assert parse_qs(request.url.query.decode()) == {
        "active": ["true"],
        "silenced": ["true"],
        "inhibited": ["true"],
    }
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    probe = [a for a in alerts if a.name == "HTTP_Probe_Failed"]
    assert sorted(a.silenced for a in probe) == [False, True]  # the silenced one is marked
    no_data = [a for a in alerts if a.no_data]
    assert len(no_data) == 1
    assert no_data[0].summary.startswith("the rule's query returned no data")
    assert no_data[0].word == "no data"
    unprocessed = next(a for a in alerts if a.name == "Host_Down")
    assert not unprocessed.silenced  # still firing
    assert not unprocessed.no_data
    counted = alerts_for(alerts, (AlertMatcher.parse('service="checkout"'),))
    assert sorted(a.name for a in counted) == sorted(
        ["HTTP_Probe_Failed", no_data[0].name, "Host_Down"]
    )


async def test_an_inhibited_alert_is_never_counted(adapter, backend):
    """An edit of the derived fixture: its first alert inhibited (no recording has one)."""
    payload = copy.deepcopy(load("grafana/alerts-derived.json"))
    payload[0]["status"] = {"state": "suppressed", "silencedBy": [], "inhibitedBy": ["abc"]}
    backend.json("GET", ALERTS, payload)
    alerts = await adapter.alerts()
    assert alerts[0].silenced


async def test_another_alertmanager_and_an_organisation(backend):
    adapter = grafana(backend, alertmanager="P1DEADBEEF", org_id=3)
    backend.json("GET", "/api/alertmanager/P1DEADBEEF/api/v2/alerts", [])
    try:
        assert await adapter.alerts() == ()
    finally:
        await adapter.aclose()
    assert backend.sent()[0].headers["X-Grafana-Org-Id"] == "3"


async def test_grafana_errors(adapter, backend):
    backend.json("GET", ALERTS, {"message": "Unauthorized"}, status=401)
    with pytest.raises(AuthError, match="Unauthorized"):
        await adapter.alerts()
    backend.routes.clear()
    backend.json("GET", ALERTS, {"message": "permission denied"})
    with pytest.raises(BadResponse, match="Grafana refused: permission denied"):
        await adapter.alerts()


async def test_probe_reads_the_status(adapter, backend):
    backend.json(
        "GET", "/api/alertmanager/grafana/api/v2/status", {"versionInfo": {"version": "0.27.0"}}
    )
    result = await adapter.probe()
    assert result.authorised
    assert result.detail == "Grafana alerting (grafana), Alertmanager 0.27.0"
