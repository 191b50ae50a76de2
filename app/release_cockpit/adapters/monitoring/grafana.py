"""Grafana-managed alerts as an alert source, through Grafana's Alertmanager-compatible API.

Wire contract: ``GET /api/alertmanager/grafana/api/v2/alerts`` answers Alertmanager v2's
``gettableAlert`` list (https://grafana.com/docs/grafana/latest/alerting/), read by
``grafana_parsing.py``. ``url`` is Grafana's own URL (``https://grafana.example.com``, with
its sub-path if it is served under one); ``token_env`` holds a service-account token
with alerting read access. Grafana's states mapped:

- active or unprocessed: firing, weighed by the ``severity`` label like Alertmanager's;
- suppressed (silenced *or* inhibited): shown as silenced, never counted as firing
  (plain Alertmanager filters these server-side; here they are fetched so a silence is
  visible, and marked);
- ``DatasourceNoData`` / ``DatasourceError`` (the rule's query returned nothing or
  failed, Grafana's default No Data and Error handling): "no data" alerts, inconclusive
  for the releases they match, never healthy and never a plain failure.

``alertmanager`` picks another Alertmanager Grafana fronts (a data source uid) instead of
Grafana's own; ``org_id`` picks the organisation (``X-Grafana-Org-Id``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import AlertSource
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, attributed, bearer
from release_cockpit.adapters.monitoring.grafana_parsing import (
    AlertKind,
    DeliveryState,
    GrafanaAlert,
    alerts_params,
    parse_grafana_alerts,
)
from release_cockpit.adapters.payload import as_str, dig
from release_cockpit.domain import Alert

ORG_HEADER = "X-Grafana-Org-Id"


def as_alert(found: GrafanaAlert) -> Alert:
    """The domain alert for one Grafana alert, with Grafana's states mapped (module doc)."""
    alert = found.alert
    if found.state is DeliveryState.SUPPRESSED and not alert.silenced:
        alert = replace(alert, silenced=True)
    if found.kind is not AlertKind.RULE:
        what = "returned no data" if found.kind is AlertKind.NO_DATA else "failed"
        rule = alert.label_map.get("rulename") or alert.name
        alert = replace(
            alert,
            name=rule,
            no_data=True,
            summary=f"the rule's query {what}: {alert.summary}"
            if alert.summary and alert.summary != alert.name
            else f"the rule's query {what}",
        )
    return alert


class GrafanaAlerts(AlertSource):
    """Grafana-managed alerts (Grafana Alerting), through its Alertmanager-compatible API."""

    TYPE: ClassVar[str] = "grafana-alerts"
    http: HttpClient
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **HTTP_OPTIONS,
        "alertmanager": OptionSpec(
            str,
            "which Alertmanager Grafana answers for: grafana (its own) or the uid of an "
            "Alertmanager data source",
            "grafana",
        ),
        "org_id": OptionSpec(int, "the Grafana organisation id; default: the token's", None),
    }

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        headers = {"Accept": "application/json", **bearer(settings)}
        if self.options["org_id"] is not None:
            headers[ORG_HEADER] = str(self.options["org_id"])
        self.http = HttpClient(settings, headers=headers, transport=transport)
        self.prefix = f"/api/alertmanager/{self.options['alertmanager']}/api/v2"

    async def grafana_alerts(self) -> tuple[GrafanaAlert, ...]:
        """Active alerts, silenced and inhibited ones included (marked as such).

        Raises:
            BadResponse: not an alert list, or Grafana's ``{"message": ...}`` error.
            AdapterError: any other backend failure.
        """
        with attributed(self.name):
            answer = await self.http.get_json(f"{self.prefix}/alerts", params=alerts_params())
            return parse_grafana_alerts(answer.data)

    async def alerts(self) -> tuple[Alert, ...]:
        """Every active alert with Grafana's states mapped (see the module doc).

        Raises:
            BadResponse: not an alert list, or Grafana's ``{"message": ...}`` error.
            AdapterError: any other backend failure.
        """
        return tuple(as_alert(found) for found in await self.grafana_alerts())

    async def probe(self) -> ProbeResult:
        """GET the Alertmanager-compatible ``/status`` (needs the alerting read permission).

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.get_json(f"{self.prefix}/status")
            version = as_str(dig(answer.data, "versionInfo", "version"), 40)
            return f"Grafana alerting ({self.options['alertmanager']})" + (
                f", Alertmanager {version}" if version else ""
            )

        return await run_probe(self.http, check)
