"""The GitLab endpoints of the demo server (mounted under ``/gitlab``, the instance root).

``POST /api/graphql`` answers the latest pipelines of up to 50 projects
(``projects(fullPaths:)``, with GitLab's own 50-path limit and its errors inside HTTP
200) and ``currentUser``; REST v4 serves projects, pipelines, jobs (``include_retried``),
deployments, environments and compare, every GET with a weak ETag and ``304`` for a
matching ``If-None-Match``; and the controls react: ``play`` starts a waiting manual job,
``retry`` re-runs the failed and canceled jobs, ``cancel`` stops what still runs.
Errors are GitLab's ``{"message": "404 Project Not Found"}`` bodies.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from release_cockpit_demo import github_payloads as gh
from release_cockpit_demo import gitlab_payloads as gl
from release_cockpit_demo.ci_state import State, job_states, run_state
from release_cockpit_demo.deployments import visible_deployments
from release_cockpit_demo.line import Line
from release_cockpit_demo.payloads import dump, etag, etag_matches
from release_cockpit_demo.scenarios import CIFamily
from release_cockpit_demo.wire import JSON_TYPE, Request, Response, json_response
from release_cockpit_demo.world import World

MAX_FULL_PATHS = 50
_PROJECT = re.compile(
    r"/api/v4/projects/(?P<project>.+?)"
    r"(?:/(?P<what>pipelines|jobs|deployments|environments|repository)(?P<rest>/.*)?)?"
)
_CANCELABLE = frozenset({State.CREATED, State.PENDING, State.RUNNING})
PLAYER = "oncall-sam"
"""Who plays manual jobs in the demo (it has no users)."""


class GitLabRoutes:
    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/api/graphql" and request.method == "POST":
            return self._graphql(request)
        match = _PROJECT.fullmatch(path)
        if match is None:
            return _error(404, "404 Not Found")
        with self.world.lock:
            line = self._project(match["project"])
            if line is None:
                return _error(404, "404 Project Not Found")
            now = self.world.advance([line])
            web = f"{request.base_url}{request.prefix}"
            what, rest = match["what"], (match["rest"] or "").strip("/")
            if request.method == "POST":
                return self._control(line, what, rest, now, web)
            if request.method != "GET":
                return _error(405, "405 Method Not Allowed")
            payload = self._get(line, what, rest, now, web, request)
        if isinstance(payload, Response):
            return payload
        body, links = payload
        return _conditional(request, body, links)

    def _project(self, ident: str) -> Line | None:
        if ident.isdigit():
            wanted = int(ident)
            found = self.world.built_by(CIFamily.GITLAB)
            return next((line for line in found if gl.project_id(line) == wanted), None)
        return self.world.by_project(ident)

    # --- REST reads -------------------------------------------------------------------

    def _get(
        self, line: Line, what: str | None, rest: str, now: float, web: str, request: Request
    ) -> Response | tuple[Any, str]:
        if what is None:
            return gl.project_json(line, web), ""
        if what == "pipelines":
            return self._pipelines(line, rest, now, web, request)
        if what == "deployments" and not rest:
            found = visible_deployments(
                line.spec, self.world.start, now, request.param("environment")
            )
            if request.param("sort") != "desc":
                found = list(reversed(found))  # GitLab lists deployments oldest first by default
            page, links = _page(found, request)
            return [gl.deployment_json(line, d, now, web) for d in page], links
        if what == "environments" and not rest:
            names = (
                ("production", "staging") if line.spec.environment == "production" else ("staging",)
            )
            wanted = request.param("name")
            return [gl.environment_json(line, n, web) for n in names if wanted in (None, n)], ""
        if what == "repository" and rest == "compare":
            base, head = request.param("from") or "", request.param("to") or ""
            compared = gh.compare_json(line, base, head, self.world.start, web)
            if compared is None:
                return _error(404, "404 Ref Not Found")
            return gl.compare_json(compared, line, base, head, web), ""
        return _error(404, "404 Not Found")

    def _pipelines(
        self, line: Line, rest: str, now: float, web: str, request: Request
    ) -> Response | tuple[Any, str]:
        runs = _visible(line, now)
        if not rest:
            ref = request.param("ref")
            listed = [r for r in runs if ref in (None, r.branch)]
            page, links = _page(listed, request)
            return [gl.pipeline_json(line, r, now, web) for r in page], links
        ident, _, tail = rest.partition("/")
        run = next((r for r in runs if str(r.id) == ident), None)
        if run is None:
            return _error(404, "404 Not found")
        if not tail:
            return gl.pipeline_json(line, run, now, web), ""
        if tail == "jobs":
            retried = request.param("include_retried") == "true"
            jobs = gl.jobs_of(run, now, retried=retried)
            page, links = _page(jobs, request)
            state = run_state(run, now)
            return [gl.job_json(line, run, j, state, web) for j in page], links
        return _error(404, "404 Not Found")

    # --- controls ---------------------------------------------------------------------

    def _control(self, line: Line, what: str | None, rest: str, now: float, web: str) -> Response:
        ident, _, action = rest.partition("/")
        runs = _visible(line, now)
        if what == "jobs" and action == "play":
            for run in runs:
                gate = next(
                    (j for j in job_states(run, now) if j.gate and str(j.id) == ident), None
                )
                if gate is None:
                    continue
                if gate.state is not State.MANUAL or not line.answer_gate(
                    run, now, approved=True, actor=PLAYER
                ):
                    return _error(400, "400 Bad request - Unplayable Job")
                played = next(j for j in job_states(run, now) if j.gate)
                return json_response(200, gl.job_json(line, run, played, run_state(run, now), web))
            return _error(404, "404 Not found")
        run = next((r for r in runs if str(r.id) == ident), None) if what == "pipelines" else None
        if run is None:
            return _error(404, "404 Not found")
        if action == "retry":
            # GitLab: "If there are no failed or canceled jobs in the pipeline, calling
            # this endpoint has no effect" (https://docs.gitlab.com/api/pipelines/).
            line.retry_run(run, now)
        elif action == "cancel":
            # Only cancelable jobs stop; a manual job is not one, so a pipeline blocked on
            # it stays as it is, and GitLab answers OK either way.
            if any(j.state in _CANCELABLE for j in job_states(run, now)):
                line.cancel_run(run, now)
        else:
            return _error(404, "404 Not Found")
        return json_response(201, gl.pipeline_json(line, run, now, web))

    # --- GraphQL ----------------------------------------------------------------------

    def _graphql(self, request: Request) -> Response:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return json_response(400, {"errors": [{"message": "Invalid JSON"}]})
        query = str(body.get("query", "")) if isinstance(body, dict) else ""
        variables = body.get("variables") if isinstance(body, dict) else None
        variables = variables if isinstance(variables, dict) else {}
        if "currentUser" in query:
            token = request.header("Authorization") or request.header("PRIVATE-TOKEN")
            user = {"username": "release-bot"} if token else None
            return json_response(200, {"data": {"currentUser": user}})
        if "projects(fullPaths:" not in "".join(query.split()):
            return json_response(
                200, {"errors": [{"message": "The demo GitLab answers only the cockpit's query"}]}
            )
        return json_response(200, self._projects(request, variables, query))

    def _projects(self, request: Request, variables: dict[str, Any], query: str) -> Any:
        paths = [p for p in variables.get("fullPaths") or [] if isinstance(p, str)]
        if len(paths) > MAX_FULL_PATHS:
            return {
                "data": {"projects": None},
                "errors": [
                    {
                        "message": f"You cannot provide more than {MAX_FULL_PATHS} full paths",
                        "locations": [{"line": 4, "column": 3}],
                        "path": ["projects"],
                    }
                ],
            }
        pipelines = _first(variables.get("pipelines"), 100)
        jobs = _first(variables.get("jobs"), 100)
        ref = variables.get("ref")
        nodes = []
        with self.world.lock:
            for path in paths[: _first(variables.get("projects"), 100)]:
                line = self.world.by_project(path)
                if line is None:
                    continue  # GitLab leaves out projects the token cannot see
                now = self.world.advance([line])
                runs = [r for r in _visible(line, now) if ref in (None, r.branch)]
                nodes.append(
                    {
                        "fullPath": line.spec.repo,
                        "webUrl": f"{request.base_url}{request.prefix}/{line.spec.repo}",
                        "pipelines": {
                            "nodes": [
                                gl.graphql_pipeline(line, run, now, request.prefix, jobs)
                                for run in runs[:pipelines]
                            ]
                        },
                    }
                )
        data: dict[str, Any] = {"projects": {"nodes": nodes}}
        if "queryComplexity" in query:
            data["queryComplexity"] = {"score": 20 + 3 * len(nodes), "limit": 250}
        return {"data": data}


def _first(value: object, limit: int) -> int:
    return (
        min(max(value, 1), limit) if isinstance(value, int) and not isinstance(value, bool) else 20
    )


def _visible(line: Line, now: float) -> list[Any]:
    """Pipelines that exist at ``now``, newest first (GitLab's order)."""
    return sorted((r for r in line.runs if r.created_at <= now), key=lambda r: r.id, reverse=True)


def _page(items: list[Any], request: Request) -> tuple[list[Any], str]:
    """One page and the ``Link`` header GitLab sends for offset pagination."""
    try:
        per_page = min(max(int(request.param("per_page") or 20), 1), 100)
        page = max(int(request.param("page") or 1), 1)
    except ValueError:
        per_page, page = 20, 1
    chunk = items[(page - 1) * per_page : page * per_page]
    if page * per_page >= len(items):
        return chunk, ""
    params = {k: v[0] for k, v in request.query.items() if v}
    params["page"] = str(page + 1)
    url = f"{request.base_url}{request.prefix}{request.path}?{urlencode(params)}"
    return chunk, f'<{url}>; rel="next"'


def _conditional(request: Request, payload: Any, links: str) -> Response:
    body = dump(payload)
    tag = etag(body)
    match = request.header("If-None-Match")
    if match and etag_matches(match, tag):
        return Response(304, b"", JSON_TYPE, (("ETag", tag),))
    headers: tuple[tuple[str, str], ...] = (
        ("ETag", tag),
        ("Cache-Control", "max-age=0, private, must-revalidate"),
    )
    if links:
        headers = (*headers, ("Link", links))
    return Response(200, body, JSON_TYPE, headers)


def _error(status: int, message: str) -> Response:
    return json_response(status, {"message": message})
