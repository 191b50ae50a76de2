"""The GitHub REST endpoints of the demo server (mounted under ``/github``).

Actions (runs, jobs, re-run), compare, and the Deployments API with statuses
(https://docs.github.com/en/rest/deployments/deployments) that the history backfill reads.

Behaves like api.github.com where the cockpit can tell: ``ETag`` on every GET and ``304``
for a matching ``If-None-Match`` without spending quota (GitHub REST docs, "Use conditional
requests"), ``x-ratelimit-*`` headers with a falling ``remaining``, ``Link`` pagination,
and "basic-error" bodies.
"""

from __future__ import annotations

import re
from typing import TypeVar
from urllib.parse import urlencode

from release_cockpit_demo import github_payloads as gh
from release_cockpit_demo.deployments import PastDeployment, visible_deployments
from release_cockpit_demo.github_graphql import GitHubGraphQL
from release_cockpit_demo.github_quota import RATE_LIMIT, Quota
from release_cockpit_demo.payloads import JSON, dump, etag, etag_matches
from release_cockpit_demo.scenarios import WORKFLOW_FILE
from release_cockpit_demo.wire import JSON_TYPE, Request, Response, json_response
from release_cockpit_demo.world import Line, World

_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_RUNS = re.compile(_REPO + r"/actions/(?:workflows/(?P<workflow>[^/]+)/)?runs")
_RUN = re.compile(_REPO + r"/actions/runs/(?P<run>\d+)")
_JOBS = re.compile(_REPO + r"/actions/runs/(?P<run>\d+)/jobs")
_WORKFLOWS = re.compile(_REPO + r"/actions/workflows")
_WORKFLOW = re.compile(_REPO + r"/actions/workflows/(?P<workflow>[^/]+)")
_RERUN = re.compile(_REPO + r"/actions/runs/(?P<run>\d+)/rerun-failed-jobs")
_DEPLOYMENTS = re.compile(_REPO + r"/deployments")
_DEPLOYMENT = re.compile(_REPO + r"/deployments/(?P<deployment>\d+)")
_STATUSES = re.compile(_REPO + r"/deployments/(?P<deployment>\d+)/statuses")
_COMPARE = re.compile(_REPO + r"/compare/(?P<base>.+?)\.\.\.(?P<head>.+)")
T = TypeVar("T")
Body = JSON | list[JSON]
"""A response body: an object, or an array (the deployments and statuses lists)."""


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        number = default
    return min(max(number, low), high)


class GitHubRoutes:
    def __init__(self, world: World) -> None:
        self.world = world
        self.quota = Quota(world.now())
        self.graphql = GitHubGraphQL(world, Quota(world.now(), "graphql"))

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if request.method == "GET" and path == "/rate_limit":
            return self._rate_limit()
        if request.method == "POST" and path == "/graphql":
            return self.graphql.handle(request)
        if request.method == "POST":
            match = _RERUN.fullmatch(path)
            if match:
                return self._rerun(match.group("owner"), match.group("repo"), int(match["run"]))
            return self._error(404, "Not Found")
        if request.method != "GET":
            return self._error(404, "Not Found")
        payload = self._get(path, request)
        if isinstance(payload, Response):
            return payload
        body, links = payload
        return self._conditional(request, body, links)

    def _get(self, path: str, request: Request) -> Response | tuple[Body, str]:
        with self.world.lock:
            match = _RUNS.fullmatch(path)
            if match:
                return self._runs(
                    match.group("owner"), match.group("repo"), match["workflow"], request
                )
            match = _WORKFLOWS.fullmatch(path)
            if match:
                return self._workflows(match.group("owner"), match.group("repo"), request)
            match = _WORKFLOW.fullmatch(path)
            if match:
                return self._workflow(
                    match.group("owner"), match.group("repo"), match["workflow"], request
                )
            match = _JOBS.fullmatch(path)
            if match:
                return self._jobs(
                    match.group("owner"), match.group("repo"), int(match["run"]), request
                )
            match = _RUN.fullmatch(path)
            if match:
                return self._run(
                    match.group("owner"), match.group("repo"), int(match["run"]), request
                )
            match = _DEPLOYMENTS.fullmatch(path)
            if match:
                return self._deployments(match.group("owner"), match.group("repo"), request)
            match = _DEPLOYMENT.fullmatch(path)
            if match:
                return self._deployment(
                    match.group("owner"), match.group("repo"), int(match["deployment"]), request
                )
            match = _STATUSES.fullmatch(path)
            if match:
                return self._statuses(
                    match.group("owner"), match.group("repo"), int(match["deployment"]), request
                )
            match = _COMPARE.fullmatch(path)
            if match:
                return self._compare(
                    match.group("owner"), match.group("repo"), match["base"], match["head"], request
                )
        return self._error(404, "Not Found")

    # --- endpoints ----------------------------------------------------------------------

    def _api_base(self, request: Request) -> str:
        return f"{request.base_url}{request.prefix}"

    def _runs(
        self, owner: str, repo: str, workflow: str | None, request: Request
    ) -> Response | tuple[JSON, str]:
        line = self.world.by_repo(f"{owner}/{repo}")
        if line is None or (
            workflow is not None and workflow not in (WORKFLOW_FILE, str(gh.workflow_id(line)))
        ):
            return self._error(404, "Not Found", "actions/workflow-runs#list-workflow-runs")
        now = self.world.advance([line])
        runs = gh.visible_runs(line, now)
        page, links = _page(runs, request)
        api = self._api_base(request)
        payload = {
            "total_count": len(runs),
            "workflow_runs": [gh.run_json(line, run, now, api) for run in page],
        }
        return payload, links

    def _workflow(
        self, owner: str, repo: str, workflow: str, request: Request
    ) -> Response | tuple[JSON, str]:
        line = self.world.by_repo(f"{owner}/{repo}")
        if line is None or workflow not in (WORKFLOW_FILE, str(gh.workflow_id(line))):
            return self._error(404, "Not Found", "actions/workflows#get-a-workflow")
        return gh.workflow_json(line, self.world.start, self._api_base(request)), ""

    def _workflows(self, owner: str, repo: str, request: Request) -> Response | tuple[JSON, str]:
        line = self.world.by_repo(f"{owner}/{repo}")
        if line is None:
            return self._error(404, "Not Found", "actions/workflows#list-repository-workflows")
        found = [gh.workflow_json(line, self.world.start, self._api_base(request))]
        page, links = _page(found, request)
        return {"total_count": len(found), "workflows": page}, links

    def _run(
        self, owner: str, repo: str, run_id: int, request: Request
    ) -> Response | tuple[JSON, str]:
        line = self.world.by_repo(f"{owner}/{repo}")
        now = self.world.advance([line]) if line else self.world.now()
        run = (
            next((r for r in gh.visible_runs(line, now) if r.id == run_id), None) if line else None
        )
        if line is None or run is None:
            return self._error(404, "Not Found", "actions/workflow-runs#get-a-workflow-run")
        return gh.run_json(line, run, now, self._api_base(request)), ""

    def _jobs(
        self, owner: str, repo: str, run_id: int, request: Request
    ) -> Response | tuple[JSON, str]:
        line = self.world.by_repo(f"{owner}/{repo}")
        now = self.world.advance([line]) if line else self.world.now()
        run = (
            next((r for r in gh.visible_runs(line, now) if r.id == run_id), None) if line else None
        )
        if line is None or run is None:
            return self._error(404, "Not Found", "actions/workflow-jobs")
        latest = (request.param("filter") or "latest") != "all"
        jobs = list(gh.jobs_of(run, latest))
        page, links = _page(jobs, request)
        api = self._api_base(request)
        return {
            "total_count": len(jobs),
            "jobs": [gh.job_json(line, run, job, now, api) for job in page],
        }, links

    def _compare(
        self, owner: str, repo: str, base: str, head: str, request: Request
    ) -> Response | tuple[JSON, str]:
        line = self.world.by_repo(f"{owner}/{repo}")
        payload = (
            gh.compare_json(line, base, head, self.world.start, self._api_base(request))
            if line
            else None
        )
        if payload is None:
            return self._error(404, "Not Found", "commits/commits#compare-two-commits")
        return payload, ""

    def _deployments(self, owner: str, repo: str, request: Request) -> Response | tuple[Body, str]:
        line = self.world.by_repo(f"{owner}/{repo}")
        if line is None:
            return self._error(404, "Not Found", "deployments/deployments#list-deployments")
        now = self.world.now()
        found = visible_deployments(line.spec, self.world.start, now, request.param("environment"))
        # The other documented filters: each narrows the list when given.
        for name in ("sha", "ref", "task"):
            wanted = request.param(name)
            if wanted:
                found = [d for d in found if _field(d, name) == wanted]
        page, links = _page(found, request)
        api = self._api_base(request)
        return [gh.deployment_json(line, d, now, api) for d in page], links

    def _find_deployment(
        self, owner: str, repo: str, deployment_id: int
    ) -> tuple[Line, PastDeployment, float] | None:
        line = self.world.by_repo(f"{owner}/{repo}")
        if line is None:
            return None
        now = self.world.now()
        found = visible_deployments(line.spec, self.world.start, now)
        deployment = next((d for d in found if d.id == deployment_id), None)
        return None if deployment is None else (line, deployment, now)

    def _deployment(
        self, owner: str, repo: str, deployment_id: int, request: Request
    ) -> Response | tuple[JSON, str]:
        found = self._find_deployment(owner, repo, deployment_id)
        if found is None:
            return self._error(404, "Not Found", "deployments/deployments#get-a-deployment")
        line, deployment, now = found
        return gh.deployment_json(line, deployment, now, self._api_base(request)), ""

    def _statuses(
        self, owner: str, repo: str, deployment_id: int, request: Request
    ) -> Response | tuple[Body, str]:
        found = self._find_deployment(owner, repo, deployment_id)
        if found is None:
            return self._error(404, "Not Found", "deployments/statuses#list-deployment-statuses")
        line, deployment, now = found
        # Newest first, as api.github.com answers
        # (https://docs.github.com/en/rest/deployments/deployments: "the first item is
        # the newest").
        statuses = list(reversed(deployment.statuses_at(now)))
        page, links = _page(statuses, request)
        api = self._api_base(request)
        return [gh.deployment_status_json(line, deployment, s, api) for s in page], links

    def _rerun(self, owner: str, repo: str, run_id: int) -> Response:
        with self.world.lock:
            line = self.world.by_repo(f"{owner}/{repo}")
            if line is None:
                return self._error(404, "Not Found")
            now = self.world.advance([line])
            status, message = line.rerun_failed(run_id, now)
            headers = self.quota.spend(now, 1)
        if status != 201:
            return self._error(status, message, "actions/workflow-runs#re-run-failed-jobs")
        return json_response(201, {}, headers)

    def _rate_limit(self) -> Response:
        # GET /rate_limit does not count against the quota (GitHub REST docs, "rate limit").
        with self.world.lock:
            now = self.world.now()
            self.quota.spend(now, 0)
            points = self.graphql.quota
            points.spend(now, 0)
            payload = gh.rate_limit_json(
                RATE_LIMIT,
                self.quota.remaining,
                self.quota.reset,
                (points.limit, points.remaining, points.reset),
            )
            headers = self.quota.headers()
        body = dump(payload)
        return Response(200, body, JSON_TYPE, (*headers, ("ETag", etag(body))))

    # --- plumbing -----------------------------------------------------------------------

    def _conditional(self, request: Request, payload: Body, links: str) -> Response:
        body = dump(payload)
        tag = etag(body)
        match = request.header("If-None-Match")
        with self.world.lock:
            now = self.world.now()
            if match and etag_matches(match, tag):
                headers = self.quota.spend(now, 0)
                return Response(304, b"", JSON_TYPE, (*headers, ("ETag", tag)))
            headers = self.quota.spend(now, 1)
        extra: tuple[tuple[str, str], ...] = (
            ("ETag", tag),
            ("Cache-Control", "private, max-age=60, s-maxage=60"),
        )
        if links:
            extra = (*extra, ("Link", links))
        return Response(200, body, JSON_TYPE, (*headers, *extra))

    def _error(self, status: int, message: str, doc: str = "") -> Response:
        with self.world.lock:
            headers = self.quota.spend(self.world.now(), 1)
        url = f"{gh.DOCS}/{doc}" if doc else gh.DOCS
        return json_response(status, gh.error_json(message, status, url), headers)


def _field(deployment: PastDeployment, name: str) -> str:
    """A deployment's ``sha``, ``ref`` or ``task`` as the list filters compare them."""
    if name == "sha":
        return deployment.sha
    if name == "ref":
        return deployment.ref
    return "deploy"


def _page(items: list[T], request: Request) -> tuple[list[T], str]:
    """One page of ``items`` and the RFC 5988 ``Link`` header GitHub sends for the others."""
    per_page = _int(request.param("per_page"), 30, 1, 100)
    last = max((len(items) + per_page - 1) // per_page, 1)
    page = _int(request.param("page"), 1, 1, 10**6)
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []

    def url(number: int) -> str:
        params = {k: v[0] for k, v in request.query.items() if v}
        params["page"] = str(number)
        return f"<{request.base_url}{request.prefix}{request.path}?{urlencode(params)}>"

    if page < last:
        links.append(f'{url(page + 1)}; rel="next"')
        links.append(f'{url(last)}; rel="last"')
    if page > 1:
        links.append(f'{url(1)}; rel="first"')
        links.append(f'{url(min(page - 1, last))}; rel="prev"')
    return chunk, ", ".join(links)
