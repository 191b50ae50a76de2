"""Grafana-managed alerts, as pure functions over Grafana's Alertmanager-compatible API.

``GET /api/alertmanager/grafana/api/v2/alerts`` (and ``.../alerts/groups``) answers the
Alertmanager v2 ``gettableAlert`` shape, so each item is read by the Alertmanager parser
(imported, not copied); Grafana adds labels ``__alert_rule_uid__``, ``grafana_folder`` and
``alertname`` (the rule title) and annotations ``__dashboardUid__``, ``__panelId__``,
``__value_string__``, ``summary``, ``description``, ``runbook_url``.
Docs: https://grafana.com/docs/grafana/latest/alerting/ ;
labels and annotations: https://grafana.com/docs/grafana/latest/alerting/fundamentals/annotation-label/

Rule state comes from ``GET /api/prometheus/grafana/api/v1/rules`` (Prometheus's rules
envelope): rules are ``inactive``/``pending``/``firing`` (``recovering`` in newer
versions), their alert instances ``Normal``/``Pending``/``Alerting``/``Recovering``/
``NoData``/``Error``, sometimes with a reason (``Alerting (NoData)``), see
https://grafana.com/docs/grafana/latest/alerting/fundamentals/alert-rules/state-and-health/
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from release_cockpit.adapters.monitoring.alertmanager import parse_alert
from release_cockpit.adapters.payload import (
    as_dict,
    as_list,
    as_str,
    clean_labels,
    parse_time,
    require_dict,
    require_list,
)
from release_cockpit.domain.alerts import Alert
from release_cockpit.errors import BadResponse

ALERTS_PATH = "/api/alertmanager/grafana/api/v2/alerts"
ALERT_GROUPS_PATH = "/api/alertmanager/grafana/api/v2/alerts/groups"
RULES_PATH = "/api/prometheus/grafana/api/v1/rules"

RULE_UID_LABEL = "__alert_rule_uid__"
FOLDER_LABEL = "grafana_folder"
DASHBOARD_ANNOTATION = "__dashboardUid__"
PANEL_ANNOTATION = "__panelId__"
VALUE_ANNOTATION = "__value_string__"
# Grafana raises these in place of a rule's own alert when its query returns nothing or
# fails (the default No Data / Error handling): they mean "cannot tell", not "all good".
NO_DATA_ALERTNAME = "DatasourceNoData"
ERROR_ALERTNAME = "DatasourceError"


def alerts_params() -> dict[str, str]:
    """Active alerts only; silenced and inhibited ones are kept so they show as such."""
    return {"active": "true", "silenced": "true", "inhibited": "true"}


class DeliveryState(Enum):
    """``status.state`` of an Alertmanager-shaped alert."""

    ACTIVE = "active"
    SUPPRESSED = "suppressed"  # silenced or inhibited
    UNPROCESSED = "unprocessed"  # received, not yet routed: still firing
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: object) -> DeliveryState:
        for state in cls:
            if state.value == value:
                return state
        return cls.UNKNOWN


class AlertKind(Enum):
    """What a Grafana alert says about the release."""

    RULE = "rule"  # the rule's condition fired
    NO_DATA = "no-data"  # DatasourceNoData: the rule could not be evaluated for lack of data
    ERROR = "error"  # DatasourceError: the rule's query failed


@dataclass(frozen=True, slots=True)
class GrafanaAlert:
    """A domain ``Alert`` plus what Grafana knows about where it comes from."""

    alert: Alert
    state: DeliveryState
    kind: AlertKind = AlertKind.RULE
    rule_uid: str = ""
    folder: str = ""
    dashboard_uid: str = ""
    panel_id: str = ""
    value: str = ""

    @property
    def firing(self) -> bool:
        """Active or not yet processed, and not silenced: it counts against a release."""
        return (
            self.state in (DeliveryState.ACTIVE, DeliveryState.UNPROCESSED)
            and not self.alert.silenced
        )


def parse_grafana_alert(item: dict[str, Any]) -> GrafanaAlert:
    """One ``gettableAlert`` from Grafana's Alertmanager."""
    alert = parse_alert(item)
    labels = alert.label_map
    annotations = clean_labels(item.get("annotations"))
    name = labels.get("alertname", "")
    kind = {NO_DATA_ALERTNAME: AlertKind.NO_DATA, ERROR_ALERTNAME: AlertKind.ERROR}.get(
        name, AlertKind.RULE
    )
    return GrafanaAlert(
        alert=alert,
        state=DeliveryState.parse(as_dict(item.get("status")).get("state")),
        kind=kind,
        rule_uid=labels.get(RULE_UID_LABEL, ""),
        folder=labels.get(FOLDER_LABEL, ""),
        dashboard_uid=annotations.get(DASHBOARD_ANNOTATION, ""),
        panel_id=annotations.get(PANEL_ANNOTATION, ""),
        value=annotations.get(VALUE_ANNOTATION, ""),
    )


def parse_grafana_alerts(payload: object) -> tuple[GrafanaAlert, ...]:
    """``GET .../api/v2/alerts`` (a JSON array); items that are not objects are skipped.

    Raises:
        BadResponse: not an array (Grafana's ``{"message": ...}`` error included).
    """
    _check_message(payload)
    items = require_list(payload, "Grafana alerts")
    return tuple(parse_grafana_alert(item) for item in items if isinstance(item, dict))


def parse_grafana_alert_groups(payload: object) -> tuple[GrafanaAlert, ...]:
    """``GET .../api/v2/alerts/groups``: the alerts of every group, each once.

    An alert routed to several receivers appears in several groups; it is kept once, by
    fingerprint (an alert without one is kept every time).

    Raises:
        BadResponse: not an array of groups.
    """
    _check_message(payload)
    groups = require_list(payload, "Grafana alert groups")
    seen: set[str] = set()
    found: list[GrafanaAlert] = []
    for group in groups:
        for item in as_list(as_dict(group).get("alerts")):
            if not isinstance(item, dict):
                continue
            one = parse_grafana_alert(item)
            if one.alert.fingerprint:
                if one.alert.fingerprint in seen:
                    continue
                seen.add(one.alert.fingerprint)
            found.append(one)
    return tuple(found)


def firing(alerts: Iterable[GrafanaAlert]) -> tuple[Alert, ...]:
    """The alerts that count against a release: active or unprocessed, not silenced.

    ``DatasourceNoData``/``DatasourceError`` alerts are included (they fire); callers that
    want to show them as "no data" rather than as a failure can look at ``kind``.
    """
    return tuple(a.alert for a in alerts if a.firing)


def _check_message(payload: object) -> None:
    """Grafana's own errors are ``{"message": "..."}`` (401, 403, 400 bad parameters)."""
    if isinstance(payload, dict) and "message" in payload:
        raise BadResponse(
            f"Grafana refused: {as_str(payload.get('message'), 300) or 'no message'}",
            hint="check the service-account token's alerting permissions and the URL",
        )


# --- rule state ---------------------------------------------------------------------------


class RuleState(Enum):
    """A rule's overall state in the Prometheus-compatible rules API."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RECOVERING = "recovering"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: object) -> RuleState:
        text = as_str(value, 40).strip().lower()
        for state in cls:
            if state.value == text:
                return state
        return cls.UNKNOWN


class InstanceState(Enum):
    """An alert instance's state: Normal, Pending, Alerting, Recovering, NoData, Error."""

    NORMAL = "Normal"
    PENDING = "Pending"
    ALERTING = "Alerting"
    RECOVERING = "Recovering"
    NO_DATA = "NoData"
    ERROR = "Error"
    UNKNOWN = "Unknown"

    @property
    def firing(self) -> bool:
        # Recovering keeps firing for its keep-firing-for period.
        return self in (InstanceState.ALERTING, InstanceState.RECOVERING)

    @property
    def ok(self) -> bool:
        return self is InstanceState.NORMAL


# Prometheus spells instance states in lower case; Grafana's rules API uses its own names.
_INSTANCE_ALIASES = {
    "normal": InstanceState.NORMAL,
    "inactive": InstanceState.NORMAL,
    "pending": InstanceState.PENDING,
    "alerting": InstanceState.ALERTING,
    "firing": InstanceState.ALERTING,
    "recovering": InstanceState.RECOVERING,
    "nodata": InstanceState.NO_DATA,
    "no data": InstanceState.NO_DATA,
    "error": InstanceState.ERROR,
}


def parse_instance_state(value: object) -> tuple[InstanceState, str]:
    """``"Alerting (NoData)"`` -> (ALERTING, "NoData"); unknown text -> UNKNOWN."""
    text = as_str(value, 80).strip()
    head, _, rest = text.partition("(")
    state = _INSTANCE_ALIASES.get(head.strip().lower(), InstanceState.UNKNOWN)
    return state, rest.rstrip(")").strip()


@dataclass(frozen=True, slots=True)
class RuleInstance:
    """One alert instance (one label set) of a rule."""

    labels: dict[str, str]
    state: InstanceState
    reason: str = ""
    annotations: dict[str, str] = field(default_factory=dict)
    active_at: datetime | None = None
    value: str = ""


@dataclass(frozen=True, slots=True)
class GrafanaRule:
    """An alerting rule and its instances."""

    name: str
    state: RuleState
    uid: str = ""
    folder: str = ""
    group: str = ""
    health: str = ""  # ok, error, nodata, unknown
    last_error: str = ""
    last_evaluation: datetime | None = None  # None: never evaluated
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    instances: tuple[RuleInstance, ...] = ()

    @property
    def evaluated(self) -> bool:
        return self.last_evaluation is not None


def _evaluation_time(value: object) -> datetime | None:
    """An RFC 3339 time; Go's zero time (``0001-01-01T00:00:00Z``) means never."""
    parsed = parse_time(value)
    return None if parsed is None or parsed.year <= 1 else parsed


def parse_rules(payload: object) -> tuple[GrafanaRule, ...]:
    """``GET /api/prometheus/grafana/api/v1/rules`` -> alerting rules (recording rules and
    malformed entries skipped).

    Raises:
        BadResponse: an error envelope or no ``data.groups``.
    """
    _check_message(payload)
    body = require_dict(payload, "Grafana rules")
    if body.get("status") != "success":
        raise BadResponse(
            f"Grafana rules failed: {as_str(body.get('error'), 300) or 'no error text'}",
            hint="check the URL and the token's alerting permissions",
        )
    groups = as_dict(body.get("data")).get("groups")
    if not isinstance(groups, list):
        raise BadResponse("Grafana rules answer has no data.groups", hint="check the URL")
    rules: list[GrafanaRule] = []
    for group in groups:
        group = as_dict(group)
        for rule in as_list(group.get("rules")):
            rule = as_dict(rule)
            if rule.get("type", "alerting") != "alerting" or not rule:
                continue
            instances = []
            for item in as_list(rule.get("alerts")):
                item = as_dict(item)
                state, reason = parse_instance_state(item.get("state"))
                instances.append(
                    RuleInstance(
                        labels=clean_labels(item.get("labels")),
                        state=state,
                        reason=reason,
                        annotations=clean_labels(item.get("annotations")),
                        active_at=_evaluation_time(item.get("activeAt")),
                        value=as_str(item.get("value"), 100),
                    )
                )
            rules.append(
                GrafanaRule(
                    name=as_str(rule.get("name"), 300),
                    state=RuleState.parse(rule.get("state")),
                    uid=as_str(rule.get("uid"), 100),
                    folder=as_str(group.get("file"), 300),
                    group=as_str(group.get("name"), 300),
                    health=as_str(rule.get("health"), 40),
                    last_error=as_str(rule.get("lastError"), 500),
                    last_evaluation=_evaluation_time(rule.get("lastEvaluation")),
                    labels=clean_labels(rule.get("labels")),
                    annotations=clean_labels(rule.get("annotations")),
                    instances=tuple(instances),
                )
            )
    return tuple(rules)


def rule_alerts(rules: Iterable[GrafanaRule]) -> tuple[Alert, ...]:
    """Firing rule instances (Alerting, Recovering) as domain alerts.

    For a setup that reads rule state instead of Grafana's Alertmanager (no silences are
    known here, so none is marked silenced). Labels are the instance's labels (which carry
    the rule's own labels), with ``alertname``, ``grafana_folder`` and the rule uid added
    when missing.
    """
    found: list[Alert] = []
    for rule in rules:
        for instance in rule.instances:
            if not instance.state.firing:
                continue
            labels = {
                "alertname": rule.name,
                FOLDER_LABEL: rule.folder,
                RULE_UID_LABEL: rule.uid,
                **rule.labels,
                **instance.labels,
            }
            labels = {k: v for k, v in labels.items() if v or k in instance.labels}
            notes = {**rule.annotations, **instance.annotations}
            found.append(
                Alert(
                    name=labels.get("alertname", rule.name),
                    severity=labels.get("severity", ""),
                    summary=notes.get("summary") or notes.get("description") or rule.name,
                    labels=tuple(sorted(labels.items())),
                    description=notes.get("description", ""),
                    runbook_url=notes.get("runbook_url", ""),
                    starts_at=instance.active_at,
                    fingerprint=f"grafana:{rule.uid}:{sorted(instance.labels.items())}",
                )
            )
    return tuple(found)


def rules_without_evidence(rules: Iterable[GrafanaRule]) -> tuple[GrafanaRule, ...]:
    """Rules that cannot vouch for anything: never evaluated, unhealthy, or with an
    instance in NoData, Error or an unknown state."""
    return tuple(
        rule
        for rule in rules
        if not rule.evaluated
        or rule.health not in ("ok", "")
        or rule.state is RuleState.UNKNOWN
        or any(
            i.state in (InstanceState.NO_DATA, InstanceState.ERROR, InstanceState.UNKNOWN)
            for i in rule.instances
        )
    )
