"""The health judgements the demo config writes: threshold signals, canary comparisons,
release-type policies.

One definition for the Prometheus lines (PromQL templates the world's Prometheus answers,
``query_templates``) and one for the Datadog line (the same judgements in Datadog's query
language, ``datadog_routes``); the policies' soaks are the ones the world waits for
(``scenarios``). ``demo_config`` writes them as TOML.
"""

from __future__ import annotations

from dataclasses import dataclass

from release_cockpit_demo.datadog_routes import (
    ERROR_RATIO_TEMPLATE,
    P99_BY_TRACK_TEMPLATE,
    P99_TEMPLATE,
)
from release_cockpit_demo.query_templates import CANARY_TRACK, STABLE_TRACK, Query
from release_cockpit_demo.scenarios import HOTFIX_SOAK, MAJOR_SOAK


@dataclass(frozen=True, slots=True)
class SignalConfig:
    """A threshold signal on one of the canary templates (a PromQL ``Query`` or the text
    of a Datadog query)."""

    query: Query | str
    name: str
    format: str
    fail_above: float
    warn_above: float
    failure_limit: int = 2
    interval: str = "5s"

    @property
    def template(self) -> str:
        return self.query if isinstance(self.query, str) else self.query.template


@dataclass(frozen=True, slots=True)
class ComparisonConfig:
    """A canary-vs-baseline signal: one query, its series split into two populations."""

    query: Query | str
    name: str
    format: str
    canary: str
    baseline: str
    window: str = "5m"
    direction: str = "increase"
    confidence: float = 0.98
    tolerance: float = 0.25
    interval: str = "10s"

    @property
    def template(self) -> str:
        return self.query if isinstance(self.query, str) else self.query.template


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """A release-type policy: its soak (seconds) and, optionally, a stricter failure limit."""

    name: str
    release_types: tuple[str, ...]
    soak: float
    failure_limit: int | None = None
    require_checklist: tuple[str, ...] = ()


SIGNALS = (
    SignalConfig(Query.ERROR_RATIO, "5xx ratio", "percent", fail_above=0.05, warn_above=0.02),
    SignalConfig(Query.P99_LATENCY, "p99 latency", "seconds", fail_above=0.5, warn_above=0.3),
)
COMPARISONS = (
    ComparisonConfig(
        Query.P99_BY_TRACK,
        "p99 canary vs stable",
        "seconds",
        canary=f'track="{CANARY_TRACK}"',
        baseline=f'track="{STABLE_TRACK}"',
    ),
)
DATADOG_SIGNALS = (
    SignalConfig(ERROR_RATIO_TEMPLATE, "5xx ratio", "percent", fail_above=0.05, warn_above=0.02),
    SignalConfig(P99_TEMPLATE, "p99 latency", "seconds", fail_above=0.5, warn_above=0.3),
)
DATADOG_COMPARISONS = (
    ComparisonConfig(
        P99_BY_TRACK_TEMPLATE,
        "p99 canary vs stable",
        "seconds",
        canary='query="canary"',
        baseline='query="baseline"',
    ),
)
"""The Datadog line's signals: the same judgements as the Prometheus lines', in Datadog's
query language (a formula over two named queries; canary and baseline as two queries)."""
POLICIES = (
    PolicyConfig("hotfix fast lane", ("hotfix",), HOTFIX_SOAK),
    PolicyConfig(
        "major release",
        ("major",),
        MAJOR_SOAK,
        failure_limit=0,
        require_checklist=("promote", "promote-full"),
    ),
)
