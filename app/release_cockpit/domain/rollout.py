"""Deploy-side state: a progressive rollout and the actions a deploy target offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import NamedTuple

from release_cockpit.domain.clock_text import ClockText, Since, Until, clock_text
from release_cockpit.domain.formatting import format_duration


class RolloutPhase(Enum):
    HEALTHY = "healthy"
    PROGRESSING = "progressing"
    PAUSED = "paused"
    DEGRADED = "degraded"
    UNKNOWN = "unknown"


class Action(Enum):
    """Control actions; each adapter declares the subset it supports."""

    ROLLBACK = "rollback"
    ABORT = "abort"
    PROMOTE = "promote"
    PROMOTE_FULL = "promote-full"
    PAUSE = "pause"
    RESUME = "resume"
    RETRY = "retry"  # retry an aborted rollout
    RESTART = "restart"  # restart the pods of the current revision (no new version)
    SYNC = "sync"  # Argo CD: apply the desired state from git now
    TERMINATE = "terminate"  # Argo CD: stop the running sync operation
    RETRY_CI = "retry-ci"
    CANCEL_CI = "cancel-ci"  # stop a running pipeline or build
    APPROVE = "approve"  # let a pipeline waiting for a human go on (manual job, input step)
    REJECT = "reject"  # refuse what a pipeline waits for (abort an input step)
    FLAG_OFF = "flag-off"  # the kill switch: turn the release's feature flag off
    FLAG_ON = "flag-on"


class PauseKind(Enum):
    """Why a rollout is paused; decides whether a human is needed."""

    NONE = "none"
    TIMED_STEP = "timed-step"  # a canary pause step with a duration: continues by itself
    INDEFINITE_STEP = "indefinite-step"  # `pause: {}`: waits for promote
    PROMOTION_GATE = "promotion-gate"  # blue-green waiting for promotion
    MANUAL = "manual"  # someone paused it
    INCONCLUSIVE = "inconclusive"  # analysis could not decide

    @property
    def needs_human(self) -> bool:
        """Argo's dashboard treats every pause but a timed canary step as needing attention."""
        return self not in (PauseKind.NONE, PauseKind.TIMED_STEP)


@dataclass(frozen=True, slots=True)
class RolloutState:
    """A rollout as the cockpit understands it, derived from the backend's object."""

    name: str
    namespace: str = ""
    strategy: str = "canary"
    phase: RolloutPhase = RolloutPhase.UNKNOWN
    message: str = ""
    step_index: int | None = None
    step_count: int | None = None
    set_weight: int | None = None
    actual_weight: int | None = None
    pause_kind: PauseKind = PauseKind.NONE
    pause_reason: str = ""
    pause_started_at: datetime | None = None
    pause_ends_at: datetime | None = None
    aborted: bool = False
    stable_revision: str = ""
    canary_revision: str = ""
    stable_version: str | None = None
    canary_version: str | None = None
    previous_version: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    replicas: int | None = None
    ready_replicas: int | None = None
    steps_left_seconds: float | None = None  # timed pauses after the current step
    gate_ahead: bool = False  # a later step waits for a human (indefinite pause)
    capabilities: frozenset[Action] = field(default_factory=frozenset)
    # The backend object's kind ("Deployment", "StatefulSet", "DaemonSet", "Application",
    # "Canary"), so a confirmation can say what receives the call; empty means an Argo
    # Rollout, the kind this type was first written for. Deploy backends other than Argo
    # Rollouts set ``strategy`` to a non-canary word ("rolling-update", "sync") unless they
    # really shift traffic by weight, so ``canary_active`` stays False for them.
    kind: str = ""

    @property
    def canary_active(self) -> bool:
        """A canary takes a share of real traffic: the only time comparing it with the
        baseline means anything (a blue-green preview gets no production traffic)."""
        if self.strategy != "canary" or self.fully_promoted or self.aborted:
            return False
        weight = self.actual_weight if self.actual_weight is not None else self.set_weight
        return bool(weight) and self.phase is not RolloutPhase.DEGRADED

    @property
    def fully_promoted(self) -> bool:
        """The new template is the stable one: nothing left to roll out."""
        return bool(self.stable_revision) and self.stable_revision == self.canary_revision


def pause_text(rollout: RolloutState, now: datetime) -> str:
    """Explain a pause with its countdown (or how long it has waited)."""
    return pause_clock(rollout).read(now)


def pause_clock(rollout: RolloutState) -> ClockText:
    """``pause_text`` with its countdown or wait kept as a moment (read when shown)."""
    if rollout.pause_ends_at is not None:
        left = Until(rollout.pause_ends_at)
        if rollout.pause_kind is PauseKind.PROMOTION_GATE:
            return clock_text("waiting for promote, auto-promotes in ", left)
        if rollout.pause_kind.needs_human:
            return clock_text(f"paused ({rollout.pause_reason or 'manual'}), ", left, " left")
        return clock_text("next step in ", left)
    if rollout.pause_started_at is None:
        # The backend does not say since when (Argo CD's view of a Rollout): no made-up age.
        if rollout.pause_kind is PauseKind.INCONCLUSIVE:
            return clock_text("analysis inconclusive, waiting for a human")
        if rollout.pause_kind is PauseKind.MANUAL:
            return clock_text("paused by a person")
        return clock_text("waiting for promote")
    waited = Since(rollout.pause_started_at)
    if rollout.pause_kind is PauseKind.INCONCLUSIVE:
        return clock_text("analysis inconclusive, waiting ", waited, " for a human")
    if rollout.pause_kind is PauseKind.MANUAL:
        return clock_text("paused by a person ", waited, " ago")
    return clock_text("waiting ", waited, " for promote")


def deploy_eta(rollout: RolloutState | None, now: datetime) -> datetime | None:
    """When a progressing rollout should be done: the current pause's time left plus the
    timed pauses still ahead (Flagger's "interval x steps" reasoning). None when a human
    gate lies ahead or the backend does not say how long the steps take."""
    left = _eta_left(rollout)
    if left is None:
        return None
    current = timedelta(0)
    if left.ends is not None:
        current = max(left.ends - now, timedelta(0))
    return now + current + left.then


class _EtaLeft(NamedTuple):
    ends: datetime | None  # the current timed pause's end, if one runs
    then: timedelta  # the timed pauses still ahead


def _eta_left(rollout: RolloutState | None) -> _EtaLeft | None:
    if rollout is None or rollout.fully_promoted or rollout.aborted:
        return None
    if rollout.phase is RolloutPhase.DEGRADED or rollout.steps_left_seconds is None:
        return None
    if rollout.gate_ahead or rollout.pause_kind.needs_human:
        return None
    timed = rollout.pause_kind is PauseKind.TIMED_STEP
    ends = rollout.pause_ends_at if timed else None
    return _EtaLeft(ends, timedelta(seconds=rollout.steps_left_seconds))


def eta_clock(rollout: RolloutState) -> ClockText:
    """``deploy_eta`` in words ("ETA 1m09s"), read when shown; empty when unknown."""
    left = _eta_left(rollout)
    if left is None:
        return clock_text()
    if left.ends is None:
        return clock_text(f"ETA {format_duration(left.then)}")
    return clock_text("ETA ", Until(left.ends, left.then))
