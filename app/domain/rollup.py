"""Roll-ups: from CI runs, rollout, signals and alerts to one judged Release.

Everything here is a pure function of its inputs and ``now``, so the engine, the CLI
and the tests all see the same release from the same data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fnmatch import fnmatchcase

from app.domain.alerts import Alert
from app.domain.ci import CIJob, CIRun, RunStatus
from app.domain.formatting import format_duration
from app.domain.freshness import SourceStatus
from app.domain.release import Attention, ChangeSet, Release, ServicePolicy
from app.domain.release_type import classify
from app.domain.rollout import PauseKind, RolloutPhase, RolloutState
from app.domain.signals import SignalStatus
from app.domain.stages import Stage, StageName, StageState
from app.domain.verdict import Verdict, VerdictLevel, worst


@dataclass(frozen=True, slots=True)
class ReleaseInputs:
    """Everything the engine knows about one release line at one instant.

    ``ci_runs`` is None while the CI source has not answered yet (as opposed to an
    empty tuple: it answered and there are no runs).
    """

    policy: ServicePolicy
    now: datetime
    ci_runs: tuple[CIRun, ...] | None = None
    rollout: RolloutState | None = None
    signals: tuple[SignalStatus, ...] = ()
    alerts: tuple[Alert, ...] = ()
    changeset: ChangeSet | None = None
    changeset_pending: bool = False
    sources: tuple[SourceStatus, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """Which version the release line is moving to, and the CI run that built it."""

    version: str | None
    previous: str | None
    run: CIRun | None


def pick_target(rollout: RolloutState | None, runs: Sequence[CIRun]) -> Target:
    """Decide which version is "the release" for a line.

    A rollout that is moving (new template not yet stable) defines it. Otherwise the
    newest CI run for a version other than the running one is the next release. Otherwise
    the release is the running version itself (settled, or soaking after promotion).
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
    return Target(version, previous, run)


def _older_than_running(run: CIRun, rollout: RolloutState | None) -> bool:
    """A run created before the running version finished deploying is history, not a release."""
    if rollout is None or rollout.finished_at is None or run.created_at is None:
        return False
    return run.created_at < rollout.finished_at and run.version == rollout.previous_version


def _match(jobs: Sequence[CIJob], patterns: Sequence[str]) -> list[CIJob]:
    lowered = [p.lower() for p in patterns]
    return [j for j in jobs if any(fnmatchcase(j.name.lower(), p) for p in lowered)]


def _jobs(count: int) -> str:
    return f"{count} job" if count == 1 else f"{count} jobs"


def ci_stage(
    name: StageName,
    patterns: Sequence[str],
    run: CIRun | None,
    *,
    configured: bool,
    have_data: bool,
) -> Stage:
    """A CI-backed stage from the jobs whose names match its patterns."""
    if not configured or not patterns:
        return Stage(name, StageState.SKIPPED, "not configured")
    if not have_data:
        return Stage(name, StageState.UNKNOWN, "waiting for CI data")
    if run is None:
        return Stage(name, StageState.PENDING, "no CI run for this version yet")
    jobs = _match(run.jobs, patterns)
    if not jobs:
        if run.status.finished:
            return Stage(name, StageState.SKIPPED, "no matching jobs ran")
        return Stage(name, StageState.PENDING, "jobs not started")
    starts = [j.started_at for j in jobs if j.started_at]
    ends = [j.completed_at for j in jobs if j.completed_at]
    started = min(starts) if starts else None
    statuses = {j.status for j in jobs}
    failed = [j for j in jobs if j.status in (RunStatus.FAILED, RunStatus.CANCELLED)]
    if failed:
        names = ", ".join(j.name for j in failed)
        word = "cancelled" if all(j.status is RunStatus.CANCELLED for j in failed) else "failed"
        return Stage(name, StageState.FAILED, f"{names} {word}", started, max(ends, default=None))
    if RunStatus.WAITING in statuses:
        waiting = ", ".join(j.name for j in jobs if j.status is RunStatus.WAITING)
        return Stage(name, StageState.WAITING, f"{waiting} waiting for approval", started)
    if RunStatus.RUNNING in statuses or (
        RunStatus.QUEUED in statuses and RunStatus.SUCCEEDED in statuses
    ):
        done = sum(1 for j in jobs if j.status.finished)
        return Stage(name, StageState.RUNNING, f"{done}/{_jobs(len(jobs))} done", started)
    if RunStatus.QUEUED in statuses:
        return Stage(name, StageState.PENDING, "queued")
    if RunStatus.UNKNOWN in statuses:
        return Stage(name, StageState.UNKNOWN, "a job reports an unknown status", started)
    if statuses == {RunStatus.SKIPPED}:
        return Stage(name, StageState.SKIPPED, "jobs skipped", started, max(ends, default=None))
    return Stage(
        name, StageState.PASSED, f"{_jobs(len(jobs))} passed", started, max(ends, default=None)
    )


def plan_stage(
    policy: ServicePolicy,
    version: str | None,
    changeset: ChangeSet | None,
    *,
    now: datetime,
    since: datetime | None,
    changeset_pending: bool,
) -> Stage:
    """Plan is done once version, type and change set are known and the window has opened."""
    if version is None:
        return Stage(StageName.PLAN, StageState.PENDING, "no version yet")
    if policy.window_start and now < policy.window_start:
        left = format_duration(policy.window_start - now)
        return Stage(StageName.PLAN, StageState.WAITING, f"window opens in {left}", since)
    if policy.window_end and now > policy.window_end:
        return Stage(StageName.PLAN, StageState.WAITING, "release window closed", since)
    if changeset_pending:
        return Stage(StageName.PLAN, StageState.RUNNING, "gathering change set", since)
    detail = f"{changeset.commits} commits" if changeset else "change set unknown"
    return Stage(StageName.PLAN, StageState.PASSED, detail, since, since)


def deploy_stage(
    rollout: RolloutState | None,
    version: str | None,
    *,
    configured: bool,
    have_data: bool,
    now: datetime,
) -> Stage:
    """The Deploy stage from the rollout, with step, weights and any pause countdown."""
    if not configured:
        return Stage(StageName.DEPLOY, StageState.SKIPPED, "not configured")
    if not have_data or rollout is None:
        return Stage(StageName.DEPLOY, StageState.UNKNOWN, "waiting for rollout data")
    if version is None or rollout.canary_version != version:
        return Stage(
            StageName.DEPLOY, StageState.PENDING, f"running {rollout.stable_version or '?'}"
        )
    started, finished = rollout.started_at, rollout.finished_at
    if rollout.fully_promoted and rollout.phase is RolloutPhase.HEALTHY:
        return Stage(StageName.DEPLOY, StageState.PASSED, "fully promoted", started, finished)
    if rollout.phase is RolloutPhase.DEGRADED or rollout.aborted:
        what = "aborted" if rollout.aborted else "degraded"
        return Stage(
            StageName.DEPLOY, StageState.FAILED, f"{what}: {rollout.message}".strip(), started
        )
    progress = progress_text(rollout)
    if rollout.phase is RolloutPhase.PAUSED or rollout.pause_kind is not PauseKind.NONE:
        pause = pause_text(rollout, now)
        state = StageState.WAITING if rollout.pause_kind.needs_human else StageState.RUNNING
        return Stage(StageName.DEPLOY, state, f"{progress} · {pause}".strip(" ·"), started)
    return Stage(StageName.DEPLOY, StageState.RUNNING, progress or rollout.message, started)


def progress_text(rollout: RolloutState) -> str:
    parts = []
    if rollout.step_index is not None and rollout.step_count:
        parts.append(f"step {min(rollout.step_index + 1, rollout.step_count)}/{rollout.step_count}")
    if rollout.set_weight is not None:
        actual = rollout.actual_weight
        shown = f"{rollout.set_weight}%"
        if actual is not None and actual != rollout.set_weight:
            shown += f" (actual {actual}%)"
        parts.append(f"weight {shown}")
    return " · ".join(parts)


def pause_text(rollout: RolloutState, now: datetime) -> str:
    """Explain a pause with its countdown (or how long it has waited)."""
    if rollout.pause_ends_at is not None:
        left = format_duration(rollout.pause_ends_at - now)
        if rollout.pause_kind is PauseKind.PROMOTION_GATE:
            return f"waiting for promote, auto-promotes in {left}"
        if rollout.pause_kind.needs_human:
            return f"paused ({rollout.pause_reason or 'manual'}), {left} left"
        return f"next step in {left}"
    waited = format_duration(now - rollout.pause_started_at) if rollout.pause_started_at else "?"
    if rollout.pause_kind is PauseKind.INCONCLUSIVE:
        return f"analysis inconclusive, waiting {waited} for a human"
    if rollout.pause_kind is PauseKind.MANUAL:
        return f"paused by a person {waited} ago"
    return f"waiting {waited} for promote"


def monitor_stage(
    policy: ServicePolicy,
    deploy: Stage,
    health: Verdict,
    *,
    now: datetime,
) -> tuple[Stage, datetime | None]:
    """The post-deploy soak: health must stay good for the configured time."""
    if deploy.state is not StageState.PASSED:
        return Stage(
            StageName.MONITOR, StageState.PENDING, f"soak {format_duration(policy.soak)}"
        ), None
    if deploy.finished_at is None:
        return Stage(StageName.MONITOR, StageState.UNKNOWN, "deploy finish time unknown"), None
    start = deploy.finished_at
    ends = start + policy.soak
    if health.level is VerdictLevel.FAILING:
        return Stage(StageName.MONITOR, StageState.FAILED, health.reason, start), ends
    if now < ends:
        left = format_duration(ends - now)
        return Stage(StageName.MONITOR, StageState.RUNNING, f"soak {left} left", start), ends
    if health.level is VerdictLevel.UNKNOWN:
        return Stage(StageName.MONITOR, StageState.UNKNOWN, health.reason, start), ends
    return Stage(StageName.MONITOR, StageState.PASSED, "soak complete", start, ends), ends


def _untrusted(sources: Sequence[SourceStatus], now: datetime) -> list[SourceStatus]:
    return [s for s in sources if not s.trusted(now)]


def _staleness(source: SourceStatus, now: datetime) -> str:
    age = source.age(now)
    if age is None:
        return f"{source.name}: no data yet" + (f" ({source.error})" if source.error else "")
    limit = format_duration(source.stale_after)
    text = f"{source.name} data {format_duration(age)} old (stale after {limit})"
    return f"{text}: {source.error}" if source.error else text


def _alert_verdict(alert: Alert, policy: ServicePolicy, now: datetime) -> Verdict:
    since = f" for {format_duration(now - alert.starts_at)}" if alert.starts_at else ""
    level = (
        VerdictLevel.FAILING
        if alert.severity.lower() in policy.failing_severities
        else VerdictLevel.WARNING
    )
    return Verdict(
        level,
        f"alert {alert.name} ({alert.severity or 'no severity'}) firing{since}: {alert.summary}",
    )


def _health(
    signals: Sequence[SignalStatus], alerts: Sequence[Alert], policy: ServicePolicy, now: datetime
) -> Verdict:
    """Worst of signals and alerts. Signals come first so that, at equal level, the reason
    names a measured value and its threshold; the others at that level are counted."""
    parts = [Verdict(s.level, s.reason) for s in signals if not s.dry_run]
    parts += [_alert_verdict(a, policy, now) for a in alerts]
    verdict = worst(parts, default=Verdict.ok("no health signals configured"))
    if parts and verdict.level is VerdictLevel.OK:
        counted = sum(1 for s in signals if not s.dry_run)
        noun = "signal" if counted == 1 else "signals"
        return Verdict.ok(f"{counted} {noun} within thresholds, no alerts firing")
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
    policy, now = inputs.policy, inputs.now
    runs = inputs.ci_runs or ()
    target = pick_target(inputs.rollout, runs)
    run = target.run
    ref = run.ref if run else ""
    release_type, type_reason = classify(
        target.version, target.previous, ref, policy.hotfix_pattern
    )
    started = run.created_at if run else (inputs.rollout.started_at if inputs.rollout else None)
    have_ci = inputs.ci_runs is not None
    plan = plan_stage(
        policy,
        target.version,
        inputs.changeset,
        now=now,
        since=started,
        changeset_pending=inputs.changeset_pending,
    )
    configured_ci = policy.ci_backend is not None
    build = ci_stage(
        StageName.BUILD, policy.build_jobs, run, configured=configured_ci, have_data=have_ci
    )
    test = ci_stage(
        StageName.TEST, policy.test_jobs, run, configured=configured_ci, have_data=have_ci
    )
    pre = ci_stage(
        StageName.PRE_RELEASE,
        policy.pre_release_jobs,
        run,
        configured=configured_ci,
        have_data=have_ci,
    )
    deploy = deploy_stage(
        inputs.rollout,
        target.version,
        configured=policy.deploy_backend is not None,
        have_data=inputs.rollout is not None,
        now=now,
    )
    signals = judge_signals(inputs.signals, inputs.sources, now)
    health = _health(signals, inputs.alerts, policy, now)
    monitor, soak_ends = monitor_stage(policy, deploy, health, now=now)
    stages = (plan, build, test, pre, deploy, monitor)
    verdict = _roll_up(stages, health, inputs.sources, now)
    return Release(
        key=policy.key,
        service=policy.service,
        environment=policy.environment,
        team=policy.team,
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
        alerts=inputs.alerts,
        sources=inputs.sources,
        runbook_url=policy.runbook_url,
        soak_ends_at=soak_ends,
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
    """Where the release sorts on the board: failing, waiting, unknown, running, soaking, done."""
    states = {s.state for s in stages}
    if verdict.level is VerdictLevel.FAILING or StageState.FAILED in states:
        return Attention.FAILING
    if StageState.WAITING in states or verdict.level is VerdictLevel.INCONCLUSIVE:
        return Attention.WAITING
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
