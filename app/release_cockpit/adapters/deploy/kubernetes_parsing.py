"""Pure Kubernetes workload parsing: Deployments, StatefulSets and DaemonSets -> ``RolloutState``.

The rollout status is decided exactly as ``kubectl rollout status`` decides it
(kubernetes/kubectl ``pkg/polymorphichelpers/rollout_status.go``,
https://github.com/kubernetes/kubectl/blob/master/pkg/polymorphichelpers/rollout_status.go),
so the cockpit and a person's terminal never disagree about whether a rollout is done.
Versions and revisions come from the pod template and from the Deployment's own
ReplicaSets (``deployment.kubernetes.io/revision``). The request bodies for actions live in
``kubernetes_actions``; this module only reads.

Everything here is a pure function of recorded JSON: a missing or mistyped field is read as
unknown, and a workload whose status cannot be decided is never reported as healthy.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from release_cockpit.adapters.deploy.rollout_parsing import image_tag
from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, dig, parse_time
from release_cockpit.domain import Action, PauseKind, RolloutPhase, RolloutState
from release_cockpit.errors import BadResponse

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"  # appsv1.DefaultDeploymentUniqueLabelKey
RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
# The DaemonSet controller stamps the template generation here; DaemonSets have no revision
# number of their own in status (their history lives in ControllerRevisions).
DAEMONSET_TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"
# Deployment condition reasons (kubernetes pkg/controller/deployment/util/deployment_util.go).
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
COMPLETE_REASON = "NewReplicaSetAvailable"
PAUSED_REASON = "DeploymentPaused"


class WorkloadKind(Enum):
    """The ``apps/v1`` kinds ``kubectl rollout status`` knows."""

    DEPLOYMENT = "Deployment"
    STATEFULSET = "StatefulSet"
    DAEMONSET = "DaemonSet"

    @property
    def plural(self) -> str:
        """The resource name in API paths (``/apis/apps/v1/namespaces/{ns}/deployments``)."""
        return f"{self.value.lower()}s"


DEPLOYMENT_ACTIONS = frozenset({Action.PAUSE, Action.RESUME, Action.ROLLBACK})
"""Domain actions a Deployment supports through the API (pause, resume, undo); ``restart``
has a request builder but no domain Action yet."""

# kubectl pauses only Deployments (objectpauser.go) and undoes StatefulSets and DaemonSets
# through ControllerRevisions, which this layer does not read yet; restart applies to all.
OTHER_WORKLOAD_ACTIONS: frozenset[Action] = frozenset()


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


@dataclass(frozen=True, slots=True)
class ContainerImage:
    """One container of a pod template: its name and image reference (untrusted text)."""

    container: str
    image: str


@dataclass(frozen=True, slots=True)
class VersionReading:
    """A version read from an image tag, or why none could be read (``problem``)."""

    version: str | None
    container: str = ""
    image: str = ""
    problem: str = ""


@dataclass(frozen=True, slots=True)
class Revision:
    """One ReplicaSet of a Deployment: a revision of its pod template.

    ``template`` is the raw template (not cleaned: it is sent back to the API by undo).
    """

    number: int
    name: str
    template_hash: str
    images: tuple[ContainerImage, ...]
    version: str | None
    replicas: int
    ready_replicas: int
    created_at: datetime | None
    change_cause: str
    annotations: dict[str, Any]
    template: dict[str, Any]


_UNOBSERVED = "Waiting for {} spec update to be observed"


class _Unreadable(Exception):
    """A status field that is present but not a number: the status cannot be decided."""


# -- reading ---------------------------------------------------------------------------------


def kind_of(obj: Mapping[str, Any]) -> WorkloadKind | None:
    """The workload kind of an object, from its ``kind`` (apiVersion is not trusted: some
    recorded objects carry a wrong one)."""
    kind = obj.get("kind")
    return next((k for k in WorkloadKind if k.value == kind), None)


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


def _name(meta: Mapping[str, Any]) -> str:
    return as_str(meta.get("name"), 253)


# -- kubectl rollout status --------------------------------------------------------------------


def deployment_status(obj: Mapping[str, Any]) -> RolloutCheck:
    """``DeploymentStatusViewer.Status``: observed generation, progress deadline, then
    updated, old and available replica counts against ``spec.replicas``."""
    meta, spec, status = (as_dict(obj.get(k)) for k in ("metadata", "spec", "status"))
    name = _name(meta)
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


def _strategy_type(spec: Mapping[str, Any], key: str) -> str:
    """``spec.<key>.type``; apps/v1 defaults a missing one to RollingUpdate."""
    kind = dig(spec, key, "type")
    return kind if isinstance(kind, str) and kind else "RollingUpdate"


def statefulset_status(obj: Mapping[str, Any]) -> RolloutCheck:
    """``StatefulSetStatusViewer.Status``: only RollingUpdate is judged; a partition counts as
    done once the pods above it are updated (kubectl exits 0 there, a human lowers it)."""
    meta, spec, status = (as_dict(obj.get(k)) for k in ("metadata", "spec", "status"))
    name = _name(meta)
    kind = _strategy_type(spec, "updateStrategy")
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
    name = _name(meta)
    kind = _strategy_type(spec, "updateStrategy")
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


# -- images and versions ---------------------------------------------------------------------


def template_images(template: object) -> tuple[ContainerImage, ...]:
    """The (container, image) pairs of a pod template's app containers, in order.

    Init containers are left out: they are rarely what a release versions.
    """
    found = []
    for item in as_list(dig(template, "spec", "containers")):
        image = dig(item, "image")
        found.append(ContainerImage(as_str(dig(item, "name"), 253), as_str(image, 1000)))
    return tuple(found)


def read_version(template: object, container: str | None = None) -> VersionReading:
    """The version in the image tag of ``container`` (or of the first container).

    A digest-only image, an untagged image (Kubernetes pulls ``:latest``) and the ``latest``
    tag itself name no version; ``problem`` says which, so the panel can show "version
    unknown: <why>" rather than a wrong version.
    """
    images = template_images(template)
    if not images:
        return VersionReading(None, problem="the pod template has no containers")
    if container:
        chosen = next((i for i in images if i.container == container), None)
        if chosen is None:
            names = ", ".join(i.container for i in images) or "none"
            return VersionReading(
                None, problem=f"no container named {container!r} (containers: {names})"
            )
    else:
        chosen = images[0]
    where = f"container {chosen.container!r}"
    if not chosen.image:
        return VersionReading(None, chosen.container, problem=f"{where} has no image")
    tag = image_tag(chosen.image)
    if tag is None:
        why = (
            "is pinned by digest and has no tag"
            if "@" in chosen.image
            else "has no tag (Kubernetes pulls :latest)"
        )
        return VersionReading(None, chosen.container, chosen.image, f"image {chosen.image} {why}")
    if tag == "latest":
        return VersionReading(
            None, chosen.container, chosen.image, f"image {chosen.image}: 'latest' names no version"
        )
    return VersionReading(tag, chosen.container, chosen.image)


# -- ReplicaSets and revisions ---------------------------------------------------------------


def owned_by(
    owner: Mapping[str, Any], kind: str, objects: Sequence[object]
) -> list[dict[str, Any]]:
    """The objects whose *controller* ownerReference is ``owner`` (by name, and uid when both
    sides have one), in its namespace. Matching never uses apiVersion: recorded objects
    have been seen with a wrong one."""
    meta = as_dict(owner.get("metadata"))
    name, uid, namespace = meta.get("name"), meta.get("uid"), meta.get("namespace")
    owned = []
    for item in objects:
        if not isinstance(item, dict):
            continue
        item_meta = as_dict(item.get("metadata"))
        if namespace and item_meta.get("namespace") not in (None, namespace):
            continue
        for ref in as_list(item_meta.get("ownerReferences")):
            ref = as_dict(ref)
            if ref.get("kind") != kind or ref.get("controller") is not True:
                continue
            if uid and ref.get("uid") and ref.get("uid") != uid:
                continue
            if ref.get("name") == name:
                owned.append(item)
                break
    return owned


def revision_number(obj: Mapping[str, Any]) -> int | None:
    """``deployment.kubernetes.io/revision`` of a Deployment or ReplicaSet."""
    return as_int(dig(obj, "metadata", "annotations", REVISION_ANNOTATION))


def without_hash(template: object) -> dict[str, Any]:
    """A deep copy of a pod template without the ``pod-template-hash`` label (rollback.go)."""
    clean = copy.deepcopy(as_dict(template))
    labels = dig(clean, "metadata", "labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return clean


def equal_ignore_hash(left: object, right: object) -> bool:
    """kubectl's ``equalIgnoreHash``: two pod templates equal but for pod-template-hash."""
    return without_hash(left) == without_hash(right)


def _revision(rs: dict[str, Any], number: int, container: str | None) -> Revision:
    meta, spec, status = (as_dict(rs.get(k)) for k in ("metadata", "spec", "status"))
    template = as_dict(spec.get("template"))
    annotations = as_dict(meta.get("annotations"))
    return Revision(
        number=number,
        name=as_str(meta.get("name"), 253),
        template_hash=as_str(dig(meta, "labels", HASH_LABEL), 63),
        images=template_images(template),
        version=read_version(template, container).version,
        replicas=as_int(status.get("replicas")) or 0,
        ready_replicas=as_int(status.get("readyReplicas")) or 0,
        created_at=parse_time(meta.get("creationTimestamp")),
        change_cause=as_str(annotations.get(CHANGE_CAUSE_ANNOTATION), 500),
        annotations=annotations,
        template=template,
    )


def deployment_revisions(
    deployment: Mapping[str, Any], replicasets: Sequence[object], container: str | None = None
) -> tuple[Revision, ...]:
    """The Deployment's ReplicaSets that carry a revision, newest (highest) first.

    ``kubectl rollout history`` shows the same list; ReplicaSets pruned by
    ``spec.revisionHistoryLimit`` are gone from it.
    """
    found = []
    for rs in owned_by(deployment, "Deployment", replicasets):
        number = revision_number(rs)
        if number is not None:
            found.append(_revision(rs, number, container))
    return tuple(sorted(found, key=lambda r: r.number, reverse=True))


def current_revision(
    deployment: Mapping[str, Any], revisions: Sequence[Revision]
) -> Revision | None:
    """The ReplicaSet of the Deployment's template (kubectl's FindNewReplicaSet: the
    template equal but for the hash), or None while the controller has not made it."""
    template = dig(deployment, "spec", "template")
    return next((r for r in revisions if equal_ignore_hash(r.template, template)), None)


def previous_revision(revisions: Sequence[Revision]) -> Revision | None:
    """What ``kubectl rollout undo`` goes back to: the second-highest revision."""
    ordered = sorted(revisions, key=lambda r: r.number, reverse=True)
    return ordered[1] if len(ordered) > 1 else None


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
        name=_name(meta),
        namespace=as_str(meta.get("namespace"), 253),
        kind=WorkloadKind.DEPLOYMENT.value,
        strategy=_strategy_name(_strategy_type(spec, "strategy")),
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
        name=_name(meta),
        namespace=as_str(meta.get("namespace"), 253),
        kind=WorkloadKind.STATEFULSET.value,
        strategy=_strategy_name(_strategy_type(spec, "updateStrategy")),
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
        name=_name(meta),
        namespace=as_str(meta.get("namespace"), 253),
        kind=WorkloadKind.DAEMONSET.value,
        strategy=_strategy_name(_strategy_type(spec, "updateStrategy")),
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
        name=_name(meta),
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
