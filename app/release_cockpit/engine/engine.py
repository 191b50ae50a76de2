"""The engine: adapters + poll loops + store, publishing snapshots to subscribers.

It runs as plain asyncio tasks on whatever loop starts it (the Textual app's loop for the
TUI, ``asyncio.run`` for headless commands), and never touches widgets. Once started,
snapshots are built on a worker thread (``snapshot_builder``: only what changed), so a
poll that changes hundreds of releases never holds up a key press on the loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial

from release_cockpit.adapters.base import (
    Adapter,
    AlertSource,
    CISource,
    DeployTarget,
    FlagSource,
    HealthSource,
)
from release_cockpit.config.schema import Config
from release_cockpit.domain import CockpitSnapshot
from release_cockpit.domain.audit import AuditEntry
from release_cockpit.domain.history import ReleaseRecord, TimelineEvent
from release_cockpit.domain.insights import HistoryBundle
from release_cockpit.domain.store_status import StoreStatus
from release_cockpit.engine.action_offers import action_rules
from release_cockpit.engine.checklist_poller import SOURCE as CHECKLIST
from release_cockpit.engine.checklist_poller import ChecklistLoop
from release_cockpit.engine.clock import Clock, SystemClock, jump_note
from release_cockpit.engine.controls import Controls
from release_cockpit.engine.database import Database
from release_cockpit.engine.feed import Unsubscribe
from release_cockpit.engine.late_watch import LateWatches
from release_cockpit.engine.poll_loop import PollLoop, PollOutcome
from release_cockpit.engine.poller_setup import (
    build_pollers,
    poll_interval,
    poll_timeout,
    source_records,
)
from release_cockpit.engine.recorder import HistoryRecorder
from release_cockpit.engine.snapshot_builder import Batch, SnapshotBuilder
from release_cockpit.engine.store import Store
from release_cockpit.engine.team_link import TeamLink
from release_cockpit.engine.tick_reads import TickReads

DEPLOY_HEAD_START = 2.0
PUBLISH_COALESCE = 0.05  # seconds: outcomes within this window share one snapshot
PUBLISH_EVERY = 0.25
"""Seconds between two snapshots at least: a burst of answers is one repaint, the newest
(the screen's "a few per second at most")."""


class Engine:
    """Owns one poll loop per backend and the store; implements ``SnapshotFeed``."""

    def __init__(
        self,
        config: Config,
        adapters: Mapping[str, Adapter],
        *,
        clock: Clock | None = None,
        database: Database | None = None,
        read_only: str = "",
    ) -> None:
        """``database`` holds the audit log (actions and checklist ticks; without it every
        action is refused) and the history (every release's record and timeline);
        ``read_only`` says why the session is read-only, if it is."""
        self.config = config
        self.adapters = dict(adapters)
        self.clock: Clock = clock or SystemClock()
        self._clock_jump = ""
        self._subscribers: list[Callable[[CockpitSnapshot], None]] = []
        self.store = Store(config, source_records(config, self.adapters))
        self.pollers = build_pollers(config, self.adapters, self.store.sources, self.clock)
        self.late = LateWatches(self.store, self.clock, self._publish_soon)
        self.loops = {
            name: PollLoop(
                name,
                partial(poller.poll, self.store),
                interval=poll_interval(config, name),
                timeout=poll_timeout(config, name),
                max_backoff=config.polling.max_backoff.total_seconds(),
                clock=self.clock,
                on_outcome=self._on_outcome,
                on_start=self.late.started,
            )
            for name, poller in self.pollers.items()
        }
        self._started = False
        self._starter: asyncio.Task[None] | None = None
        self._pending_publish: asyncio.TimerHandle | None = None
        self.database = database
        self.controls = Controls(
            config,
            self.adapters,
            self.store,
            action_rules(config, read_only),
            self.clock,
            database=database,
            on_change=self.publish,
            refresh=self.refresh,
        )
        self.checklist = ChecklistLoop(config, self.adapters, self.clock, self._on_outcome)
        self.recorder: HistoryRecorder | None = None
        if database is not None and database.history is not None:
            self.recorder = HistoryRecorder(
                database, database.history, on_status=self._publish_soon
            )
        self.tick_reads = TickReads(self.store, database, self._publish_soon)
        self.builder = SnapshotBuilder(self.store, self.controls)
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._in_flight: tuple[Batch, concurrent.futures.Future[Batch]] | None = None
        self._again = False
        self._cycling = False  # inside ``poll_once``
        self._waker: asyncio.Task[None] | None = None
        self._published_at = float("-inf")  # loop time of the last snapshot handed out
        self.team: TeamLink | None = None
        if database is not None and database.team is not None and database.audit is not None:
            shared = dict(self.loops)
            if self.checklist.loop is not None:  # probes hit production: once for the team
                shared[CHECKLIST] = self.checklist.loop
            self.team = TeamLink(
                database.team,
                database.audit.shown_as,
                config,
                self.store,
                shared,
                self.controls,
                apply=self._on_outcome,
                publish=self._publish_soon,
            )

    @property
    def snapshot(self) -> CockpitSnapshot | None:
        self._flush()
        return self.store.last

    def subscribe(self, callback: Callable[[CockpitSnapshot], None]) -> Unsubscribe:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def refresh(self, source: str | None = None) -> None:
        for name, loop in self.loops.items():
            wanted = source is None or name == source
            if wanted and (self.team is None or not self.team.refresh(name)):
                loop.refresh()

    async def start(self) -> None:
        """Start polling without waiting: deploy sources first, the rest a moment later.

        The rollout tells which version is the release and when its canary started, and
        the first health poll uses that to backfill the measurements; so deploy sources
        get a head start of up to ``DEPLOY_HEAD_START`` seconds (a slow or dead deploy
        backend never holds the others back longer than that).
        """
        if self._started:
            return
        self._started = True
        # Snapshots are built off the loop from now on; the first one (every release
        # "waiting for data") as soon as the loop is free.
        self._executor = concurrent.futures.ThreadPoolExecutor(1, "rc-snapshot")
        self._publish_soon()
        if self.team is not None:
            # The coordinator starts each loop this cockpit is elected for (or every loop
            # while the team's database cannot be reached).
            self._starter = asyncio.create_task(self._start_team(), name="engine:start")
            return
        deploy = [n for n, a in self.adapters.items() if isinstance(a, DeployTarget)]
        first = [self.loops[n] for n in deploy if n in self.loops]
        for loop in first:
            loop.start()
        self._starter = asyncio.create_task(self._start_others(first), name="engine:start")

    async def _start_team(self) -> None:
        assert self.team is not None
        await self.team.start()

    async def _start_others(self, first: list[PollLoop]) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DEPLOY_HEAD_START):
                await asyncio.gather(*(loop.first_poll_done.wait() for loop in first))
        for loop in self.loops.values():
            loop.start()
        self.checklist.start()

    async def stop(self) -> None:
        self._flush()  # the last outcomes still get their snapshot
        if self._waker is not None:
            self._waker.cancel()
            self._waker = None
        if self._starter is not None:
            self._starter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starter
            self._starter = None
        if self.team is not None:
            await self.team.stop()
            self._flush()
        await asyncio.gather(*(loop.stop() for loop in self.loops.values()))
        await self.checklist.stop()
        await self.controls.claims.close()
        await self.controls.aclose()
        await self.late.close()
        if self.tick_reads.pending:
            await self.tick_reads.wait()
        self._finish_in_flight()  # the last build still reaches the history
        if self.recorder is not None:
            await self.recorder.stop()
        if self._pending_publish is not None:  # nothing may publish into closed stores
            self._pending_publish.cancel()
            self._pending_publish = None
        self._in_flight = None  # a build started meanwhile is dropped, never delivered
        await asyncio.gather(
            *(adapter.aclose() for adapter in self.adapters.values()), return_exceptions=True
        )
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
        self._started = False

    async def poll_once(self) -> CockpitSnapshot:
        """Poll every source once and return the resulting snapshot.

        The first time, deploy sources go first (CI change sets need the running version),
        then CI (the release version decides whose measurements count), then health,
        alerts and flags; sources of one kind poll concurrently. Once every source has
        answered, all of them poll at once, as the running cockpit's independent loops do:
        each reads what the others last said, and a cycle lasts as long as its slowest
        source instead of the sum of the three.
        """
        loops = self.loops
        groups = [
            [n for n, a in self.adapters.items() if isinstance(a, kind) and n in loops]
            for kind in (DeployTarget, CISource, (HealthSource, AlertSource, FlagSource))
        ]
        records = self.store.sources
        if all(records[n].last_attempt_at is not None for n in loops if n in records):
            groups = [[n for group in groups for n in group]]
        self._cycling = True
        try:
            for names in groups:
                await asyncio.gather(*(loops[n].poll_once() for n in names))
            await self.checklist.poll_once()
        finally:
            self._cycling = False
        snapshot = self.publish()
        if self.tick_reads.pending:  # checklist ticks of versions seen for the first time
            await self.tick_reads.wait()
            snapshot = self.publish()
        return snapshot

    def _on_outcome(self, outcome: PollOutcome) -> None:
        """Apply one poll's result to the store (its one writer) and the source's record."""
        now = self.clock.now()
        if outcome.result is not None:
            self.store.apply(outcome.result, now)
        record = self.store.sources.get(outcome.source)
        if record is not None:
            usage = outcome.result.usage if outcome.result is not None else None
            record.polling_since = None
            self.late.answered(outcome.source)
            record.last_attempt_at = now
            # The adapter's last request is the latency people mean; a poll that had nothing
            # due (signals on a slower interval) made no request and says nothing about it.
            record.latency_ms = (usage.latency_ms if usage else None) or outcome.latency_ms
            record.error = outcome.error
            record.failures = outcome.consecutive_failures
            record.next_poll_at = now + timedelta(seconds=outcome.next_delay)
            if usage is not None:
                record.rate_limit_remaining = usage.rate_limit_remaining
                record.note = usage.note
            if outcome.ok:
                record.updated_at = now
            elif outcome.result is None and outcome.error is not None:
                self.store.charge(outcome.source, outcome.error)
        if self.team is not None:
            self.team.after_outcome(outcome)
        self._publish_soon()

    def _publish_soon(self) -> None:
        """Publish once for outcomes that arrive together: four sources finishing within a
        few milliseconds need one new picture, not four. Reading ``snapshot`` flushes a
        pending publish, so nobody reads a picture older than the data."""
        if self._pending_publish is None:
            loop = asyncio.get_running_loop()
            delay = max(PUBLISH_COALESCE, self._published_at + PUBLISH_EVERY - loop.time())
            self._pending_publish = loop.call_later(delay, self._kick)

    def _flush(self) -> None:
        self._finish_in_flight()
        wake = self.builder.next_wake(self.clock.now()) if self._started else None
        if self._pending_publish is not None or (wake is not None and wake <= 0.01):
            self.publish()

    def _kick(self) -> None:
        """Start building the next snapshot on the worker thread (one build at a time; a
        change arriving meanwhile is built right after)."""
        self._pending_publish = None
        if self._in_flight is not None:
            self._again = True
            return
        executor = self._executor
        if executor is None:  # not started (a synchronous caller): build here
            if not self._cycling:  # else ``poll_once`` publishes once, at its end
                self.publish()
            return
        batch = self._prepare(force=False)
        if batch is None:
            self._arm_wake()
            return
        if not batch.jobs and not batch.choose_for:
            self._deliver(self.builder.finish(batch))  # younger data only: nothing to build
            return
        loop = asyncio.get_running_loop()
        future = executor.submit(self.builder.build, batch)
        self._in_flight = (batch, future)

        def done(_: concurrent.futures.Future[Batch]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._built, batch)

        future.add_done_callback(done)

    def _built(self, batch: Batch) -> None:
        if self._in_flight is None or self._in_flight[0] is not batch:
            return  # finished already (someone read ``snapshot`` meanwhile)
        self._finish_in_flight()

    def _finish_in_flight(self) -> None:
        """Finish the build on the worker thread, waiting for it if need be."""
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is None:
            return
        batch, future = in_flight
        try:
            future.result()
        except Exception as exc:  # a builder bug must not stop the cockpit
            self._log_side_effect("snapshot build", exc)
            return
        self._deliver(self.builder.finish(batch))
        if self._again or self.store.changed:
            self._again = False
            with contextlib.suppress(RuntimeError):  # no running loop: the next read builds
                self._publish_soon()

    def _prepare(self, *, force: bool) -> Batch | None:
        stores = self._store_statuses()
        last = self.store.last
        now = self.clock.now()
        if self.team is not None:  # who polls each source, for the sources screen
            self.team.annotate(self.store.sources)
        note = self._clock_note(now)
        news = force or last is None or last.stores != stores or last.clock_note != note
        batch = self.builder.prepare(now, stores, force=news)
        if batch is not None:
            batch.clock_note = note
        return batch

    def _arm_wake(self) -> None:
        """Sleep until something changes with time alone (a text that follows the clock,
        data going stale, a freeze window); no timer at all when nothing will."""
        if self._waker is not None:
            self._waker.cancel()
            self._waker = None
        if not self._started:
            return
        delay = self.builder.next_wake(self.clock.now())
        if delay is None:
            return
        with contextlib.suppress(RuntimeError):
            self._waker = asyncio.get_running_loop().create_task(
                self._wake_after(delay), name="engine:wake"
            )

    async def _wake_after(self, delay: float) -> None:
        await self.clock.sleep(delay)
        self._waker = None
        self._publish_soon()

    def publish(self) -> CockpitSnapshot:
        """Build and hand out a new snapshot now, on the caller's thread (an action that
        finished, a checklist tick, a headless poll)."""
        if self._pending_publish is not None:
            self._pending_publish.cancel()
            self._pending_publish = None
        self._finish_in_flight()
        batch = self._prepare(force=True)
        assert batch is not None  # forced
        snapshot = self.builder.finish(self.builder.build(batch))
        assert snapshot is not None  # forced
        self._deliver(snapshot)
        return snapshot

    def _deliver(self, snapshot: CockpitSnapshot | None) -> None:
        """Hand a snapshot out. Side effects (history, tick reads) may fail; none of them
        may keep the snapshot from the subscribers."""
        self._arm_wake()
        if snapshot is None:
            return
        if self.recorder is not None:
            try:
                self.recorder.observe(snapshot)
            except Exception as exc:  # a recorder bug must not stop the cockpit
                self._log_side_effect("history", exc)
        self.tick_reads.read()
        with contextlib.suppress(RuntimeError):  # no running loop: a synchronous caller
            self._published_at = asyncio.get_running_loop().time()
        for callback in list(self._subscribers):
            callback(snapshot)

    def _clock_note(self, now: datetime) -> str:
        """The first jump of the system clock, noticed once and kept for the session."""
        if not self._clock_jump:
            self._clock_jump = jump_note(self.clock.jump(), now)
        return self._clock_jump

    @staticmethod
    def _log_side_effect(what: str, exc: Exception) -> None:
        logging.getLogger(__name__).exception("%s failed; the snapshot is published anyway", what)

    def _store_statuses(self) -> tuple[StoreStatus, ...]:
        statuses = []
        if self.recorder is not None:
            statuses.append(self.recorder.status)
        database = self.database
        if database is not None and database.error is not None:
            statuses.append(StoreStatus("audit log", False, database.error.message))
        elif self.tick_reads.problem is not None:
            statuses.append(StoreStatus("audit log", False, self.tick_reads.problem.message))
        elif database is not None and database.audit is not None:
            # Listed when it works too: "history ok" alone reads as if actions were unaudited.
            statuses.append(StoreStatus("audit log", True))
        return tuple(statuses)

    async def audit_entries(self, limit: int = 200) -> list[AuditEntry]:
        """The audit log, newest first, read off the event loop."""
        return await self.controls.stored.entries(limit)

    async def timeline(self, key: str, version: str) -> tuple[TimelineEvent, ...]:
        """One release's recorded timeline, read off the event loop."""
        return await self.controls.stored.timeline(key, version)

    async def history_records(self, since: datetime) -> list[ReleaseRecord]:
        """Release history since ``since``, read off the event loop."""
        return await self.controls.stored.records(since)

    async def history_bundle(self, since: datetime) -> HistoryBundle:
        """Records, answers and stage spans since ``since``, read off the event loop."""
        return await self.controls.stored.bundle(since)
