"""Active alerts and the label matchers that tie them to a release."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

FAILING_SEVERITIES = frozenset({"critical", "page"})
"""Alert severities that fail a release unless its line names others (``failing_severities``).

Alertmanager has no standard severity set; ``critical`` and ``page`` are the two the
Prometheus community's alerting rules (e.g. kube-prometheus-stack) use for "wake someone
up". Everything else (``warning``, ``error``, ``info``, none) warns: a release is failed
only on the evidence its owners said is failing."""

_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$')


@dataclass(frozen=True, slots=True)
class AlertMatcher:
    """A Prometheus-style label matcher: ``service="checkout"``, ``severity=~"crit.*"``."""

    label: str
    op: str
    value: str

    @classmethod
    def parse(cls, text: str) -> AlertMatcher:
        """Parse ``label<op>"value"`` with op one of ``= != =~ !~``.

        Raises:
            ValueError: not a matcher; the message shows the accepted form.
        """
        match = _MATCHER.match(text)
        if match is None:
            raise ValueError(f"'{text}' is not a label matcher; write e.g. service=\"checkout\"")
        label, op, value = match.groups()
        value = value.replace('\\"', '"').replace("\\\\", "\\")
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"'{text}' has an invalid regular expression: {exc}") from exc
        return cls(label, op, value)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.label, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        # Alertmanager anchors regex matchers at both ends.
        found = re.fullmatch(self.value, actual) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f'{self.label}{self.op}"{self.value}"'


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert. ``labels`` is a sorted tuple of pairs so the value stays hashable."""

    name: str
    severity: str
    summary: str
    labels: tuple[tuple[str, str], ...] = ()
    description: str = ""
    runbook_url: str = ""
    starts_at: datetime | None = None
    fingerprint: str = ""
    generator_url: str = ""
    silenced: bool = False
    """Suppressed: silenced, inhibited or muted. It is shown as such, never counted."""
    suppressed_by: tuple[str, ...] = ()
    """Why, in words: "silenced by 3f2a…", "inhibited by 8c1e…", "muted by offhours"."""
    no_data: bool = False
    """The alert's own check could not run (Grafana's DatasourceNoData/DatasourceError, a
    Datadog monitor in No Data): it cannot vouch for the release either way, so it reads
    as "no data" (inconclusive), never as firing and never as healthy."""

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def word(self) -> str:
        """What a screen shows before the name: "no data", the severity, or "alert"."""
        return "no data" if self.no_data else (self.severity or "alert")


def alert_fails(alert: Alert, failing_severities: frozenset[str]) -> bool:
    """Whether an alert fails the release (else it warns); severities compare case-blind."""
    return alert.severity.strip().lower() in failing_severities


def alerts_for(alerts: tuple[Alert, ...], matchers: tuple[AlertMatcher, ...]) -> tuple[Alert, ...]:
    """The alerts that match every matcher (and are not suppressed); no matchers match none."""
    return tuple(a for a in matching(alerts, matchers) if not a.silenced)


def suppressed_for(
    alerts: tuple[Alert, ...], matchers: tuple[AlertMatcher, ...]
) -> tuple[Alert, ...]:
    """The suppressed alerts (silenced, inhibited, muted) that match: listed, not counted."""
    return tuple(a for a in matching(alerts, matchers) if a.silenced)


def matching(alerts: tuple[Alert, ...], matchers: tuple[AlertMatcher, ...]) -> tuple[Alert, ...]:
    """The alerts that match every matcher, in their order. An equality matcher picks its
    candidates from an index of the list by label (every line matched every alert of a
    500-release world otherwise: 0.2 s a snapshot); the rest are checked as before."""
    if not matchers:
        return ()
    exact = next((m for m in matchers if m.op == "=" and m.value), None)
    candidates = _by_label(alerts).get((exact.label, exact.value), ()) if exact else alerts
    return tuple(a for a in candidates if _matches_all(a.label_map, matchers))


def _matches_all(labels: dict[str, str], matchers: tuple[AlertMatcher, ...]) -> bool:
    return all(m.matches(labels) for m in matchers)


_index: tuple[tuple[Alert, ...], dict[tuple[str, str], tuple[Alert, ...]]] | None = None
"""The last alert list indexed, and its index: one list serves every line of a snapshot."""


def _by_label(alerts: tuple[Alert, ...]) -> dict[tuple[str, str], tuple[Alert, ...]]:
    global _index  # a cache of a pure function of ``alerts``, whichever thread fills it
    cached = _index
    if cached is not None and cached[0] is alerts:
        return cached[1]
    found: dict[tuple[str, str], list[Alert]] = {}
    for alert in alerts:
        for pair in alert.labels:
            found.setdefault(pair, []).append(alert)
    index = {pair: tuple(listed) for pair, listed in found.items()}
    _index = (alerts, index)
    return index
