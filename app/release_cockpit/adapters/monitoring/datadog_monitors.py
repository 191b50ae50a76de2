"""Datadog monitors as an alert source: pure parsing of ``GET /api/v1/monitor``.

``GET /api/v1/monitor?group_states=all&with_downtimes=true`` answers a bare array;
``GET /api/v1/monitor/search`` answers ``{monitors, metadata, counts}`` with the state in
``status`` and epoch-second times. Both become ``Monitor`` values, and the firing ones
domain ``Alert``s whose labels are the monitor's ``key:value`` tags, so the label matchers
that select Alertmanager alerts (``service="checkout"``) select Datadog monitors too.
Docs: https://docs.datadoghq.com/api/latest/monitors/ (fields, ``MonitorOverallStates``),
https://docs.datadoghq.com/monitors/notify/variables/ (message template markup),
https://docs.datadoghq.com/monitors/downtimes/ (muting).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from release_cockpit.adapters.monitoring.datadog_metrics import tag_labels
from release_cockpit.adapters.monitoring.datadog_parsing import as_number, check_errors
from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, dig, parse_time
from release_cockpit.domain.alerts import Alert
from release_cockpit.errors import BadResponse

MONITORS_PATH = "/api/v1/monitor"
MONITOR_SEARCH_PATH = "/api/v1/monitor/search"


def monitors_params(tags: Sequence[str] = ()) -> dict[str, str]:
    """Query parameters for ``GET /api/v1/monitor``: per-group states and downtimes.

    ``group_states=all`` adds ``state.groups`` (which groups alert); ``with_downtimes``
    adds ``matching_downtimes`` so muted monitors can be told apart.
    ``monitor_tags`` narrows to monitors tagged e.g. ``team:payments``.
    """
    params = {"group_states": "all", "with_downtimes": "true"}
    if tags:
        params["monitor_tags"] = ",".join(tags)
    return params


class MonitorState(Enum):
    """``overall_state`` / group ``status`` (Datadog's MonitorOverallStates).

    Compared exactly: mixed case, and a space in "No Data". Anything else is UNKNOWN.
    """

    OK = "OK"
    ALERT = "Alert"
    WARN = "Warn"
    NO_DATA = "No Data"
    IGNORED = "Ignored"
    SKIPPED = "Skipped"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, value: object) -> MonitorState:
        for state in cls:
            if state.value == value:
                return state
        return cls.UNKNOWN

    @property
    def firing(self) -> bool:
        """Only Alert and Warn raise an alert."""
        return self in (MonitorState.ALERT, MonitorState.WARN)

    @property
    def ok(self) -> bool:
        """Only OK is healthy: No Data, Skipped, Ignored and Unknown are not evidence."""
        return self is MonitorState.OK


# Datadog priority: "Integer from 1 (high) to 5 (low) indicating alert severity"
# (Monitor.priority in the API spec). P1 is what the cockpit's default failing severities
# ("critical", "page") catch; an Alert without a priority is critical too.
PRIORITY_SEVERITY = {1: "critical", 2: "high", 3: "medium", 4: "low", 5: "info"}


@dataclass(frozen=True, slots=True)
class MonitorGroup:
    """One group of a multi-alert monitor (``service:checkout,env:prod``)."""

    name: str
    state: MonitorState
    labels: Mapping[str, str]
    triggered_at: datetime | None = None
    muted: bool = False


@dataclass(frozen=True, slots=True)
class Monitor:
    """A Datadog monitor as the cockpit needs it."""

    id: int | None
    name: str
    state: MonitorState
    state_text: str = ""  # the raw value, for an UNKNOWN state's explanation
    type: str = ""
    priority: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    message: str = ""  # template markup and @-handles stripped
    muted: bool = False
    mute_reason: str = ""
    changed_at: datetime | None = None
    groups: tuple[MonitorGroup, ...] = ()

    @property
    def severity(self) -> str:
        return _severity(self.state, self.priority)


def _severity(state: MonitorState, priority: int | None) -> str:
    """Warn is "warning"; Alert is its priority's severity ("critical" without one)."""
    if state is MonitorState.WARN:
        return "warning"
    if state is MonitorState.ALERT:
        return PRIORITY_SEVERITY.get(priority or 0, "critical")
    return ""


def _epoch_or_iso(value: object) -> datetime | None:
    """The list endpoint sends ISO strings, the search endpoint epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000.0 if value > 1e11 else float(value)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return parse_time(value)


_CONDITIONAL = re.compile(r"\{\{([#^])\s*([a-z_]+)([^}]*)\}\}(.*?)\{\{/\s*\2\s*\}\}", re.DOTALL)
_VARIABLE = re.compile(r"\{\{[^}]*\}\}")
_HANDLE = re.compile(r"(?<!\S)@[^\s]+")
_URL = re.compile(r"https?://[^\s)>\]\"']+")

# Which conditional sections are shown for a state (the "Conditional variables" table of
# https://docs.datadoghq.com/monitors/notify/variables/). Sections we cannot evaluate
# (is_match, is_priority, ...) keep their text: losing a sentence is worse than an extra one.
_SHOWN: dict[MonitorState, frozenset[str]] = {
    MonitorState.ALERT: frozenset({"is_alert"}),
    MonitorState.WARN: frozenset({"is_warning"}),
    MonitorState.NO_DATA: frozenset({"is_no_data"}),
    MonitorState.UNKNOWN: frozenset({"is_unknown"}),
}
_STATE_SECTIONS = frozenset(
    {
        "is_alert",
        "is_warning",
        "is_no_data",
        "is_unknown",
        "is_recovery",
        "is_alert_recovery",
        "is_warning_recovery",
        "is_no_data_recovery",
        "is_alert_to_warning",
        "is_renotify",
    }
)


def clean_message(message: str, state: MonitorState) -> str:
    """A monitor message as plain text for ``state``.

    Keeps the ``{{#is_alert}}`` (etc.) sections that apply to the state and drops the
    others, removes remaining ``{{variables}}`` (their values are only known to Datadog's
    notifier) and the ``@slack-...``/``@pagerduty-...``/``@user@x`` notification handles,
    then folds whitespace.
    """
    shown = _SHOWN.get(state, frozenset())
    text = message
    for _ in range(5):  # sections nest; a few passes unwrap them from the inside out

        def replace(match: re.Match[str]) -> str:
            sign, name, body = match.group(1), match.group(2), match.group(4)
            if name not in _STATE_SECTIONS:
                return body
            applies = name in shown
            return body if applies == (sign == "#") else ""

        new = _CONDITIONAL.sub(replace, text)
        if new == text:
            break
        text = new
    text = _VARIABLE.sub("", text)
    text = _HANDLE.sub("", text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _runbook(message: str) -> str:
    """The first URL on a line that mentions a runbook or playbook, else ""."""
    for line in message.splitlines():
        if "runbook" in line.lower() or "playbook" in line.lower():
            found = _URL.search(line)
            if found:
                return found.group(0)
    return ""


def _scope_tags(scope: Sequence[str]) -> list[str]:
    return [t.strip() for part in scope for t in part.split(",") if t.strip() and t.strip() != "*"]


def _scope_matches(scope: Sequence[str], labels: Mapping[str, str]) -> bool:
    """A downtime or mute scope (``*``, ``env:prod``, ``env:prod,service:a``) against labels:
    every tag of the scope must be on the group (a downtime's scopes are ANDed)."""
    wanted = tag_labels(_scope_tags(scope))
    return all(labels.get(k) == v for k, v in wanted.items())


def _mutes(monitor: dict[str, Any], now: datetime) -> list[tuple[list[str], str]]:
    """Active mute scopes with a reason: ``options.silenced`` (v1 mutes) and downtimes."""
    found: list[tuple[list[str], str]] = []
    now_s = now.timestamp()
    for silenced, until in as_dict(dig(monitor, "options", "silenced")).items():
        end = as_number(until)
        if until is None or (end is not None and end > now_s):
            found.append(([as_str(silenced, 400)], "muted"))
    for downtime in as_list(monitor.get("matching_downtimes")):
        downtime = as_dict(downtime)
        start, end = as_number(downtime.get("start")), as_number(downtime.get("end"))
        active = downtime.get("active")
        if active is False:
            continue
        if start is not None and start > now_s:
            continue
        if end is not None and end <= now_s:
            continue
        scope = [as_str(s, 400) for s in as_list(downtime.get("scope"))] or ["*"]
        found.append((scope, f"downtime {as_str(downtime.get('id'), 40)}".strip()))
    return found


def parse_monitor(item: dict[str, Any], now: datetime) -> Monitor:
    """One monitor from either endpoint; ``now`` decides which mutes are still active."""
    raw_state = item.get("overall_state", item.get("status"))
    state = MonitorState.parse(raw_state)
    labels = tag_labels(as_list(item.get("tags")))
    mutes = _mutes(item, now)
    group_items = as_dict(dig(item, "state", "groups"))
    # A "*" scope mutes the whole monitor. A monitor that is not split into groups has
    # nothing a narrower scope could leave out: Datadog listed the downtime as matching it.
    whole = [r for scope, r in mutes if not _scope_tags(scope) or not group_items]
    groups: list[MonitorGroup] = []
    for name, group in group_items.items():
        group = as_dict(group)
        group_name = as_str(group.get("name") or name, 400)
        group_labels = tag_labels(group_name.split(","))
        groups.append(
            MonitorGroup(
                name=group_name,
                state=MonitorState.parse(group.get("status")),
                labels=group_labels,
                triggered_at=_epoch_or_iso(group.get("last_triggered_ts")),
                muted=bool(whole) or any(_scope_matches(s, group_labels) for s, _ in mutes),
            )
        )
    priority = as_int(item.get("priority"))
    return Monitor(
        id=as_int(item.get("id")),
        name=as_str(item.get("name"), 300),
        state=state,
        state_text=as_str(raw_state, 40),
        type=as_str(item.get("type"), 60),
        priority=priority if priority is not None and 1 <= priority <= 5 else None,
        labels=labels,
        message=clean_message(as_str(item.get("message"), 4000), state),
        muted=bool(whole),
        mute_reason=", ".join(whole),
        changed_at=_epoch_or_iso(item.get("overall_state_modified")),
        groups=tuple(groups),
    )


def parse_monitors(payload: object, now: datetime) -> tuple[Monitor, ...]:
    """``GET /api/v1/monitor`` (an array) or ``/api/v1/monitor/search`` (``{monitors}``).

    Items that are not objects are skipped.

    Raises:
        BadResponse: an error body, or neither shape.
    """
    check_errors(payload, "monitor list")
    if isinstance(payload, list):
        items = payload
    elif isinstance(payload, dict) and isinstance(payload.get("monitors"), list):
        items = payload["monitors"]
    else:
        raise BadResponse(
            "Datadog monitors: expected a JSON array or {monitors: [...]}",
            hint="check the site and that the URL is the API host",
        )
    return tuple(parse_monitor(item, now) for item in items if isinstance(item, dict))


def _alert(
    monitor: Monitor,
    state: MonitorState,
    labels: dict[str, str],
    group: str,
    since: datetime | None,
    muted: bool,
) -> Alert:
    summary = monitor.message.splitlines()[0] if monitor.message else monitor.name
    severity = _severity(state, monitor.priority)
    labels = {
        **labels,
        "alertname": monitor.name,
        "monitor_id": str(monitor.id) if monitor.id is not None else "",
        "monitor_state": state.value,
        "severity": severity,
    }
    if monitor.priority is not None:
        labels["priority"] = f"P{monitor.priority}"
    return Alert(
        name=monitor.name,
        severity=severity,
        summary=summary[:300],
        labels=tuple(sorted(labels.items())),
        description=monitor.message,
        runbook_url=_runbook(monitor.message),
        starts_at=since,
        fingerprint=f"datadog:{monitor.id}:{group or '*'}",
        silenced=muted,
    )


def monitor_alerts(monitors: Iterable[Monitor]) -> tuple[Alert, ...]:
    """Firing monitors as alerts: one per firing group when groups are known, else one
    per monitor. Labels are the monitor's tags, overridden by the group's tags (so
    ``service="checkout"`` matches the checkout group of a ``by {service}`` monitor),
    plus ``alertname``, ``monitor_id``, ``monitor_state``, ``severity`` and ``priority``.
    Muted monitors and groups come back with ``silenced=True``.
    """
    alerts: list[Alert] = []
    for monitor in monitors:
        firing_groups = [g for g in monitor.groups if g.state.firing]
        if firing_groups:
            for group in firing_groups:
                labels = {**monitor.labels, **group.labels}
                alerts.append(
                    _alert(
                        monitor,
                        group.state,
                        labels,
                        group.name,
                        group.triggered_at or monitor.changed_at,
                        group.muted or monitor.muted,
                    )
                )
        elif monitor.state.firing:
            alerts.append(
                _alert(
                    monitor,
                    monitor.state,
                    dict(monitor.labels),
                    "",
                    monitor.changed_at,
                    monitor.muted,
                )
            )
    return tuple(alerts)


def monitors_without_evidence(monitors: Iterable[Monitor]) -> tuple[Monitor, ...]:
    """Monitors that neither fire nor say OK (No Data, Skipped, Ignored, Unknown).

    An adapter reports these as "no data" rather than dropping them: a monitor that stopped
    receiving data is exactly the one that would miss a bad release.
    """
    return tuple(m for m in monitors if not m.state.firing and not m.state.ok)
