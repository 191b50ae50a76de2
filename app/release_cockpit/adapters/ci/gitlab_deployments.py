"""GitLab environments and deployments -> release history records for DORA.

Pure. Sources: https://docs.gitlab.com/api/deployments/ and
https://docs.gitlab.com/api/environments/ (docs are CC BY-SA 4.0) and the REST entity
``lib/api/entities/deployment.rb`` in gitlab-org/gitlab: a REST deployment has no
``finished_at`` of its own (its deploy job has). The inference of rollbacks and restores
is the GitHub backfill's (``github_deployment_records.to_records``), fed GitLab's deployments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from release_cockpit.adapters.ci.github_deployment_records import (
    DeploymentState,
    GitHubDeployment,
    GitHubDeploymentStatus,
    to_records,
)
from release_cockpit.adapters.ci.gitlab_rest import utc_time
from release_cockpit.adapters.ci.gitlab_status import GitLabStatus
from release_cockpit.adapters.payload import (
    as_dict,
    as_int,
    as_str,
    dig,
    require_dict,
    require_list,
)
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.errors import BadResponse

SOURCE = "gitlab-deployments"
"""``ReleaseRecord.source`` of records backfilled from GitLab deployments."""


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
        created_at=utc_time(item.get("created_at")),
        updated_at=utc_time(item.get("updated_at")),
        finished_at=utc_time(deployable.get("finished_at")),
        commit_at=utc_time(commit.get("authored_date")) or utc_time(commit.get("created_at")),
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
    and rollbacks inferred by ``github_deployment_records.to_records``: a redeploy of a sha an
    earlier successful deployment carried), and the commit for lead time
    (``first_commit_at`` = the deployed commit's author time; the oldest commit of the
    release is not in this answer, so this is the lead time of the newest commit and a
    lower bound for the release).

    Skipped deployments never happened and deployments with an unknown status cannot be
    judged: both are left out. ``production`` None means: the environment's name says so
    (``github_deployment_records.is_production``); pass the environment's tier when known.
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
