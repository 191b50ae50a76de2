"""The Kubernetes API endpoints of the demo server (mounted under ``/k8s``).

Serves Argo Rollouts and ReplicaSets, as lists and as watch streams (``k8s_watch``), and
applies the PATCHes the kubectl plugin sends (argoproj/argo-rollouts,
pkg/kubectl-argo-rollouts/cmd/): merge patches on the rollout and on its ``/status``
subresource,
and the JSON patch that ``undo`` uses to replace ``/spec/template``. As with a CRD that
has a status subresource, ``status`` in a main-resource patch and ``spec`` in a status
patch are ignored. Failures are Kubernetes ``Status`` objects.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from release_cockpit_demo import k8s_api, k8s_payloads, kube_workloads
from release_cockpit_demo.k8s_watch import list_or_watch
from release_cockpit_demo.line import Line
from release_cockpit_demo.payloads import JSON
from release_cockpit_demo.scenarios import DeployFamily, version_of_image
from release_cockpit_demo.wire import Request, Response, json_response
from release_cockpit_demo.world import ROLLOUT_FAMILIES, World

_ROLLOUTS = "/apis/argoproj.io/v1alpha1"
_LIST = re.compile(_ROLLOUTS + r"(?:/namespaces/(?P<ns>[^/]+))?/rollouts")
_ONE = re.compile(
    _ROLLOUTS + r"/namespaces/(?P<ns>[^/]+)/rollouts/(?P<name>[^/]+)(?P<sub>/status)?"
)
_RS = re.compile(r"/apis/apps/v1(?:/namespaces/(?P<ns>[^/]+))?/replicasets")
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
_SELECTOR = re.compile(
    r"^\s*(?P<neg>!?)(?P<key>[A-Za-z0-9_./-]+)\s*(?:(?P<op>==|=|!=)\s*(?P<value>[A-Za-z0-9_.-]*))?\s*$"
)


class BadSelector(ValueError):
    """A labelSelector this server cannot parse."""


def parse_selector(text: str) -> list[tuple[str, str, str]]:
    """``a=b,c!=d,e,!f`` -> [(key, op, value)], op in =, !=, exists, !exists.

    Raises:
        BadSelector: a requirement that is not in that form.
    """
    requirements = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _SELECTOR.match(part)
        if not match or (match["neg"] and match["op"]):
            raise BadSelector(f"unable to parse requirement: {part!r}")
        if match["op"]:
            op = "!=" if match["op"] == "!=" else "="
            requirements.append((match["key"], op, match["value"] or ""))
        else:
            requirements.append((match["key"], "!exists" if match["neg"] else "exists", ""))
    return requirements


def selects(requirements: list[tuple[str, str, str]], labels: dict[str, str]) -> bool:
    for key, op, value in requirements:
        present = key in labels
        if (
            (op == "=" and labels.get(key) != value)
            or (op == "!=" and present and labels[key] == value)
            or (op == "exists" and not present)
            or (op == "!exists" and present)
        ):
            return False
    return True


class K8sRoutes:
    def __init__(self, world: World, closing: threading.Event | None = None) -> None:
        """``closing`` ends open watch streams when set (the server stopping)."""
        from release_cockpit_demo.k8s_workload_routes import WorkloadRoutes  # imports this

        self.world = world
        self.closing = closing or threading.Event()
        # A line's Rollout and ReplicaSets change only with its resourceVersion: built
        # once per version, for every list and every watch tick (500 lines, ten lists).
        self._rollout_cache: dict[str, tuple[int, JSON]] = {}
        self._replicaset_cache: dict[str, tuple[int, list[JSON]]] = {}
        self.workloads = WorkloadRoutes(world, self.closing)

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == _ROLLOUTS:
            return self._only_get(request) or json_response(200, k8s_api.api_resources())
        if path == "/version":
            return self._only_get(request) or json_response(200, k8s_api.VERSION)
        one = _ONE.fullmatch(path)
        if one:
            if request.method == "PATCH":
                return self._patch(one["ns"], one["name"], bool(one["sub"]), request)
            return self._only_get(request) or self._get(one["ns"], one["name"])
        many = _LIST.fullmatch(path)
        if many:
            return self._only_get(request) or self._list(many["ns"], request)
        rs = _RS.fullmatch(path)
        if rs:
            return self._only_get(request) or self._replicasets(rs["ns"], request)
        workload = self.workloads.handle(request)
        if workload is not None:
            return workload
        return _failure(404, "NotFound", "the server could not find the requested resource")

    def _only_get(self, request: Request) -> Response | None:
        if request.method == "GET":
            return None
        return _failure(
            405,
            "MethodNotAllowed",
            f"the server does not allow this method on the requested resource ({request.method})",
        )

    def _selector(self, request: Request) -> list[tuple[str, str, str]]:
        return parse_selector(request.param("labelSelector") or "")

    def _lines(self, namespace: str | None) -> tuple[Line, ...]:
        """The lines that have a Rollout (Argo Rollouts', and the one Argo CD manages)."""
        lines = self.world.lines if namespace is None else self.world.in_namespace(namespace)
        return tuple(line for line in lines if line.spec.family in ROLLOUT_FAMILIES)

    def _list(self, namespace: str | None, request: Request) -> Response:
        try:
            wanted = self._selector(request)
        except BadSelector as exc:
            return _failure(400, "BadRequest", str(exc))

        def snapshot() -> tuple[list[JSON], int]:
            with self.world.lock:
                lines = self._lines(namespace)
                self.world.advance(lines)
                items = [self._rollout(line) for line in lines]
                version = self.world.resource_version()
            return [item for item in items if selects(wanted, item["metadata"]["labels"])], version

        return list_or_watch(request, snapshot, "Rollout", k8s_api.GROUP_VERSION, self.closing)

    def _rollout(self, line: Line) -> JSON:
        return _by_version(self._rollout_cache, line, k8s_payloads.rollout_json)

    def _replicasets_of(self, line: Line) -> list[JSON]:
        return _by_version(self._replicaset_cache, line, k8s_payloads.replicasets_json)

    def _get(self, namespace: str, name: str) -> Response:
        with self.world.lock:
            line = self.world.by_rollout(namespace, name)
            if line is None:
                return json_response(404, k8s_api.not_found("rollouts", name))
            self.world.advance([line])
            return json_response(200, k8s_payloads.rollout_json(line))

    def _replicasets(self, namespace: str | None, request: Request) -> Response:
        try:
            wanted = self._selector(request)
        except BadSelector as exc:
            return _failure(400, "BadRequest", str(exc))

        def snapshot() -> tuple[list[JSON], int]:
            with self.world.lock:
                lines = self._lines(namespace)
                plain = self.world.of_family(DeployFamily.KUBERNETES, namespace)
                now = self.world.advance([*lines, *plain])
                items = [rs for line in lines for rs in self._replicasets_of(line)]
                items += [
                    rs for line in plain for rs in kube_workloads.deployment_replicasets(line, now)
                ]
                version = self.world.resource_version()
            return [item for item in items if selects(wanted, item["metadata"]["labels"])], version

        return list_or_watch(request, snapshot, "ReplicaSet", "apps/v1", self.closing)

    def _patch(self, namespace: str, name: str, status: bool, request: Request) -> Response:
        kind = request.content_type
        if kind not in (MERGE_PATCH, JSON_PATCH):
            return _failure(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an unknown format - accepted media types "
                f"include: {JSON_PATCH}, {MERGE_PATCH}, application/apply-patch+yaml",
            )
        try:
            document = json.loads(request.body or b"null")
        except ValueError as exc:
            return _failure(400, "BadRequest", f"error decoding patch: {exc}")
        try:
            patch = json_patch_as_merge(document) if kind == JSON_PATCH else document
        except ValueError as exc:
            return _failure(422, "Invalid", str(exc))
        if not isinstance(patch, dict):
            return _failure(
                400, "BadRequest", "error decoding patch: a merge patch must be an object"
            )
        with self.world.lock:
            line = self.world.by_rollout(namespace, name)
            if line is None:
                return json_response(404, k8s_api.not_found("rollouts", name))
            now = self.world.advance([line])
            problem = _apply_status(line, patch, now) if status else _apply_spec(line, patch, now)
            if problem:
                return _failure(
                    422, "Invalid", f'Rollout.argoproj.io "{name}" is invalid: {problem}'
                )
            self.world.advance([line])
            return json_response(200, k8s_payloads.rollout_json(line))


Built = TypeVar("Built")


def _by_version(
    cache: dict[str, tuple[int, Built]], line: Line, build: Callable[[Line], Built]
) -> Built:
    """``build(line)``, made again only when the line's resourceVersion moved on."""
    kept = cache.get(line.service)
    if kept is None or kept[0] != line.resource_version:
        kept = cache[line.service] = (line.resource_version, build(line))
    return kept[1]


def _apply_spec(line: Line, patch: JSON, now: float) -> str:
    spec = patch.get("spec")
    if not isinstance(spec, dict):
        return ""
    if "template" in spec:
        version = _template_version(spec["template"])
        if not version:
            return "spec.template.spec.containers[0].image: Required value"
        line.set_template(now, version)
    if "paused" in spec:
        if spec["paused"]:
            line.pause(now)
        else:
            line.unpause(now)
    return ""


def _apply_status(line: Line, patch: JSON, now: float) -> str:
    status = patch.get("status")
    if not isinstance(status, dict):
        return ""
    if "abort" in status:
        if status["abort"]:
            line.abort(now)
        else:
            line.retry(now)
    if status.get("promoteFull"):
        line.promote_full(now)
    if "currentStepIndex" in status:
        index = status["currentStepIndex"]
        if not isinstance(index, int) or isinstance(index, bool):
            return "status.currentStepIndex: Invalid value: must be an integer"
        line.set_step_index(now, index)
    elif "pauseConditions" in status and not status["pauseConditions"]:
        line.clear_pause_conditions(now)
    return ""


def _template_version(template: Any) -> str:
    try:
        return version_of_image(str(template["spec"]["containers"][0]["image"]))
    except (KeyError, IndexError, TypeError):
        return ""


def json_patch_as_merge(operations: Any) -> JSON:
    """A JSON patch (RFC 6902) of add/replace/remove ops -> the equivalent merge document.

    Raises:
        ValueError: not a list of operations, or an operation this server does not apply.
    """
    if not isinstance(operations, list):
        raise ValueError("a JSON patch must be an array of operations")
    merged: JSON = {}
    for op in operations:
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "remove", "test"):
            raise ValueError(f"unsupported JSON patch operation: {op!r}")
        if op["op"] == "test":
            continue
        keys = [
            part.replace("~1", "/").replace("~0", "~")
            for part in str(op.get("path", "")).split("/")[1:]
        ]
        if not keys or keys[0] not in ("spec", "status", "metadata"):
            raise ValueError(f"unsupported JSON patch path: {op.get('path')!r}")
        target = merged
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = None if op["op"] == "remove" else op.get("value")
    return merged


def _failure(code: int, reason: str, message: str) -> Response:
    return json_response(code, k8s_api.status_json(code, reason, message))
