"""Control actions as the confirmation dialog and the audit describe them.

For one release and one action this says, in words, what will happen ("traffic goes back
to stable 1.12.3 (revision 41); canary pods scale down"), whether the action applies now
(nothing to promote on a finished rollout), and later whether the backend's new state
shows the action took effect. Pure: the engine supplies the release as last seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from release_cockpit.domain.ci import RunStatus
from release_cockpit.domain.release import Release
from release_cockpit.domain.rollout import Action, RolloutPhase, RolloutState

TITLES = {
    Action.ROLLBACK: "Roll back",
    Action.ABORT: "Abort",
    Action.PROMOTE: "Promote",
    Action.PROMOTE_FULL: "Promote fully",
    Action.PAUSE: "Pause",
    Action.RESUME: "Resume",
    Action.RETRY: "Retry rollout",
    Action.RETRY_CI: "Retry CI",
}

DEPLOY_ACTIONS = frozenset(a for a in Action if a is not Action.RETRY_CI)


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

    @property
    def title(self) -> str:
        return f"{TITLES[self.action]} {self.service} in {self.environment}"


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


def _version(version: str | None, revision: str) -> str:
    text = version or "unknown version"
    # Argo Rollouts names revisions by pod-template hash (status.stableRS/currentPodHash).
    return f"{text} (pod template {revision})" if revision else text


def _position(rollout: RolloutState) -> str:
    if rollout.strategy == "blue-green":
        return "blue-green preview"
    index, count = rollout.step_index, rollout.step_count
    # step_index counts completed steps (Argo's currentStepIndex); people count from 1.
    step = f"step {min(index + 1, count)}/{count}" if index is not None and count else "no steps"
    weight = rollout.actual_weight if rollout.actual_weight is not None else rollout.set_weight
    return f"{step}, canary at {weight or 0}%"


def not_applicable(release: Release, action: Action) -> str | None:
    """Why ``action`` cannot do anything for this release right now, or None if it can."""
    if action is Action.RETRY_CI:
        run = release.ci_run
        if run is None:
            return "there is no CI run for this release to re-run"
        if run.status is not RunStatus.FAILED:
            return (
                f"CI run {_run_label(run.id, run.number)} has not failed (it is {run.status.value})"
            )
        return None
    rollout = release.rollout
    if rollout is None:
        return "the deploy backend has not reported this rollout yet"
    moving = not rollout.fully_promoted and not rollout.aborted
    reasons = {
        Action.ABORT: None if moving else "the rollout is not in progress (nothing to abort)",
        Action.PROMOTE: None if moving else "the rollout is not in progress (nothing to promote)",
        Action.PROMOTE_FULL: None
        if moving
        else "the rollout is not in progress (nothing to promote)",
        Action.PAUSE: (
            "the rollout is not in progress (nothing to pause)"
            if not moving
            else "the rollout is already paused"
            if rollout.phase is RolloutPhase.PAUSED
            else None
        ),
        Action.RESUME: None
        if rollout.phase is RolloutPhase.PAUSED and moving
        else "the rollout is not paused",
        Action.RETRY: None if rollout.aborted else "the rollout is not aborted",
        Action.ROLLBACK: None
        if (release.previous_version or rollout.stable_revision)
        else "no earlier revision is known to roll back to",
    }
    return reasons[action]


def _run_label(run_id: str, number: int | None) -> str:
    return f"#{number}" if number is not None else run_id


def plan(release: Release, action: Action, backend: str, *, type_to_confirm: bool) -> ActionPlan:
    """Describe ``action`` on ``release`` exactly (the caller has checked it applies)."""
    if action is Action.RETRY_CI:
        run = release.ci_run
        label = _run_label(run.id, run.number) if run else "?"
        failed = [j.name for j in run.jobs if j.status is RunStatus.FAILED] if run else []
        jobs = ", ".join(failed) if failed else "its failed jobs"
        attempt = run.attempt + 1 if run else 2
        return ActionPlan(
            release.key,
            release.id,
            release.service,
            release.environment,
            action,
            backend,
            f"CI run {label}",
            f"run {label} failed (attempt {attempt - 1})",
            f"attempt {attempt}",
            f"re-runs {jobs} of run {label} as attempt {attempt}; jobs that passed are kept",
            type_to_confirm,
        )
    rollout = release.rollout or RolloutState(name=release.service)
    stable = _version(rollout.stable_version, rollout.stable_revision)
    canary = _version(rollout.canary_version, rollout.canary_revision)
    where = f"rollout {rollout.namespace}/{rollout.name}" if rollout.namespace else rollout.name
    current = f"{canary}, {_position(rollout)}" if not rollout.fully_promoted else stable
    goal, effect = _deploy_effect(release, action, rollout, stable, canary)
    return ActionPlan(
        release.key,
        release.id,
        release.service,
        release.environment,
        action,
        backend,
        where,
        current,
        goal,
        effect,
        type_to_confirm,
    )


def _deploy_effect(
    release: Release, action: Action, rollout: RolloutState, stable: str, canary: str
) -> tuple[str, str]:
    """(goal, effect) for a deploy action, in the words the confirmation shows."""
    blue_green = rollout.strategy == "blue-green"
    if action is Action.ABORT:
        pods = "the preview pods scale down" if blue_green else "canary pods scale down"
        return stable, (
            f"traffic goes back to stable {stable}; {pods}. The rollout stays aborted "
            "until it is retried or rolled back."
        )
    if action is Action.ROLLBACK:
        if rollout.fully_promoted:
            earlier = release.previous_version or "the previous revision"
            return earlier, (
                f"the pod template goes back to {earlier} (the revision before "
                f"{stable}); it then rolls out through the same steps as a new version."
            )
        return stable, (
            f"the pod template goes back to stable {stable}; the canary {canary} is "
            "replaced and traffic returns to the stable version."
        )
    if action is Action.PROMOTE:
        if blue_green:
            return canary, f"production traffic switches to the preview {canary}."
        index, count = rollout.step_index, rollout.step_count
        if index is not None and count:
            here, there = min(index + 1, count), min(index + 2, count)
            return f"step {there}/{count}", (
                f"the rollout leaves step {here}/{count} and goes on to step {there} "
                "(analysis still runs)."
            )
        return canary, "the rollout goes on to its next step."
    if action is Action.PROMOTE_FULL:
        return canary, (
            f"{canary} takes 100% of traffic now: the remaining steps, pauses and "
            "analysis are skipped."
        )
    if action is Action.PAUSE:
        return (
            "paused",
            f"the rollout holds at {_position(rollout)}; nothing advances until resumed.",
        )
    if action is Action.RESUME:
        return "running", f"the rollout continues from {_position(rollout)}."
    return canary, f"the aborted rollout of {canary} starts again from its first step."


def took_effect(action: Action, before: Release, after: Release) -> bool:
    """Whether the state polled after an action shows it took effect.

    Compared with the release as it was when the action was sent, so an unrelated change
    (a timed step ending by itself) is not mistaken for the action's effect where it can
    be told apart.
    """
    if action is Action.RETRY_CI:
        old, new = before.ci_run, after.ci_run
        if old is None or new is None:
            return False
        return new.id != old.id or new.attempt > old.attempt or new.status is not RunStatus.FAILED
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
