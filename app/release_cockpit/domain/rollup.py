"""Roll-ups: from CI runs, rollout, signals and alerts to one judged Release.

Everything here is a pure function of its inputs and ``now``, so the engine, the CLI
and the tests all see the same release from the same data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from release_cockpit.domain.alerts import Alert, alert_fails
from release_cockpit.domain.checklist import Checklist, checklist_stage
from release_cockpit.domain.ci import CIRun
from release_cockpit.domain.flags import FlagState
from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.freshness import SourceState, SourceStatus
from release_cockpit.domain.policy import Policy
from release_cockpit.domain.release import ChangeSet, Release
from release_cockpit.domain.release_enums import Attention
from release_cockpit.domain.release_line import ReleaseLine
from release_cockpit.domain.release_type import classify
from release_cockpit.domain.rollout import RolloutState
from release_cockpit.domain.signals import SignalStatus, no_data_verdict
from release_cockpit.domain.stage_rules import (
    ci_stage,
    deploy_stage,
    monitor_stage,
    plan_stage,
)
from release_cockpit.domain.stages import Stage, StageName, StageState
from release_cockpit.domain.verdict import Verdict, VerdictLevel, worst


@dataclass(frozen=True, slots=True)
class ReleaseInputs:
    """Everything the engine knows about one release line at one instant.

    ``ci_runs`` is None while the CI source has not answered yet (as opposed to an
    empty tuple: it answered and there are no runs).
    """

    line: ReleaseLine
    now: datetime
    ci_runs: tuple[CIRun, ...] | None = None
    rollout: RolloutState | None = None
    signals: tuple[SignalStatus, ...] = ()
    alerts: tuple[Alert, ...] = ()
    changeset: ChangeSet | None = None
    changeset_pending: bool = False
    sources: tuple[SourceStatus, ...] = ()
    applied_policy: Policy | None = None
    checklist: Checklist | None = None
    flags: tuple[FlagState, ...] = ()
    """The line's flags in config order (the kill switch first), as last read."""


@dataclass(frozen=True, slots=True)
class Target:
    """Which version the release line is moving to, and the CI run its CI stages show:
    the run that built it, or a newer run whose version could not be read (``run.version``
    None), so a failing job is never hidden behind "no CI run for this version yet"."""

    version: str | None
    previous: str | None
    run: CIRun | None


def pick_target(rollout: RolloutState | None, runs: Sequence[CIRun]) -> Target:
    """Decide which version is "the release" for a line.

    A rollout that is moving (new template not yet stable) defines it. Otherwise the
    newest CI run for a version other than the running one is the next release. Otherwise
    the release is the running version itself (settled, or soaking after promotion).

    The run is the one that built that version, unless the newest run of the CI project
    has no readable version and is newer: then that run is shown (marked "version
    unknown" by the stages), because the newest build of the project is the evidence a
    person needs, whatever its version. A moving rollout keeps its own version's run:
    that run is the release being deployed.
    """
    newest_first = sorted(
        runs, key=lambda r: (r.created_at is not None, r.created_at), reverse=True
    )
    running = rollout.stable_version if rollout else None
    version: str | None
    previous: str | None
    if rollout and rollout.canary_version and not rollout.fully_promoted:
        version, previous = rollout.canary_version, rollout.stable_version
    else:
        pending = next(
            (r for r in newest_first if r.version and r.version not in (running, None)), None
        )
        if pending is not None and not _older_than_running(pending, rollout):
            version, previous = pending.version, running
        elif rollout and rollout.stable_version:
            version, previous = rollout.stable_version, rollout.previous_version
        else:
            version = next((r.version for r in newest_first if r.version), None)
            previous = None
    run = next((r for r in newest_first if version and r.version == version), None)
    moving = bool(rollout and rollout.canary_version and not rollout.fully_promoted)
    newest = newest_first[0] if newest_first else None
    if (
        newest is not None
        and newest.version is None
        and not (moving and run is not None)
        and (run is None or _created_after(newest, run))
    ):
        run = newest
    return Target(version, previous, run)


def _created_after(run: CIRun, other: CIRun) -> bool:
    if run.created_at is None or other.created_at is None:
        return False
    return run.created_at > other.created_at


def _older_than_running(run: CIRun, rollout: RolloutState | None) -> bool:
    """A run created before the running version finished deploying is history, not a release."""
    if rollout is None or rollout.finished_at is None or run.created_at is None:
        return False
    return run.created_at < rollout.finished_at and run.version == rollout.previous_version


def _untrusted(sources: Sequence[SourceStatus], now: datetime) -> list[SourceStatus]:
    return [s for s in sources if not s.trusted(now)]


def _staleness(source: SourceStatus, now: datetime) -> str:
    age = source.age(now)
    if age is None:
        return f"{source.name}: no data yet" + (f" ({source.error})" if source.error else "")
    limit = format_duration(source.stale_after)
    text = f"{source.name} data {format_duration(age)} old (stale after {limit})"
    return f"{text}: {source.error}" if source.error else text


def alerts_as_of(sources: Sequence[SourceStatus], now: datetime) -> str:
    """ "" while the alert source is live, else when its alerts were last known and why
    they may be out of date ("as of 16:08:41, alertmanager down")."""
    for source in sources:
        if source.kind != "alerts" or source.state in (SourceState.OK, SourceState.LATE):
            continue
        if source.updated_at is None:
            return f"no answer yet from {source.name} ({source.state.value})"
        return f"as of {source.updated_at:%H:%M:%S}, {source.name} {source.state.value}"
    return ""


def _alert_verdict(alert: Alert, line: ReleaseLine, now: datetime, as_of: str = "") -> Verdict:
    since = f" for {format_duration(now - alert.starts_at)}" if alert.starts_at else ""
    if as_of:
        since = f" ({as_of})"  # an alert from a source that is down: no timer, said so
    if alert.no_data:
        # The alert's own check has no data: a human must decide, as for a signal.
        return Verdict(
            VerdictLevel.INCONCLUSIVE, f"alert {alert.name}: no data{since}: {alert.summary}"
        )
    failing = alert_fails(alert, line.failing_severities)
    level = VerdictLevel.FAILING if failing else VerdictLevel.WARNING
    return Verdict(
        level,
        f"alert {alert.name} ({alert.severity or 'no severity'}) firing{since}: {alert.summary}",
    )


def _health(
    signals: Sequence[SignalStatus],
    alerts: Sequence[Alert],
    line: ReleaseLine,
    now: datetime,
    *,
    canary_active: bool,
    as_of: str = "",
) -> Verdict:
    """Worst of signals and alerts. Signals come first so that, at equal level, the reason
    names a measured value and its threshold; the others at that level are counted.

    A comparison that did not run is evidence of nothing: it is left out of the count of
    signals within thresholds, and when nothing else is left to judge by, the verdict is
    inconclusive (a human decides), never OK."""
    judged = [s for s in signals if not s.dry_run and not s.not_compared]
    parts = [Verdict(s.level, s.reason) for s in judged]
    parts += [_alert_verdict(a, line, now, as_of) for a in alerts]
    no_data = no_data_verdict(judged) if canary_active else None
    if no_data is not None:
        parts.insert(0, no_data)
    idle = [s for s in signals if s.not_compared and not s.dry_run]
    if not parts and idle and (line.alerts is None or as_of):
        return Verdict(VerdictLevel.INCONCLUSIVE, f"no health evidence: {idle[0].reason}")
    if not parts and idle:  # a live alert source with nothing firing is evidence
        return Verdict.ok(f"no alerts firing; {idle[0].reason}")
    verdict = worst(parts, default=Verdict.ok("no health signals configured"))
    if parts and verdict.level is VerdictLevel.OK:
        counted = len(judged)
        noun = "signal" if counted == 1 else "signals"
        text = f"{counted} {noun} within thresholds, no alerts firing"
        if idle:
            text += f"; {len(idle)} not compared"
        return Verdict.ok(text)
    others = sum(1 for p in parts if p.level is verdict.level) - 1
    if others > 0 and verdict.level is not VerdictLevel.OK:
        return Verdict(verdict.level, f"{verdict.reason} (+{others} more)")
    return verdict


def judge_signals(
    signals: Sequence[SignalStatus], sources: Sequence[SourceStatus], now: datetime
) -> tuple[SignalStatus, ...]:
    """Mark signals whose backend is stale as UNKNOWN: an old green is not a green."""
    stale = {s.name: s for s in _untrusted(sources, now)}
    out = []
    for signal in signals:
        source = stale.get(signal.backend)
        if source is not None:
            signal = replace(signal, level=VerdictLevel.UNKNOWN, reason=_staleness(source, now))
        out.append(signal)
    return tuple(out)


def build_release(inputs: ReleaseInputs) -> Release:
    """Judge one release line: pick its version, derive six stages, roll up the verdict."""
    line, now = inputs.line, inputs.now
    applied = inputs.applied_policy
    if applied is not None and applied.soak is not None:
        line = replace(line, soak=applied.soak)
    runs = inputs.ci_runs or ()
    target = pick_target(inputs.rollout, runs)
    run = target.run
    ref = run.ref if run else ""
    release_type, type_reason = classify(target.version, target.previous, ref, line.hotfix_pattern)
    started = run.created_at if run else (inputs.rollout.started_at if inputs.rollout else None)
    have_ci = inputs.ci_runs is not None
    newest = max(
        inputs.ci_runs or (), key=lambda r: (r.created_at is not None, r.created_at), default=None
    )
    plan = plan_stage(
        line,
        target.version,
        inputs.changeset,
        now=now,
        since=started,
        changeset_pending=inputs.changeset_pending,
        unversioned=newest.version_problem if newest and newest.version is None else "",
    )
    ci = line.ci
    configured_ci = ci is not None
    build = ci_stage(
        StageName.BUILD, ci.build if ci else (), run, configured=configured_ci, have_data=have_ci
    )
    test = ci_stage(
        StageName.TEST, ci.test if ci else (), run, configured=configured_ci, have_data=have_ci
    )
    pre = ci_stage(
        StageName.PRE_RELEASE,
        ci.pre_release if ci else (),
        run,
        configured=configured_ci,
        have_data=have_ci,
    )
    if inputs.checklist is not None:
        pre = checklist_stage(inputs.checklist, pre)
    deploy = deploy_stage(
        inputs.rollout,
        target.version,
        configured=line.deploy is not None,
        have_data=inputs.rollout is not None,
    )
    rollout = inputs.rollout
    canary_active = (
        rollout is not None and rollout.canary_active and rollout.canary_version == target.version
    )
    signals = judge_signals(inputs.signals, inputs.sources, now)
    as_of = alerts_as_of(inputs.sources, now)
    firing = tuple(a for a in inputs.alerts if not a.silenced)
    health = _health(signals, firing, line, now, canary_active=canary_active, as_of=as_of)
    monitor, soak_ends = monitor_stage(line, deploy, health, now=now)
    stages = (plan, build, test, pre, deploy, monitor)
    verdict = _roll_up(stages, health, inputs.sources, now)
    return Release(
        key=line.key,
        service=line.service,
        environment=line.environment,
        team=line.team,
        version=target.version,
        previous_version=target.previous,
        release_type=release_type,
        type_reason=type_reason,
        stages=stages,
        verdict=verdict,
        attention=attention(stages, verdict),
        ref=ref,
        changeset=inputs.changeset,
        triggered_by=run.actor if run else "",
        started_at=started,
        rollout=inputs.rollout,
        ci_run=run,
        signals=signals,
        alerts=firing,
        suppressed_alerts=tuple(a for a in inputs.alerts if a.silenced),
        sources=inputs.sources,
        runbook_url=line.runbook,
        soak_ends_at=soak_ends,
        policy=applied.summary if applied else "",
        checklist=inputs.checklist,
        failing_severities=line.failing_severities,
        alerts_as_of=as_of,
        cluster=line.deploy.backend if line.deploy else "",
        flags=inputs.flags,
    )


def _roll_up(
    stages: Sequence[Stage], health: Verdict, sources: Sequence[SourceStatus], now: datetime
) -> Verdict:
    """Worst of stage failures and health; stale inputs can never leave it at OK."""
    failed = [
        Verdict(VerdictLevel.FAILING, f"{s.name.title} failed: {s.detail}")
        for s in stages
        if s.state is StageState.FAILED and s.name is not StageName.MONITOR
    ]
    verdict = worst([*failed, health])
    untrusted = _untrusted(sources, now)
    if verdict.level is VerdictLevel.OK and untrusted:
        return Verdict(VerdictLevel.UNKNOWN, "; ".join(_staleness(s, now) for s in untrusted))
    return verdict


def attention(stages: Sequence[Stage], verdict: Verdict) -> Attention:
    """Where the release sorts on the board, and the word every view shows for it: failing,
    waiting (for a human), warning, unknown, running, soaking, done."""
    states = {s.state for s in stages}
    if verdict.level is VerdictLevel.FAILING or StageState.FAILED in states:
        return Attention.FAILING
    if StageState.WAITING in states or verdict.level is VerdictLevel.INCONCLUSIVE:
        return Attention.WAITING
    if verdict.level is VerdictLevel.WARNING:
        return Attention.WARNING
    if verdict.level is VerdictLevel.UNKNOWN or StageState.UNKNOWN in states:
        return Attention.UNKNOWN
    monitor = stages[-1]
    if monitor.state is StageState.RUNNING:
        return Attention.SOAKING
    if all(s.state.settled for s in stages):
        return Attention.DONE
    return Attention.RUNNING


def board_order(releases: Sequence[Release]) -> tuple[Release, ...]:
    """Needs-attention first, then worst verdict, then by service for a stable order."""
    return tuple(
        sorted(releases, key=lambda r: (r.attention, -r.verdict.level, r.service, r.environment))
    )
