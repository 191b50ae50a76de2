"""The engine: adapters + poll loops + store, publishing snapshots to subscribers.

It runs as plain asyncio tasks on whatever loop starts it (the Textual app's loop for the
TUI, ``asyncio.run`` for headless commands), and never touches widgets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from release_cockpit.adapters.base import (
    Adapter,
    AlertSource,
    CISource,
    CITarget,
    DeployRef,
    DeployTarget,
    HealthSource,
)
from release_cockpit.config.schema import Config
from release_cockpit.domain import CockpitSnapshot, SignalRule
from release_cockpit.engine.audit_log import AuditLog
from release_cockpit.engine.checklist_poller import ChecklistLoop
from release_cockpit.engine.clock import Clock, SystemClock
from release_cockpit.engine.controls import Controls, action_rules
from release_cockpit.engine.feed import Unsubscribe
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.engine.poll_loop import PollLoop, PollOutcome
from release_cockpit.engine.pollers import AlertPoller, CIPoller, DeployPoller, HealthPoller
from release_cockpit.engine.recorder import HistoryRecorder
from release_cockpit.engine.sqlite_file import StoreError
from release_cockpit.engine.store import SourceRecord, Store

DEPLOY_HEAD_START = 2.0
PUBLISH_COALESCE = 0.05  # seconds: outcomes within this window share one snapshot


class _Poller(Protocol):
    async def poll(self) -> None: ...


class Engine:
    """Owns one poll loop per backend and the store; implements ``SnapshotFeed``."""

    def __init__(
        self,
        config: Config,
        adapters: Mapping[str, Adapter],
        *,
        clock: Clock | None = None,
        audit: AuditLog | None = None,
        audit_error: StoreError | None = None,
        read_only: str = "",
        history: HistoryStore | None = None,
    ) -> None:
        """``audit`` records actions and checklist ticks (None: actions are refused with
        ``audit_error``); ``read_only`` says why the session is read-only, if it is;
        ``history`` receives every release's record and timeline."""
        self.config = config
        self.adapters = dict(adapters)
        self.clock: Clock = clock or SystemClock()
        self._subscribers: list[Callable[[CockpitSnapshot], None]] = []
        self.store = Store(config, self._source_records())
        self.pollers = self._pollers()
        self.loops = {
            name: PollLoop(
                name,
                poller.poll,
                interval=self._interval(name),
                timeout=self._poll_timeout(name),
                max_backoff=config.polling.max_backoff.total_seconds(),
                clock=self.clock,
                on_outcome=self._on_outcome,
            )
            for name, poller in self.pollers.items()
        }
        self._started = False
        self._starter: asyncio.Task[None] | None = None
        self._pending_publish: asyncio.TimerHandle | None = None
        if audit is not None:
            self.store.tick_source = audit.ticks
        self.controls = Controls(
            config,
            self.adapters,
            self.store,
            action_rules(config, read_only),
            self.clock,
            audit=audit,
            audit_error=audit_error,
            on_change=self.publish,
            refresh=self.refresh,
            history=history,
        )
        self.checklist = ChecklistLoop(config, self.adapters, self.store, self.clock, self.publish)
        self.recorder = HistoryRecorder(history) if history is not None else None

    def _interval(self, name: str) -> float:
        backend = self.config.backends[name]
        return (backend.interval or self.config.polling.interval).total_seconds()

    def _poll_timeout(self, name: str) -> float:
        """A poll makes a few requests in sequence (list, then jobs, then compare)."""
        backend = self.config.backends[name]
        per_request = (backend.timeout or self.config.polling.timeout).total_seconds()
        return per_request * 3

    def _signal_rules(self) -> list[tuple[str, SignalRule]]:
        return [(key, rule) for key, svc in self.config.services.items() for rule in svc.signals]

    def _source_records(self) -> dict[str, SourceRecord]:
        """Only backends some service uses are polled; each gets a staleness limit that
        is at least three of its own intervals, so one slow poll never looks stale."""
        records: dict[str, SourceRecord] = {}
        signal_intervals: dict[str, float] = {}
        for _, rule in self._signal_rules():
            current = signal_intervals.get(rule.backend, 0.0)
            signal_intervals[rule.backend] = max(current, rule.interval.total_seconds())
        for name in self._used_backends():
            adapter = self.adapters[name]
            interval = self._interval(name)
            slowest = max(interval, signal_intervals.get(name, 0.0))
            stale = max(self.config.polling.stale_after, timedelta(seconds=3 * slowest))
            records[name] = SourceRecord(name, adapter.KIND, interval, stale)
        return records

    def _used_backends(self) -> list[str]:
        used: dict[str, None] = {}
        for svc in self.config.services.values():
            if svc.ci:
                used[svc.ci.backend] = None
            if svc.deploy:
                used[svc.deploy.backend] = None
            for rule in svc.signals:
                used[rule.backend] = None
            if svc.alerts:
                used[svc.alerts.backend] = None
        return [name for name in used if name in self.adapters]

    def _pollers(self) -> dict[str, _Poller]:
        services = self.config.services
        pollers: dict[str, _Poller] = {}
        for name in self.store.sources:
            adapter = self.adapters[name]
            if isinstance(adapter, CISource):
                targets = {
                    key: CITarget(svc.ci.project, svc.ci.workflow)
                    for key, svc in services.items()
                    if svc.ci and svc.ci.backend == name
                }
                pollers[name] = CIPoller(name, adapter, targets, self.store, self.clock)
            elif isinstance(adapter, HealthSource):
                rules = [(k, r) for k, r in self._signal_rules() if r.backend == name]
                pollers[name] = HealthPoller(name, adapter, rules, self.store, self.clock)
            elif isinstance(adapter, AlertSource):
                pollers[name] = AlertPoller(name, adapter, self.store, self.clock)
            elif isinstance(adapter, DeployTarget):
                refs = {
                    key: DeployRef(svc.deploy.namespace, svc.deploy.rollout)
                    for key, svc in services.items()
                    if svc.deploy and svc.deploy.backend == name
                }
                pollers[name] = DeployPoller(name, adapter, refs, self.store, self.clock)
        return pollers

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
            if source is None or name == source:
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
        self.publish()
        deploy = [n for n, a in self.adapters.items() if isinstance(a, DeployTarget)]
        first = [self.loops[n] for n in deploy if n in self.loops]
        for loop in first:
            loop.start()
        self._starter = asyncio.create_task(self._start_others(first), name="engine:start")

    async def _start_others(self, first: list[PollLoop]) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DEPLOY_HEAD_START):
                await asyncio.gather(*(loop.first_poll_done.wait() for loop in first))
        for loop in self.loops.values():
            loop.start()
        self.checklist.start()

    async def stop(self) -> None:
        self._flush()  # the last outcomes still get their snapshot
        if self._starter is not None:
            self._starter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starter
            self._starter = None
        await asyncio.gather(*(loop.stop() for loop in self.loops.values()))
        await self.checklist.stop()
        await asyncio.gather(
            *(adapter.aclose() for adapter in self.adapters.values()), return_exceptions=True
        )
        self._started = False

    async def poll_once(self) -> CockpitSnapshot:
        """Poll every source once and return the resulting snapshot.

        Deploy sources go first (CI change sets need the running version), then CI (the
        release version decides whose measurements count), then health and alerts;
        sources of one kind poll concurrently.
        """
        for kind in (DeployTarget, CISource, (HealthSource, AlertSource)):
            names = [n for n, a in self.adapters.items() if isinstance(a, kind)]
            await asyncio.gather(*(self.loops[n].poll_once() for n in names if n in self.loops))
        await self.checklist.poll_once()
        return self.publish()

    def _on_outcome(self, outcome: PollOutcome) -> None:
        record = self.store.sources[outcome.source]
        now = self.clock.now()
        record.last_attempt_at = now
        # The adapter's last request is the latency people mean; a poll that had nothing
        # due (signals on a slower interval) made no request and says nothing about it.
        adapter = self.adapters[outcome.source]
        record.latency_ms = adapter.last_latency_ms() or outcome.latency_ms
        record.error = outcome.error
        record.failures = outcome.consecutive_failures
        record.next_poll_at = now + timedelta(seconds=outcome.next_delay)
        record.rate_limit_remaining = adapter.rate_limit_remaining()
        if outcome.ok:
            record.updated_at = now
        else:
            self._charge_unrecorded(record, outcome, now)
        self._publish_soon()

    def _publish_soon(self) -> None:
        """Publish once for outcomes that arrive together: with hundreds of releases a
        snapshot costs real time, and four sources finishing within a few milliseconds
        need one new picture, not four. Reading ``snapshot`` flushes a pending publish,
        so nobody reads a picture older than the data."""
        if self._pending_publish is None:
            loop = asyncio.get_running_loop()
            self._pending_publish = loop.call_later(PUBLISH_COALESCE, self._flush)

    def _flush(self) -> None:
        if self._pending_publish is not None:
            self.publish()

    @staticmethod
    def _charge_unrecorded(record: SourceRecord, outcome: PollOutcome, now: datetime) -> None:
        """Give a failed poll's error to its targets when the poller could not record any.

        A poll cut off by its deadline (or ended by a bug) never reaches the poller's own
        bookkeeping, so without this each release would see the source as merely stale,
        without the error the Sources screen shows.
        """
        started = now - timedelta(milliseconds=outcome.latency_ms)
        targets = record.targets.values()
        recorded = any(
            t.error is outcome.error or (t.updated_at is not None and t.updated_at >= started)
            for t in targets
        )
        if not recorded:
            for target in targets:
                target.error = outcome.error

    def publish(self) -> CockpitSnapshot:
        if self._pending_publish is not None:
            self._pending_publish.cancel()
            self._pending_publish = None
        snapshot = self.store.snapshot(self.clock.now())
        if self.recorder is not None:
            self.recorder.observe(snapshot)
        for callback in list(self._subscribers):
            callback(snapshot)
        return snapshot
