"""A real Alertmanager: posted alerts reach the right releases; silenced, inhibited and muted
ones are listed and never counted; a stopped one leaves its last alerts marked "as of"."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from release_cockpit.domain import VerdictLevel
from release_cockpit.domain.serialize import snapshot_document
from release_cockpit.ui.glyphs import UNICODE
from release_cockpit.ui.widgets.panel_lines import alert_lines
from tests.support.integration import (
    INHIBITED,
    MUTED,
    RELEASE_IN_PROGRESS,
    alertmanager_version,
    backends_toml,
    poll_once,
    running_engine,
)
from tests.support.servers import eventually

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
    (listed,) = after.suppressed_alerts
    assert listed.name == "PaymentsDown"
    assert listed.suppressed_by == (f"silenced by {silence.json()['silenceID']}",)


async def test_an_inhibited_alert_is_never_counted_and_is_listed_with_its_inhibitor(
    alertmanager, unique
):
    """The inhibit rule of a team's Alertmanager (``ALERTMANAGER_CONFIG``): while the
    release alert fires, the service's noisy alert is inhibited."""
    service = f"orders{unique}"
    config = backends_toml(alertmanager=alertmanager.url) + lines(service)
    await post(
        alertmanager.url,
        "/api/v2/alerts",
        [alert(RELEASE_IN_PROGRESS, service, "info"), alert(INHIBITED, service, "critical")],
    )

    async def inhibited():
        (release,) = (await poll_once(config)).releases
        return release if release.suppressed_alerts else None

    release = await eventually(inhibited, "Alertmanager to inhibit the alert")
    assert [a.name for a in release.alerts] == [RELEASE_IN_PROGRESS]
    assert release.verdict.level is VerdictLevel.WARNING  # info warns; critical would fail
    (listed,) = release.suppressed_alerts
    assert listed.name == INHIBITED
    (why,) = listed.suppressed_by
    assert why.startswith("inhibited by ")
    document = snapshot_document(await poll_once(config))
    (shown,) = document["releases"][0]["suppressed_alerts"]
    assert shown["suppressed_by"] == [why]


async def test_a_muted_alert_is_never_counted_when_alertmanager_says_so(alertmanager, unique):
    version = await alertmanager_version(alertmanager.url)
    if version < (0, 28):
        pytest.skip(
            f"Alertmanager {'.'.join(map(str, version))} reports an alert muted by a time "
            "interval as active: mutedBy exists since 0.28 (prometheus/alertmanager#3793), "
            "so the README tells users of older versions to silence instead"
        )
    service = f"ledger{unique}"
    config = backends_toml(alertmanager=alertmanager.url) + lines(service)
    await post(alertmanager.url, "/api/v2/alerts", [alert(MUTED, service, "critical")])

    async def muted():
        (release,) = (await poll_once(config)).releases
        return release if release.suppressed_alerts else None

    release = await eventually(muted, "Alertmanager to mute the alert")
    assert release.alerts == ()
    assert release.suppressed_alerts[0].suppressed_by == ("muted by always",)


async def test_an_alert_source_stopped_mid_run_shows_as_of_and_its_timers_stop(
    own_alertmanager, unique
):
    """The cockpit keeps the last alerts it knew, says since when and why, in the panel
    and the JSON alike, and the 'firing for' timer stops."""
    service = f"search{unique}"
    config = backends_toml(alertmanager=own_alertmanager.url).replace(
        'interval = "2s"', 'interval = "1s"'
    ) + lines(service)
    await post(own_alertmanager.url, "/api/v2/alerts", [alert("SearchDown", service, "critical")])
    async with running_engine(config) as engine:

        async def firing():
            snapshot = engine.snapshot
            release = snapshot.releases[0] if snapshot and snapshot.releases else None
            return release if release is not None and release.alerts else None

        live = await eventually(firing, "the alert to reach the cockpit")
        assert "firing for" in live.verdict.reason
        assert live.alerts_as_of == ""
        own_alertmanager.server.stop()

        async def stale():
            release = engine.snapshot.releases[0]
            return release if release.alerts_as_of else None

        release = await eventually(stale, "the alert source to be marked down")
        document = snapshot_document(engine.snapshot)
        await asyncio.sleep(2.5)
        later = engine.snapshot.releases[0]

    assert re.fullmatch(r"as of \d\d:\d\d:\d\d, alertmanager down", release.alerts_as_of)
    (alert_row,) = alert_lines(release, UNICODE, 120)
    assert f"({release.alerts_as_of})" in alert_row.plain
    shown = document["releases"][0]
    assert shown["alerts_as_of"] == release.alerts_as_of
    assert [a["name"] for a in shown["alerts"]] == ["SearchDown"]
    assert f"firing ({release.alerts_as_of})" in shown["verdict"]["reason"]
    assert "firing for" not in shown["verdict"]["reason"]
    # Timers stop: seconds later the same words, not a longer "firing for".
    assert later.verdict.reason == release.verdict.reason
    assert {s["name"]: s["state"] for s in shown["sources"]} == {"alertmanager": "down"}
