"""Deploy-side state: a progressive rollout and the actions a deploy target offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


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
