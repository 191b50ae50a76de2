"""Pure Kubernetes workload parsing: Deployments, StatefulSets and DaemonSets -> ``RolloutState``.

The rollout status is ``kubectl rollout status``'s verdict (``kubernetes_rollout_status``);
versions and revisions come from the pod template and from the Deployment's own ReplicaSets
(``kubernetes_revisions``). The request bodies for actions live in ``kubernetes_actions``;
this module only reads.

Everything here is a pure function of recorded JSON: a missing or mistyped field is read as
unknown, and a workload whose status cannot be decided is never reported as healthy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from release_cockpit.adapters.deploy.kubernetes_revisions import (
    current_revision,
    deployment_revisions,
    read_version,
    revision_number,
)
from release_cockpit.adapters.deploy.kubernetes_rollout_status import (
    RolloutCheck,
    Verdict,
    WorkloadKind,
    condition,
    daemonset_status,
    deployment_status,
    kind_of,
    object_name,
    rollout_status,
    statefulset_status,
    strategy_type,
)
from release_cockpit.adapters.payload import as_dict, as_int, as_str, dig, parse_time
from release_cockpit.domain import Action, PauseKind, RolloutPhase, RolloutState
from release_cockpit.errors import BadResponse

RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt"
# The DaemonSet controller stamps the template generation here; DaemonSets have no revision
# number of their own in status (their history lives in ControllerRevisions).
DAEMONSET_TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"
# Deployment condition reasons (kubernetes pkg/controller/deployment/util/deployment_util.go).
COMPLETE_REASON = "NewReplicaSetAvailable"
PAUSED_REASON = "DeploymentPaused"


DEPLOYMENT_ACTIONS = frozenset({Action.PAUSE, Action.RESUME, Action.ROLLBACK})
"""Domain actions a Deployment supports through the API (pause, resume, undo); ``restart``
has a request builder but no domain Action yet."""

# kubectl pauses only Deployments (objectpauser.go) and undoes StatefulSets and DaemonSets
# through ControllerRevisions, which this layer does not read yet; restart applies to all.
OTHER_WORKLOAD_ACTIONS: frozenset[Action] = frozenset()


def list_items(payload: object, what: str) -> list[Any]:
    """The ``items`` of a Kubernetes list object (``null`` for an empty list is accepted).

    Raises:
        BadResponse: not a list object: without ``items`` every workload would look
            deleted, which is worse than saying the answer is wrong.
    """
    if not isinstance(payload, dict):
        raise BadResponse(
            f"{what}: expected a JSON object, got {type(payload).__name__}",
            hint="check that the backend URL points at the Kubernetes API server",
        )
    items = payload.get("items")
    if isinstance(items, list):
        return items
    if items is None and "items" in payload:
        return []
    raise BadResponse(
        f"{what}: the answer has no 'items' list",
        hint="check that the backend URL points at the Kubernetes API server",
    )


# -- RolloutState --------------------------------------------------------------------------------

_PHASE = {
    Verdict.DONE: RolloutPhase.HEALTHY,
    Verdict.WAITING: RolloutPhase.PROGRESSING,
    Verdict.FAILED: RolloutPhase.DEGRADED,
    Verdict.UNKNOWN: RolloutPhase.UNKNOWN,
}
_STRATEGY = {"RollingUpdate": "rolling-update", "Recreate": "recreate", "OnDelete": "on-delete"}


def _strategy_name(kind: str) -> str:
    # Never "canary": a plain workload has no traffic weights, so canary_active stays False.
    return _STRATEGY.get(kind, f"other:{as_str(kind, 40)}")


def _with_condition_message(check: RolloutCheck, status: Mapping[str, Any]) -> str:
    progressing = condition(status, "Progressing")
    detail = as_str(dig(progressing, "message"), 500) if progressing else ""
    if check.verdict is Verdict.FAILED and detail:
        return f"{check.message}: {detail}"
    return check.message


def parse_deployment(
    obj: Mapping[str, Any],
    replicasets: Sequence[object] = (),
    *,
    container: str | None = None,
) -> RolloutState:
    """A Deployment (plus its namespace's ReplicaSets) -> ``RolloutState``.

    Revisions are ``deployment.kubernetes.io/revision`` numbers as text. The canary side is
    the Deployment's template (``canary_revision``/``canary_version``); the stable side is
    the same once kubectl would call the rollout done, else the newest older ReplicaSet
    still running pods (or the previous revision when none is). ``previous_version`` is
    what undo would restore.
    """
    meta, spec, status = (as_dict(obj.get(k)) for k in ("metadata", "spec", "status"))
    check = deployment_status(obj)
    revisions = deployment_revisions(obj, replicasets, container)
    current = current_revision(obj, revisions)
    done = check.verdict is Verdict.DONE
    number = revision_number(obj)
    if current is not None:
        canary_revision = str(current.number)
    elif (done or not revisions) and number is not None:
        # No ReplicaSet to match (none given, or none equal to the template although the
        # rollout is done): the Deployment's own annotation is all there is.
        canary_revision = str(number)
    else:
        # The controller has not created the new template's ReplicaSet yet.
        canary_revision = ""
    newest = current.number if current else (number if done else None)
    older = [r for r in revisions if newest is None or r.number < newest]
    previous = older[0] if older else None
    if done:
        stable = current
        stable_revision = canary_revision
    else:
        stable = next((r for r in older if r.replicas > 0), previous)
        stable_revision = str(stable.number) if stable else ""
    canary_version = read_version(spec.get("template"), container).version
    stable_version = canary_version if done else (stable.version if stable else None)
    paused = spec.get("paused") is True
    phase = _PHASE[check.verdict]
    message = _with_condition_message(check, status)
    pause_kind, pause_reason, pause_started = PauseKind.NONE, "", None
    if paused and check.verdict is not Verdict.UNKNOWN:
        # A paused Deployment rolls out no template change until resumed, whatever its
        # counts say; the Progressing condition may still read ReplicaSetUpdated, so the
        # spec decides (argo-cd gitops-engine testdata deployment-suspended.yaml).
        phase = RolloutPhase.PAUSED
        pause_kind, pause_reason = PauseKind.MANUAL, "spec.paused"
        paused_cond = condition(status, "Progressing")
        if paused_cond and paused_cond.get("reason") == PAUSED_REASON:
            pause_started = parse_time(paused_cond.get("lastTransitionTime"))
        message = f"paused: template changes do not roll out until resumed; {message}"
    progressing = condition(status, "Progressing")
    finished = None
    if done and progressing and progressing.get("reason") == COMPLETE_REASON:
        finished = parse_time(progressing.get("lastUpdateTime"))
    return RolloutState(
        name=object_name(meta),
        namespace=as_str(meta.get("namespace"), 253),
        kind=WorkloadKind.DEPLOYMENT.value,
        strategy=_strategy_name(strategy_type(spec, "strategy")),
        phase=phase,
        message=message,
        pause_kind=pause_kind,
        pause_reason=pause_reason,
        pause_started_at=pause_started,
        stable_revision=stable_revision,
        canary_revision=canary_revision,
        stable_version=stable_version,
        canary_version=canary_version,
        previous_version=previous.version if previous else None,
        started_at=current.created_at if current else None,
        finished_at=finished,
        replicas=as_int(spec.get("replicas")),
        ready_replicas=as_int(status.get("readyReplicas")),
        capabilities=DEPLOYMENT_ACTIONS,
    )


def parse_statefulset(obj: Mapping[str, Any], *, container: str | None = None) -> RolloutState:
    """A StatefulSet -> ``RolloutState``; revisions are ControllerRevision names
    (``status.currentRevision`` stable, ``status.updateRevision`` new).

    A partition above zero that kubectl calls complete is a staged rollout holding pods on
    the old revision until a person lowers it: it reads as paused for a human.
    """
    meta, spec, status = (as_dict(obj.get(k)) for k in ("metadata", "spec", "status"))
    check = statefulset_status(obj)
    current = as_str(status.get("currentRevision"), 253)
    update = as_str(status.get("updateRevision"), 253)
    canary_version = read_version(spec.get("template"), container).version
    phase = _PHASE[check.verdict]
    pause_kind, pause_reason = PauseKind.NONE, ""
    partition = as_int(dig(spec, "updateStrategy", "rollingUpdate", "partition")) or 0
    held = check.verdict is Verdict.DONE and partition > 0 and bool(update) and update != current
    if held:
        phase, pause_kind = RolloutPhase.PAUSED, PauseKind.INDEFINITE_STEP
        pause_reason = f"partition {partition}: pods below it stay on revision {current}"
    fully = bool(update) and update == current and check.verdict is Verdict.DONE
    return RolloutState(
        name=object_name(meta),
        namespace=as_str(meta.get("namespace"), 253),
        kind=WorkloadKind.STATEFULSET.value,
        strategy=_strategy_name(strategy_type(spec, "updateStrategy")),
        phase=phase,
        message=check.message,
        pause_kind=pause_kind,
        pause_reason=pause_reason,
        stable_revision=current,
        canary_revision=update,
        stable_version=canary_version if fully else None,
        canary_version=canary_version,
        replicas=as_int(spec.get("replicas")),
        ready_replicas=as_int(status.get("readyReplicas")),
        capabilities=OTHER_WORKLOAD_ACTIONS,
    )


def parse_daemonset(obj: Mapping[str, Any], *, container: str | None = None) -> RolloutState:
    """A DaemonSet -> ``RolloutState``. DaemonSets report no revision in status, so the
    template generation stands for it: both sides equal once the rollout is done."""
    meta, spec, status = (as_dict(obj.get(k)) for k in ("metadata", "spec", "status"))
    check = daemonset_status(obj)
    generation = as_int(dig(meta, "annotations", DAEMONSET_TEMPLATE_GENERATION))
    if generation is None:
        generation = as_int(meta.get("generation"))
    revision = str(generation) if generation is not None else ""
    done = check.verdict is Verdict.DONE
    canary_version = read_version(spec.get("template"), container).version
    return RolloutState(
        name=object_name(meta),
        namespace=as_str(meta.get("namespace"), 253),
        kind=WorkloadKind.DAEMONSET.value,
        strategy=_strategy_name(strategy_type(spec, "updateStrategy")),
        phase=_PHASE[check.verdict],
        message=check.message,
        stable_revision=revision if done else "",
        canary_revision=revision,
        stable_version=canary_version if done else None,
        canary_version=canary_version,
        replicas=as_int(status.get("desiredNumberScheduled")),
        ready_replicas=as_int(status.get("numberReady")),
        capabilities=OTHER_WORKLOAD_ACTIONS,
    )


def parse_workload(
    obj: Mapping[str, Any], replicasets: Sequence[object] = (), *, container: str | None = None
) -> RolloutState:
    """Any of the three kinds -> ``RolloutState``; another kind reads as UNKNOWN, never healthy."""
    kind = kind_of(obj)
    if kind is WorkloadKind.DEPLOYMENT:
        return parse_deployment(obj, replicasets, container=container)
    if kind is WorkloadKind.STATEFULSET:
        return parse_statefulset(obj, container=container)
    if kind is WorkloadKind.DAEMONSET:
        return parse_daemonset(obj, container=container)
    meta = as_dict(obj.get("metadata"))
    return RolloutState(
        name=object_name(meta),
        namespace=as_str(meta.get("namespace"), 253),
        kind=as_str(obj.get("kind"), 63),
        strategy="unknown",
        message=rollout_status(obj).message,
    )


def parse_deployments(
    deployment_list: object, replicaset_list: object, *, container: str | None = None
) -> dict[str, RolloutState]:
    """A DeploymentList and a ReplicaSetList of one namespace -> states by Deployment name.

    Items of a list carry no ``kind`` (the list does), so each is read as a Deployment.

    Raises:
        BadResponse: either answer is not a Kubernetes list object.
    """
    items = list_items(deployment_list, "Kubernetes DeploymentList")
    replicasets = list_items(replicaset_list, "Kubernetes ReplicaSetList")
    states: dict[str, RolloutState] = {}
    for item in items:
        if isinstance(item, dict):
            state = parse_deployment(item, replicasets, container=container)
            if state.name:
                states[state.name] = state
    return states
