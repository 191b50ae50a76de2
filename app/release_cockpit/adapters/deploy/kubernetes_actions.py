"""Pure Kubernetes request building: the bodies ``kubectl rollout`` sends, made safe to race.

Each builder takes the object exactly as the person saw it in the confirmation and returns
the PATCH that ``kubectl rollout pause|resume|restart|undo`` would send, plus one thing
kubectl does not do: the object's ``metadata.resourceVersion`` goes into the body. The API
server treats a resourceVersion inside a patch as a precondition, so if someone changed
the object in between, the write is refused with ``409 Conflict`` instead of silently
overwriting their change (https://github.com/kubernetes/kubernetes/issues/15416; API
conventions, "Concurrency Control and Consistency",
https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency).
JSON patches carry it as a ``replace`` of ``/metadata/resourceVersion`` rather than a
``test`` op: a failed ``test`` is answered 422 (or 500 on old servers), not 409
(https://github.com/kubernetes/kubernetes/issues/68202).

Also here: the effect sentence each confirmation shows. A refused write's ``Status`` body
becomes an error in ``kubernetes_errors``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from urllib.parse import quote

from release_cockpit.adapters.deploy.kubernetes_parsing import RESTARTED_AT_ANNOTATION
from release_cockpit.adapters.deploy.kubernetes_revisions import (
    HASH_LABEL,
    REVISION_ANNOTATION,
    Revision,
    current_revision,
    deployment_revisions,
    equal_ignore_hash,
)
from release_cockpit.adapters.deploy.kubernetes_rollout_status import (
    WorkloadKind,
    deployment_status,
    kind_of,
)
from release_cockpit.adapters.payload import as_dict, as_list, as_str, dig
from release_cockpit.domain import Action
from release_cockpit.errors import (
    ActionFailed,
)

APPS_V1 = "/apis/apps/v1"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"

# Annotations ``kubectl rollout undo`` keeps from the Deployment instead of copying them
# from the ReplicaSet (rollback.go ``annotationsToSkip``).
UNDO_KEEP_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
)


class WorkloadAction(Enum):
    """What ``kubectl rollout`` can do to a workload."""

    PAUSE = "pause"
    RESUME = "resume"
    RESTART = "restart"
    UNDO = "undo"


DOMAIN_ACTIONS = {
    Action.PAUSE: WorkloadAction.PAUSE,
    Action.RESUME: WorkloadAction.RESUME,
    Action.ROLLBACK: WorkloadAction.UNDO,
}
"""The cockpit's actions as workload actions (restart has no domain Action yet)."""


@dataclass(frozen=True, slots=True)
class PatchRequest:
    """One PATCH to send: where, as what content type, the JSON body, and its effect."""

    action: WorkloadAction
    path: str
    content_type: str
    body: dict[str, Any] | list[dict[str, Any]]
    effect: str

    @property
    def method(self) -> str:
        return "PATCH"

    def content(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":")).encode()


def object_path(kind: WorkloadKind, namespace: str, name: str) -> str:
    """``/apis/apps/v1/namespaces/{ns}/{plural}/{name}`` with both names escaped."""
    return f"{APPS_V1}/namespaces/{quote(namespace, safe='')}/{kind.plural}/{quote(name, safe='')}"


def _identity(
    obj: Mapping[str, Any], kind: WorkloadKind | None = None
) -> tuple[WorkloadKind, str, str, str]:
    """(kind, namespace, name, resourceVersion) of the object the person saw.

    Items of a list carry no ``kind``: ``kind`` says what they are (default Deployment).

    Raises:
        ActionFailed: not a workload, or no name or resourceVersion to fence the write with.
    """
    meta = as_dict(obj.get("metadata"))
    if "kind" in obj:
        kind = kind_of(obj)
    elif kind is None:
        kind = WorkloadKind.DEPLOYMENT
    name, namespace = meta.get("name"), meta.get("namespace")
    version = meta.get("resourceVersion")
    if kind is None:
        raise ActionFailed(f"cannot act on a {as_str(obj.get('kind'), 63)!r} object")
    if not isinstance(name, str) or not name or not isinstance(namespace, str) or not namespace:
        raise ActionFailed(f"the {kind.value} has no name or namespace to address it by")
    if not isinstance(version, str) or not version:
        raise ActionFailed(
            f"{kind.value.lower()} {namespace}/{name} has no metadata.resourceVersion",
            hint="read the object from the API again before acting on it",
        )
    return kind, namespace, name, version


def _who(kind: WorkloadKind, namespace: str, name: str) -> str:
    return f"{kind.value.lower()} {as_str(namespace, 253)}/{as_str(name, 253)}"


def _image_text(images: str) -> str:
    return f"image {images}" if images else "its image"


def _images(template: object) -> str:
    """The template's images as one short phrase (``shop/cart:1.12.3``)."""
    names = [as_str(dig(c, "image"), 200) for c in as_list(dig(template, "spec", "containers"))]
    return ", ".join(n for n in names if n)


# -- pause / resume ------------------------------------------------------------------------------


def pause_request(deployment: Mapping[str, Any]) -> PatchRequest:
    """``kubectl rollout pause``: ``spec.paused: true`` (kubectl sends it as a strategic merge
    patch; a JSON merge patch does the same for this field).

    Raises:
        ActionFailed: not a Deployment (kubectl pauses nothing else), or already paused.
    """
    kind, namespace, name, version = _identity(deployment)
    who = _who(kind, namespace, name)
    if kind is not WorkloadKind.DEPLOYMENT:
        raise ActionFailed(f"{who} cannot be paused: kubectl pauses only Deployments")
    if dig(deployment, "spec", "paused") is True:
        raise ActionFailed(f"{who} is already paused")
    progress = deployment_status(deployment).message
    return PatchRequest(
        WorkloadAction.PAUSE,
        object_path(kind, namespace, name),
        MERGE_PATCH,
        {"metadata": {"resourceVersion": version}, "spec": {"paused": True}},
        f"pauses {who} as `kubectl rollout pause` does (spec.paused=true): the rollout stops "
        f"where it is ({as_str(progress, 300)}) and no template change rolls out until it "
        "is resumed; running pods keep serving.",
    )


def resume_request(deployment: Mapping[str, Any]) -> PatchRequest:
    """``kubectl rollout resume``: ``spec.paused: false``.

    Raises:
        ActionFailed: not a Deployment, or not paused.
    """
    kind, namespace, name, version = _identity(deployment)
    who = _who(kind, namespace, name)
    if kind is not WorkloadKind.DEPLOYMENT:
        raise ActionFailed(f"{who} cannot be resumed: kubectl pauses only Deployments")
    if dig(deployment, "spec", "paused") is not True:
        raise ActionFailed(f"{who} is not paused")
    images = _images(dig(deployment, "spec", "template"))
    return PatchRequest(
        WorkloadAction.RESUME,
        object_path(kind, namespace, name),
        MERGE_PATCH,
        {"metadata": {"resourceVersion": version}, "spec": {"paused": False}},
        f"resumes {who} as `kubectl rollout resume` does (spec.paused=false): the controller "
        f"rolls out its current pod template ({_image_text(images)}).",
    )


# -- restart ------------------------------------------------------------------------------------


def rfc3339(now: datetime) -> str:
    """``time.Now().Format(time.RFC3339)``: seconds precision; UTC written as ``Z``."""
    moment = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    text = moment.replace(microsecond=0).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def restart_request(
    obj: Mapping[str, Any], now: datetime, *, kind: WorkloadKind | None = None
) -> PatchRequest:
    """``kubectl rollout restart``: stamp ``kubectl.kubernetes.io/restartedAt`` on the pod
    template, which makes a new template and so a rolling replacement of every pod
    (objectrestarter.go). Works for Deployments, StatefulSets and DaemonSets.

    Raises:
        ActionFailed: a paused Deployment ("can't restart paused deployment").
    """
    kind, namespace, name, version = _identity(obj, kind)
    who = _who(kind, namespace, name)
    if kind is WorkloadKind.DEPLOYMENT and dig(obj, "spec", "paused") is True:
        raise ActionFailed(
            f"{who} is paused: a restart would not roll out",
            hint="resume it first, as `kubectl rollout restart` requires",
        )
    stamp = rfc3339(now)
    images = _images(dig(obj, "spec", "template"))
    body = {
        "metadata": {"resourceVersion": version},
        "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT_ANNOTATION: stamp}}}},
    }
    return PatchRequest(
        WorkloadAction.RESTART,
        object_path(kind, namespace, name),
        MERGE_PATCH,
        body,
        f"replaces every pod of {who} with a fresh one of the same template "
        f"({_image_text(images)}) as `kubectl rollout restart` does: "
        f"the template gets {RESTARTED_AT_ANNOTATION}={stamp} and rolls out by the "
        "workload's update strategy.",
    )


# -- undo ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UndoPlan:
    """The revision undo goes back to and the request that does it."""

    revision: Revision
    request: PatchRequest


def _undo_target(
    deployment: Mapping[str, Any], revisions: Sequence[Revision], to_revision: int, who: str
) -> Revision:
    """rollback.go ``deploymentRevision``: revision N exactly, or with 0 the second-highest."""
    if to_revision < 0:
        raise ActionFailed(f"unable to find specified revision {to_revision} in history")
    if to_revision > 0:
        found = next((r for r in revisions if r.number == to_revision), None)
        if found is None:
            raise ActionFailed(
                f"unable to find specified revision {to_revision} in the history of {who}",
                hint="older ReplicaSets are pruned by spec.revisionHistoryLimit",
            )
        return found
    if len(revisions) < 2:
        raise ActionFailed(
            f"no rollout history found for {who}: there is no previous revision",
            hint="older ReplicaSets are pruned by spec.revisionHistoryLimit",
        )
    return sorted(revisions, key=lambda r: r.number, reverse=True)[1]


def undo_request(
    deployment: Mapping[str, Any],
    replicasets: Sequence[object],
    *,
    to_revision: int = 0,
    container: str | None = None,
) -> UndoPlan:
    """``kubectl rollout undo deployment/NAME [--to-revision=N]``, which has no server API.

    As rollback.go does: pick the ReplicaSet of the revision, refuse a paused Deployment,
    skip when the template already matches, drop the ``pod-template-hash`` label, keep the
    Deployment's own bookkeeping annotations and take every other annotation from the
    ReplicaSet, and send a JSON patch replacing ``/spec/template`` and
    ``/metadata/annotations`` -- here led by a ``/metadata/resourceVersion`` replace so a
    concurrent change is refused with 409. The controller then adopts the old ReplicaSet
    under a new, higher revision number.

    Raises:
        ActionFailed: paused, no such or no previous revision, or nothing to undo.
    """
    kind, namespace, name, version = _identity(deployment)
    who = _who(kind, namespace, name)
    if kind is not WorkloadKind.DEPLOYMENT:
        raise ActionFailed(
            f"{who}: undo is built only for Deployments",
            hint="StatefulSets and DaemonSets roll back through ControllerRevisions",
        )
    revisions = deployment_revisions(deployment, replicasets, container)
    target = _undo_target(deployment, revisions, to_revision, who)
    if dig(deployment, "spec", "paused") is True:
        raise ActionFailed(
            f"you cannot rollback a paused deployment ({who})",
            hint="resume it first, as `kubectl rollout undo` requires",
        )
    template = dig(deployment, "spec", "template")
    if equal_ignore_hash(target.template, template):
        raise ActionFailed(
            f"skipped rollback: the current template of {who} already matches revision "
            f"{target.number}"
        )
    restored = copy.deepcopy(target.template)
    labels = dig(restored, "metadata", "labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    current_annotations = as_dict(dig(deployment, "metadata", "annotations"))
    annotations = {
        k: current_annotations[k] for k in UNDO_KEEP_ANNOTATIONS if k in current_annotations
    }
    annotations.update(
        {k: v for k, v in target.annotations.items() if k not in UNDO_KEEP_ANNOTATIONS}
    )
    # kubectl replaces /metadata/annotations; "add" does the same to an existing member and
    # also works on an object that has none (RFC 6902 section 4.1).
    annotations_op = "replace" if "annotations" in as_dict(deployment.get("metadata")) else "add"
    body: list[dict[str, Any]] = [
        {"op": "replace", "path": "/metadata/resourceVersion", "value": version},
        {"op": "replace", "path": "/spec/template", "value": restored},
        {"op": annotations_op, "path": "/metadata/annotations", "value": annotations},
    ]
    return UndoPlan(
        target,
        PatchRequest(
            WorkloadAction.UNDO,
            object_path(kind, namespace, name),
            JSON_PATCH,
            body,
            undo_effect(who, target, current_revision(deployment, revisions)),
        ),
    )


def undo_effect(who: str, target: Revision, current: Revision | None) -> str:
    """The confirmation sentence for undo, naming the revision and its image."""
    images = ", ".join(i.image for i in target.images if i.image)
    image = f" (image {images})" if images else ""
    now = f" replacing revision {current.number}" if current is not None else ""
    return (
        f"re-applies the pod template of revision {target.number}{image} to {who}{now}, as "
        "`kubectl rollout undo` does; Kubernetes has no server-side undo. The Deployment "
        "then rolls it out as a new revision."
    )


def action_effect(
    action: WorkloadAction,
    obj: Mapping[str, Any],
    replicasets: Sequence[object] = (),
    *,
    now: datetime | None = None,
) -> str:
    """The sentence a confirmation shows for ``action``, or why it cannot be done.

    Never raises: a refusal becomes "cannot ...: <reason>" so the dialog can show it.
    """
    try:
        if action is WorkloadAction.PAUSE:
            return pause_request(obj).effect
        if action is WorkloadAction.RESUME:
            return resume_request(obj).effect
        if action is WorkloadAction.RESTART:
            return restart_request(obj, now or datetime.now(UTC)).effect
        return undo_request(obj, replicasets).request.effect
    except ActionFailed as exc:
        return f"cannot {action.value}: {exc.message}"
