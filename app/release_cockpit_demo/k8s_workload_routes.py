"""The demo's Kubernetes API for plain workloads and Flagger (mounted under ``/k8s``).

Serves ``apps/v1`` Deployments (the ``kubernetes`` lines', and each Flagger canary's target
and ``-primary``), empty StatefulSet and DaemonSet lists, and ``flagger.app/v1beta1``
Canaries; applies the PATCHes ``kubectl rollout pause|resume|restart|undo`` send. A
``metadata.resourceVersion`` in a patch is a precondition, as on a real API server: if the
Deployment changed since, the answer is 409 Conflict and nothing is applied (API
conventions, "Concurrency Control and Consistency", kubernetes/community
``contributors/devel/sig-architecture/api-conventions.md``).
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from release_cockpit_demo import k8s_api, kube_workloads
from release_cockpit_demo.extras import apply_gates
from release_cockpit_demo.k8s_routes import JSON_PATCH, MERGE_PATCH, json_patch_as_merge
from release_cockpit_demo.k8s_watch import list_or_watch
from release_cockpit_demo.line import Line
from release_cockpit_demo.payloads import JSON
from release_cockpit_demo.scenarios import DeployFamily, version_of_image
from release_cockpit_demo.wire import Request, Response, json_response
from release_cockpit_demo.world import World

APPS = "/apis/apps/v1"
FLAGGER = "/apis/flagger.app/v1beta1"
_LIST = re.compile(
    APPS + r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>deployments|statefulsets|daemonsets)"
)
_ONE = re.compile(APPS + r"/namespaces/(?P<ns>[^/]+)/deployments/(?P<name>[^/]+)")
_CANARIES = re.compile(FLAGGER + r"(?:/namespaces/(?P<ns>[^/]+))?/canaries")
_KINDS = {"deployments": "Deployment", "statefulsets": "StatefulSet", "daemonsets": "DaemonSet"}


def _resources(group_version: str, names: list[tuple[str, str]]) -> JSON:
    verbs = ["create", "delete", "get", "list", "patch", "update", "watch"]
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {"name": name, "singularName": "", "namespaced": True, "kind": kind, "verbs": verbs}
            for name, kind in names
        ],
    }


def _failure(code: int, reason: str, message: str, details: JSON | None = None) -> Response:
    return json_response(code, k8s_api.status_json(code, reason, message, details))


class WorkloadRoutes:
    """Deployments, StatefulSets, DaemonSets and Canaries; None for any other path."""

    def __init__(self, world: World, closing: threading.Event) -> None:
        self.world = world
        self.closing = closing

    def handle(self, request: Request) -> Response | None:
        path = request.path.rstrip("/")
        if path == APPS:
            names = [*_KINDS.items(), ("replicasets", "ReplicaSet")]
            return self._get_only(request) or json_response(200, _resources("apps/v1", names))
        if path == FLAGGER:
            body = _resources("flagger.app/v1beta1", [("canaries", "Canary")])
            return self._get_only(request) or json_response(200, body)
        one = _ONE.fullmatch(path)
        if one:
            if request.method == "PATCH":
                return self._patch(one["ns"], one["name"], request)
            return self._get_only(request) or self._get(one["ns"], one["name"])
        many = _LIST.fullmatch(path)
        if many:
            return self._get_only(request) or self._list(many["ns"], many["plural"], request)
        canaries = _CANARIES.fullmatch(path)
        if canaries:
            return self._get_only(request) or self._canaries(canaries["ns"], request)
        return None

    def _get_only(self, request: Request) -> Response | None:
        if request.method == "GET":
            return None
        return _failure(405, "MethodNotAllowed", f"method {request.method} is not allowed here")

    def _lines(self, family: DeployFamily, namespace: str | None) -> tuple[Line, ...]:
        return self.world.of_family(family, namespace)

    def _deployments(self, namespace: str | None) -> list[JSON]:
        kube = self._lines(DeployFamily.KUBERNETES, namespace)
        flagger = self._lines(DeployFamily.FLAGGER, namespace)
        now = self.world.advance([*kube, *flagger])
        items = [kube_workloads.deployment_json(line, now) for line in kube]
        items += [d for line in flagger for d in kube_workloads.flagger_deployments(line)]
        return items

    def _list(self, namespace: str | None, plural: str, request: Request) -> Response:
        def snapshot() -> tuple[list[JSON], int]:
            with self.world.lock:
                items = self._deployments(namespace) if plural == "deployments" else []
                return items, self.world.resource_version()

        return list_or_watch(request, snapshot, _KINDS[plural], "apps/v1", self.closing)

    def _get(self, namespace: str, name: str) -> Response:
        with self.world.lock:
            found = next(
                (d for d in self._deployments(namespace) if d["metadata"]["name"] == name), None
            )
        if found is None:
            return json_response(404, k8s_api.not_found("deployments", name, "apps"))
        return json_response(200, found)

    def _canaries(self, namespace: str | None, request: Request) -> Response:
        def snapshot() -> tuple[list[JSON], int]:
            with self.world.lock:
                lines = self._lines(DeployFamily.FLAGGER, namespace)
                now = self.world.advance(lines)
                for line in lines:
                    apply_gates(line, self.world.extras[line.service], now)
                items = [kube_workloads.canary_json(line) for line in lines]
                return items, self.world.resource_version()

        return list_or_watch(request, snapshot, "Canary", "flagger.app/v1beta1", self.closing)

    def _patch(self, namespace: str, name: str, request: Request) -> Response:
        kind = request.content_type
        if kind not in (MERGE_PATCH, JSON_PATCH):
            return _failure(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an unknown format: {kind}",
            )
        try:
            document = json.loads(request.body or b"null")
            patch = json_patch_as_merge(document) if kind == JSON_PATCH else document
        except ValueError as exc:
            return _failure(422, "Invalid", f"error decoding patch: {exc}")
        if not isinstance(patch, dict):
            return _failure(
                400, "BadRequest", "error decoding patch: a merge patch must be an object"
            )
        with self.world.lock:
            line = next(
                (x for x in self._lines(DeployFamily.KUBERNETES, namespace) if x.service == name),
                None,
            )
            if line is None:
                return json_response(404, k8s_api.not_found("deployments", name, "apps"))
            now = self.world.advance([line])
            wanted = (patch.get("metadata") or {}).get("resourceVersion")
            if wanted is not None and str(wanted) != str(line.resource_version):
                return _failure(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on deployments.apps "{name}": the object '
                    "has been modified; please apply your changes to the latest version and "
                    "try again",
                    {"name": name, "group": "apps", "kind": "deployments"},
                )
            problem = _apply(line, patch.get("spec"), now)
            if problem:
                return _failure(422, "Invalid", f'Deployment.apps "{name}" is invalid: {problem}')
            now = self.world.advance([line])
            return json_response(200, kube_workloads.deployment_json(line, now))


def _apply(line: Line, spec: Any, now: float) -> str:
    """A Deployment spec patch: pause/resume, a restart stamp, or a whole template (undo)."""
    if not isinstance(spec, dict):
        return ""
    if "paused" in spec:
        if spec["paused"]:
            line.pause(now)
        else:
            line.unpause(now)
    template = spec.get("template")
    if isinstance(template, dict):
        containers = (template.get("spec") or {}).get("containers")
        if containers is not None:
            try:
                version = version_of_image(str(containers[0]["image"]))
            except (KeyError, IndexError, TypeError):
                version = ""
            if not version:
                return "spec.template.spec.containers[0].image: Required value"
            line.set_template(now, version)
        elif kube_workloads.RESTARTED_AT in (
            (template.get("metadata") or {}).get("annotations") or {}
        ):
            line.restart(now)
    return ""
