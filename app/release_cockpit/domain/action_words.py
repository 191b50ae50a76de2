"""How actions on a progressive rollout and on a CI run read, for adapters that share them.

An adapter's ``describe`` says what its action will do; Argo Rollouts (directly or through
Argo CD) and Flagger canaries share the rollout words here, GitHub Actions the re-run of
failed jobs. Other backends word their own (a Buildbot rebuild is a new build).
"""

from __future__ import annotations

from release_cockpit.domain.actions import ActionWords, run_label
from release_cockpit.domain.ci import RunStatus
from release_cockpit.domain.release import Release
from release_cockpit.domain.rollout import Action, RolloutState


def revision_text(version: str | None, revision: str) -> str:
    text = version or "unknown version"
    # Argo Rollouts names revisions by pod-template hash (status.stableRS/currentPodHash).
    return f"{text} (pod template {revision})" if revision else text


def position(rollout: RolloutState) -> str:
    if rollout.strategy == "blue-green":
        return "blue-green preview"
    index, count = rollout.step_index, rollout.step_count
    # step_index counts completed steps (Argo's currentStepIndex); people count from 1.
    step = f"step {min(index + 1, count)}/{count}" if index is not None and count else "no steps"
    weight = rollout.actual_weight if rollout.actual_weight is not None else rollout.set_weight
    return f"{step}, canary at {weight or 0}%"


def rollout_words(release: Release, action: Action) -> ActionWords:
    """A progressive rollout's action (Argo Rollouts' verbs), in the words people use."""
    rollout = release.rollout or RolloutState(name=release.service)
    stable = revision_text(rollout.stable_version, rollout.stable_revision)
    canary = revision_text(rollout.canary_version, rollout.canary_revision)
    where = f"rollout {rollout.namespace}/{rollout.name}" if rollout.namespace else rollout.name
    current = f"{canary}, {position(rollout)}" if not rollout.fully_promoted else stable
    goal, effect = _deploy_effect(release, action, rollout, stable, canary)
    return ActionWords(where, current, goal, effect)


def rerun_failed_jobs_words(release: Release) -> ActionWords:
    """Re-running a run's failed jobs as a new attempt of the same run (GitHub Actions)."""
    run = release.ci_run
    label = run_label(run.id, run.number) if run else "?"
    failed = [j.name for j in run.jobs if j.status is RunStatus.FAILED] if run else []
    jobs = ", ".join(failed) if failed else "its failed jobs"
    attempt = run.attempt + 1 if run else 2
    return ActionWords(
        f"CI run {label}",
        f"run {label} failed (attempt {attempt - 1})",
        f"attempt {attempt}",
        f"re-runs {jobs} of run {label} as attempt {attempt}; jobs that passed are kept",
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
            f"the rollout holds at {position(rollout)}; nothing advances until resumed.",
        )
    if action is Action.RESUME:
        return "running", f"the rollout continues from {position(rollout)}."
    return canary, f"the aborted rollout of {canary} starts again from its first step."
