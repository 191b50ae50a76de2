"""Argo Rollouts as a deploy target, through the Kubernetes API (no kubectl needed).

Reads: one RolloutList and one ReplicaSetList per namespace, each listed once and then
kept current by a watch (``adapters.kube_watch``; the Rollout CRD,
https://argo-rollouts.readthedocs.io/en/stable/features/specification/). A poll parses
again only the rollouts whose object or ReplicaSets changed. Acts: exactly the requests
the kubectl plugin sends (argoproj/argo-rollouts, pkg/kubectl-argo-rollouts/cmd/),
so a rollout behaves the same whether a person used the plugin or the cockpit.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, NamedTuple
from urllib.parse import quote

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import ActionResult, DeployTarget, Feature
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.deploy.kube_client import KUBE_OPTIONS, kube_connection
from release_cockpit.adapters.deploy.rollout_parsing import (
    HASH_LABEL,
    ROLLOUT_ACTIONS,
    Kept,
    image_tag,
    owned_replicasets,
    parse_rollouts,
    replicaset_revision,
    template_image,
)
from release_cockpit.adapters.http import HttpClient, attributed, backend_error_text
from release_cockpit.adapters.kube_watch import KubeLists
from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, dig, require_dict
from release_cockpit.adapters.scoped_lists import listed_by_scope
from release_cockpit.domain import Action, Release, RolloutState, Target, TargetKey
from release_cockpit.domain.action_words import rollout_words
from release_cockpit.domain.actions import ActionWords
from release_cockpit.errors import ActionFailed, AdapterError

ROLLOUTS_API = "/apis/argoproj.io/v1alpha1"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
# Kubernetes answers refusals with a Status object; these become ActionFailed with its
# message (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/). 401 and
# 429 keep their own error types.
_REFUSALS = frozenset({400, 403, 404, 409, 410, 422})

Patch = dict[str, Any]


class Ref(NamedTuple):
    """One Rollout: its namespace and name."""

    namespace: str
    name: str


def promote_patches(rollout: dict[str, Any]) -> tuple[Patch | None, bool]:
    """(status patch or None, whether to unpause the spec) for ``promote``, as the plugin.

    Paused on conditions: clear them; an inconclusive step analysis that paused the
    controller also clears ``controllerPause`` and moves to the next step. Not paused:
    a canary with steps skips to the next step (capped at the step count).
    """
    spec, status = as_dict(rollout.get("spec")), as_dict(rollout.get("status"))
    steps = as_list(dig(spec, "strategy", "canary", "steps"))
    is_canary = isinstance(dig(spec, "strategy", "canary"), dict)
    index = as_int(status.get("currentStepIndex")) or 0
    next_index = min(index + 1, len(steps))
    unpause = spec.get("paused") is True
    if as_list(status.get("pauseConditions")):
        inconclusive = (
            dig(status, "canary", "currentStepAnalysisRunStatus", "status") == "Inconclusive"
        )
        if inconclusive and status.get("controllerPause") is True and steps:
            return {
                "status": {
                    "pauseConditions": None,
                    "controllerPause": False,
                    "currentStepIndex": next_index,
                }
            }, unpause
        return {"status": {"pauseConditions": None}}, unpause
    if is_canary and steps:
        return {"status": {"pauseConditions": None, "currentStepIndex": next_index}}, unpause
    return None, unpause


def promote_full_patches(rollout: dict[str, Any]) -> tuple[Patch | None, bool]:
    """(status patch or None, whether to unpause the spec) for ``promote --full``."""
    spec, status = as_dict(rollout.get("spec")), as_dict(rollout.get("status"))
    promoted = status.get("currentPodHash") == status.get("stableRS")
    patch = None if promoted else {"status": {"promoteFull": True}}
    return patch, spec.get("paused") is True


def label_selector(selector: object) -> str:
    """A LabelSelector object as the ``labelSelector`` query string Kubernetes accepts."""
    parts = [f"{k}={v}" for k, v in sorted(as_dict(dig(selector, "matchLabels")).items())]
    for expr in as_list(dig(selector, "matchExpressions")):
        key, op = dig(expr, "key"), dig(expr, "operator")
        values = ",".join(str(v) for v in as_list(dig(expr, "values")))
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def _without_hash(template: object) -> dict[str, Any]:
    clean = copy.deepcopy(as_dict(template))
    labels = dig(clean, "metadata", "labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return clean


def rollback_target(
    rollout: Mapping[str, Any], replicasets: Sequence[object]
) -> tuple[int, dict[str, Any]]:
    """The revision ``undo`` goes back to and the pod template to put in the rollout.

    As the kubectl plugin does (argoproj/argo-rollouts,
    pkg/kubectl-argo-rollouts/cmd/undo/undo.go): the owned ReplicaSet with
    the second-highest revision, its template without the pod-template-hash label.

    Raises:
        ActionFailed: no previous revision, or the rollout already runs that template.
    """
    name = as_str(dig(rollout, "metadata", "name"), 253)
    ranked = sorted(
        (
            (rev, rs)
            for rs in owned_replicasets(rollout, replicasets)
            if (rev := replicaset_revision(rs)) is not None
        ),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if len(ranked) < 2:
        raise ActionFailed(
            f"rollout {name} has no previous revision to roll back to",
            hint="the older ReplicaSets may have been pruned (spec.revisionHistoryLimit)",
        )
    revision, rs = ranked[1]
    template = _without_hash(dig(rs, "spec", "template"))
    if template == _without_hash(dig(rollout, "spec", "template")):
        raise ActionFailed(
            f"rollout {name} already runs the template of revision {revision}; nothing to undo",
        )
    return revision, template


class ArgoRollouts(DeployTarget):
    """Argo Rollouts ``Rollout`` objects in one Kubernetes cluster."""

    TYPE: ClassVar[str] = "argo-rollouts"
    http: HttpClient
    OPTIONS: ClassVar[dict[str, OptionSpec]] = KUBE_OPTIONS
    CAPABILITIES: ClassVar[frozenset[Action]] = ROLLOUT_ACTIONS
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey("namespace", "the Kubernetes namespace of the Rollout", True, "shop"),
        TargetKey("rollout", "the Rollout's name", True, "checkout"),
    )
    FEATURES: ClassVar[frozenset[Feature]] = frozenset({Feature.BATCHING})
    VERSIONS: ClassVar[str] = (
        "from the image tag of the first container of the canary and stable ReplicaSets' "
        "pod templates (shop/cart:1.12.3 is 1.12.3); an image without a tag has no version"
    )

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        self.http = kube_connection(settings, self.options, transport=transport).http
        self.lists = KubeLists(self.http, watch=self.options.get("watch"))
        self._kept: dict[str, dict[str, Kept]] = {}

    @staticmethod
    def _rollouts_path(namespace: str) -> str:
        return f"{ROLLOUTS_API}/namespaces/{quote(namespace, safe='')}/rollouts"

    @staticmethod
    def _replicasets_path(namespace: str) -> str:
        return f"/apis/apps/v1/namespaces/{quote(namespace, safe='')}/replicasets"

    async def rollouts(
        self, targets: Sequence[Target]
    ) -> dict[Target, RolloutState | AdapterError]:
        """One RolloutList and one ReplicaSetList per namespace, for every target in it."""
        return await listed_by_scope(
            targets,
            lambda t: t.get("namespace"),
            lambda t: t.get("rollout"),
            self.namespace,
            backend=self.name,
            what="rollout",
        )

    async def namespace(self, namespace: str) -> dict[str, RolloutState]:
        """Every rollout in ``namespace`` by name, with versions from its ReplicaSets.

        Only the rollouts whose object or ReplicaSets changed since the last read are
        parsed again (``parse_rollouts`` with the namespace's kept states).

        Raises:
            AdapterError: any backend failure (AuthError when RBAC forbids the lists).
        """
        with attributed(self.name):
            rollouts = await self.lists.read(self._rollouts_path(namespace), "RolloutList")
            replicasets = await self.lists.read(self._replicasets_path(namespace), "ReplicaSetList")
            return parse_rollouts(
                {"items": list(rollouts)},
                {"items": list(replicasets)},
                datetime.now(UTC),
                self._kept.setdefault(namespace, {}),
            )

    def usage_note(self) -> str:
        return self.lists.note()

    async def aclose(self) -> None:
        await self.lists.aclose()
        await super().aclose()

    def describe(self, action: Action, release: Release) -> ActionWords:
        return rollout_words(release, action)

    async def act(self, action: Action, target: Target) -> ActionResult:
        """Perform ``action`` on the target's rollout as ``kubectl argo rollouts`` would.

        Raises:
            ActionFailed: unsupported action, nothing to do, or Kubernetes refused
                (the Status message is in the error).
            AdapterError: any other backend failure.
        """
        if action not in self.CAPABILITIES:
            raise ActionFailed(
                f"{self.name} (Argo Rollouts) cannot {action.value}",
                backend=self.name,
                hint="use the CI backend for CI actions",
            )
        sent: list[str] = []
        ref = Ref(target.get("namespace"), target.get("rollout"))
        try:
            with attributed(self.name):
                detail = await self._act(action, ref, sent)
        finally:
            if any(line.startswith("PATCH") for line in sent):
                await self.lists.forget(ref.namespace)
        return ActionResult(action, True, detail, tuple(sent))

    async def _act(self, action: Action, ref: Ref, sent: list[str]) -> str:
        main = f"{self._rollouts_path(ref.namespace)}/{quote(ref.name, safe='')}"
        who = f"rollout {ref.namespace}/{ref.name}"
        if action is Action.PAUSE:
            await self._patch(main, {"spec": {"paused": True}}, sent)
            return f"paused {who}"
        if action is Action.ABORT:
            await self._patch_status(main, {"status": {"abort": True}}, sent)
            return f"aborted {who}: traffic goes back to the stable version"
        if action is Action.RETRY:
            await self._patch_status(main, {"status": {"abort": False}}, sent)
            return f"retrying {who}"
        if action is Action.RESUME:
            # Argo CD's "resume" resource action; the plugin itself has none.
            await self._patch_status(main, {"status": {"pauseConditions": None}}, sent)
            await self._patch(main, {"spec": {"paused": False}}, sent)
            return f"resumed {who}"
        if action is Action.ROLLBACK:
            return await self._undo(main, ref, who, sent)
        rollout = await self._get(main, sent)
        planner = promote_full_patches if action is Action.PROMOTE_FULL else promote_patches
        status_patch, unpause = planner(rollout)
        if status_patch is None and not unpause:
            raise ActionFailed(
                f"{who} has nothing to {action.value}: it is not paused and "
                + ("already fully promoted" if action is Action.PROMOTE_FULL else "has no steps"),
                backend=self.name,
            )
        if status_patch is not None:
            await self._patch_status(main, status_patch, sent)
        if unpause:
            await self._patch(main, {"spec": {"paused": False}}, sent)
        if action is Action.PROMOTE_FULL:
            return f"promoting {who} fully: remaining steps, pauses and analysis skipped"
        step = dig(status_patch, "status", "currentStepIndex")
        return f"promoted {who}" + (f" to step {step}" if step is not None else "")

    async def _undo(self, main: str, ref: Ref, who: str, sent: list[str]) -> str:
        rollout = await self._get(main, sent)
        if dig(rollout, "spec", "workloadRef") is not None:
            raise ActionFailed(
                f"{who} takes its template from spec.workloadRef; roll back that workload",
                backend=self.name,
            )
        selector = label_selector(dig(rollout, "spec", "selector"))
        path = self._replicasets_path(ref.namespace)
        response = await self.http.send(
            "GET", path, params={"labelSelector": selector}, allow=_REFUSALS
        )
        sent.append(f"GET {path}?labelSelector={selector}")
        self._refused(response, f"list the ReplicaSets of {who}")
        items = as_list(require_dict(self.http.decode(response), "ReplicaSetList").get("items"))
        revision, template = rollback_target(rollout, items)
        body = [{"op": "replace", "path": "/spec/template", "value": template}]
        await self._patch(main, body, sent, content_type=JSON_PATCH)
        version = image_tag(template_image(template))
        return f"rolled back {who} to revision {revision}" + (f" ({version})" if version else "")

    async def _get(self, path: str, sent: list[str]) -> dict[str, Any]:
        response = await self.http.send("GET", path, allow=_REFUSALS)
        sent.append(f"GET {path}")
        self._refused(response, "read the rollout")
        return require_dict(self.http.decode(response), "Rollout")

    async def _send_patch(
        self, path: str, body: Patch | list[Patch], sent: list[str], content_type: str
    ) -> httpx.Response:
        response = await self.http.send(
            "PATCH",
            path,
            content=json.dumps(body).encode(),
            headers={"Content-Type": content_type},
            allow=_REFUSALS,
        )
        sent.append(f"PATCH {path}")
        return response

    async def _patch(
        self,
        path: str,
        body: Patch | list[Patch],
        sent: list[str],
        *,
        content_type: str = MERGE_PATCH,
    ) -> None:
        response = await self._send_patch(path, body, sent, content_type)
        self._refused(response, "update the rollout")

    async def _patch_status(self, main: str, body: Patch, sent: list[str]) -> None:
        """PATCH the status subresource; old CRDs without one answer 404: patch the object."""
        response = await self._send_patch(f"{main}/status", body, sent, MERGE_PATCH)
        if response.status_code == 404:
            response = await self._send_patch(main, body, sent, MERGE_PATCH)
        self._refused(response, "update the rollout status")

    def _refused(self, response: httpx.Response, what: str) -> None:
        """Raise ActionFailed with the Kubernetes Status message for a refusal."""
        if response.status_code < 400:
            return
        raise ActionFailed(
            f"Kubernetes refused to {what} (HTTP {response.status_code}): "
            f"{backend_error_text(response) or 'no message'}",
            backend=self.name,
            hint="check the rollout's name and namespace and that the token may patch "
            "rollouts (RBAC: patch on rollouts and rollouts/status)",
        )

    async def probe(self) -> ProbeResult:
        """GET the argoproj.io/v1alpha1 API group: reachable, authorised, CRDs installed.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.get_json(ROLLOUTS_API)
            names = {as_str(dig(r, "name"), 100) for r in as_list(dig(answer.data, "resources"))}
            if "rollouts" not in names:
                return "argoproj.io/v1alpha1 is served but lists no rollouts resource"
            return "Argo Rollouts API available"

        return await run_probe(self.http, check)
