"""World state -> Prometheus query results and Alertmanager v2 alerts.

Prometheus: the ``/api/v1`` envelope with string sample values (docs/querying/api.md).
Alertmanager: ``gettableAlert`` objects and the ``active``/``silenced``/``inhibited``
filtering of ``api/v2/api.go`` (an alert is left out when ``active=false`` and it is
active, ``silenced=false`` and it is silenced, ``inhibited=false`` and it is inhibited).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from release_cockpit_demo.line import Line
from release_cockpit_demo.payloads import JSON, rfc3339, short_hash, stable_uid
from release_cockpit_demo.query_templates import Query, Signal
from release_cockpit_demo.scenarios import ALERT_THRESHOLD, RUNBOOK_BASE, Kind

PROMETHEUS_WEB = "http://prometheus.acme.internal:9090"
ALERT_REFRESH = 15.0  # Prometheus re-sends firing alerts every evaluation interval
RESOLVE_AFTER = 240.0  # endsAt = last send + 4 evaluation intervals, as Prometheus sets it


def sample_value(value: float) -> str:
    """Prometheus' text for a float (Go FormatFloat 'f', -1): no exponent, NaN and +/-Inf."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text.removesuffix(".0")


def vector(samples: list[tuple[dict[str, str], float, float]]) -> JSON:
    return {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": labels, "value": [round(at, 3), sample_value(v)]}
                for labels, at, v in samples
            ],
        },
    }


def matrix(series: list[tuple[dict[str, str], list[tuple[float, float]]]]) -> JSON:
    return {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [
                {"metric": labels, "values": [[round(t, 3), sample_value(v)] for t, v in points]}
                for labels, points in series
            ],
        },
    }


def prometheus_error(error_type: str, message: str) -> JSON:
    return {"status": "error", "errorType": error_type, "error": message}


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert as Alertmanager holds it, before filtering and formatting."""

    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float
    receiver: str
    expr: str = ""
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = field(default=())

    @property
    def fingerprint(self) -> str:
        return short_hash(*(f"{k}={v}" for k, v in sorted(self.labels.items())))

    @property
    def state(self) -> str:
        return "suppressed" if self.silenced_by or self.inhibited_by else "active"


def _refreshed(starts_at: float, now: float) -> float:
    return starts_at + ((now - starts_at) // ALERT_REFRESH) * ALERT_REFRESH


def alert_json(alert: AlertRecord, now: float) -> JSON:
    updated = _refreshed(alert.starts_at, now)
    generator = f"{PROMETHEUS_WEB}/graph?g0.expr={quote(alert.expr, safe='')}&g0.tab=1"
    return {
        "labels": alert.labels,
        "annotations": alert.annotations,
        "startsAt": rfc3339(alert.starts_at, millis=True),
        "endsAt": rfc3339(updated + RESOLVE_AFTER, millis=True),
        "updatedAt": rfc3339(updated, millis=True),
        "generatorURL": generator,
        "fingerprint": alert.fingerprint,
        "receivers": [{"name": alert.receiver}],
        "status": {
            "state": alert.state,
            "silencedBy": list(alert.silenced_by),
            "inhibitedBy": list(alert.inhibited_by),
            "mutedBy": [],
        },
    }


def _service_labels(line: Line, alertname: str, severity: str) -> dict[str, str]:
    return {
        "alertname": alertname,
        "env": line.spec.environment,
        "namespace": line.spec.namespace,
        "service": line.service,
        "severity": severity,
        "team": line.spec.team,
    }


def line_alerts(line: Line, now: float) -> list[AlertRecord]:
    """The alerts a line has at ``now``: the bad canary's, and a silenced crash-loop."""
    alerts: list[AlertRecord] = []
    service = line.service
    if line.scenario.kind is Kind.FAILING_TESTS:
        labels = _service_labels(line, "KubePodCrashLooping", "warning")
        labels["pod"] = f"{service}-worker-0"
        alerts.append(
            AlertRecord(
                labels,
                {
                    "summary": f"Pod {line.spec.namespace}/{service}-worker-0 is crash looping",
                    "description": f"{service}-worker-0 restarts every few minutes.",
                    "runbook_url": f"{RUNBOOK_BASE}/{service}/crash-looping",
                },
                starts_at=line.created_at,
                receiver=f"{line.spec.team}-slack",
                expr=(
                    "rate(kube_pod_container_status_restarts_total"
                    f'{{pod="{service}-worker-0"}}[5m]) > 0'
                ),
                silenced_by=(stable_uid("silence", service),),
            )
        )
    errors_since = line.firing_since(Signal.ERROR_RATIO, now)
    error_alert: AlertRecord | None = None
    if errors_since is not None:
        ratio = line.signal_value(Signal.ERROR_RATIO, now)
        error_alert = AlertRecord(
            _service_labels(line, "HighErrorRate", "critical"),
            {
                "summary": f"{service}: 5xx ratio on the canary is above 5%",
                "description": (
                    f"{ratio * 100:.1f}% of {service} canary requests fail with 5xx "
                    f"(threshold {ALERT_THRESHOLD * 100:.0f}% for 30s)."
                ),
                "runbook_url": f"{RUNBOOK_BASE}/{service}/high-error-rate",
            },
            starts_at=errors_since,
            receiver=f"{line.spec.team}-pagerduty",
            expr=f"({Query.ERROR_RATIO.query(service)}) > {ALERT_THRESHOLD}",
        )
        alerts.append(error_alert)
    latency_since = line.firing_since(Signal.P99_LATENCY, now)
    if latency_since is not None:
        alerts.append(
            AlertRecord(
                _service_labels(line, "HighLatencyP99", "warning"),
                {
                    "summary": f"{service}: p99 latency on the canary is above 500ms",
                    "description": f"p99 latency of {service} canary requests is above 500ms.",
                    "runbook_url": f"{RUNBOOK_BASE}/{service}/high-latency",
                },
                starts_at=latency_since,
                receiver=f"{line.spec.team}-slack",
                expr=f"({Query.P99_LATENCY.query(service)}) > 0.5",
                # Alertmanager inhibits the warning while the critical alert for the service fires.
                inhibited_by=(error_alert.fingerprint,) if error_alert else (),
            )
        )
    return alerts


def watchdog(world_start: float) -> AlertRecord:
    """The always-firing alert every kube-prometheus setup has."""
    return AlertRecord(
        {"alertname": "Watchdog", "prometheus": "monitoring/k8s", "severity": "none"},
        {
            "summary": "An alert that should always be firing to certify that Alertmanager "
            "is working properly.",
            "description": "This is an alert meant to ensure that the entire alerting "
            "pipeline is functional.",
            "runbook_url": f"{RUNBOOK_BASE}/general/watchdog",
        },
        starts_at=world_start - 2 * 86400.0,
        receiver="null",
        expr="vector(1)",
    )


def alertmanager_status(world_start: float) -> JSON:
    uptime = rfc3339(world_start, millis=True)
    return {
        "cluster": {"name": "", "peers": [], "status": "disabled"},
        "versionInfo": {
            "branch": "HEAD",
            "buildDate": "20240228-11:51:20",
            "buildUser": "root@demo",
            "goVersion": "go1.21.7",
            "revision": "0aa3c2aad14cff039931923ab16b26b7481783b5",
            "version": "0.27.0",
        },
        "config": {"original": "route:\n  receiver: default\nreceivers:\n- name: default\n"},
        "uptime": uptime,
    }
