"""Backfill release history from GitHub Deployments: bounded paging, statuses, lead times.

Wire contract: https://docs.github.com/en/rest/deployments/deployments and
https://docs.github.com/en/rest/deployments/statuses. ``GET /repos/{o}/{r}/deployments``
lists deployments (newest first, unverified) and ``GET .../deployments/{id}/statuses``
their statuses; ``fetch_deployments`` does the bounded paging on an ``HttpClient`` and
``github_deployment_records`` turns the payloads into ``ReleaseRecord``s (the rules are
in its docstring and in docs/dora.md, "Backfill").

Lead time: a deployment carries no commit times, so ``fetch_deployments`` compares the
sha that was live before it (the previous deployed one of the environment, else the
newest deployment older than the window) with its own sha
(https://docs.github.com/en/rest/commits/commits#compare-two-commits) and takes the
oldest author time as ``first_commit_at``. The oldest deployment GitHub lists has
nothing to compare with and keeps no lead time.

Partial reads keep what arrived: a deployment whose statuses cannot be read (404, a
garbled page) is left out and named in ``HistoryRead.missing``; a compare that fails
leaves that release without lead time, named likewise. Refused credentials, a spent
quota or an unreachable GitHub fail the whole read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import quote

from release_cockpit.adapters.base import HistoryRead
from release_cockpit.adapters.ci.github_deployment_records import (
    GitHubDeployment,
    GitHubDeploymentStatus,
    deployment_version,
    oldest_commit_time,
    parse_deployments,
    parse_statuses,
    to_records,
)
from release_cockpit.adapters.ci.run_jobs import BACKEND_WIDE
from release_cockpit.adapters.http import HttpClient, attributed
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.errors import AdapterError, NotFound

MAX_PAGES = 10
"""Deployment list pages (100 each) read per backfill at most."""
MAX_STATUS_PAGES = 3
"""Status pages (100 each) read per deployment at most; real deployments have a handful."""
CONCURRENCY = 4
"""Status and compare requests in flight at once: quick, and gentle on GitHub's
secondary rate limits (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api)."""


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
    return f"deployment {deployment.id} ({deployment_version(deployment)})"


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
