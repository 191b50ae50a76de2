"""`release-cockpit backfill`: import past deployments into the release history.

A new install would otherwise start its DORA figures at zero. For every release line
whose CI backend is GitHub Actions, the same GitHub backend (its URL, token and TLS
settings) is asked for the line's repository's Deployments to the line's environment
since a date, with their statuses (``app.adapters.ci.github_deployments``); the records
are merged into the history store. The store's upsert keeps anything the cockpit itself
watched, and only releases new to the store get their "imported" note, so running the
backfill again adds nothing twice. One repository failing (unknown, forbidden, rate
limited) is reported on its line and never stops the others.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from release_cockpit.adapters.base import Adapter
from release_cockpit.adapters.ci.github_actions import GitHubActions
from release_cockpit.adapters.ci.github_deployments import fetch_deployments
from release_cockpit.config.schema import Config, ReleaseLine
from release_cockpit.domain.action_policy import PRODUCTION_NAMES
from release_cockpit.domain.history import (
    ReleaseOutcome,
    ReleaseRecord,
    TimelineEvent,
    TimelineKind,
)
from release_cockpit.engine.factory import build_adapters
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.errors import AdapterError

IMPORTED = "Imported from GitHub Deployments"
"""Title of the note each backfilled release gets in its timeline."""
CONCURRENCY = 4
"""Repositories read at once: fast on a big config, gentle on GitHub's secondary limits."""


@dataclass(frozen=True, slots=True)
class ServiceBackfill:
    """What the backfill did for one release line.

    Attributes:
        key: the release-line key from the config.
        service: service name.
        environment: the environment whose deployments were read.
        repo: the GitHub repository (``ci.project``), "" when the line has no CI.
        imported: deployments read and merged into the store.
        new: of those, releases the store did not know before.
        outcomes: how many imported releases ended each way, by ``ReleaseOutcome`` value.
        error: why the import failed for this line, "" when it did not.
        skipped: why the line was not read at all (not a GitHub line), "" otherwise.
    """

    key: str
    service: str
    environment: str
    repo: str = ""
    imported: int = 0
    new: int = 0
    outcomes: tuple[tuple[str, int], ...] = ()
    error: str = ""
    skipped: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "service": self.service,
            "environment": self.environment,
            "repo": self.repo,
            "imported": self.imported,
            "new": self.new,
            "outcomes": dict(self.outcomes),
            "error": self.error or None,
            "skipped": self.skipped or None,
        }


@dataclass(frozen=True, slots=True)
class BackfillReport:
    """The result of one backfill run, one entry per configured release line."""

    since: datetime
    now: datetime
    database: str
    services: tuple[ServiceBackfill, ...]

    @property
    def imported(self) -> int:
        return sum(s.imported for s in self.services)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.services)

    @property
    def failed(self) -> tuple[ServiceBackfill, ...]:
        return tuple(s for s in self.services if s.error)

    @property
    def exit_code(self) -> int:
        """0 when every GitHub line was read, 1 when any failed (the others still count)."""
        return 1 if self.failed else 0

    def to_json(self) -> dict[str, Any]:
        """One JSON document: the window, the totals and one entry per line."""
        return {
            "database": self.database,
            "since": self.since.isoformat(),
            "now": self.now.isoformat(),
            "imported": self.imported,
            "new": self.new,
            "failed": len(self.failed),
            "services": [s.to_json() for s in self.services],
        }

    def render(self) -> str:
        """A readable summary, one line per release line plus the totals; plain text."""
        lines = [
            f"Backfill from GitHub Deployments since {self.since:%Y-%m-%d %H:%M} UTC"
            f" into {self.database}"
        ]
        width = max((len(s.key) for s in self.services), default=0)
        for entry in self.services:
            name = entry.key.ljust(width)
            if entry.skipped:
                lines.append(f"  {name}  skipped: {entry.skipped}")
            elif entry.error:
                lines.append(f"  {name}  FAILED {entry.repo} ({entry.environment}): {entry.error}")
            else:
                counts = ", ".join(
                    f"{n} {outcome.replace('_', ' ')}" for outcome, n in entry.outcomes
                )
                detail = f": {counts}" if counts else ""
                lines.append(
                    f"  {name}  {entry.repo} ({entry.environment}): {entry.imported}"
                    f" deployment{'s' if entry.imported != 1 else ''}, {entry.new} new{detail}"
                )
        failed = len(self.failed)
        lines.append(
            f"{self.imported} deployment{'s' if self.imported != 1 else ''} imported"
            f" ({self.new} new)"
            + (f", {failed} line{'s' if failed != 1 else ''} failed" if failed else "")
        )
        return "\n".join(lines) + "\n"


def print_backfill(report: BackfillReport, console: Console | None = None) -> None:
    """The readable summary on the console, as plain text (backend text is never markup)."""
    console = console or Console()
    console.print(Text(report.render().rstrip("\n")), soft_wrap=True)


def _github_backends(config: Config) -> set[str]:
    """Names of the GitHub Actions backends some release line uses for CI."""
    return {
        svc.ci.backend
        for svc in config.services.values()
        if svc.ci is not None
        and svc.ci.backend in config.backends
        and config.backends[svc.ci.backend].type == GitHubActions.TYPE
    }


def _skip_reason(svc: ReleaseLine, adapters: Mapping[str, Adapter]) -> str:
    if svc.ci is None:
        return "no CI backend configured"
    if not isinstance(adapters.get(svc.ci.backend), GitHubActions):
        return f"CI backend '{svc.ci.backend}' is not GitHub Actions"
    return ""


def _note(record: ReleaseRecord, repo: str, now: datetime) -> TimelineEvent:
    at = record.started_at or record.deployed_at or record.finished_at or now
    outcome = record.outcome.value.replace("_", " ")
    return TimelineEvent(
        at, TimelineKind.NOTE, IMPORTED, f"{repo}: deployment to {record.environment}, {outcome}"
    )


def _outcomes(records: list[ReleaseRecord]) -> tuple[tuple[str, int], ...]:
    counts = Counter(r.outcome for r in records)
    return tuple((o.value, counts[o]) for o in ReleaseOutcome if counts[o])


def _save(
    store: HistoryStore, svc: ReleaseLine, repo: str, records: list[ReleaseRecord], now: datetime
) -> ServiceBackfill:
    """Merge ``records`` into ``store``; a note only for releases it did not know.

    Raises:
        StoreError: the history database cannot be written.
    """
    notes = []
    for record in records:
        if store.release(record.key, record.version) is None:
            notes.append((record.key, record.version, _note(record, repo, now)))
    store.save(records, notes)
    return ServiceBackfill(
        key=svc.key,
        service=svc.service,
        environment=svc.environment,
        repo=repo,
        imported=len(records),
        new=len(notes),
        outcomes=_outcomes(records),
    )


async def run_backfill(
    config: Config,
    env: Mapping[str, str],
    store: HistoryStore,
    *,
    since: datetime,
    now: datetime,
) -> BackfillReport:
    """Import every GitHub release line's deployments since ``since`` into ``store``.

    Args:
        config: the cockpit config; its GitHub Actions backends are the ones read.
        env: environment variables, for the backends' tokens.
        store: the history store to merge into (the caller opens and closes it).
        since: the oldest deployment creation time to import (naive is taken as UTC).
        now: the current time, for the report and for records without any time.

    Raises:
        ConfigError: a backend's secret or options are invalid (nothing was read).
        StoreError: the history database cannot be written (lines read so far are kept).
    """
    since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    # Only the GitHub backends are built: a missing Prometheus token must not block this.
    needed = _github_backends(config)
    adapters = build_adapters(
        replace(config, backends={n: b for n, b in config.backends.items() if n in needed}), env
    )
    services = list(config.services.values())
    jobs: list[tuple[ReleaseLine, GitHubActions]] = []
    for svc in services:
        adapter = adapters.get(svc.ci.backend) if svc.ci is not None else None
        if isinstance(adapter, GitHubActions):
            jobs.append((svc, adapter))
    gate = asyncio.Semaphore(CONCURRENCY)

    async def read(svc: ReleaseLine, adapter: GitHubActions) -> list[ReleaseRecord] | str:
        async with gate:
            try:
                return await fetch_deployments(
                    adapter.http,
                    svc.ci.project if svc.ci is not None else "",
                    svc.environment,
                    since,
                    key=svc.key,
                    service=svc.service,
                    team=svc.team,
                    production=svc.environment.strip().lower() in PRODUCTION_NAMES,
                )
            except AdapterError as exc:
                # One line per service in the summary, whatever the message holds.
                return " ".join(f"{exc.title}: {exc}".split())

    try:
        found = await asyncio.gather(*(read(svc, adapter) for svc, adapter in jobs))
    finally:
        await asyncio.gather(*(a.aclose() for a in adapters.values()), return_exceptions=True)
    results = {svc.key: result for (svc, _), result in zip(jobs, found, strict=True)}
    entries = []
    for svc in services:
        repo = svc.ci.project if svc.ci is not None else ""
        result = results.get(svc.key)
        if result is None:
            reason = _skip_reason(svc, adapters)
            entries.append(
                ServiceBackfill(svc.key, svc.service, svc.environment, repo, skipped=reason)
            )
        elif isinstance(result, str):
            entries.append(
                ServiceBackfill(svc.key, svc.service, svc.environment, repo, error=result)
            )
        else:
            # SQLite never runs on an event loop's thread (the store refuses it).
            entries.append(await asyncio.to_thread(_save, store, svc, repo, result, now))
    return BackfillReport(since=since, now=now, database=str(store.path), services=tuple(entries))
