"""What one poll learned, handed from a poller to the engine: the store has one writer.

Pollers read what they need through ``PollView`` (what is due depends on what is known)
and return a ``PollResult``; only the engine applies results to the store, so the order
in which answers become state is decided in one place, and a poller cut off by its
deadline leaves nothing half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from release_cockpit.domain import Alert, ChangeSet, CIRun, Measurement, RolloutState, Target
from release_cockpit.domain.checklist import CheckResult
from release_cockpit.domain.flags import FlagState
from release_cockpit.errors import AdapterError

SERIES_POINTS = 30
"""Points in a signal's sparkline (and in the range query that backfills it)."""
ALL_TARGETS = "*"
"""The target of a source-wide answer (the alert list)."""

ChangeKey = tuple[str, str, str]
"""(project, previous version, version): a change set never changes once known."""


def signal_target(key: str, signal: str) -> str:
    """The freshness target of one signal of one release line."""
    return f"{key}/{signal}"


def flag_target(key: str, target: Target) -> str:
    """The freshness target of one flag of one release line."""
    return f"{key}/flag {target.label}"


@dataclass(frozen=True, slots=True)
class Usage:
    """How a backend's requests went in one poll: for the sources screen."""

    latency_ms: float | None = None
    rate_limit_remaining: int | None = None


@dataclass(frozen=True, slots=True)
class SignalProgress:
    """How far one signal's measurement has come for the current release (read-only)."""

    first_seen: datetime | None
    count: int
    last_at: datetime | None
    last_failed_to_measure: bool


@dataclass(frozen=True, slots=True)
class Backfill:
    """Recent history reconstructed for a signal first seen: sparkline points, and the
    points since the rollout started as measurements (oldest first)."""

    key: str
    signal: str
    series: tuple[float, ...]
    measurements: tuple[Measurement, ...]


@dataclass(slots=True)
class PollResult:
    """Built by one poll, then handed to the engine and never touched again.

    ``answered`` and ``failed`` are per target (a release key, ``key/signal``, or ``*``
    for a source-wide answer such as the alert list), so one missing repository marks
    only its own release stale. ``error`` is the poll's first failure: the poll loop
    backs off on it, while every target that did answer keeps its fresh data.
    """

    source: str
    answered: list[str] = field(default_factory=list)
    failed: dict[str, AdapterError] = field(default_factory=dict)
    ci_runs: dict[str, tuple[CIRun, ...]] = field(default_factory=dict)
    changesets: dict[ChangeKey, ChangeSet | None] = field(default_factory=dict)
    rollouts: dict[str, RolloutState] = field(default_factory=dict)
    gone_rollouts: list[str] = field(default_factory=list)
    alerts: tuple[Alert, ...] | None = None
    backfills: list[Backfill] = field(default_factory=list)
    measurements: list[tuple[str, str, Measurement]] = field(default_factory=list)
    """(release key, signal name, measurement), in the order they were taken."""
    not_compared: dict[tuple[str, str], str] = field(default_factory=dict)
    """(release key, signal) -> why a comparison could not run this time."""
    checks: dict[str, dict[str, CheckResult]] = field(default_factory=dict)
    """Readiness checklist results: release key -> item name -> result."""
    flags: dict[Target, FlagState | None] = field(default_factory=dict)
    """Flag states by the flag backend's target; None: the flag is gone (not found)."""
    usage: Usage = field(default_factory=Usage)
    error: AdapterError | None = None

    def ok(self, target: str) -> None:
        self.answered.append(target)
        self.failed.pop(target, None)

    def fail(self, target: str, error: AdapterError) -> None:
        self.failed[target] = error
        self.error = self.error or error


class PollView(Protocol):
    """What pollers may read of the engine's state to decide what to fetch (read-only)."""

    def runs_of(self, key: str) -> tuple[CIRun, ...] | None: ...

    def rollout(self, key: str) -> RolloutState | None: ...

    def has_changeset(self, change: ChangeKey) -> bool: ...

    def changeset_key(self, key: str, previous: str, version: str) -> ChangeKey: ...

    def target_error(self, source: str, target: str) -> AdapterError | None: ...

    def signal_progress(self, key: str, signal: str) -> SignalProgress: ...
