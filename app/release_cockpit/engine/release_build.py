"""One release built from copied inputs: the part of a snapshot that may run off the loop.

The store gathers a ``ReleaseJob`` on the event loop (references to immutable values and
copies of the few mutable ones: a signal's measurements, a checklist's ticks), and
``build`` turns it into a ``Release`` anywhere, a worker thread included: it reads nothing
but the job and the caches it is handed, and writes nothing shared. What building finds
out that is worth keeping (a signal's judgement, the alerts matching a line) comes back
in the ``Built`` value and the loop stores it, so a cache is only ever written there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from release_cockpit.domain import (
    Alert,
    ChangeSet,
    CIRun,
    Measurement,
    Release,
    ReleaseInputs,
    ReleaseLine,
    RolloutState,
    SignalRule,
    SignalStatus,
    SourceStatus,
    build_release,
    evaluate,
)
from release_cockpit.domain.alerts import matching
from release_cockpit.domain.checklist import Checklist, CheckResult, Tick, build_checklist
from release_cockpit.domain.flags import FlagState
from release_cockpit.domain.policy import Policy, choose_policy
from release_cockpit.domain.release_type import classify
from release_cockpit.domain.rollup import Target
from release_cockpit.domain.signals import not_compared

SignalMarker = tuple[object, ...]
"""What a signal's judgement depends on besides its rule: the last measurement, the
counts, the policy applied and why a comparison did not run."""


@dataclass(frozen=True, slots=True)
class SignalJob:
    """One signal's inputs, copied on the loop: its measurements and sparkline points."""

    rule: SignalRule
    measurements: tuple[Measurement, ...]
    series: tuple[float | None, ...]
    not_compared: str
    marker: tuple[object, ...]
    cached: tuple[SignalMarker, SignalStatus] | None
    """The judgement last stored for this signal, reused when its marker still matches."""


@dataclass(frozen=True, slots=True)
class ReleaseJob:
    """Everything one release is built from, as the loop saw it at ``now``."""

    key: str
    line: ReleaseLine
    now: datetime
    target: Target
    runs: tuple[CIRun, ...] | None
    rollout: RolloutState | None
    changeset: ChangeSet | None
    changeset_pending: bool
    sources: tuple[SourceStatus, ...]
    active_alerts: tuple[Alert, ...]
    matched_alerts: tuple[tuple[Alert, ...], tuple[Alert, ...]] | None
    """(the alert list, the alerts of it matching this line) from the last build."""
    signals: tuple[SignalJob, ...]
    policies: tuple[Policy, ...]
    ticks: Mapping[str, Tick] | None
    """The checklist's stored ticks (None: no checklist configured)."""
    checks: Mapping[str, CheckResult] = field(default_factory=dict)
    flags: tuple[FlagState, ...] = ()
    """The line's flags in config order (the kill switch first), as last read."""


@dataclass(frozen=True, slots=True)
class Built:
    """A built release and what the loop should remember from building it."""

    key: str
    release: Release
    signals: tuple[tuple[str, SignalMarker, SignalStatus], ...]
    """(signal name, marker, judgement) for the signal cache."""
    alerts: tuple[tuple[Alert, ...], tuple[Alert, ...]] | None


def _alerts(job: ReleaseJob) -> tuple[tuple[Alert, ...], tuple[Alert, ...]] | None:
    """The alerts matching the line, matched again only when the alert list changed
    (matching every alert against every line was most of a 500-release snapshot)."""
    spec = job.line.alerts
    if spec is None:
        return None
    cached = job.matched_alerts
    if cached is not None and cached[0] is job.active_alerts:
        return cached
    return job.active_alerts, matching(job.active_alerts, spec.matchers)


def _signal(signal: SignalJob, applied: Policy | None) -> tuple[SignalMarker, SignalStatus]:
    """A signal's judgement, evaluated again only when a measurement arrived (or the
    policy applied changed); evaluation does not depend on the clock."""
    marker = (*signal.marker, applied.name if applied else None)
    cached = signal.cached
    if cached is not None and cached[0] == marker:
        return cached
    rule = applied.apply(signal.rule) if applied else signal.rule
    status = evaluate(rule, signal.measurements, signal.series)
    if signal.not_compared:
        status = not_compared(status, signal.not_compared)
    return marker, status


def build(job: ReleaseJob) -> Built:
    """The release a job describes (pure: safe on any thread)."""
    line, target = job.line, job.target
    alerts = _alerts(job)
    # The policy depends on the release type, and its limits on how signals are judged,
    # so the type is settled before the signals are evaluated.
    release_type, _ = classify(
        target.version, target.previous, target.run.ref if target.run else "", line.hotfix_pattern
    )
    applied = choose_policy(job.policies, release_type, line.environment)
    judged = [(s.rule.name, *_signal(s, applied)) for s in job.signals]
    checklist: Checklist | None = None
    if job.ticks is not None:
        checklist = build_checklist(line.checklist, job.ticks, job.checks, job.now)
    release = build_release(
        ReleaseInputs(
            line=line,
            now=job.now,
            ci_runs=job.runs,
            rollout=job.rollout,
            signals=tuple(status for _, _, status in judged),
            alerts=alerts[1] if alerts is not None else (),
            changeset=job.changeset,
            changeset_pending=job.changeset_pending,
            sources=job.sources,
            applied_policy=applied,
            checklist=checklist,
            flags=job.flags,
        )
    )
    return Built(job.key, release, tuple(judged), alerts)
