"""Pure Flagger parsing: a ``canaries.flagger.app/v1beta1`` Canary -> ``RolloutState``.

Flagger keeps the state of a release in the Canary's status
(``pkg/apis/flagger/v1beta1/status.go``,
https://github.com/fluxcd/flagger/blob/main/pkg/apis/flagger/v1beta1/status.go): a phase,
the canary's traffic weight, failed checks counted against ``analysis.threshold``, and
the hashes of the last applied and last promoted specs. It is shown like an Argo canary:
steps from ``maxWeight``/``stepWeight`` (or ``stepWeights``), weights, and a pause for a
human when a confirm-promotion gate is closed.

Flagger has no API verbs: a person steers it through the load tester gates of the Canary's
webhooks, built in ``flagger_gates``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from release_cockpit.adapters.deploy.flagger_gates import HookType, Webhook, capabilities
from release_cockpit.adapters.deploy.kubernetes_parsing import list_items
from release_cockpit.adapters.deploy.kubernetes_revisions import read_version
from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, dig, parse_time
from release_cockpit.domain import PauseKind, RolloutPhase, RolloutState, parse_duration

API = "/apis/flagger.app/v1beta1"
DEFAULT_MAX_WEIGHT = 100  # pkg/controller/scheduler.go: "set max weight default value to 100%"
DEFAULT_INTERVAL_SECONDS = 60.0  # canary.go GetAnalysisInterval (and never below 10 s)
MIN_INTERVAL_SECONDS = 10.0


class CanaryPhase(Enum):
    """``status.phase``; ``Finalising`` is Flagger's spelling."""

    INITIALIZING = "Initializing"
    INITIALIZED = "Initialized"
    WAITING = "Waiting"  # confirm-rollout gate closed
    PROGRESSING = "Progressing"
    WAITING_PROMOTION = "WaitingPromotion"  # confirm-promotion gate closed
    PROMOTING = "Promoting"
    FINALISING = "Finalising"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    TERMINATING = "Terminating"
    TERMINATED = "Terminated"
    UNKNOWN = "Unknown"  # absent, or a phase newer than this code

    @classmethod
    def parse(cls, value: object) -> CanaryPhase:
        return next((p for p in cls if p.value == value), cls.UNKNOWN)


# (cockpit phase, message when the Promoted condition has none)
_PHASES = {
    CanaryPhase.INITIALIZING: (RolloutPhase.PROGRESSING, "initializing the primary workload"),
    CanaryPhase.INITIALIZED: (RolloutPhase.HEALTHY, "initialized"),
    CanaryPhase.WAITING: (RolloutPhase.PAUSED, "waiting for the confirm-rollout gate"),
    CanaryPhase.PROGRESSING: (RolloutPhase.PROGRESSING, "canary analysis in progress"),
    CanaryPhase.WAITING_PROMOTION: (RolloutPhase.PAUSED, "waiting for the confirm-promotion gate"),
    CanaryPhase.PROMOTING: (RolloutPhase.PROGRESSING, "promoting: the primary takes the new spec"),
    CanaryPhase.FINALISING: (RolloutPhase.PROGRESSING, "finalising: traffic goes back to primary"),
    CanaryPhase.SUCCEEDED: (RolloutPhase.HEALTHY, "promotion finished"),
    CanaryPhase.FAILED: (RolloutPhase.DEGRADED, "canary analysis failed"),
    CanaryPhase.TERMINATING: (RolloutPhase.PROGRESSING, "the Canary is being deleted"),
    # Deleted: Flagger no longer manages the workload; nothing says it is healthy.
    CanaryPhase.TERMINATED: (RolloutPhase.UNKNOWN, "the Canary was deleted"),
    CanaryPhase.UNKNOWN: (RolloutPhase.UNKNOWN, "phase not reported or not understood"),
}
_DONE = (CanaryPhase.PROMOTING, CanaryPhase.FINALISING, CanaryPhase.SUCCEEDED)


@dataclass(frozen=True, slots=True)
class FlaggerCanary:
    """What the cockpit knows about one Canary, beyond its ``RolloutState``.

    ``failed_checks`` reads 0 again once a canary fails (Flagger resets the counters), so a
    caller that wants "failed after N of M checks" keeps the last value seen while
    Progressing.
    """

    name: str
    namespace: str
    phase: CanaryPhase
    weight: int | None
    failed_checks: int | None
    threshold: int
    iterations: int | None
    last_transition: datetime | None
    target_kind: str
    target_name: str
    webhooks: tuple[Webhook, ...]
    rollout: RolloutState

    @property
    def primary_name(self) -> str:
        """The workload Flagger creates to serve stable traffic (``<target>-primary``)."""
        return f"{self.target_name}-primary" if self.target_name else ""


def _analysis(spec: Mapping[str, Any]) -> dict[str, Any]:
    """``spec.analysis``, or the old ``spec.canaryAnalysis`` (canary.go ``GetAnalysis``)."""
    analysis = spec.get("analysis")
    return analysis if isinstance(analysis, dict) else as_dict(spec.get("canaryAnalysis"))


def webhooks(spec: Mapping[str, Any]) -> tuple[Webhook, ...]:
    found = []
    for item in as_list(_analysis(spec).get("webhooks")):
        if isinstance(item, dict):
            found.append(
                Webhook(
                    as_str(item.get("name"), 253),
                    HookType.parse(item.get("type")),
                    as_str(item.get("url"), 2000),
                )
            )
    return tuple(found)


def step_weights(analysis: Mapping[str, Any]) -> tuple[int, ...]:
    """The traffic weights the analysis steps through, in order.

    ``stepWeights`` wins when set; otherwise ``stepWeight`` up to ``maxWeight`` (default
    100), the last step capped at ``maxWeight``. No weights: blue/green or A/B testing,
    which count ``iterations`` instead.
    """
    explicit = [w for w in (as_int(v) for v in as_list(analysis.get("stepWeights"))) if w]
    if explicit:
        return tuple(explicit)
    step = as_int(analysis.get("stepWeight")) or 0
    if step <= 0:
        return ()
    top = as_int(analysis.get("maxWeight")) or DEFAULT_MAX_WEIGHT
    count = max(1, math.ceil(top / step))
    return tuple(min(step * (i + 1), top) for i in range(min(count, 1000)))


def _interval_seconds(analysis: Mapping[str, Any]) -> float:
    text = analysis.get("interval")
    # Go's time.ParseDuration wants a unit: a bare number falls back to the default there.
    if not isinstance(text, str) or not text or text.strip().replace(".", "", 1).isdigit():
        return DEFAULT_INTERVAL_SECONDS
    try:
        seconds = parse_duration(text).total_seconds()
    except ValueError:
        return DEFAULT_INTERVAL_SECONDS
    return max(seconds, MIN_INTERVAL_SECONDS)


def _strategy(analysis: Mapping[str, Any], weights: Sequence[int]) -> str:
    if weights or not analysis:
        return "canary"
    return "ab-testing" if as_list(analysis.get("match")) else "blue-green"


def _step_index(weights: Sequence[int], weight: int) -> int:
    """The 0-based step a weight is at (Argo's currentStepIndex sense): weight 0 is step 0."""
    index = 0
    for i, step in enumerate(weights):
        if weight >= step:
            index = i
    return index


def _promoted_condition(status: Mapping[str, Any]) -> dict[str, Any]:
    return next(
        (
            c
            for c in as_list(status.get("conditions"))
            if isinstance(c, dict) and c.get("type") == "Promoted"
        ),
        {},
    )


def parse_canary(
    obj: Mapping[str, Any],
    *,
    target: Mapping[str, Any] | None = None,
    primary: Mapping[str, Any] | None = None,
    container: str | None = None,
) -> FlaggerCanary:
    """One Canary -> ``FlaggerCanary`` (with its ``RolloutState``).

    Versions come from the workloads, which the Canary does not carry: ``target`` is the
    Deployment (or DaemonSet) in ``spec.targetRef`` (the new version), ``primary`` the
    ``<target>-primary`` one Flagger made (the stable version). Revisions are the spec
    hashes: ``lastAppliedSpec`` (canary) and ``lastPromotedSpec`` (stable).
    """
    meta, spec, status = (as_dict(obj.get(k)) for k in ("metadata", "spec", "status"))
    analysis = _analysis(spec)
    phase = CanaryPhase.parse(status.get("phase"))
    hooks = webhooks(spec)
    weights = step_weights(analysis)
    strategy = _strategy(analysis, weights)
    weight = as_int(status.get("canaryWeight"))
    failed = as_int(status.get("failedChecks"))
    threshold = max(as_int(analysis.get("threshold")) or 0, 0) or 1  # GetAnalysisThreshold
    iterations = as_int(status.get("iterations"))
    applied = as_str(status.get("lastAppliedSpec"), 64)
    promoted = as_str(status.get("lastPromotedSpec"), 64)
    fully = (
        bool(applied)
        and applied == promoted
        and phase
        in (
            CanaryPhase.SUCCEEDED,
            CanaryPhase.INITIALIZED,
        )
    )
    cockpit_phase, default_message = _PHASES[phase]
    condition = _promoted_condition(status)
    message = as_str(condition.get("message"), 500) or default_message
    if phase is CanaryPhase.PROGRESSING and failed is not None:
        message = f"{message} ({failed} of {threshold} failed checks; rolls back at {threshold})"
    transition = parse_time(status.get("lastTransitionTime"))
    changed = parse_time(condition.get("lastTransitionTime"))

    pause_kind, pause_reason, pause_started = PauseKind.NONE, "", None
    if phase in (CanaryPhase.WAITING, CanaryPhase.WAITING_PROMOTION):
        kind = (
            HookType.CONFIRM_ROLLOUT if phase is CanaryPhase.WAITING else HookType.CONFIRM_PROMOTION
        )
        gate = next((h for h in hooks if h.type is kind), None)
        pause_kind, pause_started = PauseKind.PROMOTION_GATE, transition
        pause_reason = (
            f"{kind.value} webhook {gate.name!r} says no" if gate else f"{kind.value} gate"
        )

    step_index: int | None = None
    step_count: int | None = None
    set_weight: int | None = None
    if strategy == "canary" and weights:
        step_count = len(weights)
        if phase in _DONE:
            step_index = step_count
        elif weight is not None:
            step_index = _step_index(weights, weight)
    elif iterations is not None and as_int(analysis.get("iterations")):
        step_count = as_int(analysis.get("iterations"))
        step_index = step_count if phase in _DONE else iterations
    if strategy == "canary":
        set_weight = 100 if fully else (0 if phase is CanaryPhase.FAILED else weight)

    left: float | None = None
    gate_ahead = False
    if step_index is not None and step_count is not None and phase not in _DONE:
        left = max(step_count - step_index - 1, 0) * _interval_seconds(analysis)
        gate_ahead = phase is not CanaryPhase.WAITING_PROMOTION and any(
            h.type is HookType.CONFIRM_PROMOTION for h in hooks
        )

    target_ref = as_dict(spec.get("targetRef"))
    canary_version = (
        read_version(dig(target, "spec", "template"), container).version if target else None
    )
    stable_version = (
        read_version(dig(primary, "spec", "template"), container).version if primary else None
    )
    if stable_version is None and fully:
        stable_version = canary_version
    rollout = RolloutState(
        name=as_str(meta.get("name"), 253),
        namespace=as_str(meta.get("namespace"), 253),
        kind="Canary",
        strategy=strategy,
        phase=cockpit_phase,
        message=message,
        step_index=step_index,
        step_count=step_count,
        set_weight=set_weight,
        pause_kind=pause_kind,
        pause_reason=pause_reason,
        pause_started_at=pause_started,
        aborted=phase is CanaryPhase.FAILED,
        stable_revision=promoted,
        canary_revision=applied,
        stable_version=stable_version,
        canary_version=canary_version,
        # The Promoted condition turns Unknown when a new revision is detected and True
        # or False when the release ends: its transition times bracket the rollout.
        started_at=changed if condition.get("status") == "Unknown" else None,
        finished_at=changed if fully and condition.get("status") == "True" else None,
        steps_left_seconds=left,
        gate_ahead=gate_ahead,
        capabilities=capabilities(hooks),
    )
    return FlaggerCanary(
        name=rollout.name,
        namespace=rollout.namespace,
        phase=phase,
        weight=weight,
        failed_checks=failed,
        threshold=threshold,
        iterations=iterations,
        last_transition=transition,
        target_kind=as_str(target_ref.get("kind"), 63),
        target_name=as_str(target_ref.get("name"), 253),
        webhooks=hooks,
        rollout=rollout,
    )


def parse_canaries(
    canary_list: object, deployment_list: object | None = None, *, container: str | None = None
) -> dict[str, FlaggerCanary]:
    """A CanaryList (and the namespace's DeploymentList, for versions) -> canaries by name.

    Raises:
        BadResponse: either answer is not a Kubernetes list object.
    """
    items = list_items(canary_list, "Flagger CanaryList")
    workloads: dict[str, dict[str, Any]] = {}
    if deployment_list is not None:
        for item in list_items(deployment_list, "Kubernetes DeploymentList"):
            name = dig(item, "metadata", "name")
            if isinstance(item, dict) and isinstance(name, str):
                workloads[name] = item
    canaries: dict[str, FlaggerCanary] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        target = dig(item, "spec", "targetRef", "name")
        target_obj = workloads.get(target) if isinstance(target, str) else None
        primary_obj = workloads.get(f"{target}-primary") if isinstance(target, str) else None
        canary = parse_canary(item, target=target_obj, primary=primary_obj, container=container)
        if canary.name:
            canaries[canary.name] = canary
    return canaries
