"""The demo's Argo CD API (mounted under ``/argocd``): applications, sync, rollback,
terminate, and resource actions on the Rollout an application manages.

The paths and bodies are the ones Argo CD's web UI and CLI send (``server/application``
in argoproj/argo-cd, https://argo-cd.readthedocs.io/en/stable/developer-guide/api-docs/);
errors are grpc-gateway bodies ``{"error", "code", "message"}`` with the gRPC code.
"""

from __future__ import annotations

import json
import re

from release_cockpit_demo import argocd_payloads
from release_cockpit_demo.extras import Operation
from release_cockpit_demo.line import Line
from release_cockpit_demo.scenarios import DeployFamily
from release_cockpit_demo.wire import Request, Response, json_response
from release_cockpit_demo.world import World

API = "/api/v1/applications"
_ONE = re.compile(API + r"/(?P<name>[^/]+)(?P<rest>/.*)?")
_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 409: 9, 412: 9}


def _error(status: int, message: str) -> Response:
    return json_response(
        status, {"error": message, "code": _CODES.get(status, 2), "message": message}
    )


class ArgoCDRoutes:
    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/api/version":
            return json_response(200, argocd_payloads.VERSION)
        if path == API:
            if request.method != "GET":
                return _error(405, f"method {request.method} not allowed")
            return self._list(request)
        one = _ONE.fullmatch(path)
        if one is None:
            return _error(404, "Not Found")
        with self.world.lock:
            line = next(
                (x for x in self.world.of_family(DeployFamily.ARGO_CD) if x.service == one["name"]),
                None,
            )
            if line is None:
                return _error(404, f'applications.argoproj.io "{one["name"]}" not found')
            now = self.world.advance([line])
            return self._one(line, one["rest"] or "", request, now)

    def _list(self, request: Request) -> Response:
        projects = request.query.get("projects", [])
        selector = dict(
            part.split("=", 1)
            for part in (request.param("selector") or "").split(",")
            if "=" in part
        )
        with self.world.lock:
            lines = self.world.of_family(DeployFamily.ARGO_CD)
            now = self.world.advance(lines)
            items = [
                argocd_payloads.application_json(line, self.world.extras[line.service], now)
                for line in lines
            ]
            version = self.world.resource_version()
        items = [
            item
            for item in items
            if (not projects or item["spec"]["project"] in projects)
            and all(item["metadata"]["labels"].get(k) == v for k, v in selector.items())
        ]
        return json_response(200, {"metadata": {"resourceVersion": str(version)}, "items": items})

    def _one(self, line: Line, rest: str, request: Request, now: float) -> Response:
        extras = self.world.extras[line.service]
        method = request.method
        if rest == "" and method == "GET":
            return json_response(200, argocd_payloads.application_json(line, extras, now))
        if rest == "/sync" and method == "POST":
            target = argocd_payloads.git_version(line)
            line.set_template(now, target)
            revision = argocd_payloads.git_revision(line, target)
            extras.operations.append(Operation("sync", now, "admin", revision))
        elif rest == "/rollback" and method == "POST":
            problem = self._rollback(line, request, now)
            if problem:
                return problem
        elif rest == "/operation" and method == "DELETE":
            op = argocd_payloads.last_operation(line, extras)
            if op.phase(now) != "Running":
                return _error(409, "Unable to terminate operation. No operation is in progress")
            op.terminated_at = now
            if op not in extras.operations:
                extras.operations.append(op)
            return json_response(200, {})
        elif rest == "/resource/actions" and method == "GET":
            return json_response(200, argocd_payloads.resource_actions(line))
        elif rest in ("/resource/actions", "/resource/actions/v2") and method == "POST":
            return self._action(line, rest, request, now)
        else:
            return _error(404, "Not Found")
        self.world.advance([line])
        return json_response(200, argocd_payloads.application_json(line, extras, now))

    def _rollback(self, line: Line, request: Request, now: float) -> Response | None:
        try:
            body = json.loads(request.body or b"{}")
            wanted = int(body["id"])
        except (ValueError, KeyError, TypeError):
            return _error(400, "rollback needs the id of a history entry")
        revision = next((r for r in line.revisions if r.number == wanted), None)
        if revision is None:
            return _error(
                400, f"application {line.service} does not have deployment with id {wanted}"
            )
        line.set_template(now, revision.version)
        extras = self.world.extras[line.service]
        git = argocd_payloads.git_revision(line, revision.version)
        extras.operations.append(Operation("rollback", now, "admin", git))
        return None

    def _action(self, line: Line, rest: str, request: Request, now: float) -> Response:
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return _error(400, "the body is not JSON")
        if rest.endswith("/v2"):
            action = body.get("action") if isinstance(body, dict) else None
            kind = body.get("kind") if isinstance(body, dict) else None
        else:
            action, kind = body, request.param("kind")
        if kind != "Rollout" or not isinstance(action, str):
            return _error(400, "the demo's applications run actions on their Rollout only")
        problem = argocd_payloads.run_resource_action(line, action, now)
        if problem:
            return _error(400, problem)
        self.world.advance([line])
        return json_response(200, {})
