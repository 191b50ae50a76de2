"""GitHub's GraphQL API for GitHub Actions: the latest runs of many workflows per request.

Pure: the query texts, their request bodies, and the reading of an answer (data per
alias, errors per alias, the rate-limit budget). Parsing runs and jobs is in
``github_graphql_runs``; the requests themselves in ``github_graphql_poll``. Every field
below was checked against GitHub's published schema (``schema.graphql`` of
https://github.com/octokit/graphql-schema, the types the tests validate the queries
against: ``tests/fixtures/github/graphql-schema-subset.graphql``).

What the GraphQL path reads
---------------------------
REST answers "the latest runs of workflow X" with ``GET /repos/{o}/{r}/actions/workflows/
{id}/runs`` (https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow):
newest first, every branch and tag. GraphQL has the same list, ``Workflow.runs(first:)``,
ordered by ``CREATED_AT`` descending by default
(https://docs.github.com/en/graphql/reference/objects#workflow). No field of
``Repository`` leads to a workflow, so a workflow is reached by its node id with
``node(id:)``; REST gives that id (``node_id`` of ``GET /repos/{o}/{r}/actions/workflows/
{workflow_id}``, https://docs.github.com/en/rest/actions/workflows#get-a-workflow) once per
workflow. One request carries ``RUNS_BATCH`` workflows as aliases (``w0``, ``w1``...), so a
poll costs one request per 50 workflows instead of one per repository.

The other way in, ``Commit.checkSuites`` reached through ``Repository.object(expression:)``,
``refs`` or ``defaultBranchRef.target.history``, reads the check suites of chosen commits:
runs on the tips of some refs, not the latest runs of workflow X. It misses a re-run on
an older commit and the runs on other branches, which must still show (as "version
unknown"), so it is not used for runs.

Per run (``WorkflowRun``, https://docs.github.com/en/graphql/reference/objects#workflowrun):
``databaseId`` (the REST run id), ``runNumber``, ``event``, ``url``, ``createdAt``,
``updatedAt``, ``workflow { name }``, and its check suite
(https://docs.github.com/en/graphql/reference/objects#checksuite): a workflow run is one
check suite, whose ``status`` and ``conclusion`` are the run's, ``branch { name prefix }``,
``commit { oid }`` and ``creator { login }``.

The ref, which the version is read from: ``CheckSuite.branch`` is documented as "the name
of the branch for this check suite"; for a run pushed by a tag GitHub does not promise one.
So each repository's newest tags are read in the same request (``Repository.refs(refPrefix:
"refs/tags/", orderBy: {field: TAG_COMMIT_DATE, direction: DESC})``), and a run without a
branch takes the one tag pointing at its commit. When no tag or several do, or the tag
list was cut there, the run is read over REST (its ``head_branch``): a version is never
guessed.

Jobs: a GitHub Actions job is a check run of its run's check suite (the REST job's
``check_run_url``), and ``checkRuns(filterBy: {checkType: LATEST})`` keeps the latest
attempt of each, like REST's ``filter=latest`` (https://docs.github.com/en/graphql/reference/
input-objects#checkrunfilter). ``JOBS_QUERY`` reads them for up to ``JOBS_BATCH`` check
suites per request, with the steps of failed jobs only (the only steps the cockpit shows).

What it cannot read, and where REST is still used
-------------------------------------------------
- ``run_attempt``, ``display_title``, ``run_started_at`` and ``triggering_actor`` have no
  GraphQL field. A finished, failed run whose jobs are shown is read once over REST (per
  update), so the retry confirmation names the right attempt; other runs show no attempt
  number and no title.
- ``run_name`` reads the version from run titles: a backend that sets it polls over REST.
- A run with more jobs than ``jobs_per_run``: its jobs are read over REST, page by page.
- Change sets: the new ranges of a poll are compared in one GraphQL query
  (``github_graphql_compare``); a range of more than 100 commits is compared over REST,
  whose answer holds 250.
- The workflow's node id (once), GitHub Deployments (history) and the re-run POST are
  REST, with conditional requests (ETags) where they read.
- A token GraphQL refuses (HTTP 401/403/404 on the endpoint, or a scope error): the
  adapter says so once on the sources screen and polls over REST.

Cost (https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api):
each connection costs the requests needed to fill it, every ``first`` assumed reached,
divided by 100; 5,000 points an hour for a user. A runs query of 50 workflows with their
tags costs 1 point; every query asks for ``rateLimit { cost remaining resetAt }`` so the
sources screen shows what is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, parse_time
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import AdapterError, AuthError, BadResponse, NotFound, RateLimited

RUNS_BATCH = 50
"""Workflows per runs query: "about 50 repositories" keeps a query far below GitHub's
500,000-node and 10-second limits (50 x 10 runs + 50 x 20 tags = 1,500 nodes)."""
JOBS_BATCH = 50
"""Check suites per jobs query (50 x ``jobs_per_run`` check runs)."""
MAX_PAGE = 100
"""GitHub's largest ``first`` for any connection."""
TAGS_PER_REPO = 20
"""Newest tags read per repository to find the tag a branchless run was pushed by."""
FAILED_JOBS_WITH_STEPS = 10
"""Failed jobs per run whose steps are read (the detail screen names failed steps)."""
ERROR_LIMIT = 300
FAILED_CONCLUSIONS = ("FAILURE", "TIMED_OUT", "STARTUP_FAILURE")
"""Conclusions that map to a failed job, whose failed steps are shown."""

RUN_FRAGMENT = """\
fragment ReleaseCockpitRun on WorkflowRun {
  databaseId
  runNumber
  event
  url
  createdAt
  updatedAt
  workflow { name }
  checkSuite {
    id
    status
    conclusion
    updatedAt
    branch { name prefix }
    commit { oid }
    creator { login }
  }
}"""

JOBS_FRAGMENT = f"""\
fragment ReleaseCockpitJobs on CheckSuite {{
  id
  checkRuns(first: $jobs, filterBy: {{checkType: LATEST}}) {{
    pageInfo {{ hasNextPage }}
    nodes {{ databaseId name status conclusion startedAt completedAt detailsUrl url }}
  }}
  failed: checkRuns(
    first: {FAILED_JOBS_WITH_STEPS}
    filterBy: {{checkType: LATEST, conclusions: [{", ".join(FAILED_CONCLUSIONS)}]}}
  ) {{
    nodes {{
      databaseId
      steps(first: {MAX_PAGE}) {{
        nodes {{ number name status conclusion startedAt completedAt }}
      }}
    }}
  }}
}}"""

RATE_LIMIT_FIELDS = "rateLimit { cost limit remaining resetAt used }"


def graphql_url(api_url: str) -> str:
    """The GraphQL endpoint for a REST API URL.

    ``https://api.github.com`` -> ``https://api.github.com/graphql``; GitHub Enterprise
    Server serves REST at ``https://HOST/api/v3`` and GraphQL at ``https://HOST/api/graphql``
    (https://docs.github.com/en/enterprise-server@latest/graphql/guides/forming-calls-with-graphql);
    any other URL (a proxy, the demo world) gets ``/graphql`` appended.
    """
    parts = urlsplit(api_url.strip().rstrip("/"))
    path = parts.path.rstrip("/")
    path = path[: -len("/v3")] + "/graphql" if path.endswith("/api/v3") else path + "/graphql"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def runs_request(
    workflow_ids: Sequence[str],
    repositories: Sequence[tuple[str, str]],
    *,
    runs: int = 10,
    tags: int = TAGS_PER_REPO,
) -> dict[str, object]:
    """The body of one runs query: ``w{i}`` the runs of each workflow node id, ``r{j}`` the
    newest tags of each (owner, name) repository, and the rate limit.

    Raises:
        ValueError: more than ``RUNS_BATCH`` workflows (split them first).
    """
    if len(workflow_ids) > RUNS_BATCH:
        raise ValueError(f"at most {RUNS_BATCH} workflows per GraphQL request")
    declared = ["$runs: Int!", "$tags: Int!"]
    fields = []
    variables: dict[str, object] = {
        "runs": _page(runs),
        "tags": _page(tags),
    }
    for index, ident in enumerate(workflow_ids):
        declared.append(f"$w{index}: ID!")
        variables[f"w{index}"] = ident
        fields.append(
            f"  w{index}: node(id: $w{index}) {{ ... on Workflow {{ id name "
            "runs(first: $runs) { nodes { ...ReleaseCockpitRun } } } }"
        )
    for index, (owner, name) in enumerate(repositories):
        declared += [f"$o{index}: String!", f"$n{index}: String!"]
        variables[f"o{index}"], variables[f"n{index}"] = owner, name
        fields.append(
            f"  r{index}: repository(owner: $o{index}, name: $n{index}) {{ nameWithOwner "
            'tags: refs(refPrefix: "refs/tags/", first: $tags, '
            "orderBy: {field: TAG_COMMIT_DATE, direction: DESC}) { pageInfo { hasNextPage } "
            "nodes { name target { oid ... on Tag { target { oid } } } } } }"
        )
    query = (
        f"query ReleaseCockpitRuns({', '.join(declared)}) {{\n"
        + "\n".join(fields)
        + f"\n  {RATE_LIMIT_FIELDS}\n}}\n{RUN_FRAGMENT}\n"
    )
    return {"query": query, "operationName": "ReleaseCockpitRuns", "variables": variables}


def jobs_request(suite_ids: Sequence[str], *, jobs: int = 50) -> dict[str, object]:
    """The body of one jobs query: ``s{i}`` the latest check runs (jobs) of each check suite.

    Raises:
        ValueError: more than ``JOBS_BATCH`` check suites.
    """
    if len(suite_ids) > JOBS_BATCH:
        raise ValueError(f"at most {JOBS_BATCH} check suites per GraphQL request")
    declared = ["$jobs: Int!", *(f"$s{i}: ID!" for i in range(len(suite_ids)))]
    fields = [f"  s{i}: node(id: $s{i}) {{ ...ReleaseCockpitJobs }}" for i in range(len(suite_ids))]
    variables: dict[str, object] = {"jobs": _page(jobs)}
    variables.update({f"s{i}": ident for i, ident in enumerate(suite_ids)})
    query = (
        f"query ReleaseCockpitJobs({', '.join(declared)}) {{\n"
        + "\n".join(fields)
        + f"\n  {RATE_LIMIT_FIELDS}\n}}\n{JOBS_FRAGMENT}\n"
    )
    return {"query": query, "operationName": "ReleaseCockpitJobs", "variables": variables}


PROBE_QUERY = "query ReleaseCockpitProbe { viewer { login } rateLimit { limit remaining resetAt } }"
"""What ``release-cockpit check`` asks: whether GraphQL answers this token, and its budget."""


def _page(value: int) -> int:
    return min(max(1, value), MAX_PAGE)


# -- answers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraphQLProblem:
    """One entry of a GraphQL ``errors`` list: GitHub's ``type`` (``NOT_FOUND``,
    ``FORBIDDEN``, ``RATE_LIMITED``...; "" when absent), its message and its ``path``."""

    message: str
    type: str = ""
    path: tuple[str | int, ...] = ()

    @property
    def alias(self) -> str:
        """The top-level field (our alias) the error belongs to, "" for a query-wide one."""
        return self.path[0] if self.path and isinstance(self.path[0], str) else ""


@dataclass(frozen=True, slots=True)
class Budget:
    """``rateLimit { cost limit remaining resetAt used }`` of one answer (points)."""

    cost: int | None = None
    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None
    used: int | None = None


@dataclass(frozen=True, slots=True)
class GraphQLAnswer:
    """An answer split by alias. GitHub reports failures inside HTTP 200: ``errors[]``
    next to partial ``data`` (a failed alias is null), each error's ``path`` naming the
    alias it belongs to. ``fields`` holds every alias that arrived (possibly None);
    ``failed`` the errors of each alias; ``general`` those tied to no alias."""

    fields: Mapping[str, Any]
    failed: Mapping[str, tuple[GraphQLProblem, ...]] = field(default_factory=dict)
    general: tuple[GraphQLProblem, ...] = ()
    budget: Budget | None = None
    has_data: bool = True

    def value(self, alias: str) -> Any:
        """The alias's data when it arrived whole: no error under it, not null."""
        if alias in self.failed:
            return None
        return self.fields.get(alias)

    def problems(self, alias: str) -> tuple[GraphQLProblem, ...]:
        """Why an alias has no usable data: its own errors, else the query-wide ones."""
        return self.failed.get(alias) or self.general


def graphql_problems(payload: object) -> tuple[GraphQLProblem, ...]:
    """The ``errors[]`` of a GraphQL answer, cleaned."""
    found = []
    for error in as_list(as_dict(payload).get("errors")):
        if isinstance(error, dict):
            found.append(
                GraphQLProblem(
                    message=as_str(error.get("message"), ERROR_LIMIT) or "unnamed GraphQL error",
                    type=as_str(error.get("type"), 60),
                    path=tuple(p for p in as_list(error.get("path")) if isinstance(p, str | int)),
                )
            )
        elif isinstance(error, str):
            found.append(GraphQLProblem(clean_text(error, ERROR_LIMIT)))
    return tuple(found)


def parse_budget(value: object) -> Budget | None:
    """A ``rateLimit`` object; None when the answer has none."""
    limit = as_dict(value)
    if not limit:
        return None
    return Budget(
        cost=as_int(limit.get("cost")),
        limit=as_int(limit.get("limit")),
        remaining=as_int(limit.get("remaining")),
        reset_at=parse_time(limit.get("resetAt")),
        used=as_int(limit.get("used")),
    )


def split_answer(payload: object) -> GraphQLAnswer:
    """A GraphQL answer by alias; never raises (a body without ``data`` has ``has_data``
    False and its errors in ``general``)."""
    body = as_dict(payload)
    data = body.get("data")
    problems = graphql_problems(body)
    failed: dict[str, list[GraphQLProblem]] = {}
    general = []
    fields = data if isinstance(data, dict) else {}
    for problem in problems:
        if problem.alias and problem.alias in fields:
            failed.setdefault(problem.alias, []).append(problem)
        else:
            general.append(problem)
    return GraphQLAnswer(
        fields={k: v for k, v in fields.items() if k != "rateLimit"},
        failed={k: tuple(v) for k, v in failed.items()},
        general=tuple(general),
        budget=parse_budget(fields.get("rateLimit")),
        has_data=isinstance(data, dict),
    )


def problem_text(problems: Sequence[GraphQLProblem]) -> str:
    """The messages of some errors, joined for a person."""
    return "; ".join(dict.fromkeys(p.message for p in problems)) or "no data in the answer"


REFUSAL_TYPES = frozenset({"INSUFFICIENT_SCOPES", "FORBIDDEN"})
"""Query-wide error types meaning this token may not use GraphQL for this query at all
(a fine-grained token without access to a resource answers FORBIDDEN)."""


def refused(answer: GraphQLAnswer) -> bool:
    """The whole query was refused for this token (no data, a refusal type)."""
    return not answer.has_data and any(p.type in REFUSAL_TYPES for p in answer.general)


def rate_limited(answer: GraphQLAnswer) -> bool:
    """GitHub answered HTTP 200 with ``RATE_LIMITED``: the points are spent."""
    return any(p.type == "RATE_LIMITED" for p in answer.general)


def limited_error(
    backend: str, problems: Sequence[GraphQLProblem], reset_at: datetime | None
) -> RateLimited:
    """The error for spent points: the engine waits until ``reset_at``."""
    wait = max(0.0, (reset_at - datetime.now(UTC)).total_seconds()) if reset_at else None
    return RateLimited(
        f"GitHub GraphQL points are spent: {problem_text(problems)}",
        backend=backend,
        retry_after=wait,
        hint="the cockpit waits for the reset; raise the backend's interval to spend less",
    )


def alias_error(
    backend: str,
    where: str,
    problems: Sequence[GraphQLProblem],
    what: str,
    reset_at: datetime | None = None,
) -> AdapterError:
    """Why one alias (a workflow, a repository, a check suite of ``where``) has no data,
    as the error its release line shows."""
    text = problem_text(problems)
    kinds = {p.type for p in problems}
    if "NOT_FOUND" in kinds:
        return NotFound(
            f"GitHub GraphQL found no {what} for {where}: {text}",
            backend=backend,
            hint="check the service's ci.project and ci.workflow, and that the token can "
            "read the repository; a deleted workflow is looked up again next poll",
        )
    if "FORBIDDEN" in kinds:
        return AuthError(
            f"GitHub GraphQL refused {where}: {text}",
            backend=backend,
            hint="give the token read access to this repository's Actions",
        )
    if "RATE_LIMITED" in kinds:
        return limited_error(backend, problems, reset_at)
    return BadResponse(
        f"GitHub GraphQL sent no {what} for {where}: {text}",
        backend=backend,
        hint="the next poll asks again",
    )


def budget_note(budget: Budget | None, cost: int, queries: int) -> str:
    """``GraphQL: 4,987/5,000 points left, resets in 42m; last poll 11 queries, 15 points``,
    for the sources screen ("" before any answer said)."""
    if budget is None or budget.remaining is None:
        return ""
    text = f"GraphQL: {budget.remaining:,}"
    if budget.limit is not None:
        text += f"/{budget.limit:,}"
    text += " points left"
    if budget.reset_at is not None:
        minutes = max(0, int((budget.reset_at - datetime.now(UTC)).total_seconds() // 60))
        text += f", resets in {minutes}m"
    word = "query" if queries == 1 else "queries"
    return text + f"; last poll {queries} {word}, {cost} points"


def parse_workflow_ids(payload: object) -> tuple[str, ...]:
    """Node ids from ``GET .../actions/workflows/{id}`` (one ``workflow``) or
    ``GET .../actions/workflows`` (``{"workflows": [...]}``)."""
    body = as_dict(payload)
    items = as_list(body.get("workflows")) if "workflows" in body else [body]
    return tuple(ident for item in items if (ident := as_str(as_dict(item).get("node_id"), 200)))
