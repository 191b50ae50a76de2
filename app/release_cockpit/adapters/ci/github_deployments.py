"""Backfill release history from GitHub Deployments and their statuses.

Wire contract: https://docs.github.com/en/rest/deployments/deployments and
https://docs.github.com/en/rest/deployments/statuses. ``GET /repos/{o}/{r}/deployments``
lists deployments (newest first, unverified) and ``GET .../deployments/{id}/statuses``
their statuses. A deployment has no state of its own: its state is that of its latest
status. The pure functions here turn those payloads into ``ReleaseRecord``s;
``fetch_deployments`` does the bounded paging on an ``HttpClient``.

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
* Lead time: a deployment carries no commit times, so ``fetch_deployments`` compares the
  sha that was live before it (the previous deployed one of the environment, else the
  newest deployment older than the window) with its own sha
  (https://docs.github.com/en/rest/commits/commits#compare-two-commits: commits come
  oldest first, so the first page holds the oldest) and takes the oldest author time as
  ``first_commit_at``. The oldest deployment GitHub lists has nothing to compare with
  and keeps no lead time.

Partial reads keep what arrived: a deployment whose statuses cannot be read (404, a
garbled page) is left out and named in ``HistoryRead.missing``; a compare that fails
leaves that release without lead time, named likewise. Refused credentials, a spent
quota or an unreachable GitHub fail the whole read.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import TypeVar
from urllib.parse import quote

from release_cockpit.adapters.base import HistoryRead
from release_cockpit.adapters.ci.run_jobs import BACKEND_WIDE
from release_cockpit.adapters.http import HttpClient, attributed
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
from release_cockpit.errors import AdapterError, NotFound

SOURCE = "github-deployments"
MAX_PAGES = 10
"""Deployment list pages (100 each) read per backfill at most."""
MAX_STATUS_PAGES = 3
"""Status pages (100 each) read per deployment at most; real deployments have a handful."""
CONCURRENCY = 4
"""Status and compare requests in flight at once: quick, and gentle on GitHub's
secondary rate limits (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api)."""
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


def _version(deployment: GitHubDeployment) -> str:
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
        version=_version(deployment),
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


def _repo_path(repo: str) -> str:
    """``/repos/{owner}/{repo}``.

    Raises:
        NotFound: ``repo`` is not ``owner/name``.
    """
    owner, _, name = repo.strip("/").partition("/")
    if not owner or not name or "/" in name:
        raise NotFound(
            f"'{repo}' is not a GitHub repository name",
            hint="give the repository as 'owner/repo'",
        )
    return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


async def _statuses(http: HttpClient, path: str) -> tuple[GitHubDeploymentStatus, ...]:
    url: str | None = path
    params: dict[str, str | int] | None = {"per_page": 100}
    found: list[GitHubDeploymentStatus] = []
    for _ in range(MAX_STATUS_PAGES):
        if url is None:
            break
        answer = await http.get_json(url, params=params)
        found.extend(parse_statuses(answer.data))
        url, params = answer.links.get("next"), None
    floor = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(found, key=lambda s: (s.created_at or floor, s.id)))


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


T = TypeVar("T")
K = TypeVar("K")


async def _each(
    items: Sequence[K], read: Callable[[K], Awaitable[T]]
) -> list[tuple[K, T | AdapterError]]:
    """``read`` every item, ``CONCURRENCY`` at a time; an item's own failure is its answer.

    Raises:
        AdapterError: a backend-wide failure (refused, rate limited, unreachable).
    """
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(item: K) -> T:
        async with gate:
            return await read(item)

    answers = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
    found: list[tuple[K, T | AdapterError]] = []
    for item, answer in zip(items, answers, strict=True):
        if isinstance(answer, AdapterError) and not isinstance(answer, BACKEND_WIDE):
            found.append((item, answer))
        elif isinstance(answer, BaseException):
            raise answer
        else:
            found.append((item, answer))
    return found


def _label(deployment: GitHubDeployment) -> str:
    return f"deployment {deployment.id} ({_version(deployment)})"


def _why(error: AdapterError) -> str:
    return " ".join(str(error).split())


async def _lead_times(
    http: HttpClient,
    base: str,
    pairs: list[tuple[GitHubDeployment, ReleaseRecord]],
    before: GitHubDeployment | None,
) -> tuple[list[ReleaseRecord], list[str]]:
    """Each deployed record with ``first_commit_at`` from the compare of the sha live
    before it with its own; oldest first in, oldest first out."""
    ranges: list[tuple[int, str, str]] = []
    live = before.sha if before is not None else ""
    for index, (deployment, record) in enumerate(pairs):
        if record.deployed_at is None:
            continue
        if live and deployment.sha and live != deployment.sha:
            ranges.append((index, live, deployment.sha))
        live = deployment.sha or live

    async def compare(item: tuple[int, str, str]) -> datetime | None:
        _, old, new = item
        path = f"{base}/compare/{quote(old, safe='')}...{quote(new, safe='')}"
        answer = await http.get_json(path, params={"per_page": 100})
        return oldest_commit_time(answer.data)

    records = [record for _, record in pairs]
    missing = []
    for (index, _, _), answer in await _each(ranges, compare):
        if isinstance(answer, AdapterError):
            missing.append(f"{_label(pairs[index][0])}: commits not read: {_why(answer)}")
        elif answer is not None:
            records[index] = replace(records[index], first_commit_at=answer)
    return records, missing


async def fetch_deployments(
    http: HttpClient,
    repo: str,
    environment: str,
    since: datetime,
    *,
    key: str = "",
    service: str = "",
    team: str = "",
    production: bool | None = None,
    max_pages: int = MAX_PAGES,
) -> HistoryRead:
    """Past deployments of one environment created at or after ``since``, as records.

    Reads ``GET /repos/{repo}/deployments?environment=...&per_page=100`` following
    ``Link: rel="next"`` for at most ``max_pages`` pages, and stops early once a page
    reaches deployments older than ``since``; then each deployment's statuses, and the
    commits between each deployed sha and the one before it (lead time).

    Args:
        http: the GitHub backend's client (auth and API-version headers already set).
        repo: ``owner/name``.
        environment: the GitHub environment name, e.g. ``production``.
        since: oldest creation time to import (naive is taken as UTC).
        key: release-line key for the records; defaults to ``service``.
        service: service name; defaults to the repository name.
        team: owning team.
        production: force the production flag; None infers it (``is_production``).
        max_pages: bound on deployment list pages.

    Returns:
        The records, oldest first, and one line per deployment (or commit range) that
        could not be read.

    Raises:
        NotFound: ``repo`` is malformed or GitHub does not know it.
        BadResponse: a deployment list is not what the API documents.
        AdapterError: any other backend failure, already mapped by ``HttpClient``.
    """
    # A naive 'since' is read as UTC, like every timestamp GitHub sends.
    since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    with attributed(http.name):
        base = _repo_path(repo)
        name = service or repo.strip("/").partition("/")[2]
        url: str | None = f"{base}/deployments"
        params: dict[str, str | int] | None = {"environment": environment, "per_page": 100}
        chosen: list[GitHubDeployment] = []
        before: GitHubDeployment | None = None  # the newest one older than the window
        for _ in range(max(1, max_pages)):
            if url is None:
                break
            answer = await http.get_json(url, params=params)
            page = parse_deployments(answer.data)
            chosen.extend(d for d in page if d.created_at is not None and d.created_at >= since)
            older = [d for d in page if d.created_at is not None and d.created_at < since]
            if older:
                before = max(older, key=lambda d: (d.created_at, d.id))
                break
            url, params = answer.links.get("next"), None

        async def statuses(deployment: GitHubDeployment) -> tuple[GitHubDeploymentStatus, ...]:
            return await _statuses(http, f"{base}/deployments/{deployment.id}/statuses")

        missing: list[str] = []
        items = []
        for deployment, read in await _each(chosen, statuses):
            if isinstance(read, AdapterError):
                missing.append(f"{_label(deployment)}: statuses not read: {_why(read)}")
            else:
                items.append((deployment, read))
        records = to_records(items, key=key or name, service=name, team=team, production=production)
        floor = datetime.min.replace(tzinfo=UTC)
        ordered = sorted(items, key=lambda pair: (pair[0].created_at or floor, pair[0].id))
        pairs = [(pair[0], record) for pair, record in zip(ordered, records, strict=True)]
        records, unread = await _lead_times(http, base, pairs, before)
        return HistoryRead(records, tuple(missing + unread))
