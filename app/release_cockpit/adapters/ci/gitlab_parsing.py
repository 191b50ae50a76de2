"""GitLab CI payloads -> the cockpit's runs, jobs, past deployments and control requests.

Pure functions only: an adapter class (written later, against the new adapter contract)
fetches and calls these. Sources, read for this module:

- REST v4 pipelines: https://docs.gitlab.com/api/pipelines/ ; jobs:
  https://docs.gitlab.com/api/jobs/ ; deployments: https://docs.gitlab.com/api/deployments/ ;
  environments: https://docs.gitlab.com/api/environments/ (docs are CC BY-SA 4.0).
- The REST entities (``lib/api/entities/ci/job_basic.rb``, ``pipeline_basic.rb``,
  ``lib/api/entities/deployment.rb`` in gitlab-org/gitlab): a REST job has no ``retried``
  field and a REST deployment no ``finished_at``.
- Status rules: ``app/models/concerns/ci/has_status.rb`` (the status set) and
  ``lib/gitlab/ci/status/composite.rb`` (how GitLab rolls job statuses up into a stage or
  pipeline status, including ``allow_failure``).
- GraphQL: https://docs.gitlab.com/api/graphql/reference/ and the type definitions
  (``app/graphql/types/ci/pipeline_type.rb``, ``job_type.rb``, ``resolvers/projects_resolver.rb``,
  ``resolvers/ci/jobs_resolver.rb``).

How ``allow_failure`` is expressed (the domain has no "passed with warnings" state):
GitLab's own roll-up (``Composite``) counts a failed or canceled job with
``allow_failure: true`` as *success with warnings* and a manual job with
``allow_failure: true`` (an optional manual job, the default for ``when: manual`` outside
``rules``) as *ignored*. ``to_ci_job`` maps each job the same way, so the cockpit's stage
rules reach GitLab's verdict: an allowed failure becomes a SUCCEEDED job that carries one
FAILED step named "failed, allowed to fail (<reason>)" (the detail screen lists it under
"Failed steps"), and an optional manual job becomes SKIPPED (it blocks nothing; its play
action is still offered). A manual job that blocks its pipeline (``allow_failure: false``)
is WAITING ("waiting for a human"), as is a pipeline in status ``manual``.
``GitLabJob`` keeps GitLab's raw status and flags for anyone who needs them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from urllib.parse import quote

from release_cockpit.adapters.ci.ci_parsing import (
    ActionOffer,
    ActionRequest,
    VersionCandidate,
    VersionRead,
    header,
    join_names,
    read_version,
    short_sha,
)
from release_cockpit.adapters.ci.github_deployments import (
    DeploymentState,
    GitHubDeployment,
    GitHubDeploymentStatus,
    to_records,
)
from release_cockpit.adapters.http_errors import parse_reset, parse_retry_after
from release_cockpit.adapters.payload import (
    as_dict,
    as_int,
    as_list,
    as_str,
    dig,
    parse_time,
    require_dict,
    require_list,
)
from release_cockpit.domain.ci import CIJob, CIRun, CIStep, RunStatus
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import BadResponse

SOURCE = "gitlab-deployments"
"""``ReleaseRecord.source`` of records backfilled from GitLab deployments."""
MAX_FULL_PATHS = 50
"""``projects(fullPaths:)`` refuses more than 50 paths ("You cannot provide more than 50
full paths", ``resolvers/projects_resolver.rb``)."""
MAX_PAGE = 100
"""GitLab's GraphQL ``default_max_page_size`` and the REST ``per_page`` maximum."""
ERROR_LIMIT = 300


# -- statuses --------------------------------------------------------------------------


class GitLabStatus(Enum):
    """A pipeline or job status (``Ci::HasStatus``), plus the two newer transient ones.

    REST sends lower case, GraphQL the same names in upper case (``CiJobStatus``,
    ``PipelineStatusEnum``); ``parse`` accepts both. ``canceling`` and
    ``waiting_for_callback`` are listed by the current pipelines API docs
    (https://docs.gitlab.com/api/pipelines/#list-project-pipelines) but not by older
    servers. Anything else is UNKNOWN.
    """

    CREATED = "created"
    WAITING_FOR_RESOURCE = "waiting_for_resource"
    PREPARING = "preparing"
    WAITING_FOR_CALLBACK = "waiting_for_callback"
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELING = "canceling"
    CANCELED = "canceled"
    SKIPPED = "skipped"
    MANUAL = "manual"
    SCHEDULED = "scheduled"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: object) -> GitLabStatus:
        if not isinstance(value, str):
            return cls.UNKNOWN
        try:
            return cls(value.strip().lower())
        except ValueError:
            return cls.UNKNOWN


STATUS_MAP: Mapping[GitLabStatus, RunStatus] = {
    # Not started: GitLab has not handed the job to a runner yet.
    GitLabStatus.CREATED: RunStatus.QUEUED,
    GitLabStatus.WAITING_FOR_RESOURCE: RunStatus.QUEUED,  # a resource_group is busy
    GitLabStatus.PREPARING: RunStatus.QUEUED,
    GitLabStatus.PENDING: RunStatus.QUEUED,
    # A ``when: delayed`` job waits for its timer and then runs by itself: no human needed.
    GitLabStatus.SCHEDULED: RunStatus.QUEUED,
    GitLabStatus.RUNNING: RunStatus.RUNNING,
    # Waiting for an external system to call back: still in progress, not a human gate.
    GitLabStatus.WAITING_FOR_CALLBACK: RunStatus.RUNNING,
    # Cancellation requested, jobs still running their after_script: not finished yet.
    GitLabStatus.CANCELING: RunStatus.RUNNING,
    GitLabStatus.SUCCESS: RunStatus.SUCCEEDED,
    GitLabStatus.FAILED: RunStatus.FAILED,
    GitLabStatus.CANCELED: RunStatus.CANCELLED,
    GitLabStatus.SKIPPED: RunStatus.SKIPPED,
    # A manual job waits for someone to press play; a pipeline in ``manual`` is blocked
    # by such a job (``allow_failure: false``).
    GitLabStatus.MANUAL: RunStatus.WAITING,
    GitLabStatus.UNKNOWN: RunStatus.UNKNOWN,
}


def map_status(value: object) -> RunStatus:
    """A REST or GraphQL status string as a RunStatus; unknown values are UNKNOWN."""
    return STATUS_MAP[GitLabStatus.parse(value)]


@dataclass(frozen=True, slots=True)
class RollUp:
    """A composite status: GitLab's status word and whether allowed failures hid in it."""

    status: GitLabStatus
    warnings: bool = False


# What ``Composite#consume_status`` turns an allow_failure job into
# (``Ci::HasStatus::PASSED_WITH_WARNINGS_STATUSES`` and ``EXCLUDE_IGNORED_STATUSES``).
_WARNING_WHEN_ALLOWED = frozenset({GitLabStatus.FAILED, GitLabStatus.CANCELED})
_IGNORED_WHEN_ALLOWED = frozenset({GitLabStatus.MANUAL})
_WARN = "success_with_warnings"
_IGNORED = "ignored"


def roll_up(items: Iterable[tuple[GitLabStatus, bool]]) -> RollUp | None:
    """GitLab's composite status of ``(status, allow_failure)`` pairs; None for no pairs.

    A port of ``Gitlab::Ci::Status::Composite#status`` (stage-scheduled pipelines, not the
    DAG branch), in the same order, because the order is the rule. Two differences, both
    on the safe side: any UNKNOWN status makes the whole roll-up UNKNOWN (GitLab's last
    branch would say ``failed``; we cannot know), and the newer ``canceling`` and
    ``waiting_for_callback`` count as running.
    """
    seen: set[GitLabStatus | str] = set()
    for status, allowed in items:
        if allowed and status in _WARNING_WHEN_ALLOWED:
            seen.add(_WARN)
        elif allowed and status in _IGNORED_WHEN_ALLOWED:
            seen.add(_IGNORED)
        else:
            seen.add(status)
    if not seen:
        return None
    warnings = _WARN in seen
    if GitLabStatus.UNKNOWN in seen:
        return RollUp(GitLabStatus.UNKNOWN, warnings)

    def only_of(*names: GitLabStatus | str) -> bool:
        return seen <= set(names)

    s = GitLabStatus
    if only_of(s.SKIPPED, _IGNORED):
        result = s.SKIPPED
    elif only_of(s.SUCCESS, s.SKIPPED, _WARN, _IGNORED):
        result = s.SUCCESS
    elif only_of(s.CREATED, _WARN, _IGNORED):
        result = s.CREATED
    elif only_of(s.PREPARING, _WARN, _IGNORED):
        result = s.PREPARING
    elif only_of(s.CANCELED, s.SUCCESS, s.SKIPPED, _WARN, _IGNORED):
        result = s.CANCELED
    elif only_of(s.PENDING, s.CREATED, s.SKIPPED, _WARN, _IGNORED):
        result = s.PENDING
    elif seen & {s.RUNNING, s.PENDING, s.CANCELING, s.WAITING_FOR_CALLBACK}:
        result = s.RUNNING
    elif s.WAITING_FOR_RESOURCE in seen:
        result = s.WAITING_FOR_RESOURCE
    elif s.MANUAL in seen:
        result = s.MANUAL
    elif s.SCHEDULED in seen:
        result = s.SCHEDULED
    elif s.PREPARING in seen:
        result = s.PREPARING
    elif s.CREATED in seen:
        result = s.RUNNING
    else:
        result = s.FAILED
    return RollUp(result, warnings)


# -- jobs and pipelines ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GitLabJob:
    """A job as GitLab reports it (REST ``Job`` or GraphQL ``CiJob``).

    Attributes:
        id: numeric job id (GraphQL's global id ``gid://gitlab/Ci::Build/8`` reduced to 8).
        status: GitLab's raw status.
        allow_failure: failures do not fail the stage (and manual jobs do not block).
        failure_reason: REST ``failure_reason`` (``script_failure``...) or GraphQL
            ``failureMessage``; "" when none.
        retried: an older attempt that a retry replaced (GraphQL ``retried``, or older
            than another job of the same name in the REST list: see ``latest_attempts``).
        web_url: the job's page.
    """

    id: int
    name: str
    stage: str
    status: GitLabStatus
    allow_failure: bool = False
    failure_reason: str = ""
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: float | None = None
    web_url: str = ""
    pipeline_id: int | None = None
    ref: str = ""
    sha: str = ""
    tag: bool = False
    user: str = ""
    retried: bool = False

    @property
    def manual(self) -> bool:
        return self.status is GitLabStatus.MANUAL

    @property
    def blocking(self) -> bool:
        """A manual job its pipeline waits for (``allow_failure: false``)."""
        return self.manual and not self.allow_failure

    @property
    def allowed_failure(self) -> bool:
        """Failed or canceled, but ``allow_failure`` keeps the stage passing (with warnings)."""
        return self.allow_failure and self.status in _WARNING_WHEN_ALLOWED

    @property
    def counted(self) -> RollUp:
        """How GitLab's roll-up counts this job on its own."""
        return roll_up([(self.status, self.allow_failure)]) or RollUp(GitLabStatus.UNKNOWN)


@dataclass(frozen=True, slots=True)
class GitLabStage:
    """A stage of a pipeline rolled up from its latest jobs, as GitLab shows it."""

    name: str
    status: GitLabStatus
    warnings: bool
    jobs: tuple[str, ...]

    @property
    def run_status(self) -> RunStatus:
        return STATUS_MAP[self.status]


@dataclass(frozen=True, slots=True)
class GitLabPipeline:
    """A pipeline (REST list item, single pipeline, or GraphQL ``Pipeline``).

    Attributes:
        id: numeric pipeline id (REST ``id``; GraphQL ``gid://gitlab/Ci::Pipeline/123``).
        iid: the project-scoped number people see (``#144``).
        tag: True/False when GitLab says (single pipeline ``tag``, GraphQL ``refPath``),
            None when it does not (list items).
        warnings: GitLab reports allowed failures (``detailed_status.group``
            ``success-with-warnings``, GraphQL ``warnings``).
        jobs: latest attempts and retried ones, as fetched; empty until fetched.
    """

    id: int
    iid: int | None
    project: str
    status: GitLabStatus
    ref: str = ""
    sha: str = ""
    tag: bool | None = None
    source: str = ""
    name: str = ""
    web_url: str = ""
    user: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: float | None = None
    warnings: bool = False
    jobs: tuple[GitLabJob, ...] = ()

    @property
    def label(self) -> str:
        """``#144`` (the iid people see), else the id."""
        return f"#{self.iid}" if self.iid is not None else f"id {self.id}"

    @property
    def version(self) -> VersionRead:
        return pipeline_version(self)

    @property
    def latest_jobs(self) -> tuple[GitLabJob, ...]:
        return tuple(j for j in self.jobs if not j.retried)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def _utc(value: object) -> datetime | None:
    parsed = parse_time(value)
    return None if parsed is None else parsed.astimezone(UTC)


_GID = re.compile(r"^gid://gitlab/[A-Za-z:]+/(\d+)$")


def gid_number(value: object) -> int | None:
    """The numeric id of a GraphQL global id (``gid://gitlab/Ci::Pipeline/123`` -> 123).

    REST takes the trailing number (https://docs.gitlab.com/api/graphql/#global-ids);
    a bare number is accepted too.
    """
    if isinstance(value, str):
        match = _GID.match(value.strip())
        if match:
            return int(match.group(1))
    return as_int(value)


def project_ref(project: str | int) -> str:
    """A project for a REST path: numeric id, or the full path URL-encoded (``g%2Fsub%2Fp``).

    https://docs.gitlab.com/api/rest/#namespaced-paths
    """
    return quote(str(project).strip().strip("/"), safe="")


def parse_job(item: Mapping[str, Any]) -> GitLabJob | None:
    """One REST job object; None when it has no usable id."""
    ident = as_int(item.get("id"))
    if ident is None:
        return None
    return GitLabJob(
        id=ident,
        name=as_str(item.get("name"), 300),
        stage=as_str(item.get("stage"), 200),
        status=GitLabStatus.parse(item.get("status")),
        allow_failure=item.get("allow_failure") is True,
        failure_reason=as_str(item.get("failure_reason"), 100),
        created_at=_utc(item.get("created_at")),
        started_at=_utc(item.get("started_at")),
        finished_at=_utc(item.get("finished_at")),
        duration=_number(item.get("duration")),
        web_url=as_str(item.get("web_url"), 500),
        pipeline_id=as_int(dig(item, "pipeline", "id")),
        ref=as_str(item.get("ref"), 300),
        sha=as_str(dig(item, "pipeline", "sha"), 64) or as_str(dig(item, "commit", "id"), 64),
        tag=item.get("tag") is True,
        user=as_str(dig(item, "user", "username"), 100),
    )


def parse_job_single(payload: object) -> GitLabJob:
    """``GET /projects/:id/jobs/:job_id`` (also the answer of play, retry and cancel).

    Raises:
        BadResponse: not a job object.
    """
    job = parse_job(require_dict(payload, "GitLab job"))
    if job is None:
        raise BadResponse("GitLab job: the answer has no job id", hint="check the API URL")
    return job


def parse_jobs(payload: object) -> tuple[GitLabJob, ...]:
    """``GET /projects/:id/pipelines/:pipeline_id/jobs`` (one page), retried ones marked.

    Since GitLab 13.5 the list hides retried jobs unless ``include_retried=true``; with it
    every attempt is listed and nothing says which is the latest, so ``latest_attempts``
    marks older attempts as retried. The list is newest id first.

    Raises:
        BadResponse: not a JSON array.
    """
    items = require_list(payload, "GitLab pipeline jobs")
    jobs = [job for item in items if isinstance(item, dict) and (job := parse_job(item))]
    return latest_attempts(jobs)


def latest_attempts(jobs: Iterable[GitLabJob]) -> tuple[GitLabJob, ...]:
    """The jobs with every attempt but the newest of each (stage, name) marked retried.

    A retry creates a new job (new, higher id) and leaves the old one as it was
    (``spec/requests/api/ci/jobs_spec.rb`` "retries non-running job"), so the highest id
    per name is the attempt that counts.
    """
    listed = list(jobs)
    newest: dict[tuple[str, str], int] = {}
    for job in listed:
        key = (job.stage, job.name)
        newest[key] = max(newest.get(key, job.id), job.id)
    return tuple(
        job
        if job.retried or newest[(job.stage, job.name)] == job.id
        else replace(job, retried=True)
        for job in listed
    )


def stages(jobs: Iterable[GitLabJob]) -> tuple[GitLabStage, ...]:
    """The pipeline's stages in run order, each rolled up from its latest jobs.

    The REST jobs list gives no stage order; jobs are created stage by stage, so the
    lowest job id of each stage gives the order. Retried attempts do not count, as in
    GitLab's pipeline graph.
    """
    by_stage: dict[str, list[GitLabJob]] = {}
    first_id: dict[str, int] = {}
    for job in jobs:
        if job.retried:
            continue
        by_stage.setdefault(job.stage, []).append(job)
        first_id[job.stage] = min(first_id.get(job.stage, job.id), job.id)
    result = []
    for name in sorted(by_stage, key=lambda n: first_id[n]):
        members = sorted(by_stage[name], key=lambda j: j.id)
        rolled = roll_up((j.status, j.allow_failure) for j in members)
        if rolled is None:  # pragma: no cover - a stage has at least one job
            continue
        result.append(
            GitLabStage(name, rolled.status, rolled.warnings, tuple(j.name for j in members))
        )
    return tuple(result)


def parse_pipeline(item: Mapping[str, Any], project: str = "") -> GitLabPipeline | None:
    """One REST pipeline (list item or single); None when it has no usable id."""
    ident = as_int(item.get("id"))
    if ident is None:
        return None
    tag = item.get("tag")
    group = as_str(dig(item, "detailed_status", "group"), 60)
    return GitLabPipeline(
        id=ident,
        iid=as_int(item.get("iid")),
        project=project or as_str(item.get("project_id"), 300),
        status=GitLabStatus.parse(item.get("status")),
        ref=as_str(item.get("ref"), 300),
        sha=as_str(item.get("sha"), 64),
        tag=tag if isinstance(tag, bool) else None,
        source=as_str(item.get("source"), 60),
        name=as_str(item.get("name"), 300),
        web_url=as_str(item.get("web_url"), 500),
        user=as_str(dig(item, "user", "username"), 100),
        created_at=_utc(item.get("created_at")),
        updated_at=_utc(item.get("updated_at")),
        started_at=_utc(item.get("started_at")),
        finished_at=_utc(item.get("finished_at")),
        duration=_number(item.get("duration")),
        warnings=group == "success-with-warnings",
    )


def parse_pipeline_single(payload: object, project: str = "") -> GitLabPipeline:
    """``GET /projects/:id/pipelines/:pipeline_id`` (also the retry and cancel answers).

    Raises:
        BadResponse: not a pipeline object.
    """
    pipeline = parse_pipeline(require_dict(payload, "GitLab pipeline"), project)
    if pipeline is None:
        raise BadResponse(
            "GitLab pipeline: the answer has no pipeline id", hint="check the API URL"
        )
    return pipeline


def parse_pipelines(payload: object, project: str = "") -> tuple[GitLabPipeline, ...]:
    """``GET /projects/:id/pipelines`` (one page), in GitLab's order (newest id first).

    Raises:
        BadResponse: not a JSON array.
    """
    items = require_list(payload, "GitLab pipelines")
    return tuple(
        pipeline
        for item in items
        if isinstance(item, dict) and (pipeline := parse_pipeline(item, project))
    )


def with_jobs(pipeline: GitLabPipeline, jobs: Iterable[GitLabJob]) -> GitLabPipeline:
    """The pipeline with its jobs (from a separate jobs request) attached."""
    return replace(pipeline, jobs=tuple(jobs))


# -- versions ----------------------------------------------------------------------------

_TAG_PREFIX = "refs/tags/"
_BRANCH_PREFIX = "refs/heads/"


def pipeline_version(pipeline: GitLabPipeline) -> VersionRead:
    """The version a pipeline builds, read from its ref the way GitHub Actions runs are.

    A tag pipeline's ref is the tag (``v1.4.0``), a branch pipeline's the branch
    (``release/1.4.0``); both go through ``version_from_ref``. Merge-request pipelines
    run on ``refs/merge-requests/<iid>/head`` and carry no version.
    """
    where = "tag" if pipeline.tag else "branch" if pipeline.tag is False else "ref"
    return read_version([VersionCandidate(where, pipeline.ref)])


# -- to the cockpit's vocabulary ---------------------------------------------------------


def to_ci_job(job: GitLabJob) -> CIJob:
    """A GitLab job as the cockpit's job, counted the way GitLab's roll-up counts it.

    See the module docstring: an allowed failure is SUCCEEDED with one FAILED (or
    CANCELLED) step that says so; an optional manual job is SKIPPED; a blocking manual
    job is WAITING.
    """
    counted = job.counted
    steps: tuple[CIStep, ...] = ()
    if job.allowed_failure:
        reason = f" ({job.failure_reason})" if job.failure_reason else ""
        steps = (
            CIStep(
                number=1,
                name=f"{job.status.value}, allowed to fail{reason}",
                status=STATUS_MAP[job.status],
                started_at=job.started_at,
                completed_at=job.finished_at,
            ),
        )
    return CIJob(
        id=str(job.id),
        name=job.name,
        status=STATUS_MAP[counted.status],
        started_at=job.started_at,
        completed_at=job.finished_at,
        url=job.web_url,
        steps=steps,
    )


def to_ci_run(pipeline: GitLabPipeline) -> CIRun:
    """A pipeline as the cockpit's run, with its latest jobs (retried attempts left out).

    The run's status is GitLab's own pipeline status, which already applies the
    ``allow_failure`` rules; ``attempt`` stays 1 because GitLab retries jobs inside the
    same pipeline (new job ids, same pipeline id).
    """
    return CIRun(
        id=str(pipeline.id),
        name=pipeline.name or "pipeline",
        status=STATUS_MAP[pipeline.status],
        sha=pipeline.sha,
        ref=pipeline.ref,
        version=pipeline.version.version,
        number=pipeline.iid,
        event=pipeline.source,
        actor=pipeline.user,
        title=pipeline.name,
        created_at=pipeline.created_at,
        started_at=pipeline.started_at,
        updated_at=pipeline.updated_at or pipeline.finished_at,
        url=pipeline.web_url,
        jobs=tuple(to_ci_job(j) for j in sorted(pipeline.latest_jobs, key=lambda j: j.id)),
    )


# -- GraphQL: latest pipelines of many projects in one request ----------------------------

PIPELINES_QUERY = """\
query ReleaseCockpitPipelines(
  $fullPaths: [String!], $projects: Int, $pipelines: Int, $jobs: Int
) {
  projects(fullPaths: $fullPaths, first: $projects) {
    nodes {
      fullPath
      webUrl
      pipelines(first: $pipelines) {
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
(``resolvers/concerns/resolves_pipelines.rb``: newest first), ``Pipeline`` fields
(``types/ci/pipeline_type.rb``: ``id`` is a global id, ``iid`` a string, ``path`` and
``CiJob.webPath`` relative URLs: there is no ``webUrl`` on either), ``Pipeline.jobs
(retried: false)`` keeps the latest attempts (``resolvers/ci/jobs_resolver.rb``), and
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
    full_paths: Sequence[str], *, pipelines: int = 5, jobs: int = 50
) -> dict[str, object]:
    """The JSON body of the GraphQL request for ``full_paths`` (at most 50).

    ``pipelines`` and ``jobs`` are clamped to 1..100 (GitLab's page size); the query's
    cost grows with both, so keep them small (5 pipelines with 50 jobs each is the default).

    Raises:
        ValueError: more than 50 paths (batch them with ``full_path_batches``).
    """
    paths = [p.strip().strip("/") for p in full_paths if p.strip().strip("/")]
    if len(paths) > MAX_FULL_PATHS:
        raise ValueError(f"GitLab accepts at most {MAX_FULL_PATHS} full paths per request")
    return {
        "query": PIPELINES_QUERY,
        "operationName": "ReleaseCockpitPipelines",
        "variables": {
            "fullPaths": paths,
            "projects": max(1, len(paths)),
            "pipelines": min(max(1, pipelines), MAX_PAGE),
            "jobs": min(max(1, jobs), MAX_PAGE),
        },
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
        created_at=_utc(node.get("createdAt")),
        started_at=_utc(node.get("startedAt")),
        finished_at=_utc(node.get("finishedAt")),
        duration=_number(node.get("duration")),
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
    if ref_path.startswith(_TAG_PREFIX):
        tag, ref = True, ref or ref_path.removeprefix(_TAG_PREFIX)
    elif ref_path.startswith(_BRANCH_PREFIX):
        tag, ref = False, ref or ref_path.removeprefix(_BRANCH_PREFIX)
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
        created_at=_utc(node.get("createdAt")),
        updated_at=_utc(node.get("updatedAt")),
        started_at=_utc(node.get("startedAt")),
        finished_at=_utc(node.get("finishedAt")),
        duration=_number(node.get("duration")),
        warnings=node.get("warnings") is True,
        jobs=tuple(jobs),
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


# -- deployments and environments (history, DORA) ---------------------------------------


class DeploymentStatus(Enum):
    """``deployment.status``: its own state machine, not the deploy job's status.

    https://docs.gitlab.com/api/deployments/ lists created, running, success, failed,
    canceled and blocked as filters; the model also has ``skipped`` (a deployment job
    that GitLab skipped because a newer one had already deployed).
    """

    CREATED = "created"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELED = "canceled"
    SKIPPED = "skipped"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: object) -> DeploymentStatus:
        if not isinstance(value, str):
            return cls.UNKNOWN
        try:
            return cls(value.strip().lower())
        except ValueError:
            return cls.UNKNOWN


@dataclass(frozen=True, slots=True)
class GitLabDeployment:
    """The fields of a deployment that history and DORA need.

    Attributes:
        finished_at: when the deploy job finished (``deployable.finished_at``); the REST
            deployment entity has no finish time of its own.
        commit_at: when the deployed commit was authored (``deployable.commit``
            ``authored_date``, else ``created_at``): the start of lead time for that commit.
        job_status: the deploy job's status, which can differ (fixture: deployment
            ``created`` while its job is ``success``).
    """

    id: int
    iid: int | None
    ref: str
    sha: str
    status: DeploymentStatus
    environment: str
    created_at: datetime | None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    commit_at: datetime | None = None
    user: str = ""
    tag: bool = False
    job_status: GitLabStatus = GitLabStatus.UNKNOWN
    pipeline_id: int | None = None


def parse_deployment(item: Mapping[str, Any]) -> GitLabDeployment | None:
    """One deployment object (list item, or an environment's ``last_deployment``)."""
    ident = as_int(item.get("id"))
    if ident is None:
        return None
    deployable = as_dict(item.get("deployable"))
    commit = as_dict(deployable.get("commit"))
    return GitLabDeployment(
        id=ident,
        iid=as_int(item.get("iid")),
        ref=as_str(item.get("ref"), 300),
        sha=as_str(item.get("sha"), 64),
        status=DeploymentStatus.parse(item.get("status")),
        environment=as_str(dig(item, "environment", "name"), 200),
        created_at=_utc(item.get("created_at")),
        updated_at=_utc(item.get("updated_at")),
        finished_at=_utc(deployable.get("finished_at")),
        commit_at=_utc(commit.get("authored_date")) or _utc(commit.get("created_at")),
        user=as_str(dig(item, "user", "username"), 100),
        tag=deployable.get("tag") is True,
        job_status=GitLabStatus.parse(deployable.get("status")),
        pipeline_id=as_int(dig(deployable, "pipeline", "id")),
    )


def parse_deployments(payload: object) -> tuple[GitLabDeployment, ...]:
    """``GET /projects/:id/deployments`` (one page).

    GitLab sorts this list by id *ascending* by default (unlike pipelines and jobs): ask
    with ``order_by=id&sort=desc`` for newest first. ``finished_after``/``before`` only
    work with ``order_by=finished_at`` and ``status=success``.

    Raises:
        BadResponse: not a JSON array.
    """
    items = require_list(payload, "GitLab deployments")
    return tuple(d for item in items if isinstance(item, dict) and (d := parse_deployment(item)))


@dataclass(frozen=True, slots=True)
class GitLabEnvironment:
    """An environment; ``tier`` (production, staging, testing, development, other) says
    whether it counts as production, more reliably than its name."""

    id: int
    name: str
    state: str
    tier: str = ""
    external_url: str = ""
    last_deployment: GitLabDeployment | None = None

    @property
    def production(self) -> bool:
        return self.tier == "production"


def _environment(item: Mapping[str, Any]) -> GitLabEnvironment | None:
    ident = as_int(item.get("id"))
    if ident is None:
        return None
    last = item.get("last_deployment")
    deployment = parse_deployment(last) if isinstance(last, dict) else None
    if deployment is not None and not deployment.environment:
        deployment = replace(deployment, environment=as_str(item.get("name"), 200))
    return GitLabEnvironment(
        id=ident,
        name=as_str(item.get("name"), 200),
        state=as_str(item.get("state"), 40),
        tier=as_str(item.get("tier"), 40),
        external_url=as_str(item.get("external_url"), 500),
        last_deployment=deployment,
    )


def parse_environments(payload: object) -> tuple[GitLabEnvironment, ...]:
    """``GET /projects/:id/environments``; list items carry no ``last_deployment``.

    Raises:
        BadResponse: not a JSON array.
    """
    items = require_list(payload, "GitLab environments")
    return tuple(e for item in items if isinstance(item, dict) and (e := _environment(item)))


def parse_environment(payload: object) -> GitLabEnvironment:
    """``GET /projects/:id/environments/:environment_id``, with ``last_deployment``.

    Raises:
        BadResponse: not an environment object.
    """
    environment = _environment(require_dict(payload, "GitLab environment"))
    if environment is None:
        raise BadResponse("GitLab environment: the answer has no id", hint="check the API URL")
    return environment


# A GitLab deployment has one status, not a history of statuses like a GitHub deployment.
# To reuse the backfill's inference (rollbacks, restores, superseded deployments) it is
# expressed as the one status GitHub would have ended with, at the time it was reached.
_AS_GITHUB_STATE = {
    DeploymentStatus.SUCCESS: DeploymentState.SUCCESS,
    DeploymentStatus.FAILED: DeploymentState.FAILURE,
    # Canceled before it finished: retired without ever succeeding, i.e. ABORTED.
    DeploymentStatus.CANCELED: DeploymentState.INACTIVE,
    DeploymentStatus.CREATED: DeploymentState.QUEUED,
    DeploymentStatus.RUNNING: DeploymentState.IN_PROGRESS,
    # Blocked: waiting for an approval of a protected environment.
    DeploymentStatus.BLOCKED: DeploymentState.PENDING,
}


def deployment_records(
    deployments: Iterable[GitLabDeployment],
    *,
    key: str,
    service: str,
    team: str = "",
    production: bool | None = None,
) -> list[ReleaseRecord]:
    """Deployments -> history records, oldest first, with the GitHub backfill's inferences.

    The four DORA metrics need: deploy time (``deployed_at`` = the deploy job's finish,
    else the deployment's last update), outcome (success, failed, canceled = aborted,
    and rollbacks inferred by ``github_deployments.to_records``: a redeploy of a sha an
    earlier successful deployment carried), and the commit for lead time
    (``first_commit_at`` = the deployed commit's author time; the oldest commit of the
    release is not in this answer, so this is the lead time of the newest commit and a
    lower bound for the release).

    Skipped deployments never happened and deployments with an unknown status cannot be
    judged: both are left out. ``production`` None means: the environment's name says so
    (``github_deployments.is_production``); pass the environment's tier when known.
    """
    pairs: list[tuple[GitHubDeployment, tuple[GitHubDeploymentStatus, ...]]] = []
    commit_times: dict[int, datetime | None] = {}
    for deployment in deployments:
        state = _AS_GITHUB_STATE.get(deployment.status)
        if state is None:
            continue
        reached = (
            deployment.finished_at or deployment.updated_at
            if state in (DeploymentState.SUCCESS, DeploymentState.FAILURE)
            else deployment.updated_at
        ) or deployment.created_at
        shaped = GitHubDeployment(
            id=deployment.id,
            sha=deployment.sha,
            ref=deployment.ref,
            environment=deployment.environment,
            created_at=deployment.created_at,
            creator=deployment.user,
        )
        pairs.append((shaped, (GitHubDeploymentStatus(deployment.id, state, reached),)))
        commit_times[deployment.id] = deployment.commit_at
    records = to_records(pairs, key=key, service=service, team=team, production=production)
    floor = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(pairs, key=lambda pair: (pair[0].created_at or floor, pair[0].id))
    return [
        replace(record, source=SOURCE, first_commit_at=commit_times.get(pair[0].id))
        for record, pair in zip(records, ordered, strict=True)
    ]


# -- control actions ---------------------------------------------------------------------


class GitLabAction(Enum):
    RETRY_PIPELINE = "retry-pipeline"
    CANCEL_PIPELINE = "cancel-pipeline"
    PLAY_JOB = "play-job"
    RETRY_JOB = "retry-job"


_CANCELABLE = frozenset(
    {
        GitLabStatus.CREATED,
        GitLabStatus.WAITING_FOR_RESOURCE,
        GitLabStatus.PREPARING,
        GitLabStatus.PENDING,
        GitLabStatus.RUNNING,
        GitLabStatus.SCHEDULED,
    }
)
"""``Ci::HasStatus`` ``cancelable`` scope: what a pipeline cancel stops."""
_RETRYABLE = frozenset({GitLabStatus.FAILED, GitLabStatus.CANCELED})


def retry_pipeline(project: str | int, pipeline: GitLabPipeline) -> ActionRequest:
    """``POST /projects/:id/pipelines/:pipeline_id/retry``.

    GitLab "retries failed or canceled jobs in a pipeline. If there are no failed or
    canceled jobs in the pipeline, calling this endpoint has no effect"
    (https://docs.gitlab.com/api/pipelines/#retry-jobs-in-a-pipeline).
    ``Ci::RetryPipelineService`` clones each retryable failed/canceled job (a new job id;
    the old attempt stays in the history) and re-processes the latest skipped jobs, so
    later stages that were skipped because of the failure run again.
    """
    failed = [j.name for j in pipeline.latest_jobs if j.status in _RETRYABLE]
    which = f" ({join_names(failed)})" if failed else ""
    effect = (
        f"GitLab re-runs the failed and canceled jobs{which} of pipeline {pipeline.label} on "
        f"commit {short_sha(pipeline.sha) or '?'}: each gets a new job id and the old attempt "
        "stays in the job history; jobs that passed are not run again, and jobs that were "
        "skipped because of the failure run when their stage is reached. The pipeline keeps "
        "its id. If nothing failed or was canceled, nothing happens."
    )
    return ActionRequest(
        kind=GitLabAction.RETRY_PIPELINE,
        title=f"Retry pipeline {pipeline.label}",
        method="POST",
        path=f"/projects/{project_ref(project)}/pipelines/{pipeline.id}/retry",
        effect=effect,
    )


def cancel_pipeline(project: str | int, pipeline: GitLabPipeline) -> ActionRequest:
    """``POST /projects/:id/pipelines/:pipeline_id/cancel``.

    Cancels the jobs still in a cancelable status (created, waiting for resource,
    preparing, pending, running, scheduled). GitLab answers 200 "regardless of the
    pipeline's state" (https://docs.gitlab.com/api/pipelines/#cancel-all-jobs-for-a-pipeline,
    issue 414963), so the adapter must re-read the pipeline to know what happened.
    """
    open_jobs = [j.name for j in pipeline.latest_jobs if j.status in _CANCELABLE]
    which = f" ({join_names(open_jobs)})" if open_jobs else ""
    effect = (
        f"GitLab cancels every job of pipeline {pipeline.label} that has not finished{which}: "
        "running jobs are stopped, queued and scheduled jobs never start. Finished jobs keep "
        "their result and nothing is rolled back. GitLab answers OK even when there was "
        "nothing to cancel; the cockpit re-reads the pipeline to confirm."
    )
    return ActionRequest(
        kind=GitLabAction.CANCEL_PIPELINE,
        title=f"Cancel pipeline {pipeline.label}",
        method="POST",
        path=f"/projects/{project_ref(project)}/pipelines/{pipeline.id}/cancel",
        effect=effect,
    )


def play_job(
    project: str | int,
    pipeline: GitLabPipeline,
    job: GitLabJob,
    variables: Mapping[str, str] | None = None,
) -> ActionRequest:
    """``POST /projects/:id/jobs/:job_id/play``: start a manual job.

    "Triggers a manual action to start a job" (https://docs.gitlab.com/api/jobs/#run-a-job).
    The same job id goes to pending (``jobs_spec.rb`` "plays the job"); optional
    ``job_variables_attributes`` are sent as the job's variables.
    """
    body: dict[str, object] | None = None
    if variables:
        body = {"job_variables_attributes": [{"key": k, "value": v} for k, v in variables.items()]}
    then = (
        " The pipeline is blocked on it: later stages run once it passes."
        if job.blocking
        else " It is optional: the pipeline does not wait for it."
    )
    names = f" with variables {join_names(sorted(variables))}" if variables else ""
    effect = (
        f"GitLab starts manual job '{job.name}' (stage {job.stage or '?'}) of pipeline "
        f"{pipeline.label} now{names}: the same job is queued for a runner and runs its "
        f"script, on commit {short_sha(pipeline.sha or job.sha) or '?'}.{then}"
    )
    return ActionRequest(
        kind=GitLabAction.PLAY_JOB,
        title=f"Play job {job.name}",
        method="POST",
        path=f"/projects/{project_ref(project)}/jobs/{job.id}/play",
        effect=effect,
        json_body=body,
    )


def retry_job(project: str | int, pipeline: GitLabPipeline, job: GitLabJob) -> ActionRequest:
    """``POST /projects/:id/jobs/:job_id/retry``: a new attempt of one job.

    The answer is the *new* job (new id, ``pending``); the old one keeps its status
    (``jobs_spec.rb`` "retries non-running job": the original stays ``canceled``).
    """
    effect = (
        f"GitLab creates a new attempt of job '{job.name}' (stage {job.stage or '?'}) in "
        f"pipeline {pipeline.label} and queues it, with a new job id; attempt {job.id} keeps "
        f"its result ({job.status.value}) and log. Other jobs are not re-run."
    )
    return ActionRequest(
        kind=GitLabAction.RETRY_JOB,
        title=f"Retry job {job.name}",
        method="POST",
        path=f"/projects/{project_ref(project)}/jobs/{job.id}/retry",
        effect=effect,
    )


def action_offers(project: str | int, pipeline: GitLabPipeline) -> tuple[ActionOffer, ...]:
    """Every action on a pipeline and its latest jobs, each with why it would do nothing.

    Blocking manual jobs come first (they are what the release waits for), then retry and
    cancel of the pipeline, then per-job retries of failed or canceled jobs.
    """
    latest = sorted(pipeline.latest_jobs, key=lambda j: j.id)
    offers: list[ActionOffer] = []
    for job in sorted((j for j in latest if j.manual), key=lambda j: not j.blocking):
        offers.append(ActionOffer(play_job(project, pipeline, job)))
    retryable = [j for j in latest if j.status in _RETRYABLE]
    offers.append(
        ActionOffer(
            retry_pipeline(project, pipeline),
            ""
            if retryable or pipeline.status in _RETRYABLE
            else f"no job of pipeline {pipeline.label} failed or was canceled",
        )
    )
    finished = pipeline.status in (
        GitLabStatus.SUCCESS,
        GitLabStatus.FAILED,
        GitLabStatus.CANCELED,
        GitLabStatus.SKIPPED,
    )
    cancelable = any(j.status in _CANCELABLE for j in latest)
    offers.append(
        ActionOffer(
            cancel_pipeline(project, pipeline),
            ""
            if cancelable or (not finished and not latest)
            else f"pipeline {pipeline.label} has no job left to cancel",
        )
    )
    offers.extend(ActionOffer(retry_job(project, pipeline, job)) for job in retryable)
    return tuple(offers)


# -- errors and rate limits --------------------------------------------------------------


def error_text(payload: object) -> str:
    """GitLab's own explanation from an error body, short and cleaned.

    Shapes (https://docs.gitlab.com/api/rest/troubleshooting/): ``{"message": "404
    Project Not Found"}``; validation errors as ``{"message": {"field": ["is invalid"]}}``;
    ``{"error": "insufficient_scope", "error_description": "..."}`` from OAuth token
    checks; ``{"error": "..."}``; GraphQL ``{"errors": [{"message": ...}]}``.
    """
    body = payload if isinstance(payload, dict) else {}
    message = body.get("message")
    text = ""
    if isinstance(message, str):
        text = message
    elif isinstance(message, dict):
        parts = []
        for field_name, problems in message.items():
            listed = problems if isinstance(problems, list) else [problems]
            words = ", ".join(as_str(p, 200) for p in listed if as_str(p, 200))
            parts.append(f"{as_str(field_name, 60)} {words}".strip())
        text = "; ".join(p for p in parts if p)
    elif isinstance(message, list):
        text = "; ".join(as_str(m, 200) for m in message if as_str(m, 200))
    elif isinstance(body.get("error"), str):
        text = body["error"]
        description = body.get("error_description")
        if isinstance(description, str) and description:
            text = f"{text}: {description}"
    elif body.get("errors") is not None:
        text = "; ".join(text for text, _ in graphql_errors(body))
    elif isinstance(payload, str):
        text = payload
    return clean_text(" ".join(text.split()), ERROR_LIMIT)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """GitLab's ``RateLimit-*`` headers, whichever were sent.

    GitLab documents ``RateLimit-Limit``, ``-Observed``, ``-Remaining``, ``-Reset``
    (epoch seconds) and ``-ResetTime`` (HTTP date), plus ``Retry-After`` on 429
    (https://docs.gitlab.com/user/gitlab_com/#gitlabcom-specific-rate-limits), but they
    are often missing (issues 365728, 352409: none on GraphQL 429s, none behind the CDN):
    every field may be None, and None means "unknown", never "plenty left".
    """

    limit: int | None = None
    observed: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    retry_after: float | None = None

    @property
    def known(self) -> bool:
        return any(
            v is not None
            for v in (self.limit, self.observed, self.remaining, self.reset_at, self.retry_after)
        )


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = header(headers, name)
    return as_int(value) if value is not None else None


def parse_rate_limit(headers: Mapping[str, str], now: float) -> RateLimit:
    """The rate-limit headers of one answer; ``now`` is the epoch time it arrived.

    ``RateLimit-Reset`` wins over ``RateLimit-ResetTime`` (same instant, seconds are
    exact); ``Retry-After`` is seconds or an HTTP date.
    """
    reset = parse_reset(header(headers, "RateLimit-Reset"), now)
    if reset is None:
        wait = parse_retry_after(header(headers, "RateLimit-ResetTime"), now)
        reset = None if wait is None else now + wait
    return RateLimit(
        limit=_int_header(headers, "RateLimit-Limit"),
        observed=_int_header(headers, "RateLimit-Observed"),
        remaining=_int_header(headers, "RateLimit-Remaining"),
        reset_at=reset,
        retry_after=parse_retry_after(header(headers, "Retry-After"), now),
    )
