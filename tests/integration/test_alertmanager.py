"""A real Alertmanager: posted alerts reach the right releases; silenced ones do not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from release_cockpit.domain import VerdictLevel
from tests.support.integration import backends_toml, poll_once

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("integration-servers")]

RUNBOOK = "https://runbooks.example.com/checkout/5xx"


def alert(name: str, service: str, severity: str, runbook: str = RUNBOOK) -> dict:
    return {
        "labels": {"alertname": name, "service": service, "severity": severity},
        "annotations": {"summary": f"{name} on {service}", "runbook_url": runbook},
    }


async def post(url: str, path: str, body) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        response = await client.post(path, json=body)
    response.raise_for_status()
    return response


def lines(*services: str) -> str:
    """One release line per service, matched to alerts by its ``service`` label."""
    text = ""
    for service in services:
        text += (
            f'[services.{service}]\nenvironment = "production"\n\n'
            f'[services.{service}.alerts]\nbackend = "alertmanager"\n'
            f"matchers = ['service=\"{service}\"']\n\n"
        )
    return text


async def test_alerts_land_on_the_right_release_with_severity_and_runbook(alertmanager, unique):
    checkout, search, quiet = f"checkout{unique}", f"search{unique}", f"quiet{unique}"
    await post(
        alertmanager.url,
        "/api/v2/alerts",
        [
            alert("HighErrorRate", checkout, "critical"),
            alert("SlowQueries", search, "warning", "https://runbooks.example.com/search"),
        ],
    )
    snapshot = await poll_once(
        backends_toml(alertmanager=alertmanager.url) + lines(checkout, search, quiet)
    )
    releases = {r.key: r for r in snapshot.releases}

    (critical,) = releases[checkout].alerts
    assert (critical.name, critical.severity, critical.runbook_url) == (
        "HighErrorRate",
        "critical",
        RUNBOOK,
    )
    assert critical.summary == f"HighErrorRate on {checkout}"
    assert releases[checkout].verdict.level is VerdictLevel.FAILING
    assert "alert HighErrorRate (critical) firing" in releases[checkout].verdict.reason

    (warning,) = releases[search].alerts
    assert (warning.name, warning.severity) == ("SlowQueries", "warning")
    assert warning.runbook_url == "https://runbooks.example.com/search"
    assert releases[search].verdict.level is VerdictLevel.WARNING

    assert releases[quiet].alerts == ()
    assert releases[quiet].verdict.level is VerdictLevel.OK


async def test_a_silenced_alert_does_not_count(alertmanager, unique):
    service = f"payments{unique}"
    config = backends_toml(alertmanager=alertmanager.url) + lines(service)
    await post(alertmanager.url, "/api/v2/alerts", [alert("PaymentsDown", service, "critical")])
    (before,) = (await poll_once(config)).releases
    assert [a.name for a in before.alerts] == ["PaymentsDown"]
    assert before.verdict.level is VerdictLevel.FAILING

    now = datetime.now(UTC)
    silence = await post(
        alertmanager.url,
        "/api/v2/silences",
        {
            "matchers": [
                {"name": "alertname", "value": "PaymentsDown", "isRegex": False, "isEqual": True},
                {"name": "service", "value": service, "isRegex": False, "isEqual": True},
            ],
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(hours=1)).isoformat(),
            "createdBy": "integration test",
            "comment": "known issue, fix rolling out",
        },
    )
    assert silence.json()["silenceID"]

    (after,) = (await poll_once(config)).releases
    assert after.alerts == ()
    assert after.verdict.level is VerdictLevel.OK
