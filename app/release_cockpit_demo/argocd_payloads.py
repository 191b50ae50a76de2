"""World state -> Argo CD ``Application`` objects and resource-action lists.

An ``argo-cd`` line is an Application (project ``shop``, automated sync off) that manages
one Argo Rollout, which the demo's Kubernetes API serves too. The shapes follow Argo CD's
``pkg/apis/application/v1alpha1/types.go`` (argoproj/argo-cd): ``status.sync`` against the
git revision of the version the CD job committed, ``status.health`` from the Rollout's
health (the words of Argo CD's Lua check, ``resource_customizations/argoproj.io/Rollout``),
``status.operationState`` for the last sync or rollback, ``status.history`` with one entry
per deployed revision, ``status.summary.images``, ``status.resources``.
"""

from __future__ import annotations

from release_cockpit_demo.extras import SYNC_SECONDS, Extras, Operation
from release_cockpit_demo.k8s_payloads import rollout_json
from release_cockpit_demo.line import Line, Stage, head_sha
from release_cockpit_demo.payloads import JSON, rfc3339, stable_uid
from release_cockpit_demo.scenarios import image

APP_NAMESPACE = "argocd"
PROJECT = "shop"
CD_BOT = "ci-bot"
CONFIG_REPO = "https://github.com/acme/deploy-config.git"
VERSION = {"Version": "v3.1.5+demo", "BuildDate": "2025-09-01T00:00:00Z", "Platform": "linux/amd64"}


def git_revision(line: Line, version: str) -> str:
    """The config repository's commit that set ``version`` (one per version)."""
    return head_sha("acme/deploy-config", f"{line.service}:{version}")


def git_version(line: Line) -> str:
    """What git says should run: the CD job commits the new version once CI passed; an
    undo or rollback does not change git."""
    return line.stable if line.stage is Stage.WAITING else line.target


def last_operation(line: Line, extras: Extras) -> Operation:
    """The newest operation: one started through the API, or the CD job's sync when the
    newest revision was deployed."""
    newest = max(line.revisions, key=lambda r: r.number)
    at = newest.deployed_at if newest.deployed_at is not None else newest.created_at
    automatic = Operation("sync", at, CD_BOT, git_revision(line, newest.version))
    started = [op for op in extras.operations if op.started_at >= at]
    return started[-1] if started else automatic


def rollout_health(line: Line) -> tuple[str, str]:
    """(status, message) Argo CD's Lua health check gives the Rollout."""
    phase = str(rollout_json(line)["status"]["phase"])
    if line.stage is Stage.ABORTED:
        return "Degraded", "Rollout is aborted"
    if phase == "Paused":
        return "Suspended", "Rollout is paused"
    if phase == "Progressing":
        return "Progressing", "Waiting for roll out to finish: More replicas need to be updated"
    return "Healthy", ""


def _operation_state(op: Operation, now: float) -> JSON:
    phase = op.phase(now)
    initiated: JSON = {"username": op.by}
    if op.kind == "sync":
        operation: JSON = {"sync": {"revision": op.revision}, "initiatedBy": initiated}
    else:
        operation = {"sync": {"revision": op.revision}, "initiatedBy": initiated, "retry": {}}
    state: JSON = {
        "operation": operation,
        "phase": phase,
        "startedAt": rfc3339(op.started_at),
        "syncResult": {"revision": op.revision, "source": {"repoURL": CONFIG_REPO}},
    }
    if phase == "Running":
        state["message"] = "one or more tasks are running"
    elif phase == "Failed":
        state["message"] = "Operation terminated"
        state["finishedAt"] = rfc3339(op.terminated_at or op.started_at)
    else:
        state["message"] = "successfully synced (all tasks run)"
        state["finishedAt"] = rfc3339(op.started_at + SYNC_SECONDS)
    return state


def application_json(line: Line, extras: Extras, now: float) -> JSON:
    """The line's Application as ``GET /api/v1/applications/{name}`` returns it."""
    name, namespace = line.service, line.spec.namespace
    health, message = rollout_health(line)
    synced = git_version(line) == line.template_version
    sync = "Synced" if synced else "OutOfSync"
    op = last_operation(line, extras)
    history = []
    for revision in sorted(line.revisions, key=lambda r: r.number):
        at = revision.deployed_at if revision.deployed_at is not None else revision.created_at
        history.append(
            {
                "id": revision.number,
                "revision": git_revision(line, revision.version),
                "deployStartedAt": rfc3339(at),
                "deployedAt": rfc3339(at + SYNC_SECONDS),
                "source": {"repoURL": CONFIG_REPO, "path": f"apps/{name}"},
                "initiatedBy": {"username": CD_BOT},
            }
        )
    images = [image(name, line.template_version)]
    if line.stage is Stage.STEPPING and line.stable != line.template_version:
        images.append(image(name, line.stable))
    return {
        "metadata": {
            "name": name,
            "namespace": APP_NAMESPACE,
            "uid": stable_uid(APP_NAMESPACE, "application", name),
            "resourceVersion": str(line.resource_version),
            "generation": line.generation,
            "creationTimestamp": rfc3339(line.created_at),
            "labels": {"team": line.spec.team},
        },
        "spec": {
            "project": PROJECT,
            "source": {"repoURL": CONFIG_REPO, "path": f"apps/{name}", "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
            "syncPolicy": {"syncOptions": ["CreateNamespace=true"]},
            "revisionHistoryLimit": 10,
        },
        "status": {
            "sync": {
                "status": sync,
                "revision": git_revision(line, git_version(line)),
                "comparedTo": {"source": {"repoURL": CONFIG_REPO, "path": f"apps/{name}"}},
            },
            "health": {"status": health},
            "history": history[-10:],
            "operationState": _operation_state(op, now),
            "reconciledAt": rfc3339(now),
            "sourceType": "Directory",
            "summary": {"images": images},
            "resources": [
                {
                    "version": "v1",
                    "kind": "Service",
                    "namespace": namespace,
                    "name": name,
                    "status": "Synced",
                    "health": {"status": "Healthy"},
                },
                {
                    "group": "argoproj.io",
                    "version": "v1alpha1",
                    "kind": "Rollout",
                    "namespace": namespace,
                    "name": name,
                    "status": sync,
                    "health": {"status": health, "message": message}
                    if message
                    else {"status": health},
                },
            ],
        },
    }


def resource_actions(line: Line) -> JSON:
    """``GET …/resource/actions`` for the line's Rollout, as Argo CD's discovery.lua decides
    (a disabled action carries ``disabled: true``; enabled ones omit it)."""
    rollout = rollout_json(line)
    status, spec = rollout["status"], rollout["spec"]
    paused = bool(status.get("pauseConditions")) or bool(spec.get("paused"))
    fully = status["currentPodHash"] == status["stableRS"]
    aborted = bool(status.get("abort"))
    flags = {
        "restart": False,
        "resume": not paused,
        "abort": fully or aborted,
        "retry": fully or not aborted,
        "promote-full": fully,
        "skip-current-step": fully or "canary" not in spec["strategy"],
        "pause": paused or fully,
    }
    actions: list[JSON] = []
    for name, disabled in flags.items():
        entry: JSON = {"name": name}
        if name == "restart":
            entry["displayName"] = "Restart Pods"
        if disabled:
            entry["disabled"] = True
        actions.append(entry)
    return {"actions": actions}


def run_resource_action(line: Line, action: str, now: float) -> str:
    """Apply a Rollout action's Lua script to the world; "" or why it does not exist."""
    if action == "abort":
        line.abort(now)
    elif action == "retry":
        line.retry(now)
    elif action == "pause":
        line.pause(now)
    elif action == "resume":
        line.unpause(now)
        line.clear_pause_conditions(now)
    elif action == "promote-full":
        line.promote_full(now)
    elif action == "skip-current-step":
        line.set_step_index(now, line.step_index + 1)
    elif action != "restart":
        return f"action {action} not found for Rollout"
    return ""
