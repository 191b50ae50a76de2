"""GitLab GraphQL: the latest pipelines, with jobs, of up to 50 projects in one request.

Pure: the query, its request body, and the parser of its answer. Sources: the reference
https://docs.gitlab.com/api/graphql/reference/ and the type definitions in gitlab-org/gitlab
(``app/graphql/types/ci/pipeline_type.rb``, ``job_type.rb``,
``resolvers/projects_resolver.rb``, ``resolvers/ci/jobs_resolver.rb``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from release_cockpit.adapters.ci.gitlab_rest import (
    BRANCH_PREFIX,
    TAG_PREFIX,
    GitLabJob,
    GitLabPipeline,
    duration_seconds,
    gid_number,
    utc_time,
)
from release_cockpit.adapters.ci.gitlab_status import GitLabStatus
from release_cockpit.adapters.payload import (
    as_dict,
    as_int,
    as_list,
    as_str,
    dig,
    require_dict,
)
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import BadResponse

MAX_FULL_PATHS = 50
"""``projects(fullPaths:)`` refuses more than 50 paths ("You cannot provide more than 50
full paths", ``resolvers/projects_resolver.rb``)."""
MAX_PAGE = 100
"""GitLab's GraphQL ``default_max_page_size`` and the REST ``per_page`` maximum."""
ERROR_LIMIT = 300


# -- GraphQL: latest pipelines of many projects in one request ----------------------------

PIPELINES_QUERY = """\
query ReleaseCockpitPipelines(
  $fullPaths: [String!], $projects: Int, $pipelines: Int, $jobs: Int, $ref: String
) {
  projects(fullPaths: $fullPaths, first: $projects) {
    nodes {
      fullPath
      webUrl
      pipelines(first: $pipelines, ref: $ref) {
        nodes {
          id
          iid
          name
          status
          ref
          refPath
          sha
          source
          path
          warnings
          createdAt
          updatedAt
          startedAt
          finishedAt
          duration
          user { username }
          jobs(first: $jobs, retried: false) {
            nodes {
              id
              name
              status
              allowFailure
              retried
              webPath
              createdAt
              startedAt
              finishedAt
              duration
              failureMessage
              stage { name }
            }
            pageInfo { hasNextPage }
          }
        }
      }
    }
  }
  queryComplexity { score limit }
}
"""
"""The latest pipelines, with their jobs, of up to 50 projects in one POST /api/graphql.

Checked against the type definitions: ``Query.projects(fullPaths: [String!], first:)``
(``resolvers/projects_resolver.rb``: at most 50 paths), ``Project.pipelines(first:)``
(``resolvers/concerns/resolves_pipelines.rb``: newest first; ``ref`` filters by branch or
tag, and an omitted ``$ref`` is no filter), ``Pipeline`` fields
(``types/ci/pipeline_type.rb``: ``id`` is a global id, ``iid`` a string, ``path`` and
``CiJob.webPath`` relative URLs: there is no ``webUrl`` on either), ``Pipeline.jobs
(retried: false)`` keeps the latest attempts (``resolvers/ci/jobs_resolver.rb``) and its
``pageInfo.hasNextPage`` says a pipeline has more jobs than one page, and
``queryComplexity`` reports the cost against the 250-point limit. Projects the token
cannot see are simply absent from ``nodes``.
"""


def full_path_batches(full_paths: Iterable[str], size: int = MAX_FULL_PATHS) -> list[list[str]]:
    """Distinct project paths in batches GitLab accepts (50 per ``projects`` call)."""
    seen: list[str] = []
    lowered: set[str] = set()
    for path in full_paths:
        cleaned = path.strip().strip("/")
        if cleaned and cleaned.lower() not in lowered:
            lowered.add(cleaned.lower())
            seen.append(cleaned)
    step = max(1, min(size, MAX_FULL_PATHS))
    return [seen[i : i + step] for i in range(0, len(seen), step)]


def pipelines_request(
    full_paths: Sequence[str], *, pipelines: int = 5, jobs: int = 50, ref: str | None = None
) -> dict[str, object]:
    """The JSON body of the GraphQL request for ``full_paths`` (at most 50).

    ``pipelines`` and ``jobs`` are clamped to 1..100 (GitLab's page size); the query's
    cost grows with both, so keep them small (5 pipelines with 50 jobs each is the default).
    ``ref`` keeps only pipelines of that branch or tag (the same for every path: lines that
    name different refs go in different requests).

    Raises:
        ValueError: more than 50 paths (batch them with ``full_path_batches``).
    """
    paths = [p.strip().strip("/") for p in full_paths if p.strip().strip("/")]
    if len(paths) > MAX_FULL_PATHS:
        raise ValueError(f"GitLab accepts at most {MAX_FULL_PATHS} full paths per request")
    variables: dict[str, object] = {
        "fullPaths": paths,
        "projects": max(1, len(paths)),
        "pipelines": min(max(1, pipelines), MAX_PAGE),
        "jobs": min(max(1, jobs), MAX_PAGE),
    }
    if ref:
        variables["ref"] = ref
    return {
        "query": PIPELINES_QUERY,
        "operationName": "ReleaseCockpitPipelines",
        "variables": variables,
    }


@dataclass(frozen=True, slots=True)
class ProjectPipelines:
    """One requested project's pipelines from the GraphQL answer, or why there are none.

    ``problem`` is "" when the project was read; otherwise it says why not (not visible
    to the token, or a GraphQL error on its path). Its pipelines are then empty, and must
    not be taken as "no pipelines".
    """

    full_path: str
    pipelines: tuple[GitLabPipeline, ...] = ()
    problem: str = ""


@dataclass(frozen=True, slots=True)
class GraphQLPipelines:
    """A parsed answer: every requested project, plus errors not tied to one project."""

    projects: Mapping[str, ProjectPipelines]
    errors: tuple[str, ...] = ()
    complexity: int | None = None
    complexity_limit: int | None = None


def graphql_errors(payload: object) -> tuple[tuple[str, tuple[object, ...]], ...]:
    """``errors[]`` of a GraphQL answer as (message, path) pairs; GitLab sends them with
    HTTP 200 (and with 401 for a bad token: ``{"errors":[{"message":"Invalid token"}]}``)."""
    out = []
    for error in as_list(as_dict(payload).get("errors")):
        if isinstance(error, dict):
            message = as_str(error.get("message"), ERROR_LIMIT) or "unnamed GraphQL error"
            path = tuple(p for p in as_list(error.get("path")) if isinstance(p, str | int))
            out.append((message, path))
        elif isinstance(error, str):
            out.append((clean_text(error, ERROR_LIMIT), ()))
    return tuple(out)


def _absolute(base_url: str, path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{base_url.rstrip('/')}/{path.lstrip('/')}" if base_url else path


def parse_graphql_job(node: Mapping[str, Any], base_url: str = "") -> GitLabJob | None:
    """One ``CiJob`` node; None without a usable id."""
    ident = gid_number(node.get("id"))
    if ident is None:
        return None
    return GitLabJob(
        id=ident,
        name=as_str(node.get("name"), 300),
        stage=as_str(dig(node, "stage", "name"), 200),
        status=GitLabStatus.parse(node.get("status")),
        allow_failure=node.get("allowFailure") is True,
        failure_reason=as_str(node.get("failureMessage"), 200),
        created_at=utc_time(node.get("createdAt")),
        started_at=utc_time(node.get("startedAt")),
        finished_at=utc_time(node.get("finishedAt")),
        duration=duration_seconds(node.get("duration")),
        web_url=_absolute(base_url, as_str(node.get("webPath"), 500)),
        retried=node.get("retried") is True,
    )


def parse_graphql_pipeline(
    node: Mapping[str, Any], project: str, base_url: str = ""
) -> GitLabPipeline | None:
    """One ``Pipeline`` node with its jobs; None without a usable id."""
    ident = gid_number(node.get("id"))
    if ident is None:
        return None
    ref_path = as_str(node.get("refPath"), 300)
    ref = as_str(node.get("ref"), 300)
    tag: bool | None = None
    if ref_path.startswith(TAG_PREFIX):
        tag, ref = True, ref or ref_path.removeprefix(TAG_PREFIX)
    elif ref_path.startswith(BRANCH_PREFIX):
        tag, ref = False, ref or ref_path.removeprefix(BRANCH_PREFIX)
    jobs = [
        job
        for item in as_list(dig(node, "jobs", "nodes"))
        if isinstance(item, dict) and (job := parse_graphql_job(item, base_url))
    ]
    return GitLabPipeline(
        id=ident,
        iid=as_int(node.get("iid")),
        project=project,
        status=GitLabStatus.parse(node.get("status")),
        ref=ref,
        sha=as_str(node.get("sha"), 64),
        tag=tag,
        source=as_str(node.get("source"), 60),
        name=as_str(node.get("name"), 300),
        web_url=_absolute(base_url, as_str(node.get("path"), 500)),
        user=as_str(dig(node, "user", "username"), 100),
        created_at=utc_time(node.get("createdAt")),
        updated_at=utc_time(node.get("updatedAt")),
        started_at=utc_time(node.get("startedAt")),
        finished_at=utc_time(node.get("finishedAt")),
        duration=duration_seconds(node.get("duration")),
        warnings=node.get("warnings") is True,
        jobs=tuple(jobs),
        more_jobs=dig(node, "jobs", "pageInfo", "hasNextPage") is True,
    )


def parse_pipelines_graphql(
    payload: object, requested: Sequence[str], *, base_url: str = ""
) -> GraphQLPipelines:
    """The answer to ``pipelines_request`` -> pipelines per requested project.

    GraphQL reports failures inside an HTTP 200: ``errors[]`` next to partial ``data``.
    An error whose ``path`` runs through ``projects.nodes[i]`` is charged to that project
    (its pipelines are not trusted); other errors are returned in ``errors``. A requested
    project missing from ``nodes`` does not exist or is hidden from the token, which
    GitLab does not distinguish; it gets a ``problem``, never an empty success.

    Raises:
        BadResponse: no ``data.projects`` at all (the whole query failed: bad token,
            complexity over the limit, syntax): the message carries GitLab's errors.
    """
    body = require_dict(payload, "GitLab GraphQL answer")
    errors = graphql_errors(body)
    projects = dig(body, "data", "projects")
    if not isinstance(projects, dict):
        detail = "; ".join(message for message, _ in errors) or "no data in the answer"
        raise BadResponse(
            f"GitLab GraphQL query failed: {clean_text(detail, ERROR_LIMIT)}",
            hint="check the token (scope read_api) and the GitLab URL; a complexity error "
            "means fewer projects, pipelines or jobs per request",
        )
    nodes = as_list(projects.get("nodes"))
    by_index: dict[int, list[str]] = {}
    general: list[str] = []
    for message, where in errors:
        if len(where) >= 3 and where[:2] == ("projects", "nodes") and isinstance(where[2], int):
            by_index.setdefault(where[2], []).append(message)
        else:
            general.append(message)
    found: dict[str, ProjectPipelines] = {}
    for index, node in enumerate(nodes):
        if not isinstance(node, dict):
            continue
        full_path = as_str(node.get("fullPath"), 300)
        if not full_path:
            continue
        if index in by_index:
            problem = "GitLab reported an error: " + "; ".join(by_index[index])
            found[full_path.lower()] = ProjectPipelines(full_path, (), problem)
            continue
        pipelines_node = node.get("pipelines")
        if not isinstance(pipelines_node, dict):
            found[full_path.lower()] = ProjectPipelines(
                full_path, (), "GitLab returned no pipelines field for this project"
            )
            continue
        pipelines = tuple(
            pipeline
            for item in as_list(pipelines_node.get("nodes"))
            if isinstance(item, dict)
            and (pipeline := parse_graphql_pipeline(item, full_path, base_url))
        )
        found[full_path.lower()] = ProjectPipelines(full_path, pipelines)
    result: dict[str, ProjectPipelines] = {}
    for path in requested:
        key = path.strip().strip("/")
        if not key:
            continue
        result[key] = found.get(key.lower()) or ProjectPipelines(
            key,
            (),
            "not visible: GitLab returned no project at this path (it does not exist or "
            "the token cannot read it)",
        )
    complexity = as_dict(dig(body, "data", "queryComplexity"))
    return GraphQLPipelines(
        projects=result,
        errors=tuple(general),
        complexity=as_int(complexity.get("score")),
        complexity_limit=as_int(complexity.get("limit")),
    )
