"""`release-cockpit backfill`: import past deployments into the release history.

A new install would otherwise start its DORA figures at zero. History is a capability
any adapter may offer (``Feature.HISTORY``: GitHub Deployments through the GitHub Actions
backend, Argo CD's application history, a Deployment's ReplicaSet revisions...). For
every release line, its CI backend is asked if it keeps history, else its deploy
backend; the records are merged into the history store. The store's upsert keeps
anything the cockpit itself watched, and only releases new to the store get their
"imported" note, so running the backfill again adds nothing twice. One line failing
(unknown repository, forbidden, rate limited) is reported on its line and never stops
the others; one deployment of a line that cannot be read (its statuses answer 404)
leaves the rest of the line imported and is named under it. Only the backends that
keep history are built.
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

from release_cockpit.adapters.base import Adapter, Feature, HistoryRead, HistorySource
from release_cockpit.adapters.registry import adapter_class
from release_cockpit.config.schema import Config, ReleaseLine
from release_cockpit.domain import Target
from release_cockpit.domain.history import (
    ReleaseOutcome,
    ReleaseRecord,
    TimelineEvent,
    TimelineKind,
)
from release_cockpit.engine.factory import build_adapters
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.errors import AdapterError, ConfigError

IMPORTED = "Imported from deployment history"
"""Title of the note each backfilled release gets in its timeline."""
CONCURRENCY = 4
"""Lines read at once: fast on a big config, gentle on GitHub's secondary limits."""


@dataclass(frozen=True, slots=True)
class ServiceBackfill:
    """What the backfill did for one release line.

    Attributes:
        key: the release-line key from the config.
        service: service name.
        environment: the environment whose deployments were read.
        repo: where the history was read (a repository, an application), "" when none.
        imported: deployments read and merged into the store.
        new: of those, releases the store did not know before.
        outcomes: how many imported releases ended each way, by ``ReleaseOutcome`` value.
        error: why the import failed for this line, "" when it did not.
        skipped: why the line was not read at all (no backend keeps history), "" otherwise.
        missing: what of the line could not be read (a deployment whose statuses failed,
            a commit range), one line each; the rest was imported.
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
    missing: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error and not self.missing

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
            "missing": list(self.missing),
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
    def partial(self) -> tuple[ServiceBackfill, ...]:
        """Lines imported with something missing."""
        return tuple(s for s in self.services if s.missing and not s.error)

    @property
    def exit_code(self) -> int:
        """0 when every line was read whole, 1 when any failed or missed something (what
        was read still counts)."""
        return 1 if self.failed or self.partial else 0

    def to_json(self) -> dict[str, Any]:
        """One JSON document: the window, the totals and one entry per line."""
        return {
            "database": self.database,
            "since": self.since.isoformat(),
            "now": self.now.isoformat(),
            "imported": self.imported,
            "new": self.new,
            "failed": len(self.failed),
            "partial": len(self.partial),
            "services": [s.to_json() for s in self.services],
        }

    def render(self) -> str:
        """A readable summary, one line per release line plus the totals; plain text."""
        lines = [
            f"Backfill from deployment history since {self.since:%Y-%m-%d %H:%M} UTC"
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
                lines += [f"  {' ' * width}  not read: {what}" for what in entry.missing]
        failed, partial = len(self.failed), len(self.partial)
        lines.append(
            f"{self.imported} deployment{'s' if self.imported != 1 else ''} imported"
            f" ({self.new} new)"
            + (f", {failed} line{'s' if failed != 1 else ''} failed" if failed else "")
            + (f", {partial} line{'s' if partial != 1 else ''} partly read" if partial else "")
        )
        return "\n".join(lines) + "\n"


def print_backfill(report: BackfillReport, console: Console | None = None) -> None:
    """The readable summary on the console, as plain text (backend text is never markup)."""
    console = console or Console()
    console.print(Text(report.render().rstrip("\n")), soft_wrap=True)


def _keeps_history(config: Config, backend: str | None) -> bool:
    """Whether the backend's type offers ``Feature.HISTORY`` (its adapter is imported)."""
    if backend is None or backend not in config.backends:
        return False
    try:
        return Feature.HISTORY in adapter_class(config.backends[backend].type).FEATURES
    except ConfigError:
        return False  # an unknown type: building it would say so; nothing to read here


def _source(config: Config, line: ReleaseLine) -> tuple[str, Target] | None:
    """The backend (and the line's target on it) that keeps this line's history."""
    if line.ci is not None and _keeps_history(config, line.ci.backend):
        return line.ci.backend, line.ci.target
    if line.deploy is not None and _keeps_history(config, line.deploy.backend):
        return line.deploy.backend, line.deploy.target
    return None


def _skip_reason(config: Config, line: ReleaseLine) -> str:
    if line.ci is None and line.deploy is None:
        return "no CI or deploy backend configured"
    named = [link.backend for link in (line.ci, line.deploy) if link is not None]
    if line.ci is None:
        return "no CI backend configured"
    kinds = ", ".join(f"'{b}' ({config.backends[b].type})" for b in named if b in config.backends)
    return f"no deployment history in {kinds}"


def _where(target: Target) -> str:
    return target.get("project") or target.get("application") or target.label


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
    store: HistoryStore, svc: ReleaseLine, repo: str, read: HistoryRead, now: datetime
) -> ServiceBackfill:
    """Merge ``records`` into ``store``; a note only for releases it did not know.

    Raises:
        StoreError: the history database cannot be written.
    """
    records = read.records
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
        missing=read.missing,
    )


async def run_backfill(
    config: Config,
    env: Mapping[str, str],
    store: HistoryStore,
    *,
    since: datetime,
    now: datetime,
) -> BackfillReport:
    """Import every release line's past deployments since ``since`` into ``store``.

    Args:
        config: the cockpit config; only backends that keep history are built.
        env: environment variables, for the backends' tokens.
        store: the history store to merge into (the caller opens and closes it).
        since: the oldest deployment creation time to import (naive is taken as UTC).
        now: the current time, for the report and for records without any time.

    Raises:
        ConfigError: a backend's secret or options are invalid (nothing was read).
        StoreError: the history database cannot be written (lines read so far are kept).
    """
    since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    lines = list(config.services.values())
    sources = {line.key: _source(config, line) for line in lines}
    needed = {found[0] for found in sources.values() if found is not None}
    # Only those backends are built: a missing Prometheus token must not block this.
    adapters = build_adapters(
        replace(config, backends={n: b for n, b in config.backends.items() if n in needed}), env
    )
    gate = asyncio.Semaphore(CONCURRENCY)

    async def read(line: ReleaseLine, adapter: Adapter, target: Target) -> HistoryRead | str:
        async with gate:
            if not isinstance(adapter, HistorySource):
                return f"{adapter.name} declares history but cannot read it (an adapter bug)"
            try:
                found = await adapter.history(line, target, since)
                return found if isinstance(found, HistoryRead) else HistoryRead(found)
            except AdapterError as exc:
                # One line per service in the summary, whatever the message holds.
                return " ".join(f"{exc.title}: {exc}".split())

    jobs = [
        (line, adapters[found[0]], found[1])
        for line in lines
        if (found := sources[line.key]) is not None and found[0] in adapters
    ]
    try:
        answers = await asyncio.gather(*(read(*job) for job in jobs))
    finally:
        await asyncio.gather(*(a.aclose() for a in adapters.values()), return_exceptions=True)
    results = {
        line.key: (target, answer) for (line, _, target), answer in zip(jobs, answers, strict=True)
    }
    entries = []
    for line in lines:
        if line.key not in results:
            entries.append(
                ServiceBackfill(
                    line.key, line.service, line.environment, skipped=_skip_reason(config, line)
                )
            )
            continue
        target, result = results[line.key]
        where = _where(target)
        if isinstance(result, str):
            entries.append(
                ServiceBackfill(line.key, line.service, line.environment, where, error=result)
            )
        else:
            # SQLite never runs on an event loop's thread (the store refuses it).
            entries.append(await asyncio.to_thread(_save, store, line, where, result, now))
    return BackfillReport(since=since, now=now, database=str(store.path), services=tuple(entries))
