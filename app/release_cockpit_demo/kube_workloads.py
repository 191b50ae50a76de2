"""World state -> apps/v1 Deployments and ReplicaSets, and Flagger ``Canary`` objects.

A ``kubernetes`` line is a plain Deployment: the line's steps are the share of pods the
rolling update has replaced, each quarter given time to become ready. The status counts
are the ones the Deployment controller writes (``replicas``, ``updatedReplicas``,
``readyReplicas``, ``availableReplicas``, the ``Progressing`` condition with reason
``ReplicaSetUpdated``, ``NewReplicaSetAvailable`` or ``DeploymentPaused``; kubernetes
``pkg/controller/deployment``), and each of the line's revisions is a ReplicaSet owned by
it with ``deployment.kubernetes.io/revision`` (what ``kubectl rollout history`` reads).

A ``flagger`` line is a Canary (fluxcd/flagger ``pkg/apis/flagger/v1beta1``): phase
Progressing while the weights step up, WaitingPromotion at the confirm-promotion gate,
Promoting for the last step, Succeeded once promoted, Failed after a rollback; its target
Deployment runs the new version, ``<name>-primary`` the promoted one.
"""

from __future__ import annotations

import math

from release_cockpit_demo.k8s_payloads import pod_template
from release_cockpit_demo.line import Line, Revision, Stage, pod_hash
from release_cockpit_demo.payloads import JSON, rfc3339, short_hash, stable_uid
from release_cockpit_demo.scenarios import REPLICAS

RESTART_SECONDS = 12.0
"""How long a restart takes to replace every pod."""
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
REVISION = "deployment.kubernetes.io/revision"
LOAD_TESTER = "http://flagger-loadtester.test"
"""Where the Canary's webhooks point: cluster-internal, as in Flagger's docs; the cockpit
reaches the same load tester at the demo's /loadtester."""


def _labels(name: str) -> dict[str, str]:
    return {"app": name}


def current_revision(line: Line) -> Revision:
    """The revision whose template the Deployment has now."""
    version = line.template_version
    found = [r for r in line.revisions if r.version == version]
    return max(found, key=lambda r: r.number) if found else line.revisions[-1]


def _template_hash(line: Line, revision: Revision) -> str:
    stamp = f"@{revision.restarted_at}" if revision.restarted_at is not None else ""
    return pod_hash(line.service, revision.version + stamp)


def _template(line: Line, revision: Revision, with_hash: bool = False) -> JSON:
    template = pod_template(line.service, revision.version)
    labels = template["metadata"]["labels"]
    if with_hash:
        labels["pod-template-hash"] = _template_hash(line, revision)
    if revision.restarted_at is not None:
        template["metadata"]["annotations"] = {RESTARTED_AT: rfc3339(revision.restarted_at)}
    return template


def rollout_progress(line: Line, now: float) -> tuple[int, int, int] | None:
    """(updated, ready updated, old) pods while a rolling update or a restart is under way."""
    if line.stage is Stage.STEPPING:
        updated = math.ceil(REPLICAS * line.set_weight() / 100)
        ready = max(updated - 1, 0) if line.scaling() else updated
        return updated, ready, REPLICAS - updated
    restarted = current_revision(line).restarted_at
    if restarted is not None and now - restarted < RESTART_SECONDS:
        updated = max(1, math.ceil(REPLICAS * (now - restarted) / RESTART_SECONDS))
        return updated, updated - 1, REPLICAS - updated + 1
    return None


def rollout_finished_at(line: Line) -> float:
    restarted = current_revision(line).restarted_at
    ends = (restarted or 0.0) + RESTART_SECONDS
    return max(line.finished_at or line.created_at, ends if restarted else 0.0)


def _condition(kind: str, status: str, reason: str, message: str, at: float) -> JSON:
    when = rfc3339(at)
    return {
        "type": kind,
        "status": status,
        "lastUpdateTime": when,
        "lastTransitionTime": when,
        "reason": reason,
        "message": message,
    }


def deployment_json(line: Line, now: float) -> JSON:
    """The line's Deployment as the API returns it now."""
    name, namespace = line.service, line.spec.namespace
    revision = current_revision(line)
    rs_name = f"{name}-{_template_hash(line, revision)}"
    progress = rollout_progress(line, now)
    started = line.rollout_started_at or line.created_at
    if progress is None:
        updated = ready = REPLICAS
        old = 0
        progressing = _condition(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs_name}" has successfully progressed.',
            rollout_finished_at(line),
        )
    else:
        updated, ready, old = progress
        progressing = _condition(
            "Progressing",
            "True",
            "ReplicaSetUpdated",
            f'ReplicaSet "{rs_name}" is progressing.',
            max(started, revision.created_at),
        )
    if line.spec_paused:
        progressing = _condition(
            "Progressing",
            "Unknown",
            "DeploymentPaused",
            "Deployment is paused",
            line.paused_at or now,
        )
    spec: JSON = {
        "replicas": REPLICAS,
        "selector": {"matchLabels": _labels(name)},
        "template": _template(line, revision),
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}},
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
    }
    if line.spec_paused:
        spec["paused"] = True
    available = ready + old
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": stable_uid(namespace, "deployment", name),
            "resourceVersion": str(line.resource_version),
            "generation": line.generation,
            "creationTimestamp": rfc3339(line.created_at),
            "labels": {**_labels(name), "app.kubernetes.io/part-of": "acme"},
            "annotations": {REVISION: str(revision.number)},
        },
        "spec": spec,
        "status": {
            "observedGeneration": line.generation,
            "replicas": updated + old,
            "updatedReplicas": updated,
            "readyReplicas": available,
            "availableReplicas": available,
            "conditions": [
                _condition(
                    "Available",
                    "True",
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.",
                    line.created_at,
                ),
                progressing,
            ],
        },
    }


def deployment_replicasets(line: Line, now: float) -> list[JSON]:
    """The line's ReplicaSets, oldest revision first, owned by its Deployment."""
    name, namespace = line.service, line.spec.namespace
    current = current_revision(line)
    progress = rollout_progress(line, now)
    owner: JSON = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": name,
        "uid": stable_uid(namespace, "deployment", name),
        "controller": True,
        "blockOwnerDeletion": True,
    }
    running = line.stable if line.stage is Stage.STEPPING else current.version
    items: list[JSON] = []
    for revision in sorted(line.revisions, key=lambda r: r.number):
        template_hash = _template_hash(line, revision)
        if revision is current:
            replicas, ready = (progress[0], progress[1]) if progress else (REPLICAS, REPLICAS)
        elif progress is not None and revision.version == running:
            replicas = ready = progress[2]
        else:
            replicas = ready = 0
        items.append(
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": f"{name}-{template_hash}",
                    "namespace": namespace,
                    "uid": stable_uid(namespace, "replicaset", name, template_hash),
                    "creationTimestamp": rfc3339(revision.created_at),
                    "labels": {**_labels(name), "pod-template-hash": template_hash},
                    "annotations": {REVISION: str(revision.number)},
                    "ownerReferences": [owner],
                },
                "spec": {
                    "replicas": replicas,
                    "selector": {
                        "matchLabels": {**_labels(name), "pod-template-hash": template_hash}
                    },
                    "template": _template(line, revision, with_hash=True),
                },
                "status": {
                    "replicas": replicas,
                    "readyReplicas": ready,
                    "availableReplicas": ready,
                    "observedGeneration": 1,
                },
            }
        )
    return items


# -- Flagger --------------------------------------------------------------------------------


def _canary_phase(line: Line) -> tuple[str, str, str]:
    """(phase, Promoted condition status, its message) as Flagger writes them."""
    if line.stage is Stage.STEPPING:
        step = line.scenario.steps[min(line.step_index, line.step_count - 1)]
        if line.in_pause_step() and step.pause_seconds is None:
            # The `hold` step: the confirm-promotion webhook says no until the gate opens.
            return "WaitingPromotion", "Unknown", "Waiting for approval."
        if line.step_index >= line.step_count - 1:
            return (
                "Promoting",
                "Unknown",
                "Canary analysis completed, starting primary rolling update.",
            )
        return "Progressing", "Unknown", "New revision detected, progressing canary analysis."
    if line.stage is Stage.ABORTED:
        return "Failed", "False", "Canary analysis failed, Deployment scaled to zero."
    return "Succeeded", "True", "Canary analysis completed successfully, promotion finished."


def spec_hash(line: Line, version: str) -> str:
    return short_hash(line.service, "spec", version, size=10)


def canary_json(line: Line) -> JSON:
    """The line's Canary object (canaries.flagger.app/v1beta1)."""
    name, namespace = line.service, line.spec.namespace
    phase, promoted, message = _canary_phase(line)
    weight = line.traffic_weight() if phase in ("Progressing", "WaitingPromotion") else 0
    applied = spec_hash(line, line.target if line.stage is Stage.STEPPING else line.stable)
    changed = line.step_entered if line.stage is Stage.STEPPING else (line.finished_at or 0.0)
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": stable_uid(namespace, "canary", name),
            "resourceVersion": str(line.resource_version),
            "generation": line.generation,
            "creationTimestamp": rfc3339(line.created_at),
        },
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "service": {"port": 80, "targetPort": 8080},
            "analysis": {
                "interval": "30s",
                "threshold": 5,
                "maxWeight": 30,
                "stepWeight": 10,
                "webhooks": [
                    {
                        "name": "confirm-promotion",
                        "type": "confirm-promotion",
                        "url": f"{LOAD_TESTER}/gate/check",
                    },
                    {
                        "name": "rollback",
                        "type": "rollback",
                        "url": f"{LOAD_TESTER}/rollback/check",
                    },
                ],
            },
        },
        "status": {
            "phase": phase,
            "canaryWeight": weight,
            "failedChecks": 0,
            "iterations": 0,
            "lastAppliedSpec": applied,
            "lastPromotedSpec": spec_hash(line, line.stable),
            "lastTransitionTime": rfc3339(changed or line.created_at),
            "conditions": [
                {
                    "type": "Promoted",
                    "status": promoted,
                    "reason": phase if phase != "WaitingPromotion" else "Progressing",
                    "message": message,
                    "lastUpdateTime": rfc3339(changed or line.created_at),
                    "lastTransitionTime": rfc3339(line.rollout_started_at or line.created_at),
                }
            ],
        },
    }


def flagger_deployments(line: Line) -> list[JSON]:
    """The Canary's target (the new version; scaled to zero between releases) and the
    ``-primary`` Deployment Flagger made (the promoted version)."""
    name, namespace = line.service, line.spec.namespace
    canary = line.stage is Stage.STEPPING
    items: list[JSON] = []
    for suffix, version, replicas in (
        ("", line.template_version, REPLICAS if canary else 0),
        ("-primary", line.stable, REPLICAS),
    ):
        workload = f"{name}{suffix}"
        items.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": workload,
                    "namespace": namespace,
                    "uid": stable_uid(namespace, "deployment", workload),
                    "generation": line.generation,
                    "labels": _labels(workload),
                },
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": _labels(workload)},
                    "template": pod_template(name, version),
                },
                "status": {
                    "observedGeneration": line.generation,
                    "replicas": replicas,
                    "updatedReplicas": replicas,
                    "readyReplicas": replicas,
                    "availableReplicas": replicas,
                },
            }
        )
    return items
