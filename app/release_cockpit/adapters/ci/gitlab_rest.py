"""GitLab REST v4 jobs and pipelines -> GitLab values -> the cockpit's runs and jobs.

Pure. Sources: https://docs.gitlab.com/api/pipelines/ and https://docs.gitlab.com/api/jobs/
(docs are CC BY-SA 4.0), and the REST entities (``lib/api/entities/ci/job_basic.rb``,
``pipeline_basic.rb`` in gitlab-org/gitlab): a REST job has no ``retried`` field.

How ``allow_failure`` is expressed (the domain has no "passed with warnings" state):
GitLab's own roll-up (``gitlab_status.roll_up``) counts a failed or canceled job with
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from release_cockpit.adapters.ci.ci_parsing import (
    VersionCandidate,
    VersionRead,
    read_version,
)
from release_cockpit.adapters.ci.gitlab_status import (
    STATUS_MAP,
    WARNING_WHEN_ALLOWED,
    GitLabStatus,
    RollUp,
    roll_up,
)
from release_cockpit.adapters.payload import (
    as_int,
    as_str,
    dig,
    parse_time,
    require_dict,
    require_list,
)
from release_cockpit.domain.ci import CIJob, CIRun, CIStep, RunStatus
from release_cockpit.errors import BadResponse

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
        return self.allow_failure and self.status in WARNING_WHEN_ALLOWED

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
        more_jobs: GitLab has more jobs than ``jobs`` holds (GraphQL ``hasNextPage``):
            read the rest from REST before judging a stage by them.
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
    more_jobs: bool = False

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


def duration_seconds(value: object) -> float | None:
    """A duration in seconds (GitLab sends fractions); junk, negatives and NaN are None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def utc_time(value: object) -> datetime | None:
    """An ISO 8601 time in UTC (GitLab mixes ``Z`` and ``+02:00`` offsets); None for junk."""
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
        created_at=utc_time(item.get("created_at")),
        started_at=utc_time(item.get("started_at")),
        finished_at=utc_time(item.get("finished_at")),
        duration=duration_seconds(item.get("duration")),
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
        created_at=utc_time(item.get("created_at")),
        updated_at=utc_time(item.get("updated_at")),
        started_at=utc_time(item.get("started_at")),
        finished_at=utc_time(item.get("finished_at")),
        duration=duration_seconds(item.get("duration")),
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
    return replace(pipeline, jobs=tuple(jobs), more_jobs=False)


# -- versions ----------------------------------------------------------------------------

TAG_PREFIX = "refs/tags/"
BRANCH_PREFIX = "refs/heads/"


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
    read = pipeline.version
    return CIRun(
        id=str(pipeline.id),
        name=pipeline.name or "pipeline",
        status=STATUS_MAP[pipeline.status],
        sha=pipeline.sha,
        ref=pipeline.ref,
        version=read.version,
        version_problem="" if read.version else read.reason,
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
