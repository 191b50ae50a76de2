"""What one poll of each kind of source fetches, and where it puts the answers.

Each poller asks its backend once per distinct target (a repo, a namespace, a signal),
records per-target success or failure in the store, and raises the first failure at the
end so the poll loop backs off. Targets that answered keep their fresh data either way.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from release_cockpit.adapters.base import (
    AlertSource,
    CISource,
    CITarget,
    DeployRef,
    DeployTarget,
    HealthSource,
    Series,
)
from release_cockpit.domain import AlertMatcher, Outcome, SignalRule, measure, measurement_error
from release_cockpit.domain.rollup import pick_target
from release_cockpit.domain.signals import measure_comparison
from release_cockpit.engine.batching import QueryBatcher
from release_cockpit.engine.cadence import SLACK, idle_interval, is_idle
from release_cockpit.engine.clock import Clock
from release_cockpit.engine.store import ALL_TARGETS, SERIES_POINTS, Store, signal_target
from release_cockpit.errors import AdapterError, NotFound

T = TypeVar("T")
K = TypeVar("K")


async def _each(
    items: Sequence[K], fetch: Callable[[K], Awaitable[T]]
) -> list[tuple[K, T | AdapterError]]:
    """Run ``fetch`` for every item concurrently; adapter errors come back as values."""
    results = await asyncio.gather(*(fetch(item) for item in items), return_exceptions=True)
    out: list[tuple[K, T | AdapterError]] = []
    for item, result in zip(items, results, strict=True):
        if isinstance(result, AdapterError):
            out.append((item, result))
        elif isinstance(result, BaseException):
            raise result
        else:
            out.append((item, result))
    return out


class CIPoller:
    """Runs (with jobs) per project, and the change set of each release's version range.

    Release lines that share a pipeline share one request; idle lines are asked at the
    slower pace ``cadence`` describes.
    """

    def __init__(
        self,
        source: str,
        adapter: CISource,
        targets: Mapping[str, CITarget],
        store: Store,
        clock: Clock,
    ) -> None:
        self.source = source
        self.adapter = adapter
        self.store = store
        self.clock = clock
        self.by_target: dict[CITarget, list[str]] = defaultdict(list)
        for key, target in targets.items():
            self.by_target[target].append(key)
        self._polled: dict[CITarget, datetime] = {}

    def _due(self, target: CITarget, now: datetime) -> bool:
        """Active lines every poll; a target whose lines are all idle at the slower pace."""
        last = self._polled.get(target)
        if last is None:
            return True
        record = self.store.sources[self.source]
        for key in self.by_target[target]:
            kept = record.targets.get(key)
            if kept is not None and kept.error is not None:
                return True
            if not is_idle(self.store.ci_runs.get(key, ()), self.store.rollouts.get(key)):
                return True
        slow = idle_interval(record.interval, record.stale_after.total_seconds())
        return (now - last).total_seconds() >= slow - SLACK

    async def poll(self) -> None:
        first_error: AdapterError | None = None
        started = self.clock.now()
        due = [target for target in self.by_target if self._due(target, started)]
        if not due and self._polled:
            # Every line is idle: still ask for the one asked longest ago, so a backend that
            # went down shows as down at the loop's pace, not at the idle lines' pace.
            due = [min(self._polled, key=self._polled.__getitem__)]
        for target, result in await _each(due, self.adapter.runs):
            now = self.clock.now()
            if not isinstance(result, AdapterError):
                self._polled[target] = started
            for key in self.by_target[target]:
                if isinstance(result, AdapterError):
                    self.store.target_failed(self.source, key, result)
                    first_error = first_error or result
                else:
                    self.store.ci_runs[key] = result
                    self.store.target_ok(self.source, key, now)
        changeset_error = await self._changesets()
        error = first_error or changeset_error
        if error is not None:
            raise error

    async def _changesets(self) -> AdapterError | None:
        """Fetch each new version range once; ranges never change, so the answer is kept."""
        wanted: dict[tuple[str, str, str], CITarget] = {}
        for target, keys in self.by_target.items():
            for key in keys:
                picked = pick_target(self.store.rollouts.get(key), self.store.ci_runs.get(key, ()))
                if picked.version and picked.previous:
                    cs_key = self.store.changeset_key(key, picked.previous, picked.version)
                    if cs_key not in self.store.changesets:
                        wanted[cs_key] = target

        async def fetch(cs_key: tuple[str, str, str]) -> None:
            _, base, head = cs_key
            self.store.changesets[cs_key] = await self.adapter.changes(wanted[cs_key], base, head)

        errors = [r for _, r in await _each(list(wanted), fetch) if isinstance(r, AdapterError)]
        return errors[0] if errors else None


Group = tuple[tuple[str, float], list[tuple[str, SignalRule]]]
"""(query, comparison window in seconds or 0) -> the due signals measured together."""


class HealthPoller:
    """Measures each signal when its own interval is due; backfills sparklines once.

    Due signals that share a query (a ``$service`` template, or the same literal text) are
    measured with one request per poll, whatever the number of release lines using it.
    """

    def __init__(
        self,
        source: str,
        adapter: HealthSource,
        signals: Sequence[tuple[str, SignalRule]],
        store: Store,
        clock: Clock,
    ) -> None:
        self.source = source
        self.adapter = adapter
        self.signals = list(signals)
        self.store = store
        self.clock = clock
        services = store.config.services
        self.batcher = QueryBatcher(
            adapter, {key: services[key].service for key, _ in self.signals if key in services}
        )

    def _due(self, key: str, rule: SignalRule) -> bool:
        history = self.store.signal_history(key, rule)
        now = self.clock.now()
        rollout = self.store.rollouts.get(key)
        if rule.baseline is not None and (rollout is None or not rollout.canary_active):
            return False  # no canary traffic: nothing to compare (and no request to make)
        if history.first_seen is not None and now < history.first_seen + rule.initial_delay:
            return False
        if rule.count is not None and len(history.measurements) >= rule.count:
            return False
        if not history.measurements or history.measurements[-1].outcome is Outcome.ERROR:
            # A failed query is retried at the backend's own (backed-off) pace: a poll with
            # nothing due sends no request and would pass for a success, showing a dead
            # backend as OK between measurements.
            return True
        # A little slack so a signal whose interval equals the poll interval is not skipped
        # every other poll because the loop woke a few milliseconds early.
        return now - history.measurements[-1].at >= rule.interval - timedelta(milliseconds=250)

    async def poll(self) -> None:
        groups: dict[tuple[str, float], list[tuple[str, SignalRule]]] = defaultdict(list)
        for key, rule in self.signals:
            if self._due(key, rule):
                window = rule.baseline.window.total_seconds() if rule.baseline else 0.0
                groups[(rule.query, window)].append((key, rule))
        first_error: AdapterError | None = None
        for (_, items), result in await _each(list(groups.items()), self._measure):
            if isinstance(result, AdapterError):
                now = self.clock.now()
                for key, rule in items:
                    self.store.record(key, rule, measurement_error(now, str(result)))
                    self.store.target_failed(self.source, signal_target(key, rule.name), result)
                first_error = first_error or result
        if first_error:
            raise first_error

    async def _measure(self, group: Group) -> None:
        (query, window), items = group
        keys = [key for key, _ in items]
        if window:
            await self._compare(query, window, items)
            return
        results = await self.batcher.instant(query, keys)
        now = self.clock.now()
        # Backfill once the rollout is known (its start bounds which past points count as
        # measurements); a line without a deploy stage backfills at once.
        backfill = []
        for key, rule in items:
            history = self.store.signal_history(key, rule)
            waiting_for_rollout = (
                self.store.config.services[key].deploy is not None
                and key not in self.store.rollouts
            )
            if not history.backfilled and not waiting_for_rollout:
                history.backfilled = True
                backfill.append((key, rule))
        await self._backfill(query, backfill)
        for key, rule in items:
            value = results[key].single_value(worst_high=rule.high_is_bad)
            self.store.record(key, rule, measure(rule, now, value))
            self.store.target_ok(self.source, signal_target(key, rule.name), now)

    async def _compare(
        self, query: str, window: float, items: list[tuple[str, SignalRule]]
    ) -> None:
        """Canary-vs-baseline measurements: both populations over the window, compared.

        About 60 points per population: enough for the Mann-Whitney test to resolve a
        real shift, few enough to keep the range query cheap.
        """
        end = self.clock.now()
        step = max(window / 60, 1.0)
        span = timedelta(seconds=window)
        by_key = await self.batcher.range(query, [k for k, _ in items], end - span, end, step)
        for key, rule in items:
            spec = rule.baseline
            if spec is None:
                continue
            series = by_key[key]

            def population(
                selector: tuple[AlertMatcher, ...], series: tuple[Series, ...] = series
            ) -> list[float]:
                return [
                    value
                    for one in series
                    if all(m.matches(one.labels) for m in selector)
                    for _, value in one.points
                ]

            measurement, _ = measure_comparison(
                rule, self.clock.now(), population(spec.canary), population(spec.baseline)
            )
            self.store.record(key, rule, measurement)
            self.store.target_ok(self.source, signal_target(key, rule.name), self.clock.now())

    async def _backfill(self, query: str, items: list[tuple[str, SignalRule]]) -> None:
        """Reconstruct recent history from range queries when signals are first seen.

        One range query per signal interval covers every line of the group. The points
        since the rollout started become measurements (as if the cockpit had been watching
        all along, so a release that is already bad reads as failing at once); earlier
        points only seed the sparkline. A failed backfill leaves the history short; it
        does not fail the signal.
        """
        by_step: dict[float, list[tuple[str, SignalRule]]] = defaultdict(list)
        for key, rule in items:
            by_step[max(rule.interval.total_seconds(), 1.0)].append((key, rule))
        for step, group in by_step.items():
            end = self.clock.now()
            start = end - timedelta(seconds=step * (SERIES_POINTS - 1))
            try:
                found = await self.batcher.range(query, [k for k, _ in group], start, end, step)
            except AdapterError:
                continue
            for key, rule in group:
                self._apply_backfill(key, rule, found[key], end)

    def _apply_backfill(
        self, key: str, rule: SignalRule, series: tuple[Series, ...], end: datetime
    ) -> None:
        if not series:
            return
        history = self.store.signal_history(key, rule)
        rollout = self.store.rollouts.get(key)
        since = rollout.started_at if rollout and not rollout.fully_promoted else None
        pick = max if rule.high_is_bad else min
        by_time: dict[float, list[float]] = defaultdict(list)
        for one in series:
            for at, value in one.points:
                by_time[at].append(value)
        for at in sorted(by_time)[:-1]:  # the instant query supplies the newest point
            value = pick(by_time[at])
            history.series.append(value)
            when = datetime.fromtimestamp(at, UTC)
            if since is not None and when >= since and when < end:
                history.measurements.append(measure(rule, when, value))


class AlertPoller:
    """One call for every alert; matching to releases happens when the snapshot is built."""

    def __init__(self, source: str, adapter: AlertSource, store: Store, clock: Clock) -> None:
        self.source = source
        self.adapter = adapter
        self.store = store
        self.clock = clock

    async def poll(self) -> None:
        try:
            alerts = await self.adapter.alerts()
        except AdapterError as exc:
            self.store.target_failed(self.source, ALL_TARGETS, exc)
            raise
        self.store.alerts[self.source] = alerts
        self.store.target_ok(self.source, ALL_TARGETS, self.clock.now())


class DeployPoller:
    """One rollout list per namespace, shared by every release line in it."""

    def __init__(
        self,
        source: str,
        adapter: DeployTarget,
        targets: Mapping[str, DeployRef],
        store: Store,
        clock: Clock,
    ) -> None:
        self.source = source
        self.adapter = adapter
        self.targets = dict(targets)
        self.store = store
        self.clock = clock

    async def poll(self) -> None:
        namespaces = sorted({ref.namespace for ref in self.targets.values()})
        first_error: AdapterError | None = None
        for namespace, result in await _each(namespaces, self.adapter.rollouts):
            now = self.clock.now()
            for key, ref in self.targets.items():
                if ref.namespace != namespace:
                    continue
                if isinstance(result, AdapterError):
                    self.store.target_failed(self.source, key, result)
                    first_error = first_error or result
                elif ref.name in result:
                    self.store.rollouts[key] = result[ref.name]
                    self.store.target_ok(self.source, key, now)
                else:
                    missing = NotFound(
                        f"rollout {namespace}/{ref.name} not found",
                        backend=self.source,
                        hint="check services.<name>.deploy.namespace and rollout in the config",
                    )
                    self.store.rollouts.pop(key, None)
                    self.store.target_failed(self.source, key, missing)
                    first_error = first_error or missing
        if first_error:
            raise first_error
