"""World state -> Kubernetes JSON: Argo Rollouts ``Rollout`` objects, ReplicaSets, ``Status``.

The status block is what the Argo Rollouts controller would write for the line's state
(types.go and utils/rollout/rolloututil.go in argoproj/argo-rollouts; see
argoproj/argo-rollouts utils/rollout/rolloututil.go and the upstream test objects in
pkg/kubectl-argo-rollouts/info/testdata):
``observedGeneration`` is a string, ``currentPodHash``/``stableRS`` are template hashes,
pauses carry ``pauseConditions`` with a ``startTime``, and a fully promoted canary sends
its canary weight back to 0 with both hashes equal, as the controller does.
"""

from __future__ import annotations

import math

from release_cockpit_demo.k8s_api import GROUP_VERSION
from release_cockpit_demo.line import Line, Revision, Stage, pod_hash
from release_cockpit_demo.payloads import JSON, rfc3339, short_hash, stable_uid
from release_cockpit_demo.scenarios import REPLICAS, Strategy, image


def _labels(name: str) -> dict[str, str]:
    return {"app": name}


def pod_template(name: str, version: str, pod_template_hash: str = "") -> JSON:
    labels = _labels(name)
    if pod_template_hash:
        labels["rollouts-pod-template-hash"] = pod_template_hash
    return {
        "metadata": {"creationTimestamp": None, "labels": labels},
        "spec": {
            "containers": [
                {
                    "name": name,
                    "image": image(name, version),
                    "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                }
            ]
        },
    }


def _strategy(line: Line) -> JSON:
    name = line.service
    scenario = line.scenario
    if scenario.strategy is Strategy.BLUE_GREEN:
        blue_green: JSON = {
            "activeService": name,
            "previewService": f"{name}-preview",
            "autoPromotionEnabled": True,
        }
        if scenario.auto_promotion_seconds is not None:
            blue_green["autoPromotionSeconds"] = scenario.auto_promotion_seconds
        return {"blueGreen": blue_green}
    steps: list[JSON] = []
    for step in scenario.steps:
        if step.weight is not None:
            steps.append({"setWeight": step.weight})
        elif step.pause_seconds is None:
            steps.append({"pause": {}})
        else:
            steps.append({"pause": {"duration": f"{int(step.pause_seconds)}s"}})
    return {
        "canary": {
            "canaryService": f"{name}-canary",
            "stableService": name,
            "trafficRouting": {"nginx": {"stableIngress": name}},
            "steps": steps,
        }
    }


def replica_counts(line: Line) -> dict[str, tuple[int, int]]:
    """Version -> (replicas, ready) for each ReplicaSet that has pods."""
    counts = {line.stable: (REPLICAS, REPLICAS)}
    if line.stage is not Stage.STEPPING:
        return counts
    if line.scenario.strategy is Strategy.BLUE_GREEN:
        ready = REPLICAS if line.step_index >= 1 else REPLICAS // 2
        counts[line.target] = (REPLICAS, ready)
        return counts
    wanted = math.ceil(REPLICAS * line.set_weight() / 100)
    counts[line.target] = (wanted, max(wanted - 1, 0) if line.scaling() else wanted)
    return counts


def _revision_of(line: Line, version: str) -> Revision:
    found = [r for r in line.revisions if r.version == version]
    return found[-1] if found else line.revisions[-1]


def _condition(kind: str, status: str, reason: str, message: str, at: float) -> JSON:
    when = rfc3339(at)
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": when,
        "lastUpdateTime": when,
    }


def _conditions(line: Line, rs_name: str, revision: int, current: str, paused: bool) -> list[JSON]:
    started = line.rollout_started_at or line.created_at
    finished = line.finished_at or started
    conditions = [
        _condition(
            "Available",
            "True",
            "AvailableReason",
            "Rollout has minimum availability",
            line.created_at,
        )
    ]
    if line.stage is Stage.STEPPING:
        pause_at = line.paused_at if line.spec_paused and line.paused_at else line.step_entered
        if paused:
            conditions.append(
                _condition("Progressing", "Unknown", "RolloutPaused", "Rollout is paused", pause_at)
            )
            conditions.append(
                _condition("Paused", "True", "RolloutPaused", "Rollout is paused", pause_at)
            )
        else:
            conditions.append(
                _condition(
                    "Progressing",
                    "True",
                    "ReplicaSetUpdated",
                    f'ReplicaSet "{rs_name}" is progressing.',
                    line.step_entered,
                )
            )
        conditions.append(
            _condition(
                "Completed",
                "False",
                "RolloutCompleted",
                f"Rollout not completed, started update to revision {revision} ({current})",
                started,
            )
        )
        conditions.append(
            _condition("Healthy", "False", "RolloutHealthy", "Rollout is not healthy", started)
        )
    elif line.stage is Stage.ABORTED:
        message = f"Rollout aborted update to revision {revision}"
        conditions.append(_condition("Progressing", "False", "RolloutAborted", message, finished))
        conditions.append(
            _condition(
                "Completed",
                "False",
                "RolloutCompleted",
                f"Rollout not completed, started update to revision {revision} ({current})",
                started,
            )
        )
        conditions.append(
            _condition("Healthy", "False", "RolloutHealthy", "Rollout is not healthy", finished)
        )
    else:
        conditions.append(
            _condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{rs_name}" has successfully progressed.',
                finished,
            )
        )
        conditions.append(
            _condition(
                "Completed",
                "True",
                "RolloutCompleted",
                f"Rollout completed update to revision {revision} ({current}): Rollout is Complete",
                finished,
            )
        )
        conditions.append(
            _condition("Healthy", "True", "RolloutHealthy", "Rollout is healthy", finished)
        )
    if line.spec_paused and line.stage is not Stage.STEPPING and line.paused_at is not None:
        conditions.append(
            _condition("Paused", "True", "RolloutPaused", "Rollout is paused", line.paused_at)
        )
    return conditions


def rollout_json(line: Line) -> JSON:
    """The Rollout object as the Kubernetes API would return it now."""
    name, namespace = line.service, line.spec.namespace
    blue_green = line.scenario.strategy is Strategy.BLUE_GREEN
    version = line.template_version
    current = pod_hash(name, version)
    stable = pod_hash(name, line.stable)
    revision = _revision_of(line, version).number
    rs_name = f"{name}-{current}"
    stepping = line.stage is Stage.STEPPING
    pause_conditions: list[JSON] = []
    if line.in_pause_step():
        reason = "BlueGreenPause" if blue_green else "CanaryPauseStep"
        pause_conditions.append({"reason": reason, "startTime": rfc3339(line.step_entered)})
    # The order of rolloututil.CalculateRolloutPhase: aborted, manual pause, pause conditions.
    if line.stage is Stage.ABORTED:
        phase, message = (
            "Degraded",
            f"RolloutAborted: Rollout aborted update to revision {revision}",
        )
    elif line.spec_paused:
        phase, message = "Paused", "manually paused"
    elif pause_conditions:
        phase, message = "Paused", str(pause_conditions[0]["reason"])
    elif stepping:
        phase = "Progressing"
        message = (
            "active service cutover pending" if blue_green else "more replicas need to be updated"
        )
    else:
        phase, message = "Healthy", ""
    counts = replica_counts(line)
    status: JSON = {
        "HPAReplicas": sum(r for r, _ in counts.values()),
        "replicas": sum(r for r, _ in counts.values()),
        "updatedReplicas": counts.get(version, (0, 0))[0],
        "readyReplicas": sum(ready for _, ready in counts.values()),
        "availableReplicas": sum(ready for _, ready in counts.values()),
        "observedGeneration": str(line.generation),
        "currentPodHash": current,
        "stableRS": stable,
        "phase": phase,
        "message": message,
        "selector": f"app={name}",
        "conditions": _conditions(line, rs_name, revision, current, phase == "Paused"),
    }
    if pause_conditions:
        status["pauseConditions"] = pause_conditions
        status["controllerPause"] = True
    if line.stage is Stage.ABORTED and line.aborted_at is not None:
        status["abort"] = True
        status["abortedAt"] = rfc3339(line.aborted_at)
    if blue_green:
        status["blueGreen"] = {
            "activeSelector": stable if stepping or line.stage is Stage.ABORTED else current,
            "previewSelector": current,
        }
        status["canary"] = {}
    else:
        weight = line.traffic_weight()
        canary_hash = current if line.stage in (Stage.STEPPING, Stage.ABORTED) else stable
        status["currentStepIndex"] = (
            line.step_index if stepping else 0 if line.stage is Stage.ABORTED else line.step_count
        )
        status["currentStepHash"] = short_hash(name, "steps", size=10)
        status["canary"] = {
            "weights": {
                "canary": {
                    "weight": weight,
                    "podTemplateHash": canary_hash,
                    "serviceName": f"{name}-canary",
                },
                "stable": {"weight": 100 - weight, "podTemplateHash": stable, "serviceName": name},
            }
        }
    duration: JSON = {}
    if line.rollout_started_at is not None:
        duration["rolloutStartedAt"] = rfc3339(line.rollout_started_at)
    if not stepping and line.finished_at is not None:
        duration["finishedAt"] = rfc3339(line.finished_at)
        duration["completionStatus"] = "Aborted" if line.stage is Stage.ABORTED else line.completion
    if duration:
        status["duration"] = duration
    spec: JSON = {
        "replicas": REPLICAS,
        "revisionHistoryLimit": 3,
        "selector": {"matchLabels": _labels(name)},
        "template": pod_template(name, version),
        "strategy": _strategy(line),
    }
    if line.spec_paused:
        spec["paused"] = True
    return {
        "apiVersion": GROUP_VERSION,
        "kind": "Rollout",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": stable_uid(namespace, "rollout", name),
            "resourceVersion": str(line.resource_version),
            "generation": line.generation,
            "creationTimestamp": rfc3339(line.created_at),
            "labels": {**_labels(name), "app.kubernetes.io/part-of": "acme"},
            "annotations": {"rollout.argoproj.io/revision": str(revision)},
        },
        "spec": spec,
        "status": status,
    }


def replicasets_json(line: Line) -> list[JSON]:
    """The line's newest three ReplicaSets (older, stable, new), oldest first."""
    name, namespace = line.service, line.spec.namespace
    counts = replica_counts(line)
    owner = {
        "apiVersion": GROUP_VERSION,
        "kind": "Rollout",
        "name": name,
        "uid": stable_uid(namespace, "rollout", name),
        "controller": True,
        "blockOwnerDeletion": True,
    }
    items = []
    for revision in sorted(line.revisions, key=lambda r: r.number)[-3:]:
        template_hash = pod_hash(name, revision.version)
        replicas, ready = counts.get(revision.version, (0, 0))
        items.append(
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": f"{name}-{template_hash}",
                    "namespace": namespace,
                    "uid": stable_uid(namespace, "replicaset", name, template_hash),
                    "resourceVersion": str(line.resource_version),
                    "generation": 1,
                    "creationTimestamp": rfc3339(revision.created_at),
                    "labels": {**_labels(name), "rollouts-pod-template-hash": template_hash},
                    "annotations": {
                        "rollout.argoproj.io/desired-replicas": str(REPLICAS),
                        "rollout.argoproj.io/revision": str(revision.number),
                    },
                    "ownerReferences": [owner],
                },
                "spec": {
                    "replicas": replicas,
                    "selector": {
                        "matchLabels": {
                            **_labels(name),
                            "rollouts-pod-template-hash": template_hash,
                        }
                    },
                    "template": pod_template(name, revision.version, template_hash),
                },
                "status": {
                    "replicas": replicas,
                    "fullyLabeledReplicas": replicas,
                    "readyReplicas": ready,
                    "availableReplicas": ready,
                    "observedGeneration": 1,
                },
            }
        )
    return items
