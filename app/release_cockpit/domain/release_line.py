"""A release line: one service going to one environment, and where its evidence comes from.

This is the one model of a configured line. The config loader builds it once from
``[services.KEY]`` (with file and line for every mistake); the engine polls what it
names; the domain judges releases against it. Every field's docstring is its
documentation (``config.example.toml`` is checked against these fields).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from release_cockpit.domain.alerts import FAILING_SEVERITIES, AlertMatcher
from release_cockpit.domain.checklist import ChecklistItem
from release_cockpit.domain.signal_rules import SignalRule


@dataclass(frozen=True, slots=True)
class TargetKey:
    """A key a release line uses to point at something on a backend, as the backend's
    adapter declares it (``project`` for GitHub Actions, ``rollout`` for Argo Rollouts).

    The config is checked against these declarations (unknown keys get a "did you mean",
    missing required ones name the adapter), and `release-cockpit adapters` lists them.
    """

    name: str
    help: str
    required: bool = True
    example: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    """Where on its backend a release line points: the declared keys and their values.

    Hashable, so lines pointing at the same thing (two environments of one pipeline)
    share one request.
    """

    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, str] | None = None, /, **more: str) -> Target:
        merged = {**(values or {}), **more}
        return cls(tuple(sorted((k, v) for k, v in merged.items() if v is not None)))

    def get(self, key: str, default: str = "") -> str:
        return next((v for k, v in self.values if k == key), default)

    def __getitem__(self, key: str) -> str:
        for k, v in self.values:
            if k == key:
                return v
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self.values)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.values)

    @property
    def label(self) -> str:
        """``project=acme/checkout workflow=release.yml``: for messages and cache keys."""
        return " ".join(f"{k}={v}" for k, v in self.values)


@dataclass(frozen=True, slots=True)
class CILink:
    """Where a line's builds and tests run (``[services.KEY.ci]``)."""

    backend: str
    """Name of a CI backend."""
    target: Target = Target()
    """The CI backend's own keys (``project``, ``workflow``, ``builder``, ``job``...)."""
    build: tuple[str, ...] = ("build*",)
    """Job-name glob patterns that make up the Build stage."""
    test: tuple[str, ...] = ("test*",)
    """Job-name glob patterns that make up the Test stage."""
    pre_release: tuple[str, ...] = ()
    """Job-name glob patterns for automatic Pre-release checks; the stage is skipped if empty."""


@dataclass(frozen=True, slots=True)
class DeployLink:
    """What a line's Deploy stage follows (``[services.KEY.deploy]``)."""

    backend: str
    """Name of a deploy backend."""
    target: Target = Target()
    """The deploy backend's own keys (``namespace`` and ``rollout``, ``application``...)."""


@dataclass(frozen=True, slots=True)
class AlertLink:
    """Which alerts belong to a line, and which of them fail it (``[services.KEY.alerts]``)."""

    backend: str
    """Name of an alert backend."""
    matchers: tuple[AlertMatcher, ...]
    """Label matchers an alert must satisfy to belong to this release, e.g. service="x"."""
    failing_severities: frozenset[str] = FAILING_SEVERITIES
    """Severities that fail the release verdict; other alerts only warn."""


@dataclass(frozen=True, slots=True)
class FlagLink:
    """A feature flag that guards a line (one ``[[services.KEY.flags]]`` table).

    The first flag a line lists is its kill switch: the one "flag off" (K) and "flag on"
    act on; the others are shown beside it.
    """

    backend: str
    """Name of a flag backend (ofrep, unleash, launchdarkly)."""
    target: Target = Target()
    """The flag backend's own keys: ``flag``, and ``environment``, ``project`` where the
    backend has them."""

    @property
    def flag(self) -> str:
        """The flag's key (``checkout-v2``)."""
        return self.target.get("flag")

    @property
    def environment(self) -> str:
        """The flag system's environment, "" for a backend without environments (OFREP)."""
        return self.target.get("environment")


@dataclass(frozen=True, slots=True)
class ReleaseLine:
    """One configured release line (``[services.KEY]``)."""

    key: str
    """The table name: ``[services.KEY]``."""
    service: str
    """Service name shown on the panel; defaults to KEY."""
    environment: str
    """Environment the release goes to (production, staging, ...)."""
    team: str = ""
    """Owning team, for filtering and DORA."""
    runbook: str = ""
    """Runbook URL shown beside the controls."""
    soak: timedelta = timedelta(minutes=10)
    """How long health must stay good after deploy for Monitor to pass."""
    hotfix_pattern: str | None = None
    """Regular expression on the branch or tag that marks a hotfix."""
    window_start: datetime | None = None
    """Scheduled release window start (RFC 3339); Plan waits until then."""
    window_end: datetime | None = None
    """Scheduled release window end (RFC 3339)."""
    ci: CILink | None = None
    deploy: DeployLink | None = None
    signals: tuple[SignalRule, ...] = ()
    alerts: AlertLink | None = None
    checklist: tuple[ChecklistItem, ...] = ()
    """Readiness checklist items of the Pre-release stage."""
    flags: tuple[FlagLink, ...] = ()
    """Feature flags guarding the release; the first is its kill switch."""

    @property
    def failing_severities(self) -> frozenset[str]:
        """Alert severities that fail this line's verdict (the rest only warn)."""
        return self.alerts.failing_severities if self.alerts else FAILING_SEVERITIES

    def backends(self) -> tuple[str, ...]:
        """Every backend this line reads, each once, in the order CI, deploy, signals,
        alerts, flags."""
        names = [self.ci.backend if self.ci else None, self.deploy.backend if self.deploy else None]
        names += [rule.backend for rule in self.signals]
        names.append(self.alerts.backend if self.alerts else None)
        names += [link.backend for link in self.flags]
        return tuple(dict.fromkeys(n for n in names if n is not None))
