"""Release records from GitHub Deployments and their statuses: the payloads and the rules.

Wire contract: https://docs.github.com/en/rest/deployments/deployments and
https://docs.github.com/en/rest/deployments/statuses. A deployment has no state of its
own: its state is that of its latest status. These pure functions turn the payloads into
``ReleaseRecord``s (``github_deployments`` fetches them); GitLab's backfill feeds its
deployments to the same ``to_records``.

What we infer (documented in docs/dora.md, "Backfill"):

* latest status ``success`` -> SUCCEEDED, ``deployed_at`` = the *first* success status's
  ``created_at`` (a deployment tool may post ``success`` again later, e.g. when it
  re-verifies; the change reached users the first time);
  ``failure`` or ``error`` -> FAILED, ``failed_at`` = the first failing status;
  ``queued``/``pending``/``in_progress`` -> IN_PROGRESS; unknown states are skipped.
* ``inactive`` is what ``auto_inactive`` (on by default) sets on a successful deployment
  once a newer one of the same environment succeeds, so inactive after a success means
  superseded: still SUCCEEDED. Inactive without any earlier success means the deployment
  was retired before it ever succeeded: ABORTED.
* A successful deployment of a sha that an *older* successful deployment of the same
  environment already carried, while a different sha was live, is a rollback: the
  deployment it replaced becomes ROLLED_BACK, failing from the rollback deployment's
  creation (the earliest evidence we have, so a lower bound) and restored when it
  succeeded.
* A FAILED deployment is restored by the next successful deployment of its environment.
* Lead time: ``oldest_commit_time`` reads a compare answer
  (https://docs.github.com/en/rest/commits/commits#compare-two-commits: commits come
  oldest first, so the first page holds the oldest) for ``first_commit_at``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum

from release_cockpit.adapters.payload import (
    as_int,
    as_list,
    as_str,
    dig,
    parse_time,
    require_dict,
    require_list,
)
from release_cockpit.domain.action_policy import PRODUCTION_NAMES
from release_cockpit.domain.history import ReleaseOutcome, ReleaseRecord
from release_cockpit.domain.release_type import version_from_ref

SOURCE = "github-deployments"
_SHA = re.compile(r"^[0-9a-f]{40}$")


class DeploymentState(Enum):
    """``deployment-status.state`` (https://docs.github.com/en/rest/deployments/statuses); new
    values map to UNKNOWN."""

    ERROR = "error"
    FAILURE = "failure"
    INACTIVE = "inactive"
    PENDING = "pending"
    SUCCESS = "success"
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: object) -> DeploymentState:
        try:
            return cls(value) if isinstance(value, str) else cls.UNKNOWN
        except ValueError:
            return cls.UNKNOWN


_FAILING = frozenset({DeploymentState.ERROR, DeploymentState.FAILURE})
_RUNNING = frozenset({DeploymentState.QUEUED, DeploymentState.PENDING, DeploymentState.IN_PROGRESS})


@dataclass(frozen=True, slots=True)
class GitHubDeployment:
    """The fields of a ``deployment`` object that history needs."""

    id: int
    sha: str
    ref: str
    environment: str
    created_at: datetime | None
    creator: str = ""
    production_environment: bool = False


@dataclass(frozen=True, slots=True)
class GitHubDeploymentStatus:
    """The fields of a ``deployment-status`` object that history needs."""

    id: int
    state: DeploymentState
    created_at: datetime | None
    description: str = ""
    creator: str = ""


def _utc(value: object) -> datetime | None:
    parsed = parse_time(value)
    return None if parsed is None else parsed.astimezone(UTC)


def parse_deployments(payload: object) -> tuple[GitHubDeployment, ...]:
    """A ``GET /deployments`` page -> deployments; items without an id are skipped.

    Raises:
        BadResponse: the payload is not a JSON array.
    """
    items = require_list(payload, "GitHub deployments")
    result = []
    for item in items:
        ident = as_int(item.get("id")) if isinstance(item, dict) else None
        if not isinstance(item, dict) or ident is None:
            continue
        result.append(
            GitHubDeployment(
                id=ident,
                sha=as_str(item.get("sha"), 64),
                ref=as_str(item.get("ref"), 300),
                environment=as_str(item.get("environment"), 200),
                created_at=_utc(item.get("created_at")),
                creator=as_str(dig(item, "creator", "login"), 100),
                production_environment=item.get("production_environment") is True,
            )
        )
    return tuple(result)


def parse_statuses(payload: object) -> tuple[GitHubDeploymentStatus, ...]:
    """A ``GET /deployments/{id}/statuses`` page -> statuses, oldest first.

    GitHub documents no order for this list (newest first is unverified), so we sort by
    ``created_at`` and then by id, which GitHub allocates increasingly.

    Raises:
        BadResponse: the payload is not a JSON array.
    """
    items = require_list(payload, "GitHub deployment statuses")
    result = [
        GitHubDeploymentStatus(
            id=as_int(item.get("id")) or 0,
            state=DeploymentState.parse(item.get("state")),
            created_at=_utc(item.get("created_at")),
            description=as_str(item.get("description"), 300),
            creator=as_str(dig(item, "creator", "login"), 100),
        )
        for item in items
        if isinstance(item, dict)
    ]
    floor = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(result, key=lambda s: (s.created_at or floor, s.id)))


def deployment_version(deployment: GitHubDeployment) -> str:
    """A version from the ref (a tag like ``v1.4.0``), else the short sha."""
    ref = deployment.ref
    if ref and not _SHA.match(ref):
        return version_from_ref(ref) or ref
    return (deployment.sha or ref)[:7]


def is_production(deployment: GitHubDeployment) -> bool:
    """Production when GitHub says so or the environment is named like production.

    ``production_environment`` defaults to false unless the environment is literally
    "production" at creation, and recorded deployments to "production" carry false
    (fixture ``deployments-list.json``), so the name is checked too.
    """
    return deployment.production_environment or deployment.environment.lower() in PRODUCTION_NAMES


def to_record(
    deployment: GitHubDeployment,
    statuses: tuple[GitHubDeploymentStatus, ...],
    *,
    key: str,
    service: str,
    team: str = "",
    production: bool | None = None,
) -> ReleaseRecord:
    """One deployment and its statuses (oldest first) -> a record, on its own.

    Cross-deployment inferences (rollbacks, restores) are made by ``to_records``.
    """
    known = [s for s in statuses if s.state is not DeploymentState.UNKNOWN]
    latest = known[-1] if known else None
    # The first success: the change reached users then, whatever is posted afterwards.
    success = next((s for s in known if s.state is DeploymentState.SUCCESS), None)
    first_failure = next((s for s in known if s.state in _FAILING), None)
    outcome = ReleaseOutcome.IN_PROGRESS
    deployed_at = finished_at = failed_at = None
    if latest is not None and latest.state is DeploymentState.SUCCESS:
        outcome = ReleaseOutcome.SUCCEEDED
        deployed_at = finished_at = success.created_at if success else latest.created_at
    elif latest is not None and latest.state in _FAILING:
        outcome, finished_at = ReleaseOutcome.FAILED, latest.created_at
        failed_at = first_failure.created_at if first_failure else latest.created_at
    elif latest is not None and latest.state is DeploymentState.INACTIVE:
        if success is not None:
            outcome = ReleaseOutcome.SUCCEEDED
            deployed_at = finished_at = success.created_at
        else:
            outcome, finished_at = ReleaseOutcome.ABORTED, latest.created_at
    return ReleaseRecord(
        key=key,
        service=service,
        team=team,
        environment=deployment.environment,
        version=deployment_version(deployment),
        started_at=deployment.created_at,
        deployed_at=deployed_at,
        finished_at=finished_at,
        outcome=outcome,
        failed_at=failed_at,
        source=SOURCE,
        production=is_production(deployment) if production is None else production,
    )


def to_records(
    items: list[tuple[GitHubDeployment, tuple[GitHubDeploymentStatus, ...]]],
    *,
    key: str,
    service: str,
    team: str = "",
    production: bool | None = None,
) -> list[ReleaseRecord]:
    """Deployments with their statuses -> records, oldest first, rollbacks and restores inferred.

    See the module docstring for the rules.
    """
    floor = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(items, key=lambda pair: (pair[0].created_at or floor, pair[0].id))
    records = [
        to_record(d, s, key=key, service=service, team=team, production=production)
        for d, s in ordered
    ]
    by_env: dict[str, list[int]] = {}
    for index, (deployment, _) in enumerate(ordered):
        by_env.setdefault(deployment.environment, []).append(index)
    for indexes in by_env.values():
        live: int | None = None  # index of the deployment currently serving
        seen_shas: set[str] = set()
        for position, index in enumerate(indexes):
            deployment, record = ordered[index][0], records[index]
            if record.deployed_at is None:
                continue
            for earlier in indexes[:position]:
                failed = records[earlier]
                if failed.outcome is ReleaseOutcome.FAILED and failed.restored_at is None:
                    records[earlier] = replace(failed, restored_at=record.deployed_at)
            if live is not None:
                current = ordered[live][0]
                rollback = deployment.sha in seen_shas and deployment.sha != current.sha
                if rollback and records[live].outcome is ReleaseOutcome.SUCCEEDED:
                    records[live] = replace(
                        records[live],
                        outcome=ReleaseOutcome.ROLLED_BACK,
                        failed_at=deployment.created_at or record.deployed_at,
                        restored_at=record.deployed_at,
                        finished_at=record.deployed_at,
                    )
            seen_shas.add(deployment.sha)
            live = index
    return records


def oldest_commit_time(payload: object) -> datetime | None:
    """The oldest author time of a compare answer's commits (None when it lists none:
    the head is not ahead of the base, as for a rollback).

    Raises:
        BadResponse: the payload is not a compare object.
    """
    body = require_dict(payload, "GitHub compare")
    dates = [
        when
        for commit in as_list(body.get("commits"))
        if (when := _utc(dig(commit, "commit", "author", "date"))) is not None
    ]
    return min(dates) if dates else None
