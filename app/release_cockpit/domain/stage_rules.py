"""Stage rules: how CI jobs, the rollout and the soak become the six stages' states.

Pure functions of their inputs and ``now``; ``rollup`` combines them into a release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import TYPE_CHECKING

from release_cockpit.domain.ci import CIJob, CIRun, RunStatus
from release_cockpit.domain.clock_text import Until, clock_text, join_clock
from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.release_line import ReleaseLine
from release_cockpit.domain.rollout import (
    PauseKind,
    RolloutPhase,
    RolloutState,
    eta_clock,
    pause_clock,
)
from release_cockpit.domain.stages import Stage, StageName, StageState
from release_cockpit.domain.verdict import Verdict, VerdictLevel

if TYPE_CHECKING:
    from release_cockpit.domain.release import ChangeSet


def _match(jobs: Sequence[CIJob], patterns: Sequence[str]) -> list[CIJob]:
    wanted = tuple(patterns)
    return [j for j in jobs if _name_matches(j.name, wanted)]


@lru_cache(maxsize=4096)
def _name_matches(name: str, patterns: tuple[str, ...]) -> bool:
    """Job names repeat on every snapshot; the glob test is cached (pure)."""
    lowered = name.lower()
    return any(fnmatchcase(lowered, p.lower()) for p in patterns)


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
    """A CI-backed stage from the jobs whose names match its patterns.

    A run whose version could not be read is still judged by its jobs, and the detail
    says so ("version unknown"): its failing test is evidence, not noise. A run whose
    jobs could not be read this time is UNKNOWN with why, never "no matching jobs ran".
    """
    if not configured or not patterns:
        return Stage(name, StageState.SKIPPED, "not configured")
    if not have_data:
        return Stage(name, StageState.UNKNOWN, "waiting for CI data")
    if run is None:
        return Stage(name, StageState.PENDING, "no CI run for this version yet")
    stage = _jobs_stage(name, patterns, run)
    if run.jobs_problem and stage.state in _NOT_EVIDENCE_WITH_MISSING_JOBS:
        # Some jobs were not read: a pass (or "none ran") from part of the list is not one.
        stage = Stage(name, StageState.UNKNOWN, f"jobs not read: {run.jobs_problem}")
    if run.version is None:
        stage = replace(stage, detail=f"{stage.detail} ({_run_name(run)}: version unknown)")
    return stage


def _run_name(run: CIRun) -> str:
    """``run #12`` (its number), else ``run 8812`` (its id): how a person finds it."""
    return f"run #{run.number}" if run.number is not None else f"run {run.id}"


_NOT_EVIDENCE_WITH_MISSING_JOBS = frozenset(
    {StageState.PASSED, StageState.SKIPPED, StageState.PENDING, StageState.UNKNOWN}
)
"""What a stage cannot claim when some of the run's jobs were not read; a failed, running
or waiting job that was read is evidence all the same."""


def _jobs_stage(name: StageName, patterns: Sequence[str], run: CIRun) -> Stage:
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
    line: ReleaseLine,
    version: str | None,
    changeset: ChangeSet | None,
    *,
    now: datetime,
    since: datetime | None,
    changeset_pending: bool,
    unversioned: str = "",
) -> Stage:
    """Plan is done once version, type and change set are known and the window has opened.

    ``unversioned`` is why the newest CI run has no version, when its backend says."""
    if version is None:
        detail = f"no version yet ({unversioned})" if unversioned else "no version yet"
        return Stage(StageName.PLAN, StageState.PENDING, detail)
    if line.window_start and now < line.window_start:
        opens = clock_text("window opens in ", Until(line.window_start))
        return Stage.clocked(StageName.PLAN, StageState.WAITING, opens, since)
    if line.window_end and now > line.window_end:
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
) -> Stage:
    """The Deploy stage from the rollout, with step, weights and any pause countdown (a
    clock text: it reads the time when shown)."""
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
    eta = eta_clock(rollout)
    if rollout.phase is RolloutPhase.PAUSED or rollout.pause_kind is not PauseKind.NONE:
        state = StageState.WAITING if rollout.pause_kind.needs_human else StageState.RUNNING
        detail = join_clock(" · ", progress, pause_clock(rollout), eta)
        return Stage.clocked(StageName.DEPLOY, state, detail, started)
    detail = join_clock(" · ", progress or rollout.message, eta)
    return Stage.clocked(StageName.DEPLOY, StageState.RUNNING, detail, started)


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


def monitor_stage(
    line: ReleaseLine,
    deploy: Stage,
    health: Verdict,
    *,
    now: datetime,
) -> tuple[Stage, datetime | None]:
    """The post-deploy soak: health must stay good for the configured time."""
    if deploy.state is not StageState.PASSED:
        return Stage(
            StageName.MONITOR, StageState.PENDING, f"soak {format_duration(line.soak)}"
        ), None
    if deploy.finished_at is None:
        return Stage(StageName.MONITOR, StageState.UNKNOWN, "deploy finish time unknown"), None
    start = deploy.finished_at
    ends = start + line.soak
    if health.level is VerdictLevel.FAILING:
        return Stage(StageName.MONITOR, StageState.FAILED, health.reason, start), ends
    if now < ends:
        left = clock_text("soak ", Until(ends), " left")
        return Stage.clocked(StageName.MONITOR, StageState.RUNNING, left, start), ends
    if health.level is VerdictLevel.UNKNOWN:
        return Stage(StageName.MONITOR, StageState.UNKNOWN, health.reason, start), ends
    return Stage(StageName.MONITOR, StageState.PASSED, "soak complete", start, ends), ends
