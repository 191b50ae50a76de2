"""What one poll of each kind of source fetches, returned as a ``PollResult``.

Each poller asks its backend once per distinct target (a repo, a namespace, a signal
query), reads what it needs to decide what is due through the read-only ``PollView``,
and returns every answer and every per-target failure; the engine applies the result
to the store. Targets that answered keep their fresh data even when others failed.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from release_cockpit.adapters.base import Adapter, AlertSource, CISource, DeployTarget, HealthSource
from release_cockpit.adapters.query_results import Series
from release_cockpit.domain import AlertMatcher, SignalRule, Target, measure, measurement_error
from release_cockpit.domain.rollup import pick_target
from release_cockpit.domain.signals import measure_comparison
from release_cockpit.engine.batching import QueryBatcher
from release_cockpit.engine.cadence import SLACK, idle_interval, is_idle
from release_cockpit.engine.clock import Clock
from release_cockpit.engine.poll_result import (
    ALL_TARGETS,
    SERIES_POINTS,
    Backfill,
    ChangeKey,
    PollResult,
    PollView,
    Usage,
    signal_target,
)
from release_cockpit.errors import AdapterError, BadResponse, NotFound

T = TypeVar("T")
K = TypeVar("K")


def usage_of(adapter: Adapter) -> Usage:
    """The adapter's last request latency and quota left, as the poll leaves them."""
    return Usage(adapter.last_latency_ms(), adapter.rate_limit_remaining(), adapter.usage_note())


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
        targets: Mapping[str, Target],
        clock: Clock,
        *,
        interval: float,
        stale_after: float,
    ) -> None:
        self.source = source
        self.adapter = adapter
        self.clock = clock
        self.idle_every = idle_interval(interval, stale_after)
        self.by_target: dict[Target, list[str]] = defaultdict(list)
        for key, target in targets.items():
            self.by_target[target].append(key)
        self._polled: dict[Target, datetime] = {}

    def _due(self, view: PollView, target: Target, now: datetime) -> bool:
        """Active lines every poll; a target whose lines are all idle at the slower pace."""
        last = self._polled.get(target)
        if last is None:
            return True
        for key in self.by_target[target]:
            if view.target_error(self.source, key) is not None:
                return True
            if not is_idle(view.runs_of(key) or (), view.rollout(key)):
                return True
        return (now - last).total_seconds() >= self.idle_every - SLACK

    async def poll(self, view: PollView) -> PollResult:
        result = PollResult(self.source)
        started = self.clock.now()
        due = [target for target in self.by_target if self._due(view, target, started)]
        if not due and self._polled:
            # Every line is idle: still ask for the one asked longest ago, so a backend that
            # went down shows as down at the loop's pace, not at the idle lines' pace.
            due = [min(self._polled, key=self._polled.__getitem__)]
        for target, answer in (await self.adapter.runs_for(due)).items():
            if not isinstance(answer, AdapterError):
                self._polled[target] = started
            for key in self.by_target[target]:
                if isinstance(answer, AdapterError):
                    result.fail(key, answer)
                else:
                    result.ci_runs[key] = answer
                    result.ok(key)
        await self._changesets(view, result)
        result.usage = usage_of(self.adapter)
        return result

    async def _changesets(self, view: PollView, result: PollResult) -> None:
        """Fetch each new version range once; ranges never change, so the answer is kept.

        A failed range does not fail its release's CI data: the Plan stage says the change
        set is still unknown, and the poll backs off."""
        wanted: dict[ChangeKey, Target] = {}
        for target, keys in self.by_target.items():
            for key in keys:
                runs = result.ci_runs.get(key, view.runs_of(key) or ())
                picked = pick_target(view.rollout(key), runs)
                if picked.version and picked.previous:
                    change = view.changeset_key(key, picked.previous, picked.version)
                    if not view.has_changeset(change):
                        wanted[change] = target

        async def fetch(change: ChangeKey) -> None:
            _, base, head = change
            result.changesets[change] = await self.adapter.changes(wanted[change], base, head)

        for _, answer in await _each(list(wanted), fetch):
            if isinstance(answer, AdapterError):
                result.error = result.error or answer


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
        service_of: Mapping[str, str],
        deployed: frozenset[str],
        clock: Clock,
    ) -> None:
        """``service_of`` maps release keys to service names (for ``$service``);
        ``deployed`` are the keys with a deploy backend (their backfill waits for it)."""
        self.source = source
        self.adapter = adapter
        self.signals = list(signals)
        self.clock = clock
        self.deployed = deployed
        self.batcher = QueryBatcher(adapter, service_of)
        self._backfilled: set[tuple[str, str]] = set()

    def _due(self, view: PollView, key: str, rule: SignalRule) -> bool:
        progress = view.signal_progress(key, rule.name)
        now = self.clock.now()
        if progress.first_seen is not None and now < progress.first_seen + rule.initial_delay:
            return False
        if rule.count is not None and progress.count >= rule.count:
            return False
        if progress.last_at is None or progress.last_failed_to_measure:
            # A failed query is retried at the backend's own (backed-off) pace: a poll with
            # nothing due sends no request and would pass for a success, showing a dead
            # backend as OK between measurements.
            return True
        # A little slack so a signal whose interval equals the poll interval is not skipped
        # every other poll because the loop woke a few milliseconds early.
        return now - progress.last_at >= rule.interval - timedelta(milliseconds=250)

    async def poll(self, view: PollView) -> PollResult:
        result = PollResult(self.source)
        groups: dict[tuple[str, float], list[tuple[str, SignalRule]]] = defaultdict(list)
        for key, rule in self.signals:
            if self._due(view, key, rule):
                window = rule.baseline.window.total_seconds() if rule.baseline else 0.0
                groups[(rule.query, window)].append((key, rule))

        async def measure_group(group: Group) -> None:
            await self._measure(view, result, group)

        for (_, items), answer in await _each(list(groups.items()), measure_group):
            if isinstance(answer, AdapterError):
                now = self.clock.now()
                for key, rule in items:
                    failed = measurement_error(now, str(answer))
                    result.measurements.append((key, rule.name, failed))
                    result.fail(signal_target(key, rule.name), answer)
        result.usage = usage_of(self.adapter)
        return result

    async def _measure(self, view: PollView, result: PollResult, group: Group) -> None:
        (query, window), items = group
        keys = [key for key, _ in items]
        if window:
            await self._compare(view, result, query, window, items)
            return
        answers = await self.batcher.instant(query, keys)
        now = self.clock.now()
        # Backfill once the rollout is known (its start bounds which past points count as
        # measurements); a line without a deploy stage backfills at once.
        backfill = []
        for key, rule in items:
            waiting_for_rollout = key in self.deployed and view.rollout(key) is None
            if (key, rule.name) not in self._backfilled and not waiting_for_rollout:
                self._backfilled.add((key, rule.name))
                backfill.append((key, rule))
        await self._backfill(view, result, query, backfill)
        for key, rule in items:
            value = answers[key].single_value(worst_high=rule.high_is_bad)
            result.measurements.append((key, rule.name, measure(rule, now, value)))
            result.ok(signal_target(key, rule.name))

    async def _compare(
        self,
        view: PollView,
        result: PollResult,
        query: str,
        window: float,
        items: list[tuple[str, SignalRule]],
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

            canary, baseline = population(spec.canary), population(spec.baseline)
            result.ok(signal_target(key, rule.name))
            rollout = view.rollout(key)
            if not canary and not (rollout is not None and rollout.canary_active):
                # Nothing on the canary track and no rollout saying a canary takes traffic:
                # nothing to compare. Traffic on the canary is evidence enough to compare,
                # whatever the rollout says; a rollout's canary with no data is Kayenta's
                # "no data" (measured, and not good).
                why = "no canary data (the canary selector matched nothing)"
                result.not_compared[(key, rule.name)] = why
                continue
            measurement, _ = measure_comparison(rule, self.clock.now(), canary, baseline)
            result.measurements.append((key, rule.name, measurement))

    async def _backfill(
        self, view: PollView, result: PollResult, query: str, items: list[tuple[str, SignalRule]]
    ) -> None:
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
                if found[key]:
                    result.backfills.append(self._backfill_of(view, key, rule, found[key], end))

    @staticmethod
    def _backfill_of(
        view: PollView, key: str, rule: SignalRule, series: tuple[Series, ...], end: datetime
    ) -> Backfill:
        rollout = view.rollout(key)
        since = rollout.started_at if rollout and not rollout.fully_promoted else None
        pick = max if rule.high_is_bad else min
        by_time: dict[float, list[float]] = defaultdict(list)
        for one in series:
            for at, value in one.points:
                by_time[at].append(value)
        points: list[float] = []
        measured = []
        for at in sorted(by_time)[:-1]:  # the instant query supplies the newest point
            value = pick(by_time[at])
            points.append(value)
            when = datetime.fromtimestamp(at, UTC)
            if since is not None and since <= when < end:
                measured.append(measure(rule, when, value))
        return Backfill(key, rule.name, tuple(points), tuple(measured))


class AlertPoller:
    """One call for every alert; matching to releases happens when the snapshot is built."""

    def __init__(self, source: str, adapter: AlertSource, clock: Clock) -> None:
        self.source = source
        self.adapter = adapter
        self.clock = clock

    async def poll(self, view: PollView) -> PollResult:
        result = PollResult(self.source)
        try:
            result.alerts = await self.adapter.alerts()
            result.ok(ALL_TARGETS)
        except AdapterError as exc:
            result.fail(ALL_TARGETS, exc)
        result.usage = usage_of(self.adapter)
        return result


class DeployPoller:
    """Every release line's rollout, read as the adapter batches it (one list per
    namespace, one application list...)."""

    def __init__(
        self,
        source: str,
        adapter: DeployTarget,
        targets: Mapping[str, Target],
        clock: Clock,
    ) -> None:
        self.source = source
        self.adapter = adapter
        self.targets = dict(targets)
        self.clock = clock

    async def poll(self, view: PollView) -> PollResult:
        result = PollResult(self.source)
        answers = await self.adapter.rollouts(list(dict.fromkeys(self.targets.values())))
        for key, target in self.targets.items():
            answer = answers.get(target)
            if answer is None:
                answer = BadResponse(
                    f"{self.source} gave no answer for {target.label}",
                    backend=self.source,
                    hint="this is an adapter bug; please report it",
                )
            if isinstance(answer, AdapterError):
                if isinstance(answer, NotFound):
                    result.gone_rollouts.append(key)
                result.fail(key, answer)
            else:
                result.rollouts[key] = answer
                result.ok(key)
        result.usage = usage_of(self.adapter)
        return result
