"""Alertmanager as an alert source: every active alert, suppressed ones marked (API v2).

Wire contract: Alertmanager API v2
(https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml). One call serves
every release: matching alerts to releases happens in the domain (``alerts_for``).

Suppression: a silenced or inhibited alert has ``status.state == "suppressed"`` and its
``silencedBy``/``inhibitedBy`` (every version the cockpit supports). Alerts muted by a
route's mute or active time interval are shown as suppressed with ``mutedBy`` only since
Alertmanager 0.28 (prometheus/alertmanager#3793); older versions report them "active",
and no API of theirs says otherwise, so the README tells users of 0.27 and older to
silence rather than mute during releases. Suppressed alerts are read too (not filtered
out server-side) so the detail screen can list them as "muted by ..."; none is counted.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import AlertSource
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, attributed, json_client
from release_cockpit.adapters.payload import (
    as_dict,
    as_list,
    as_str,
    clean_labels,
    dig,
    parse_time,
    require_list,
)
from release_cockpit.domain import Alert


def parse_alert(item: dict[str, Any]) -> Alert:
    """One ``gettableAlert``; ``silenced`` means suppressed for any reason Alertmanager
    gives (a silence, an inhibition, a mute time interval), each named in ``suppressed_by``.
    """
    labels = clean_labels(item.get("labels"))
    annotations = clean_labels(item.get("annotations"))
    name = labels.get("alertname", "")
    status = as_dict(item.get("status"))
    reasons = tuple(
        f"{verb} by {as_str(who, 80)}"
        for key, verb in (
            ("silencedBy", "silenced"),
            ("inhibitedBy", "inhibited"),
            ("mutedBy", "muted"),
        )
        for who in as_list(status.get(key))
    )
    return Alert(
        name=name,
        severity=labels.get("severity", ""),
        summary=annotations.get("summary") or annotations.get("description") or name,
        labels=tuple(sorted(labels.items())),
        description=annotations.get("description", ""),
        runbook_url=annotations.get("runbook_url") or annotations.get("runbook", ""),
        starts_at=parse_time(item.get("startsAt")),
        fingerprint=as_str(item.get("fingerprint"), 64),
        generator_url=as_str(item.get("generatorURL"), 1000),
        # Only Alertmanager's own "suppressed" hides an alert: a state it may add later
        # must not make a firing alert disappear from the verdict.
        silenced=status.get("state") == "suppressed",
        suppressed_by=reasons if status.get("state") == "suppressed" else (),
    )


def parse_alerts(payload: object) -> tuple[Alert, ...]:
    """``GET /api/v2/alerts`` (a JSON array) -> alerts; items that are not objects are skipped.

    Raises:
        BadResponse: the payload is not an array.
    """
    items = require_list(payload, "Alertmanager alerts")
    return tuple(parse_alert(item) for item in items if isinstance(item, dict))


class Alertmanager(AlertSource):
    """Prometheus Alertmanager (or a compatible API such as Amazon Managed Prometheus)."""

    TYPE: ClassVar[str] = "alertmanager"
    http: HttpClient
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {**HTTP_OPTIONS}

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        self.http = json_client(settings, transport=transport)

    async def alerts(self) -> tuple[Alert, ...]:
        """Active alerts, suppressed ones included and marked (the detail lists them).

        Raises:
            BadResponse: not an alert list, or the backend's error string.
            AdapterError: any other backend failure.
        """
        # "muted" is a filter since 0.28; older servers ignore the unknown parameter.
        params = {"active": "true", "silenced": "true", "inhibited": "true", "muted": "true"}
        with attributed(self.name):
            answer = await self.http.get_json("/api/v2/alerts", params=params)
            return parse_alerts(answer.data)

    async def probe(self) -> ProbeResult:
        """GET /api/v2/status: version and cluster state.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.get_json("/api/v2/status")
            version = as_str(dig(answer.data, "versionInfo", "version"), 40) or "unknown"
            cluster = as_str(dig(answer.data, "cluster", "status"), 40) or "unknown"
            return f"Alertmanager {version}, cluster {cluster}"

        return await run_probe(self.http, check, api_path="/api/v2")
