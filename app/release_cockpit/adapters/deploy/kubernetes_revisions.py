"""Pure reading of Kubernetes pod templates and ReplicaSets: images, versions, revisions.

Versions come from the image tags of the pod template; a Deployment's revisions are its
own ReplicaSets (``deployment.kubernetes.io/revision``), matched by owner reference and by
template with the ``pod-template-hash`` label ignored, as ``kubectl rollout undo`` matches
them (kubernetes/kubectl ``pkg/polymorphichelpers/rollback.go``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from release_cockpit.adapters.deploy.rollout_parsing import image_tag
from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, dig, parse_time

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"  # appsv1.DefaultDeploymentUniqueLabelKey
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"


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
