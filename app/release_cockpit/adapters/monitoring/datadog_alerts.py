"""Datadog monitors as an alert source: ``GET /api/v1/monitor`` with group states and downtimes.

Wire contract: https://docs.datadoghq.com/api/latest/monitors/#get-all-monitor-details
(``group_states=all`` for per-group state, ``with_downtimes=true`` for mutes, paged with
``page``/``page_size``). Parsing is in ``datadog_monitors.py``; here:

- firing monitors (Alert, Warn) and firing groups become alerts whose labels are the
  monitor's ``key:value`` tags (and the group's), so ``service="checkout"`` matches;
  priority P1..P5 becomes the severity (P1 and an unprioritised Alert are "critical");
- muted or downtimed monitors and groups come back silenced (shown, never counted);
- monitors and groups in No Data (or an unknown state) come back as "no data" alerts: a
  monitor that stopped receiving data is the one that would miss a bad release, so it
  reads as inconclusive for the releases it matches, never as healthy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec, SecretSpec
from release_cockpit.adapters.base import AlertSource
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.http import HttpClient, attributed
from release_cockpit.adapters.monitoring import datadog_api
from release_cockpit.adapters.monitoring.datadog_monitors import (
    MONITORS_PATH,
    Monitor,
    MonitorState,
    monitor_alerts,
    monitors_params,
    parse_monitors,
)
from release_cockpit.domain import Alert

PAGE_SIZE = 1000
"""Datadog's largest page (the API's ``page_size`` maximum)."""
MAX_PAGES = 20
"""A bound on one poll: 20 000 monitors is more than any organisation we know of."""
_NO_EVIDENCE = (MonitorState.NO_DATA, MonitorState.UNKNOWN)


def _no_data(monitor: Monitor, labels: dict[str, str], group: str, muted: bool) -> Alert:
    labels = {
        **labels,
        "alertname": monitor.name,
        "monitor_id": str(monitor.id) if monitor.id is not None else "",
        "monitor_state": MonitorState.NO_DATA.value,
    }
    if monitor.priority is not None:
        labels["priority"] = f"P{monitor.priority}"
    state = monitor.state_text or monitor.state.value
    return Alert(
        name=monitor.name,
        severity="",
        summary=f"monitor is {state}: it cannot tell whether this release is healthy",
        labels=tuple(sorted(labels.items())),
        description=monitor.message,
        starts_at=monitor.changed_at,
        fingerprint=f"datadog:{monitor.id}:{group or '*'}:nodata",
        silenced=muted,
        no_data=True,
    )


def no_data_alerts(monitors: Iterable[Monitor]) -> tuple[Alert, ...]:
    """Monitors (or groups) in No Data or an unknown state, as "no data" alerts.

    Skipped and Ignored are left out: Datadog sets them for monitors it deliberately does
    not evaluate (a disabled composite's parts, a new group's delay), not for lost data.
    """
    found: list[Alert] = []
    for monitor in monitors:
        silent = [g for g in monitor.groups if g.state in _NO_EVIDENCE]
        for group in silent:
            labels = {**monitor.labels, **group.labels}
            found.append(_no_data(monitor, labels, group.name, group.muted or monitor.muted))
        firing = any(g.state.firing for g in monitor.groups)
        if not silent and not firing and monitor.state in _NO_EVIDENCE:
            found.append(_no_data(monitor, dict(monitor.labels), "", monitor.muted))
    return tuple(found)


class DatadogMonitors(AlertSource):
    """Datadog monitors: firing ones as alerts (priority as severity, tags as labels)."""

    TYPE: ClassVar[str] = "datadog-monitors"
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **datadog_api.OPTIONS,
        "monitor_tags": OptionSpec(
            str,
            "only monitors with these monitor tags, comma-separated (e.g. team:payments); "
            "default: every monitor",
            "",
        ),
    }
    SECRETS: ClassVar[tuple[SecretSpec, ...]] = datadog_api.SECRETS

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        self.api = datadog_api.DatadogApi(settings, transport=transport)
        self.http: HttpClient = self.api.http
        text = str(self.options["monitor_tags"] or "")
        self.tags = tuple(t.strip() for t in text.split(",") if t.strip())

    @classmethod
    def base_url(cls, options: Mapping[str, Any]) -> str | None:
        return datadog_api.site_url(options)

    def rate_limit_remaining(self) -> int | None:
        """Requests left in the scarcest of Datadog's per-endpoint buckets."""
        return self.api.remaining()

    async def monitors(self) -> tuple[Monitor, ...]:
        """Every monitor (page by page), with group states and matching downtimes.

        Raises:
            BadResponse: Datadog's ``errors`` body or not a monitor list.
            AdapterError: any other backend failure.
        """
        now = datetime.now(UTC)
        found: list[Monitor] = []
        with attributed(self.name):
            for page in range(MAX_PAGES):
                params: dict[str, str | int] = {
                    **monitors_params(self.tags),
                    "page": page,
                    "page_size": PAGE_SIZE,
                }
                answer = await self.api.get(MONITORS_PATH, params)
                batch = parse_monitors(answer.data, now)
                found.extend(batch)
                raw = answer.data if isinstance(answer.data, list) else []
                if len(raw) < PAGE_SIZE:
                    break
        return tuple(found)

    async def alerts(self) -> tuple[Alert, ...]:
        """Firing monitors and groups, muted ones silenced, and "no data" ones.

        Raises:
            BadResponse: Datadog's ``errors`` body or not a monitor list.
            AdapterError: any other backend failure.
        """
        monitors = await self.monitors()
        return (*monitor_alerts(monitors), *no_data_alerts(monitors))

    async def probe(self) -> ProbeResult:
        """Both keys against ``/api/v2/validate_keys`` (one cheap request).

        Raises:
            AdapterError: never; failures are described in the result.
        """
        return await run_probe(self.api.http, self.api.validate)
