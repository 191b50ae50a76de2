"""Plain Kubernetes workloads (Deployments, StatefulSets, DaemonSets) as a deploy target.

No Argo needed: the status is decided as ``kubectl rollout status`` decides it and the
versions come from the pod template and the Deployment's ReplicaSets
(``kubernetes_parsing``). Reads are one list per namespace and kind, plus one ReplicaSet
list per namespace that has Deployments, for every line of the backend: requests grow
with namespaces, not services (``GET /apis/apps/v1/namespaces/{ns}/deployments``,
https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/).

Actions are the PATCHes ``kubectl rollout pause|resume|restart|undo`` send
(``kubernetes_actions``), each carrying the ``metadata.resourceVersion`` of the object as
the cockpit last read it: if someone changed the workload since, the API server answers
409 Conflict and nothing is applied (API conventions, "Concurrency Control and
Consistency",
https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, NamedTuple
from urllib.parse import quote

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import ActionResult, DeployTarget, Feature, Offer
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.deploy.kube_client import KUBE_OPTIONS, kube_connection
from release_cockpit.adapters.deploy.kubernetes_actions import (
    APPS_V1,
    PatchRequest,
    pause_request,
    restart_request,
    resume_request,
    undo_request,
)
from release_cockpit.adapters.deploy.kubernetes_errors import status_error
from release_cockpit.adapters.deploy.kubernetes_history import revision_records
from release_cockpit.adapters.deploy.kubernetes_parsing import (
    parse_daemonset,
    parse_deployment,
    parse_statefulset,
)
from release_cockpit.adapters.deploy.kubernetes_revisions import (
    deployment_revisions,
    previous_revision,
)
from release_cockpit.adapters.deploy.kubernetes_rollout_status import WorkloadKind
from release_cockpit.adapters.http import HttpClient, attributed
from release_cockpit.adapters.kube_watch import KubeLists
from release_cockpit.adapters.payload import as_dict, as_list, as_str, dig
from release_cockpit.domain import Action, Release, ReleaseLine, RolloutState, Target, TargetKey
from release_cockpit.domain.actions import TITLES, ActionWords
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.errors import ActionFailed, AdapterError, NotFound

# Refusals come back as Kubernetes Status objects and become our errors with their message
# (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/).
_REFUSALS = frozenset({400, 403, 404, 409, 410, 422})


class Workload(NamedTuple):
    """One workload a release line follows."""

    kind: WorkloadKind
    namespace: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.kind.value.lower()} {self.namespace}/{self.name}"


def workload_of(target: Target) -> Workload:
    """The workload a line's deploy keys name; ``kind`` defaults to Deployment.

    Raises:
        AdapterError: ``kind`` is not Deployment, StatefulSet or DaemonSet.
    """
    text = target.get("kind") or WorkloadKind.DEPLOYMENT.value
    kind = next((k for k in WorkloadKind if k.value.lower() == text.strip().lower()), None)
    if kind is None:
        raise AdapterError(
            f"deploy.kind {as_str(text, 40)!r} is not a workload kind this adapter reads",
            hint="set kind to Deployment, StatefulSet or DaemonSet (or use the argo-rollouts "
            "type for an Argo Rollout)",
        )
    return Workload(kind, target.get("namespace"), target.get("name"))


def _name(item: object) -> str:
    return as_str(dig(item, "metadata", "name"), 253)


def workload_state(
    kind: WorkloadKind,
    obj: Mapping[str, Any],
    replicasets: Sequence[object],
    container: str | None,
) -> RolloutState:
    """One listed workload -> ``RolloutState`` (list items carry no ``kind`` of their own)."""
    if kind is WorkloadKind.DEPLOYMENT:
        return parse_deployment(obj, replicasets, container=container)
    if kind is WorkloadKind.STATEFULSET:
        return parse_statefulset(obj, container=container)
    return parse_daemonset(obj, container=container)


class Kubernetes(DeployTarget):
    """Kubernetes Deployments, StatefulSets and DaemonSets, judged as kubectl rollout status."""

    TYPE: ClassVar[str] = "kubernetes"
    http: HttpClient
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey("namespace", "the Kubernetes namespace of the workload", True, "shop"),
        TargetKey("name", "the workload's name", True, "checkout"),
        TargetKey(
            "kind", "Deployment (the default), StatefulSet or DaemonSet", False, "Deployment"
        ),
        TargetKey(
            "container",
            "the container whose image tag is the version (default: the first container)",
            False,
            "app",
        ),
    )
    OPTIONS: ClassVar[dict[str, OptionSpec]] = KUBE_OPTIONS
    CAPABILITIES: ClassVar[frozenset[Action]] = frozenset(
        {Action.PAUSE, Action.RESUME, Action.RESTART, Action.ROLLBACK}
    )
    FEATURES: ClassVar[frozenset[Feature]] = frozenset({Feature.BATCHING, Feature.HISTORY})
    VERSIONS: ClassVar[str] = (
        "from the image tag of the pod template's container named by the deploy key "
        "'container' (else the first container); the stable side from the Deployment's older "
        "ReplicaSets. A digest-only, untagged or ':latest' image has no version"
    )

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        connection = kube_connection(settings, self.options, transport=transport)
        self.http = connection.http
        self.lists = KubeLists(self.http, watch=self.options.get("watch"))
        self.where = connection.where
        # The objects as last read, by workload: what a person saw when deciding to act,
        # and whose resourceVersion fences the write.
        self._seen: dict[Workload, tuple[dict[str, Any], list[Any]]] = {}
        self._containers: dict[Workload, str | None] = {}

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def _list_path(namespace: str, plural: str) -> str:
        return f"{APPS_V1}/namespaces/{quote(namespace, safe='')}/{plural}"

    async def _list(self, namespace: str, plural: str) -> list[Any]:
        """The namespace's objects of one kind, kept current by a watch (``kube_watch``)."""
        with attributed(self.name):
            path = self._list_path(namespace, plural)
            return list(await self.lists.read(path, f"Kubernetes {plural} list"))

    def usage_note(self) -> str:
        return self.lists.note()

    async def aclose(self) -> None:
        await self.lists.aclose()
        await super().aclose()

    async def rollouts(
        self, targets: Sequence[Target]
    ) -> dict[Target, RolloutState | AdapterError]:
        """One list per namespace and kind (and one ReplicaSet list per namespace with
        Deployments) for every target; each target's failure is its own."""
        found: dict[Target, RolloutState | AdapterError] = {}
        wanted: dict[Target, Workload] = {}
        for target in targets:
            try:
                wanted[target] = workload_of(target)
            except AdapterError as exc:
                exc.backend = self.name
                found[target] = exc
        scopes = sorted({(w.namespace, w.kind.plural) for w in wanted.values()})
        scopes += sorted(
            {
                (w.namespace, "replicasets")
                for w in wanted.values()
                if w.kind.plural == "deployments"
            }
        )
        answers = await asyncio.gather(
            *(self._list(ns, plural) for ns, plural in scopes), return_exceptions=True
        )
        lists: dict[tuple[str, str], list[Any] | AdapterError] = {}
        for scope, answer in zip(scopes, answers, strict=True):
            if isinstance(answer, BaseException) and not isinstance(answer, AdapterError):
                raise answer
            lists[scope] = answer
        for target, workload in wanted.items():
            found[target] = self._state(target, workload, lists)
        return found

    def _state(
        self,
        target: Target,
        workload: Workload,
        lists: Mapping[tuple[str, str], list[Any] | AdapterError],
    ) -> RolloutState | AdapterError:
        items = lists[(workload.namespace, workload.kind.plural)]
        replicasets: list[Any] | AdapterError = []
        if workload.kind is WorkloadKind.DEPLOYMENT:
            replicasets = lists[(workload.namespace, "replicasets")]
        if isinstance(items, AdapterError):
            return items
        if isinstance(replicasets, AdapterError):
            return replicasets
        obj = next((i for i in items if isinstance(i, dict) and _name(i) == workload.name), None)
        if obj is None:
            self._seen.pop(workload, None)
            return NotFound(
                f"{workload.label} not found",
                backend=self.name,
                hint=f"check the service's deploy keys namespace, name and kind ({self.where})",
            )
        self._seen[workload] = (obj, replicasets)
        container = target.get("container") or None
        self._containers[workload] = container
        return workload_state(workload.kind, obj, replicasets, container)

    # -- acting ----------------------------------------------------------------------------

    def offer(self, target: Target) -> Offer:
        try:
            workload = workload_of(target)
        except AdapterError as exc:
            return Offer(frozenset(), exc.message)
        if workload.kind is WorkloadKind.DEPLOYMENT:
            return Offer(self.CAPABILITIES)
        return Offer(
            frozenset({Action.RESTART}),
            f"a {workload.kind.value} can be restarted; kubectl pauses only Deployments, and "
            "it undoes other kinds through ControllerRevisions, which this cockpit does not "
            "read yet",
        )

    def describe(self, action: Action, release: Release) -> ActionWords:
        rollout = release.rollout or RolloutState(name=release.service)
        kind = next((k for k in WorkloadKind if k.value == rollout.kind), WorkloadKind.DEPLOYMENT)
        workload = Workload(kind, rollout.namespace, rollout.name)
        current = (
            f"{rollout.canary_version or 'unknown version'} "
            f"(revision {rollout.canary_revision or '?'})"
        )
        seen = self._seen.get(workload)
        if seen is None:
            return ActionWords(
                workload.label,
                current,
                TITLES[action].lower(),
                f"cannot {action.value} yet: {workload.label} has not been read from the cluster",
            )
        obj, replicasets = seen
        container = self._containers.get(workload)
        goal = {
            Action.PAUSE: "paused: no template change rolls out",
            Action.RESUME: "rolling out its current template",
            Action.RESTART: f"{rollout.canary_version or 'the same template'} on fresh pods",
        }.get(action, "")
        try:
            request = self._request(action, workload, obj, replicasets, container)
        except ActionFailed as exc:
            why = f"cannot {action.value}: {exc.message}"
            return ActionWords(workload.label, current, goal or "nothing", why)
        if action is Action.ROLLBACK:
            revisions = deployment_revisions(obj, replicasets, container)
            target = previous_revision(revisions)
            goal = (
                f"{target.version or 'unknown version'} (revision {target.number})"
                if target
                else "the previous revision"
            )
        version = as_str(dig(obj, "metadata", "resourceVersion"), 40)
        fence = (
            f" It is sent with resourceVersion {version}: if anyone changes the {kind.value} "
            "first, Kubernetes refuses it and nothing changes."
        )
        return ActionWords(workload.label, current, goal, request.effect + fence)

    def _request(
        self,
        action: Action,
        workload: Workload,
        obj: Mapping[str, Any],
        replicasets: Sequence[object],
        container: str | None,
    ) -> PatchRequest:
        if action is Action.PAUSE:
            return pause_request(obj)
        if action is Action.RESUME:
            return resume_request(obj)
        if action is Action.RESTART:
            return restart_request(obj, datetime.now(UTC), kind=workload.kind)
        if action is Action.ROLLBACK:
            return undo_request(obj, replicasets, container=container).request
        raise self.unable(action, workload.label)

    async def act(self, action: Action, target: Target) -> ActionResult:
        """Send the PATCH ``kubectl rollout`` would, fenced by the resourceVersion last read.

        Raises:
            ActionFailed: the action does not apply, or Kubernetes refused it (409: the
                workload changed since it was read; nothing was applied).
            AdapterError: any other backend failure.
        """
        if action not in self.offer(target).actions:
            raise self.unable(action, target.label)
        workload = workload_of(target)
        container = target.get("container") or None
        sent: list[str] = []
        with attributed(self.name):
            obj, replicasets = await self._looked_at(workload, action, sent)
            request = self._request(action, workload, obj, replicasets, container)
            try:
                response = await self.http.send(
                    request.method,
                    request.path,
                    content=request.content(),
                    headers={"Content-Type": request.content_type},
                    allow=_REFUSALS,
                )
            finally:
                await self.lists.forget(workload.namespace)
            sent.append(f"{request.method} {request.path}")
            if response.status_code >= 400:
                raise self._refusal(response, workload)
            updated = self.http.decode(response)
            if isinstance(updated, dict):
                self._seen[workload] = (updated, list(replicasets))
        return ActionResult(action, True, _done(action, workload, request), tuple(sent))

    async def _looked_at(
        self, workload: Workload, action: Action, sent: list[str]
    ) -> tuple[dict[str, Any], list[Any]]:
        """The workload as last polled; read now when it never was (a first action)."""
        seen = self._seen.get(workload)
        if seen is not None:
            return seen
        path = f"{self._list_path(workload.namespace, workload.kind.plural)}/"
        path += quote(workload.name, safe="")
        response = await self.http.send("GET", path, allow=_REFUSALS)
        sent.append(f"GET {path}")
        if response.status_code >= 400:
            raise status_error(self._body(response), response.status_code, target=workload.label)
        obj = as_dict(self.http.decode(response))
        replicasets: list[Any] = []
        if action is Action.ROLLBACK:
            replicasets = await self._list(workload.namespace, "replicasets")
            sent.append(f"GET {self._list_path(workload.namespace, 'replicasets')}")
        self._seen[workload] = (obj, replicasets)
        return obj, replicasets

    def _body(self, response: httpx.Response) -> object:
        try:
            return self.http.decode(response)
        except AdapterError:
            return None

    def _refusal(self, response: httpx.Response, workload: Workload) -> AdapterError:
        """Kubernetes said no: 409 means the object changed since it was read."""
        if response.status_code == 409:
            return ActionFailed(
                f"{workload.label} changed since you looked (409 Conflict): nothing was applied",
                backend=self.name,
                hint="reload and decide again: the panel shows its new state",
            )
        error = status_error(
            self._body(response), response.status_code, target=workload.label, mutating=True
        )
        error.backend = self.name
        return error

    # -- history ---------------------------------------------------------------------------

    async def history(
        self, line: ReleaseLine, target: Target, since: datetime
    ) -> list[ReleaseRecord]:
        """The Deployment's ReplicaSet revisions since ``since`` (see ``revision_records``
        for what they can and cannot tell).

        Raises:
            AdapterError: not a Deployment, not found, or any backend failure.
        """
        workload = workload_of(target)
        if workload.kind is not WorkloadKind.DEPLOYMENT:
            raise AdapterError(
                f"{workload.label}: history is read from ReplicaSets, which only Deployments have",
                backend=self.name,
                hint="backfill this line from its CI backend instead",
            )
        with attributed(self.name):
            deployments = await self._list(workload.namespace, "deployments")
            obj = next((d for d in deployments if _name(d) == workload.name), None)
            if obj is None:
                raise NotFound(f"{workload.label} not found", hint="check the deploy keys")
            replicasets = await self._list(workload.namespace, "replicasets")
        container = target.get("container") or None
        return revision_records(as_dict(obj), replicasets, line, since, container=container)

    async def probe(self) -> ProbeResult:
        """GET /apis/apps/v1: reachable, authorised, and the workload API served.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.get_json(APPS_V1)
            names = {as_str(dig(r, "name"), 100) for r in as_list(dig(answer.data, "resources"))}
            if "deployments" not in names:
                return f"apps/v1 is served but lists no deployments resource ({self.where})"
            return f"Kubernetes apps/v1 API available ({self.where})"

        return await run_probe(self.http, check)


def _done(action: Action, workload: Workload, request: PatchRequest) -> str:
    if action is Action.ROLLBACK:
        return f"rolled back {workload.label}: {request.effect}"
    return {
        Action.PAUSE: f"paused {workload.label}",
        Action.RESUME: f"resumed {workload.label}",
        Action.RESTART: f"restarting every pod of {workload.label}",
    }.get(action, f"{action.value} sent to {workload.label}")
