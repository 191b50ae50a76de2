"""The objects of the demo's GitHub GraphQL answers, read at one moment of the world.

Built from the same REST payloads ``github_payloads`` serves (a check suite is the run, a
check run the job), so both APIs tell one story. A tag push's check suite names no branch
(``branch: null``), the case a client cannot rule out. ``github_graphql`` runs a query
over them.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from release_cockpit_demo import github_payloads as gh
from release_cockpit_demo.github_quota import Quota
from release_cockpit_demo.line import Line
from release_cockpit_demo.payloads import JSON, rfc3339
from release_cockpit_demo.scenarios import WORKFLOW_FILE
from release_cockpit_demo.wire import Request
from release_cockpit_demo.world import World


class QueryContext:
    """One request's objects: dicts whose callables graphql-core calls with the field's
    arguments (its default resolver), all read at one moment of the world."""

    def __init__(self, world: World, request: Request, quota: Quota, cost: int) -> None:
        self.world = world
        self.api = f"{request.base_url}{request.prefix}"
        self.quota = quota
        self.cost = cost
        self.errors: list[JSON] = []
        """Errors GitHub reports without nulling a field (a missing id of ``nodes``)."""
        self._now: dict[str, float] = {}
        self._nodes: dict[tuple[str, int], tuple[Line, Any]] | None = None
        self._runs: dict[int, JSON] = {}

    def now(self, line: Line) -> float:
        if line.service not in self._now:
            self._now[line.service] = self.world.advance([line])
        return self._now[line.service]

    def root(self) -> JSON:
        return {
            "id": "MDU6UXVlcnk=",
            "node": lambda info, id: self.node(id, info),
            "nodes": lambda info, ids: self.nodes(ids, info),
            "repository": lambda info, owner, name, followRenames=True: self.repository(
                owner, name, info
            ),
            "rateLimit": lambda info, dryRun=False: self.rate_limit(dryRun),
            "viewer": lambda info: _user("release-bot"),
        }

    def rate_limit(self, dry_run: bool) -> JSON:
        """The budget after this query (it was spent before it ran)."""
        return {
            "cost": self.cost,
            "limit": self.quota.limit,
            "remaining": self.quota.remaining,
            "used": self.quota.used,
            "resetAt": rfc3339(self.quota.reset),
            "nodeCount": 0,
        }

    def nodes(self, ids: list[str], info: Any) -> list[JSON | None]:
        found = [self._find(ident) for ident in ids]
        for index, (ident, item) in enumerate(zip(ids, found, strict=True)):
            if item is None:
                self.errors.append(
                    {
                        "type": "NOT_FOUND",
                        "path": [*info.path.as_list(), index],
                        "message": f"Could not resolve to a node with the global id of '{ident}'",
                    }
                )
        return found

    def node(self, ident: str, info: Any) -> JSON | None:
        found = self._find(ident)
        if found is None and info is not None:
            from graphql import GraphQLError

            raise GraphQLError(
                f"Could not resolve to a node with the global id of '{ident}'",
                extensions={"type": "NOT_FOUND"},
            )
        return found

    def _find(self, ident: str) -> JSON | None:
        kind, _, number = ident.partition("_kwDO")
        if not number.isdigit():
            return None
        found = self._index().get((kind, int(number)))
        if found is None:
            return None
        line, run = found
        if run is None:
            return self.workflow(line)
        return self.suite(line, run) if run.created_at <= self.now(line) else None

    def _index(self) -> dict[tuple[str, int], tuple[Line, Any]]:
        """Node ids of this request's world: workflows (``W``) and check suites (``CS``)."""
        if self._nodes is None:
            self._nodes = {}
            for line in self.world.lines:
                if self.world.by_repo(line.spec.repo) is not line:
                    continue
                self._nodes[("W", gh.workflow_id(line))] = (line, None)
                for run in line.runs:
                    self._nodes[("CS", gh.check_suite_id(run))] = (line, run)
        return self._nodes

    def _rest(self, line: Line, run: Any) -> JSON:
        """The run as REST serves it now, built once per request."""
        found = self._runs.get(run.id)
        if found is None:
            found = self._runs[run.id] = gh.run_json(line, run, self.now(line), self.api)
        return found

    def repository(self, owner: str, name: str, info: Any) -> JSON | None:
        line = self.world.by_repo(f"{owner}/{name}")
        if line is None:
            from graphql import GraphQLError

            raise GraphQLError(
                f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                extensions={"type": "NOT_FOUND"},
            )
        return {
            "__typename": "Repository",
            "id": f"R_kwDO{700_000_000 + line.spec.index}",
            "name": line.service,
            "nameWithOwner": line.spec.repo,
            "url": f"{gh.WEB}/{line.spec.repo}",
            "resourcePath": f"/{line.spec.repo}",
            "refs": lambda info, refPrefix, **page: self.refs(line, refPrefix, page),
            "ref": lambda info, qualifiedName: self.qualified_ref(line, qualifiedName),
        }

    def qualified_ref(self, line: Line, qualified: str) -> JSON | None:
        """``Repository.ref(qualifiedName:)``: a tag of a release, or null (no error) when
        there is none, as GitHub answers."""
        name = qualified.removeprefix("refs/tags/")
        if name == qualified or gh.compare_json(line, name, name, self.world.start, "") is None:
            return None
        ref = self.ref(line, name, "refs/tags/", "")
        ref["compare"] = lambda info, headRef: self.comparison(line, name, headRef)
        return ref

    def comparison(self, line: Line, base: str, head: str) -> JSON | None:
        """``Ref.compare(headRef:)`` from the same commits REST's compare lists."""
        rest = gh.compare_json(line, base, head.removeprefix("refs/tags/"), self.world.start, "")
        if rest is None:
            return None
        commits = [
            {
                "__typename": "Commit",
                "id": f"C_kwDO{c['sha'][:12]}",
                "oid": c["sha"],
                "abbreviatedOid": c["sha"][:7],
                "url": c["html_url"],
                "resourcePath": c["html_url"].removeprefix(gh.WEB),
                "message": c["commit"]["message"],
                "messageHeadline": c["commit"]["message"].split("\n", 1)[0],
                "authoredDate": c["commit"]["author"]["date"],
                "author": {
                    "name": c["commit"]["author"]["name"],
                    "email": c["commit"]["author"]["email"],
                    "date": c["commit"]["author"]["date"],
                    "user": _user(c["author"]["login"]) if c.get("author") else None,
                },
            }
            for c in rest["commits"]
        ]
        return {
            "__typename": "Comparison",
            "id": f"CMP_kwDO{zlib.crc32(f'{line.spec.repo}:{base}...{head}'.encode())}",
            "status": rest["status"].upper(),
            "aheadBy": rest["ahead_by"],
            "behindBy": rest["behind_by"],
            "commits": lambda info, **page: _connection(commits, page),
        }

    def refs(self, line: Line, prefix: str, page: Mapping[str, Any]) -> JSON:
        now = self.now(line)
        found: dict[str, tuple[float, str]] = {}
        for run in gh.visible_runs(line, now):
            ref = ("refs/tags/" if gh.is_tag(run.branch) else "refs/heads/") + run.branch
            found.setdefault(ref, (run.created_at - 120, run.sha))
        found.setdefault("refs/heads/main", (now, gh.head_of_main(line)))
        names = [r for r in found if r.startswith(prefix)]
        order = page.get("orderBy") or {"field": "ALPHABETICAL", "direction": "ASC"}
        if order.get("field") == "TAG_COMMIT_DATE":
            names.sort(key=lambda r: found[r][0])
        else:
            names.sort()
        if order.get("direction") == "DESC":
            names.reverse()
        if page.get("query"):
            names = [n for n in names if page["query"] in n.removeprefix(prefix)]
        return _connection(
            [self.ref(line, n.removeprefix(prefix), prefix, found[n][1]) for n in names], page
        )

    def ref(self, line: Line, name: str, prefix: str, sha: str) -> JSON:
        return {
            "__typename": "Ref",
            "id": f"REF_kwDO{zlib.crc32(f'{line.spec.repo}:{prefix}{name}'.encode())}",
            "name": name,
            "prefix": prefix,
            "target": self.commit(line, sha),
        }

    def commit(self, line: Line, sha: str) -> JSON:
        url = f"{gh.WEB}/{line.spec.repo}/commit/{sha}"
        return {
            "__typename": "Commit",
            "id": f"C_kwDO{sha[:12]}",
            "oid": sha,
            "abbreviatedOid": sha[:7],
            "url": url,
            "resourcePath": url.removeprefix(gh.WEB),
            "checkSuites": lambda info, **page: _connection(
                [
                    self.suite(line, r)
                    for r in gh.visible_runs(line, self.now(line))
                    if r.sha == sha
                ],
                page,
            ),
        }

    def workflow(self, line: Line) -> JSON:
        url = f"{gh.WEB}/{line.spec.repo}/actions/workflows/{WORKFLOW_FILE}"
        return {
            "__typename": "Workflow",
            "id": gh.workflow_node_id(line),
            "databaseId": gh.workflow_id(line),
            "name": "release",
            "state": "ACTIVE",
            "url": url,
            "resourcePath": url.removeprefix(gh.WEB),
            "createdAt": rfc3339(self.world.start - 86_400 * 90),
            "updatedAt": rfc3339(self.world.start - 86_400 * 90),
            "runs": lambda info, **page: _connection(
                [self.run(line, r) for r in gh.visible_runs(line, self.now(line))], page
            ),
        }

    def run(self, line: Line, run: Any) -> JSON:
        rest = self._rest(line, run)
        return {
            "__typename": "WorkflowRun",
            "id": rest["node_id"],
            "databaseId": rest["id"],
            "runNumber": rest["run_number"],
            "event": rest["event"],
            "url": rest["html_url"],
            "resourcePath": rest["html_url"].removeprefix(gh.WEB),
            "createdAt": rest["created_at"],
            "updatedAt": rest["updated_at"],
            "workflow": lambda info: self.workflow(line),
            "file": {
                "__typename": "WorkflowRunFile",
                "id": f"WFRF_kwDO{run.id}",
                "path": rest["path"],
                "url": f"{gh.WEB}/{line.spec.repo}/blob/{run.sha}/{rest['path']}",
                "resourcePath": f"/{line.spec.repo}/blob/{run.sha}/{rest['path']}",
            },
            "checkSuite": lambda info: self.suite(line, run),
        }

    def suite(self, line: Line, run: Any) -> JSON:
        rest = self._rest(line, run)
        ident = gh.check_suite_id(run)
        url = f"{gh.WEB}/{line.spec.repo}/commit/{run.sha}/checks?check_suite_id={ident}"
        branch = (
            None if gh.is_tag(run.branch) else self.ref(line, run.branch, "refs/heads/", run.sha)
        )
        return {
            "__typename": "CheckSuite",
            "id": f"CS_kwDO{ident}",
            "databaseId": ident,
            "status": rest["status"].upper(),
            "conclusion": rest["conclusion"].upper() if rest["conclusion"] else None,
            "createdAt": rest["created_at"],
            "updatedAt": rest["updated_at"],
            "branch": branch,
            "commit": self.commit(line, run.sha),
            "creator": _user(rest["triggering_actor"]["login"]),
            "url": url,
            "resourcePath": url.removeprefix(gh.WEB),
            "workflowRun": lambda info: self.run(line, run),
            "checkRuns": lambda info, **page: self.check_runs(line, run, page),
        }

    def check_runs(self, line: Line, run: Any, page: Mapping[str, Any]) -> JSON:
        wanted = page.get("filterBy") or {}
        latest = wanted.get("checkType", "LATEST") != "ALL"
        now = self.now(line)
        statuses = set(wanted.get("statuses") or ())
        if wanted.get("status"):
            statuses.add(wanted["status"])
        items = []
        for job in gh.jobs_of(run, latest):
            status, conclusion, _, _ = gh.job_state(job, now)
            if statuses and status.upper() not in statuses:
                continue
            if (
                wanted.get("conclusions")
                and (conclusion or "").upper() not in wanted["conclusions"]
            ):
                continue
            if wanted.get("checkName") and job.plan.name != wanted["checkName"]:
                continue
            items.append(self.check_run(line, run, job, now))
        return _connection(items, page)

    def check_run(self, line: Line, run: Any, job: Any, now: float) -> JSON:
        """A job as the check run it is (same id, name, times and states as REST's job)."""
        status, conclusion, started, completed = gh.job_state(job, now)
        permalink = f"{gh.WEB}/{line.spec.repo}/runs/{job.job_id}"
        return {
            "__typename": "CheckRun",
            "id": f"CR_kwDO{job.job_id}",
            "databaseId": job.job_id,
            "name": job.plan.name,
            "status": status.upper(),
            "conclusion": conclusion.upper() if conclusion else None,
            "startedAt": rfc3339(started),
            "completedAt": rfc3339(completed) if completed is not None else None,
            "detailsUrl": f"{gh.WEB}/{line.spec.repo}/actions/runs/{run.id}/job/{job.job_id}",
            "url": permalink,
            "permalink": permalink,
            "resourcePath": permalink.removeprefix(gh.WEB),
            "steps": lambda info, **page: _connection(
                [_check_step(step) for step in gh.job_steps(job, now)], page
            ),
        }


def _check_step(step: JSON) -> JSON:
    return {
        "__typename": "CheckStep",
        "name": step["name"],
        "number": step["number"],
        "status": step["status"].upper(),
        "conclusion": step["conclusion"].upper() if step["conclusion"] else None,
        "startedAt": step["started_at"],
        "completedAt": step["completed_at"],
        "externalId": None,
        "secondsToCompletion": None,
    }


def _user(login: str) -> JSON:
    found = gh.user(login)
    return {
        "__typename": "User",
        "id": found["node_id"],
        "login": login,
        "url": found["html_url"],
        "resourcePath": f"/{login}",
    }


def _connection(items: list[Any], page: Mapping[str, Any]) -> JSON:
    """A connection of ``items`` cut to ``first`` (or the ``last``) as GitHub pages it."""
    first, last = page.get("first"), page.get("last")
    chosen = (
        items[:first]
        if isinstance(first, int)
        else items[-last:]
        if isinstance(last, int) and last
        else items
    )
    return {
        "nodes": chosen,
        "totalCount": len(items),
        "pageInfo": {
            "hasNextPage": len(chosen) < len(items) and isinstance(first, int),
            "hasPreviousPage": len(chosen) < len(items) and not isinstance(first, int),
            "startCursor": None,
            "endCursor": None,
        },
    }
