"""Control actions as the confirmation dialog and the audit describe them.

For one release and one action this says whether the action applies now (nothing to
promote on a finished rollout), builds the plan the confirmation shows from the acting
adapter's words (``ActionWords``), and later whether the backend's new state shows the
action took effect. Pure: the engine supplies the release as last seen. Words shared by
several adapters (a progressive rollout's, GitHub's re-run) are in ``action_words``.
"""

from __future__ import annotations

from dataclasses import dataclass

from release_cockpit.domain.ci import RunStatus
from release_cockpit.domain.flags import FlagState
from release_cockpit.domain.release import Release
from release_cockpit.domain.release_enums import Attention
from release_cockpit.domain.rollout import Action, RolloutPhase
from release_cockpit.domain.verdict import VerdictLevel

TITLES = {
    Action.ROLLBACK: "Roll back",
    Action.ABORT: "Abort",
    Action.PROMOTE: "Promote",
    Action.PROMOTE_FULL: "Promote fully",
    Action.PAUSE: "Pause",
    Action.RESUME: "Resume",
    Action.RETRY: "Retry rollout",
    Action.RESTART: "Restart",
    Action.SYNC: "Sync",
    Action.TERMINATE: "Terminate sync",
    Action.RETRY_CI: "Retry CI",
    Action.CANCEL_CI: "Cancel CI",
    Action.APPROVE: "Approve",
    Action.REJECT: "Reject",
    Action.FLAG_OFF: "Flag off",
    Action.FLAG_ON: "Flag on",
}

CI_ACTIONS = frozenset({Action.RETRY_CI, Action.CANCEL_CI, Action.APPROVE, Action.REJECT})
"""Actions a release's CI backend performs (on its run)."""
FLAG_ACTIONS = frozenset({Action.FLAG_OFF, Action.FLAG_ON})
"""Actions a release's feature-flag backend performs."""
DEPLOY_ACTIONS = frozenset(a for a in Action if a not in CI_ACTIONS | FLAG_ACTIONS)
"""Actions a release's deploy backend performs."""


@dataclass(frozen=True, slots=True)
class ActionPlan:
    """Everything the confirmation names and the audit records before the call."""

    key: str
    release_id: str
    service: str
    environment: str
    action: Action
    backend: str
    target: str  # what receives the call: "rollout shop/payments", "run #812"
    current: str  # "1.13.0 (revision 42), canary at 25%"
    goal: str  # "1.12.3 (revision 41)"
    effect: str  # the exact effect, one or two sentences
    type_to_confirm: bool = False
    typed_because: str = ""
    """Why the name must be typed: "production is production-tier", "payments is FAILING"."""
    verdict: str = ""
    """``FAILING``, ``INCONCLUSIVE`` or ``WARNING`` when the release is not healthy ("" when
    it is): the confirmation leads with it, so nobody promotes a bad canary unwarned."""
    reason: str = ""
    """The verdict's reason, as the panel says it."""

    @property
    def title(self) -> str:
        return f"{TITLES[self.action]} {self.service} in {self.environment}"


@dataclass(frozen=True, slots=True)
class ActionWords:
    """What an action will do, in the words of the backend that does it (the adapter
    writes them: a Buildbot rebuild and a GitHub re-run differ, and the confirmation must
    say which)."""

    target: str
    """What receives the call: "rollout shop/payments", "run #812"."""
    current: str
    """Where it stands now: "1.13.0 (revision 42), canary at 25%"."""
    goal: str
    """Where it will be: "1.12.3 (revision 41)"; the audit's "to"."""
    effect: str
    """The exact effect, one or two sentences."""


@dataclass(frozen=True, slots=True)
class ActionChoice:
    """One action a release's backends offer, and whether it would be accepted now.

    Computed once per snapshot by the engine (the footer, the actions menu and the command
    palette read it), so the rules run once per picture, not once per key per screen.
    """

    action: Action
    refusal: str = ""
    """Why the action would be refused now ("" when it would be accepted)."""

    @property
    def available(self) -> bool:
        return not self.refusal


def not_applicable(release: Release, action: Action) -> str | None:
    """Why ``action`` cannot do anything for this release right now, or None if it can."""
    if action in CI_ACTIONS:
        return _ci_not_applicable(release, action)
    if action in FLAG_ACTIONS:
        return _flag_not_applicable(release, action)
    rollout = release.rollout
    if rollout is None:
        return "the deploy backend has not reported this rollout yet"
    moving = not rollout.fully_promoted and not rollout.aborted
    paused = rollout.phase is RolloutPhase.PAUSED
    if action in (Action.ABORT, Action.PROMOTE, Action.PROMOTE_FULL):
        what = "abort" if action is Action.ABORT else "promote"
        return None if moving else f"the rollout is not in progress (nothing to {what})"
    if action is Action.PAUSE:
        if not moving:
            return "the rollout is not in progress (nothing to pause)"
        return "the rollout is already paused" if paused else None
    if action is Action.RESUME:
        return None if paused and moving else "the rollout is not paused"
    if action is Action.RETRY:
        return None if rollout.aborted else "the rollout is not aborted"
    if action is Action.ROLLBACK:
        known = release.previous_version or rollout.stable_revision
        return None if known else "no earlier revision is known to roll back to"
    if action is Action.TERMINATE:
        running = rollout.phase is RolloutPhase.PROGRESSING and not rollout.fully_promoted
        return None if running else "no sync operation is running"
    return None  # restart and sync always do something


def kill_switch(release: Release) -> FlagState | None:
    """The flag "flag off" and "flag on" act on: the first flag the line lists."""
    return release.flags[0] if release.flags else None


def _flag_not_applicable(release: Release, action: Action) -> str | None:
    """Switching a flag to the state it is known to be in does nothing; an unknown state
    does not stop a kill switch (the read may fail while the write works)."""
    flag = kill_switch(release)
    if flag is None:
        return "this release names no feature flag"
    where = f" in {flag.environment}" if flag.environment else ""
    if action is Action.FLAG_OFF and flag.is_off:
        return f"flag {flag.key} is already off{where}"
    if action is Action.FLAG_ON and flag.is_on:
        return f"flag {flag.key} is already on{where} ({flag.summary})"
    return None


def _ci_not_applicable(release: Release, action: Action) -> str | None:
    run = release.ci_run
    if run is None:
        return "there is no CI run for this release"
    label = run_label(run.id, run.number)
    if action is Action.RETRY_CI and run.status is not RunStatus.FAILED:
        return f"CI run {label} has not failed (it is {run.status.value})"
    if action is Action.CANCEL_CI and run.status.finished:
        return f"CI run {label} has already finished ({run.status.value})"
    if action in (Action.APPROVE, Action.REJECT) and run.status is not RunStatus.WAITING:
        return f"CI run {label} is not waiting for a human (it is {run.status.value})"
    return None


def run_label(run_id: str, number: int | None) -> str:
    """``#812`` when the run has a number people use, else its id."""
    return f"#{number}" if number is not None else run_id


def health_warning(release: Release) -> tuple[str, str]:
    """The release's verdict word and reason when it is not healthy, else ``("", "")``.

    A failed CI stage or an aborted rollout fails the release without a failing signal, so
    the release's attention counts as much as its signal verdict.
    """
    level = release.verdict.level
    if release.attention is Attention.FAILING or level is VerdictLevel.FAILING:
        return "FAILING", release.verdict.reason  # a failing release's headline is its verdict
    if level in (VerdictLevel.INCONCLUSIVE, VerdictLevel.WARNING):
        return level.name, release.verdict.reason
    return "", ""


def plan(
    release: Release,
    action: Action,
    backend: str,
    words: ActionWords,
    *,
    type_to_confirm: bool,
    typed_because: str = "",
) -> ActionPlan:
    """The plan for ``action`` on ``release`` (the caller has checked it applies), in the
    words of the adapter that will act (``Adapter.describe``)."""
    verdict, reason = health_warning(release)
    return ActionPlan(
        release.key,
        release.id,
        release.service,
        release.environment,
        action,
        backend,
        words.target,
        words.current,
        words.goal,
        words.effect,
        type_to_confirm,
        typed_because,
        verdict,
        reason,
    )


def took_effect(action: Action, before: Release, after: Release) -> bool:
    """Whether the state polled after an action shows it took effect.

    Compared with the release as it was when the action was sent, so an unrelated change
    (a timed step ending by itself) is not mistaken for the action's effect where it can
    be told apart.
    """
    if action in CI_ACTIONS:
        return _ci_took_effect(action, before, after)
    if action in FLAG_ACTIONS:
        old, new = kill_switch(before), kill_switch(after)
        if old is None or new is None or (new.key, new.environment) != (old.key, old.environment):
            return False
        return new.on is (action is Action.FLAG_ON)
    old_r, new_r = before.rollout, after.rollout
    if new_r is None:
        return False
    if action is Action.ABORT:
        return new_r.aborted
    if action is Action.RETRY:
        return not new_r.aborted
    if action is Action.PAUSE:
        return new_r.phase is RolloutPhase.PAUSED
    if action is Action.RESUME:
        return new_r.phase is not RolloutPhase.PAUSED
    if action is Action.PROMOTE_FULL:
        return new_r.fully_promoted
    if action in (Action.RESTART, Action.SYNC):
        # A new rollout of the same version (restart) or of git's state (sync) started, or
        # the object reports a newer revision or a newer start.
        return new_r != old_r and (
            new_r.started_at != (old_r.started_at if old_r else None)
            or new_r.canary_revision != (old_r.canary_revision if old_r else "")
            or new_r.phase is RolloutPhase.PROGRESSING
        )
    if action is Action.TERMINATE:
        return new_r.phase is not RolloutPhase.PROGRESSING
    if action is Action.PROMOTE:
        if new_r.fully_promoted or old_r is None:
            return new_r.fully_promoted
        moved = (new_r.step_index or 0) > (old_r.step_index or 0)
        return moved or (old_r.phase is RolloutPhase.PAUSED and new_r.phase is not old_r.phase)
    # Rollback: the template changed back, so the canary (or the stable) revision moved.
    if old_r is None:
        return False
    return (
        new_r.canary_revision != old_r.canary_revision
        or new_r.canary_version != old_r.canary_version
    )


def _ci_took_effect(action: Action, before: Release, after: Release) -> bool:
    old, new = before.ci_run, after.ci_run
    if old is None or new is None:
        return False
    if action is Action.RETRY_CI:
        return new.id != old.id or new.attempt > old.attempt or new.status is not RunStatus.FAILED
    if action is Action.CANCEL_CI:
        return new.id != old.id or new.status.finished
    return new.id != old.id or new.status is not RunStatus.WAITING
