"""Pure ``kubectl rollout status``: is a Deployment, StatefulSet or DaemonSet rollout done?

Decided exactly as kubectl decides it (kubernetes/kubectl
``pkg/polymorphichelpers/rollout_status.go``,
https://github.com/kubernetes/kubectl/blob/master/pkg/polymorphichelpers/rollout_status.go),
so the cockpit and a person's terminal never disagree about whether a rollout is done. A
status field that is present but not a number makes the verdict UNKNOWN, never DONE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, dig

# Deployment condition reason (kubernetes pkg/controller/deployment/util/deployment_util.go).
TIMED_OUT_REASON = "ProgressDeadlineExceeded"


class WorkloadKind(Enum):
    """The ``apps/v1`` kinds ``kubectl rollout status`` knows."""

    DEPLOYMENT = "Deployment"
    STATEFULSET = "StatefulSet"
    DAEMONSET = "DaemonSet"

    @property
    def plural(self) -> str:
        """The resource name in API paths (``/apis/apps/v1/namespaces/{ns}/deployments``)."""
        return f"{self.value.lower()}s"


class Verdict(Enum):
    """The outcome of one ``kubectl rollout status`` check, plus "cannot tell"."""

    DONE = "done"  # kubectl prints "successfully rolled out" and exits 0
    WAITING = "waiting"  # kubectl keeps watching
    FAILED = "failed"  # kubectl exits with an error (progress deadline exceeded)
    UNKNOWN = "unknown"  # the object could not be read, or kubectl refuses to judge it


@dataclass(frozen=True, slots=True)
class RolloutCheck:
    """What ``kubectl rollout status`` would decide, and the line it would print."""

    verdict: Verdict
    message: str


_UNOBSERVED = "Waiting for {} spec update to be observed"


class _Unreadable(Exception):
    """A status field that is present but not a number: the status cannot be decided."""


# -- reading ---------------------------------------------------------------------------------


def kind_of(obj: Mapping[str, Any]) -> WorkloadKind | None:
    """The workload kind of an object, from its ``kind`` (apiVersion is not trusted: some
    recorded objects carry a wrong one)."""
    kind = obj.get("kind")
    return next((k for k in WorkloadKind if k.value == kind), None)


def _count(mapping: Mapping[str, Any], key: str) -> int:
    """A replica count: absent means 0 (the API omits zero counts), garbage is unreadable."""
    value = mapping.get(key)
    if value is None:
        return 0
    number = as_int(value)
    if number is None:
        raise _Unreadable(f"status.{key} is not a number")
    return number


def _desired(spec: Mapping[str, Any]) -> int:
    """``spec.replicas``; the API server defaults a missing one to 1 (apps/v1 defaults.go)."""
    value = spec.get("replicas")
    if value is None:
        return 1
    number = as_int(value)
    if number is None:
        raise _Unreadable("spec.replicas is not a number")
    return number


def _generation(meta: Mapping[str, Any]) -> int:
    generation = as_int(meta.get("generation"))
    if generation is None:
        raise _Unreadable("metadata.generation is missing")
    return generation


def conditions(status: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [c for c in as_list(status.get("conditions")) if isinstance(c, dict)]


def condition(status: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    """The condition of ``type == kind`` (deploymentutil.GetDeploymentCondition), or None."""
    return next((c for c in conditions(status) if c.get("type") == kind), None)


def object_name(meta: Mapping[str, Any]) -> str:
    return as_str(meta.get("name"), 253)


# -- kubectl rollout status --------------------------------------------------------------------


def deployment_status(obj: Mapping[str, Any]) -> RolloutCheck:
    """``DeploymentStatusViewer.Status``: observed generation, progress deadline, then
    updated, old and available replica counts against ``spec.replicas``."""
    meta, spec, status = (as_dict(obj.get(k)) for k in ("metadata", "spec", "status"))
    name = object_name(meta)
    try:
        if _generation(meta) > _count(status, "observedGeneration"):
            return RolloutCheck(
                Verdict.WAITING, "Waiting for deployment spec update to be observed"
            )
        progressing = condition(status, "Progressing")
        if progressing is not None and progressing.get("reason") == TIMED_OUT_REASON:
            return RolloutCheck(
                Verdict.FAILED, f'deployment "{name}" exceeded its progress deadline'
            )
        desired = _desired(spec)
        updated = _count(status, "updatedReplicas")
        replicas = _count(status, "replicas")
        available = _count(status, "availableReplicas")
    except _Unreadable as exc:
        return RolloutCheck(Verdict.UNKNOWN, f"deployment {name!r}: {exc}")
    prefix = f'Waiting for deployment "{name}" rollout to finish'
    if updated < desired:
        return RolloutCheck(
            Verdict.WAITING, f"{prefix}: {updated} out of {desired} new replicas have been updated"
        )
    if replicas > updated:
        return RolloutCheck(
            Verdict.WAITING, f"{prefix}: {replicas - updated} old replicas are pending termination"
        )
    if available < updated:
        return RolloutCheck(
            Verdict.WAITING, f"{prefix}: {available} of {updated} updated replicas are available"
        )
    return RolloutCheck(Verdict.DONE, f'deployment "{name}" successfully rolled out')


def strategy_type(spec: Mapping[str, Any], key: str) -> str:
    """``spec.<key>.type``; apps/v1 defaults a missing one to RollingUpdate."""
    kind = dig(spec, key, "type")
    return kind if isinstance(kind, str) and kind else "RollingUpdate"


def statefulset_status(obj: Mapping[str, Any]) -> RolloutCheck:
    """``StatefulSetStatusViewer.Status``: only RollingUpdate is judged; a partition counts as
    done once the pods above it are updated (kubectl exits 0 there, a human lowers it)."""
    meta, spec, status = (as_dict(obj.get(k)) for k in ("metadata", "spec", "status"))
    name = object_name(meta)
    kind = strategy_type(spec, "updateStrategy")
    if kind != "RollingUpdate":
        return RolloutCheck(
            Verdict.UNKNOWN,
            f"rollout status is only available for RollingUpdate strategy type "
            f"(statefulset {name!r} uses {as_str(kind, 40)}: pods change only when deleted)",
        )
    try:
        observed = _count(status, "observedGeneration")
        if observed == 0 or _generation(meta) > observed:
            return RolloutCheck(
                Verdict.WAITING, "Waiting for statefulset spec update to be observed"
            )
        desired = _desired(spec)
        ready = _count(status, "readyReplicas")
        updated = _count(status, "updatedReplicas")
        rolling = dig(spec, "updateStrategy", "rollingUpdate")
        partition = _count(as_dict(rolling), "partition") if isinstance(rolling, dict) else None
    except _Unreadable as exc:
        return RolloutCheck(Verdict.UNKNOWN, f"statefulset {name!r}: {exc}")
    if ready < desired:
        return RolloutCheck(Verdict.WAITING, f"Waiting for {desired - ready} pods to be ready")
    if isinstance(rolling, dict):
        if partition is not None and updated < desired - partition:
            return RolloutCheck(
                Verdict.WAITING,
                f"Waiting for partitioned roll out to finish: {updated} out of "
                f"{desired - partition} new pods have been updated",
            )
        return RolloutCheck(
            Verdict.DONE, f"partitioned roll out complete: {updated} new pods have been updated"
        )
    current = as_str(status.get("currentRevision"), 253)
    update = as_str(status.get("updateRevision"), 253)
    if update != current:
        return RolloutCheck(
            Verdict.WAITING,
            f"waiting for statefulset rolling update to complete {updated} pods at revision "
            f"{update}",
        )
    current_replicas = as_int(status.get("currentReplicas")) or 0
    return RolloutCheck(
        Verdict.DONE,
        f"statefulset rolling update complete {current_replicas} pods at revision {current}",
    )


def daemonset_status(obj: Mapping[str, Any]) -> RolloutCheck:
    """``DaemonSetStatusViewer.Status``: updated and available pods against the nodes that
    should run one (``desiredNumberScheduled``); only RollingUpdate is judged."""
    meta, spec, status = (as_dict(obj.get(k)) for k in ("metadata", "spec", "status"))
    name = object_name(meta)
    kind = strategy_type(spec, "updateStrategy")
    if kind != "RollingUpdate":
        return RolloutCheck(
            Verdict.UNKNOWN,
            f"rollout status is only available for RollingUpdate strategy type "
            f"(daemon set {name!r} uses {as_str(kind, 40)}: pods change only when deleted)",
        )
    try:
        if _generation(meta) > _count(status, "observedGeneration"):
            return RolloutCheck(
                Verdict.WAITING, "Waiting for daemon set spec update to be observed"
            )
        desired = _count(status, "desiredNumberScheduled")
        updated = _count(status, "updatedNumberScheduled")
        available = _count(status, "numberAvailable")
    except _Unreadable as exc:
        return RolloutCheck(Verdict.UNKNOWN, f"daemon set {name!r}: {exc}")
    prefix = f'Waiting for daemon set "{name}" rollout to finish'
    if updated < desired:
        return RolloutCheck(
            Verdict.WAITING, f"{prefix}: {updated} out of {desired} new pods have been updated"
        )
    if available < desired:
        return RolloutCheck(
            Verdict.WAITING, f"{prefix}: {available} of {desired} updated pods are available"
        )
    return RolloutCheck(Verdict.DONE, f'daemon set "{name}" successfully rolled out')


def rollout_status(obj: Mapping[str, Any]) -> RolloutCheck:
    """``kubectl rollout status`` for any of the three kinds; another kind is UNKNOWN."""
    kind = kind_of(obj)
    if kind is WorkloadKind.DEPLOYMENT:
        return deployment_status(obj)
    if kind is WorkloadKind.STATEFULSET:
        return statefulset_status(obj)
    if kind is WorkloadKind.DAEMONSET:
        return daemonset_status(obj)
    return RolloutCheck(
        Verdict.UNKNOWN, f"no rollout status for kind {as_str(obj.get('kind'), 63)!r}"
    )
