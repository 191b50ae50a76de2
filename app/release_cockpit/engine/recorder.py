"""Turns the stream of snapshots into release history: records, outcomes and timelines.

Each snapshot is compared with what was last seen of the same release (service line and
version); what changed becomes a timeline event (a stage moved, the verdict changed with
its reason, an alert fired or resolved, an action was sent, confirmed or failed) and the
release's record is updated with the times DORA needs.

The comparison runs on the event loop (it is cheap and pure); reading what a previous
session stored and writing the changes run on the database thread, in one writer task,
so a slow or locked file never delays a snapshot. Every event carries a *cause* (see
``TimelineEvent.cause``) numbered per release, rebuilt from the store after a restart: a
restarted cockpit does not repeat the events it recorded before, and two cockpits on one
file write each change once.

A write that fails is retried with backoff; until then the changes wait in memory (up to
``MAX_WAITING_EVENTS``), and ``status`` says "history not recording: <why>". Recording
resumes by itself when the disk or the lock recovers. Nothing here can stop a snapshot
from being published.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from release_cockpit.domain import (
    CockpitSnapshot,
    Release,
    Stage,
    StageName,
    StageState,
    VerdictLevel,
)
from release_cockpit.domain.action_policy import PRODUCTION_NAMES
from release_cockpit.domain.action_status import ActionPhase
from release_cockpit.domain.actions import TITLES
from release_cockpit.domain.history import (
    ReleaseOutcome,
    ReleaseRecord,
    TimelineEvent,
    TimelineKind,
)
from release_cockpit.domain.rollout import Action, PauseKind
from release_cockpit.domain.store_status import StoreStatus
from release_cockpit.engine.database import Database
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.engine.sqlite_file import StoreError

MAX_WAITING_EVENTS = 5_000
"""Events kept in memory while the store cannot be written; older ones are dropped first."""
FIRST_RETRY = 1.0
MAX_RETRY = 60.0
FIRST_SEEN = "note:first-seen"

Ident = tuple[str, str]
"""(release line key, version)."""


@dataclass(slots=True)
class _Seen:
    """What the recorder last saw of one release, and how often each cause happened."""

    record: ReleaseRecord
    stages: dict[StageName, StageState] = field(default_factory=dict)
    level: VerdictLevel | None = None
    alerts: frozenset[str] = frozenset()
    action: tuple[Action, ActionPhase, datetime] | None = None
    step: tuple[int | None, int | None] | None = None
    paused: PauseKind | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def cause(self, prefix: str) -> str:
        """The next cause for ``prefix``: ``verdict:failing:0``, then ``:1``..."""
        n = self.counts.get(prefix, 0)
        self.counts[prefix] = n + 1
        return f"{prefix}:{n}"


def _stamp(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def restored(record: ReleaseRecord, causes: Iterable[str]) -> _Seen:
    """What a previous session had seen of a release, rebuilt from the causes it stored."""
    seen = _Seen(record)
    firing: dict[str, bool] = {}
    for cause in causes:
        prefix, _, number = cause.rpartition(":")
        if not number.isdigit():
            continue  # not one of ours (a legacy or a hand-made row)
        kind = cause.split(":", 1)[0]
        if kind == "action":
            parts = prefix.split(":")
            with contextlib.suppress(ValueError, IndexError, OverflowError, OSError):
                at = datetime.fromtimestamp(int(number) / 1000, UTC)
                seen.action = (Action(parts[1]), ActionPhase(parts[2]), at)
            continue
        seen.counts[prefix] = max(seen.counts.get(prefix, 0), int(number) + 1)
        if kind == "stage":
            _, name, state = prefix.split(":", 2)
            with contextlib.suppress(ValueError):
                seen.stages[StageName(name)] = StageState(state)
        elif kind == "verdict":
            with contextlib.suppress(KeyError):
                seen.level = VerdictLevel[prefix.split(":", 1)[1].upper()]
        elif kind == "alert":
            name, _, state = prefix.split(":", 1)[1].rpartition(":")
            firing[name] = state == "firing"
        elif kind == "step":
            _, index, weight = ([*prefix.split(":"), "", ""])[:3]
            if index.lstrip("-").isdigit() and weight.isdigit():
                seen.step = (int(index), int(weight))
        elif kind == "pause":
            with contextlib.suppress(ValueError):
                seen.paused = PauseKind(prefix.split(":", 1)[1])
    seen.alerts = frozenset(name for name, on in firing.items() if on)
    return seen


def record_of(release: Release, now: datetime) -> ReleaseRecord:
    """A fresh record for a release seen for the first time."""
    return ReleaseRecord(
        key=release.key,
        service=release.service,
        team=release.team,
        environment=release.environment,
        version=release.version or "?",
        started_at=release.started_at or now,
        first_commit_at=release.changeset.first_commit_at if release.changeset else None,
        production=release.environment.strip().lower() in PRODUCTION_NAMES,
    )


def changes(seen: _Seen, release: Release, now: datetime) -> list[TimelineEvent]:
    """The timeline events between what was seen and ``release``; updates ``seen``."""
    events: list[TimelineEvent] = []
    for stage in release.stages:
        before = seen.stages.get(stage.name)
        if before is not None and _reading(before, stage):
            continue  # this cockpit's lack of data is no news of the release
        if before is not None and before is not stage.state:
            title = f"{stage.name.title} {stage.state.value}"
            # The stage's own times when the backend gave them: data that arrives late
            # (a CI source that was down) must not move the event to the arrival time.
            when = stage.finished_at if stage.state.settled else stage.started_at
            when = when if when is not None and when <= now else now
            cause = seen.cause(f"stage:{stage.name.value}:{stage.state.value}")
            detail = stage.text(when)
            events.append(TimelineEvent(when, TimelineKind.STAGE, title, detail, "", cause))
        seen.stages[stage.name] = stage.state
    level = release.verdict.level
    if level is not VerdictLevel.UNKNOWN and level is not seen.level:
        title = f"Verdict {level.name.lower()}"
        cause = seen.cause(f"verdict:{level.name.lower()}")
        reason = release.verdict.reason
        events.append(TimelineEvent(now, TimelineKind.VERDICT, title, reason, "", cause))
        seen.level = level
    names = frozenset(a.name for a in release.alerts)
    for alert in release.alerts:
        if alert.name not in seen.alerts:
            state = "no data" if alert.no_data else f"firing ({alert.severity or 'no severity'})"
            title = f"Alert {alert.name} {state}"
            cause = seen.cause(f"alert:{alert.name}:firing")
            events.append(TimelineEvent(now, TimelineKind.ALERT, title, alert.summary, "", cause))
    for gone in sorted(seen.alerts - names):
        cause = seen.cause(f"alert:{gone}:resolved")
        events.append(
            TimelineEvent(now, TimelineKind.ALERT, f"Alert {gone} resolved", "", "", cause)
        )
    seen.alerts = names
    events += _rollout_changes(seen, release, now)
    status = release.action
    if status is not None:
        mark = (status.action, status.phase, status.at)
        if mark != seen.action:
            title = f"{TITLES[status.action]} {status.phase.value}"
            cause = f"action:{status.action.value}:{status.phase.value}:{_stamp(status.at)}"
            events.append(
                TimelineEvent(status.at, TimelineKind.ACTION, title, status.text, status.by, cause)
            )
            seen.action = mark
    return events


def _reading(before: StageState, stage: Stage) -> bool:
    """Whether ``stage`` only says this cockpit has not read its data yet: "unknown" (no
    fresh data: a source down, or a cockpit that just started and, in a team, waits for the
    poller's state) and a passed Plan "gathering change set" again after a restart. Recorded,
    they put "Build unknown" then "Build passed" again in a shared timeline each time
    someone opened a cockpit."""
    if stage.state is StageState.UNKNOWN:
        return True
    return (
        stage.name is StageName.PLAN
        and before is StageState.PASSED
        and stage.state is StageState.RUNNING
    )


def _rollout_changes(seen: _Seen, release: Release, now: datetime) -> list[TimelineEvent]:
    """Canary weight steps and pauses: the marks on the detail's and the export's time
    axis. The first sight of a rollout sets the baseline and records nothing."""
    rollout = release.rollout
    if rollout is None:
        return []
    events: list[TimelineEvent] = []
    step = (rollout.step_index, rollout.set_weight)
    if seen.step is not None and step != seen.step and rollout.set_weight is not None:
        where = ""
        if rollout.step_index is not None and rollout.step_count:
            where = f"step {min(rollout.step_index + 1, rollout.step_count)}/{rollout.step_count}"
        cause = seen.cause(f"step:{rollout.step_index}:{rollout.set_weight}")
        title = f"Canary {rollout.set_weight}%"
        events.append(TimelineEvent(now, TimelineKind.STAGE, title, where, "", cause))
    seen.step = step
    kind = rollout.pause_kind
    if seen.paused is not None and kind is not seen.paused:
        if kind is PauseKind.NONE:
            title, detail = "Resumed", ""
        else:
            title, detail = f"Paused ({kind.value})", rollout.pause_reason
        cause = seen.cause(f"pause:{kind.value}")
        when = rollout.pause_started_at if kind is not PauseKind.NONE else None
        when = when if when is not None and when <= now else now
        events.append(TimelineEvent(when, TimelineKind.STAGE, title, detail, "", cause))
    seen.paused = kind
    return events


def outcome(record: ReleaseRecord, release: Release, now: datetime) -> ReleaseRecord:
    """The record with the times and outcome this release now shows."""
    changed = record
    change = release.changeset
    if change is not None and changed.commits is None:
        # The change set often arrives a poll after the release (a compare call): the
        # batch size and the first commit are filled in when it does.
        changed = replace(
            changed,
            commits=change.commits,
            pull_requests=len(change.pull_requests),
            first_commit_at=changed.first_commit_at or change.first_commit_at,
        )
    level = release.verdict.level
    if level is VerdictLevel.FAILING and changed.failed_at is None:
        changed = replace(changed, failed_at=now)
    elif level is VerdictLevel.OK and changed.failed_at and not changed.restored_at:
        changed = replace(changed, restored_at=now)
    rollout = release.rollout
    deploy = release.stage(StageName.DEPLOY).state
    completed = rollout is not None and rollout.fully_promoted and deploy is StageState.PASSED
    if completed and changed.deployed_at is None:
        changed = replace(changed, deployed_at=now)
    if changed.outcome.finished:
        return changed
    # An abort or rollback that completed restores service: traffic is on the old version.
    restored_at = (changed.restored_at or now) if changed.failed_at else changed.restored_at
    status = release.action
    if rollout is not None and rollout.aborted:
        aborted = ReleaseOutcome.ABORTED
        return replace(changed, outcome=aborted, finished_at=now, restored_at=restored_at)
    if (
        status is not None
        and status.action is Action.ROLLBACK
        and status.phase is ActionPhase.CONFIRMED
    ):
        rolled_back = ReleaseOutcome.ROLLED_BACK
        return replace(changed, outcome=rolled_back, finished_at=now, restored_at=restored_at)
    monitor = release.stage(StageName.MONITOR).state
    if monitor is StageState.FAILED:
        return replace(changed, outcome=ReleaseOutcome.FAILED, finished_at=now)
    if monitor is StageState.PASSED:
        return replace(changed, outcome=ReleaseOutcome.SUCCEEDED, finished_at=now)
    return changed


def _load(
    store: HistoryStore, idents: list[Ident]
) -> dict[Ident, tuple[ReleaseRecord | None, list[str]]]:
    """What earlier sessions stored of each release (runs on the database thread)."""
    return {ident: (store.release(*ident), store.causes(*ident)) for ident in idents}


class HistoryRecorder:
    """Feeds a HistoryStore from snapshots; the engine calls ``observe`` on each publish."""

    def __init__(
        self,
        database: Database,
        store: HistoryStore,
        *,
        on_status: Callable[[], object] = lambda: None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """``on_status`` is called when the recording status changes (to publish it)."""
        self.database = database
        self.store = store
        self._on_status = on_status
        self._sleep = sleep
        self._seen: dict[Ident, _Seen] = {}
        self._to_load: set[Ident] = set()
        self._latest: CockpitSnapshot | None = None
        self._records: dict[Ident, ReleaseRecord] = {}
        self._events: list[tuple[str, str, TimelineEvent]] = []
        self._lost = 0
        self._problem: StoreError | None = None
        self._since: datetime | None = None
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    @property
    def status(self) -> StoreStatus:
        waiting = len(self._events) + len(self._records)
        if self._problem is None:
            return StoreStatus("history", True, waiting=waiting)
        return StoreStatus(
            "history", False, self._problem.message, self._since, waiting, self._lost
        )

    def observe(self, snapshot: CockpitSnapshot) -> None:
        """Note what changed in this snapshot; the writer task stores it soon after.

        Only the releases the snapshot says changed are compared (all when it does not
        say): an idle board's snapshots carry nothing for the history."""
        self._latest = snapshot
        changed = snapshot.changed
        for release in snapshot.releases:
            if release.version is None or (changed is not None and release.key not in changed):
                continue
            ident = (release.key, release.version)
            seen = self._seen.get(ident)
            if seen is None:
                self._to_load.add(ident)
                continue
            self._note(seen, release, snapshot.taken_at)
        self._kick()

    def _note(self, seen: _Seen, release: Release, now: datetime, *, first: bool = False) -> None:
        """Queue the events and the record of a release that changed (or was met for the
        first time in this session: its record is written once even if unchanged)."""
        assert release.version is not None
        ident = (release.key, release.version)
        events = changes(seen, release, now)
        updated = outcome(seen.record, release, now)
        if events or updated != seen.record or first:
            seen.record = updated
            self._records[ident] = updated
        self._events += [(release.key, release.version, e) for e in events]
        overflow = len(self._events) - MAX_WAITING_EVENTS
        if overflow > 0:
            del self._events[:overflow]
            self._lost += overflow

    def _kick(self) -> None:
        if not (self._to_load or self._records or self._events):
            return
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="history-recorder"
            )

    async def _run(self) -> None:
        delay = FIRST_RETRY
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._load_new()
                await self._write()
            except StoreError as exc:
                self._failed(exc)
                await self._sleep(delay)
                delay = min(delay * 2, MAX_RETRY)
                self._wake.set()
                continue
            delay = FIRST_RETRY
            if self._problem is not None:
                self._problem = None
                self._since = None
                self._on_status()
            if not (self._to_load or self._records or self._events):
                self._idle.set()

    async def _load_new(self) -> None:
        """Rebuild what earlier sessions saw of releases met for the first time, then
        judge the latest snapshot for them."""
        if not self._to_load:
            return
        idents = sorted(self._to_load)
        stored = await self.database.call(_load, self.store, idents)
        latest = self._latest
        by_ident = {(r.key, r.version): r for r in (latest.releases if latest else ()) if r.version}
        for ident in idents:
            self._to_load.discard(ident)
            record, causes = stored[ident]
            release = by_ident.get(ident)
            if release is None or latest is None:
                continue  # gone before it was loaded: nothing to record for it now
            now = latest.taken_at
            seen = restored(record, causes) if record else _Seen(record_of(release, now))
            self._seen[ident] = seen
            if FIRST_SEEN not in causes:
                where = release.headline(now) or release.verdict.reason
                note = TimelineEvent(
                    now, TimelineKind.NOTE, "First seen by the cockpit", where, "", FIRST_SEEN
                )
                self._events.append((ident[0], ident[1], note))
            self._note(seen, release, now, first=True)

    async def _write(self) -> None:
        if not (self._records or self._events):
            return
        records, events = list(self._records.values()), list(self._events)
        await self.database.call(self.store.save, records, events)
        # Only what was written is forgotten: observe() may have added more meanwhile.
        for record in records:
            if self._records.get((record.key, record.version)) is record:
                del self._records[(record.key, record.version)]
        del self._events[: len(events)]

    def _failed(self, error: StoreError) -> None:
        first = self._problem is None
        self._problem = error
        if first:
            self._since = self._latest.taken_at if self._latest else None
            self._on_status()

    async def flush(self, within: float = 5.0) -> bool:
        """Wait until everything observed so far is written; False if it could not be."""
        if self._task is None:
            return True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._idle.wait()
        return self._idle.is_set()

    async def stop(self) -> None:
        """Write what is waiting (briefly), then stop the writer task."""
        await self.flush(within=2.0)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
