"""The engine's memory: latest data per source and target, measurement history, freshness.

Pollers write here (through the engine); ``snapshot_builder`` turns it into immutable
CockpitSnapshots through the pure roll-up in ``domain``, rebuilding only the releases
whose inputs changed. Freshness is kept per *target* (one repo, one rollout, one
signal) so that a single missing repository marks only its own release stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from release_cockpit.config.schema import Config
from release_cockpit.domain import (
    Alert,
    ChangeSet,
    CIRun,
    CockpitSnapshot,
    Measurement,
    Outcome,
    Release,
    RolloutState,
    SignalStatus,
    SourceState,
    SourceStatus,
    Target,
)
from release_cockpit.domain.checklist import CheckResult, Tick
from release_cockpit.domain.flags import FlagState, not_read
from release_cockpit.domain.rollup import pick_target
from release_cockpit.engine.action_tracker import ActionTracker
from release_cockpit.engine.poll_result import (
    ALL_TARGETS,
    Backfill,
    ChangeKey,
    PollResult,
    SignalProgress,
    flag_target,
    signal_target,
)
from release_cockpit.engine.release_build import ReleaseJob, SignalJob, SignalMarker
from release_cockpit.engine.signal_history import HISTORY_LIMIT, SignalHistory
from release_cockpit.engine.source_record import SourceRecord, TargetRecord
from release_cockpit.errors import AdapterError


class Store:
    """Latest data per source and target; what changed since the snapshot builder looked.

    ``apply`` is the one writer. It compares each answer with what it replaces and keeps
    the old value when they are equal (so an unchanged answer keeps its identity), and
    notes in ``changed`` the release keys whose inputs really changed and in ``touched``
    the sources that reported (their freshness moved). The snapshot builder reads both.
    """

    def __init__(self, config: Config, sources: Mapping[str, SourceRecord]) -> None:
        self.config = config
        self.sources = dict(sources)
        self.ci_runs: dict[str, tuple[CIRun, ...]] = {}
        self.changesets: dict[tuple[str, str, str], ChangeSet | None] = {}
        self.rollouts: dict[str, RolloutState] = {}
        self.alerts: dict[str, tuple[Alert, ...]] = {}
        self.history: dict[tuple[str, str], SignalHistory] = {}
        self.versions: dict[str, str | None] = {}
        self.generation = 0
        self._last: CockpitSnapshot | None = None
        self.actions = ActionTracker()
        self.checks: dict[str, dict[str, CheckResult]] = {}
        self.ticks: dict[tuple[str, str], dict[str, Tick]] = {}
        """Manual checklist ticks per (key, version), read from the audit database by the
        engine off the event loop; ``ticks_wanted`` are the versions not read yet."""
        self.ticks_wanted: set[tuple[str, str]] = set()
        self.feeds: dict[str, dict[str, list[str]]] = {
            key: self._sources_of(key) for key in config.services
        }
        """Release key -> source -> the targets of that source feeding it."""
        self.fed_by: dict[str, list[str]] = {}
        """Source -> the release keys it feeds."""
        for key, feeds in self.feeds.items():
            for name in feeds:
                self.fed_by.setdefault(name, []).append(key)
        self._target_keys: dict[tuple[str, str], list[str]] = {}
        for key, feeds in self.feeds.items():
            for name, targets in feeds.items():
                for target in targets:
                    self._target_keys.setdefault((name, target), []).append(key)
        self.changed: set[str] = set(config.services)
        """Keys whose inputs changed since the builder last took them."""
        self.touched: set[str] = set(self.sources)
        """Sources whose freshness may have moved since the builder last took them."""
        self.flags: dict[tuple[str, Target], FlagState] = {}
        """The last state of each flag, by (flag backend, its target)."""

    def set_tick(self, key: str, version: str, tick: Tick) -> None:
        self.ticks.setdefault((key, version), {})[tick.item] = tick
        self.changed.add(key)

    def add_ticks(self, found: Mapping[tuple[str, str], Mapping[str, Tick]]) -> None:
        """Ticks read from the database for versions seen for the first time."""
        for (key, version), ticks in found.items():
            self.ticks.setdefault((key, version), {}).update(ticks)
            self.changed.add(key)

    def _keys_of(self, source: str, kind: str) -> list[str]:
        """Release keys using ``source`` as their CI (``ci``) or alert (``alerts``) source."""
        keys = []
        for key, svc in self.config.services.items():
            spec = svc.ci if kind == "ci" else svc.alerts
            if spec is not None and spec.backend == source:
                keys.append(key)
        return keys

    def apply(self, result: PollResult, now: datetime) -> None:
        """Make one poll's answers the current state (the engine calls this, no one else)."""
        changed = self.changed
        for key, runs in result.ci_runs.items():
            if self.ci_runs.get(key) != runs:
                self.ci_runs[key] = runs
                changed.add(key)
        if result.changesets:
            self.changesets.update(result.changesets)
            changed.update(self._keys_of(result.source, "ci"))
        for key, rollout in result.rollouts.items():
            if self.rollouts.get(key) != rollout:
                self.rollouts[key] = rollout
                changed.add(key)
        for key in result.gone_rollouts:
            if self.rollouts.pop(key, None) is not None:
                changed.add(key)
        if result.alerts is not None and self.alerts.get(result.source) != result.alerts:
            self.alerts[result.source] = result.alerts
            changed.update(self._keys_of(result.source, "alerts"))
        for backfill in result.backfills:
            history = self.signal_history(backfill.key, backfill.signal)
            history.series.extend(backfill.series)
            history.measurements.extend(backfill.measurements)
            changed.add(backfill.key)
        for key, signal, measurement in result.measurements:
            self.record(key, signal, measurement)
            self.signal_history(key, signal).not_compared = ""
            changed.add(key)
        for (key, signal), why in result.not_compared.items():
            history = self.signal_history(key, signal)
            history.not_compared_at = now
            if history.not_compared != why:
                history.not_compared = why
                changed.add(key)
        for key, checks in result.checks.items():
            known = self.checks.setdefault(key, {})
            if any(known.get(name) != check for name, check in checks.items()):
                known.update(checks)
                changed.add(key)
        for flag, state in result.flags.items():
            ident = (result.source, flag)
            if state is None:
                moved = self.flags.pop(ident, None) is not None
            else:
                moved = self.flags.get(ident) != state
                self.flags[ident] = state
            if moved:
                changed.update(self._flag_keys(result.source, flag))
        if result.source not in self.sources:
            return  # the checklist's own loop: its items carry their own times
        self.touched.add(result.source)
        for target in result.answered:
            self._target_ok(result.source, target, now)
        for target, error in result.failed.items():
            self._target_failed(result.source, target, error)

    def baseline(self, source: str) -> PollResult:
        """Everything this store knows that came from ``source``, as one result: what a
        cockpit that starts following a team's poller applies first (then the poller's
        increments). Signal histories travel as backfills (series and measurements)."""
        result = PollResult(source)
        services = self.config.services
        for key, svc in services.items():
            if svc.ci and svc.ci.backend == source and key in self.ci_runs:
                result.ci_runs[key] = self.ci_runs[key]
            if svc.deploy and svc.deploy.backend == source and key in self.rollouts:
                result.rollouts[key] = self.rollouts[key]
            for rule in svc.signals:
                history = self.history.get((key, rule.name))
                if rule.backend != source or history is None:
                    continue
                series = tuple(v for v in history.series if v is not None)
                result.backfills.append(
                    Backfill(key, rule.name, series, tuple(history.measurements))
                )
                if history.not_compared:
                    result.not_compared[(key, rule.name)] = history.not_compared
        prefix = f"{source} "
        result.changesets = {k: v for k, v in self.changesets.items() if k[0].startswith(prefix)}
        if source in self.alerts:
            result.alerts = self.alerts[source]
        record = self.sources.get(source)
        if record is not None:
            result.answered = [t for t, r in record.targets.items() if r.updated_at is not None]
        return result

    def charge(self, source: str, error: AdapterError) -> None:
        """A poll that returned nothing (cut off by its deadline, or a bug): its error goes
        to every target, so each release says why instead of only going stale."""
        for target in self.sources[source].targets.values():
            target.error = error
        self.mark_source(source)

    def mark_source(self, source: str) -> None:
        """The state of ``source`` changed for every release it feeds (late, down)."""
        self.touched.add(source)
        self.changed.update(self.fed_by.get(source, ()))

    def _target_keys_of(self, source: str, target: str) -> list[str]:
        if target == ALL_TARGETS:
            return self.fed_by.get(source, [])
        return self._target_keys.get((source, target), [])

    def _target_ok(self, source: str, target: str, now: datetime) -> None:
        record = self.sources[source].targets.setdefault(target, TargetRecord())
        if record.error is not None or record.updated_at is None:
            # First data, or back after an error: a state change, not only younger data.
            self.changed.update(self._target_keys_of(source, target))
        record.updated_at = now
        record.error = None

    def _target_failed(self, source: str, target: str, error: AdapterError) -> None:
        record = self.sources[source].targets.setdefault(target, TargetRecord())
        before = record.error
        if before is None or (before.title, str(before)) != (error.title, str(error)):
            self.changed.update(self._target_keys_of(source, target))
        record.error = error

    # The read-only PollView pollers decide what is due from.

    def runs_of(self, key: str) -> tuple[CIRun, ...] | None:
        return self.ci_runs.get(key)

    def rollout(self, key: str) -> RolloutState | None:
        return self.rollouts.get(key)

    def has_changeset(self, change: ChangeKey) -> bool:
        return change in self.changesets

    def target_error(self, source: str, target: str) -> AdapterError | None:
        record = self.sources[source].targets.get(target)
        return record.error if record is not None else None

    def signal_progress(self, key: str, signal: str) -> SignalProgress:
        """How far a signal has come; a comparison that did not run (no canary data)
        counts as its last try, so it is tried again at its interval."""
        history = self.history.get((key, signal))
        if history is None:
            return SignalProgress(None, 0, None, False)
        tried = history.not_compared_at if history.not_compared else None
        if not history.measurements:
            return SignalProgress(history.first_seen, 0, tried, False)
        last = history.measurements[-1]
        if tried is not None and tried > last.at:
            return SignalProgress(history.first_seen, len(history.measurements), tried, False)
        return SignalProgress(
            history.first_seen,
            len(history.measurements),
            last.at,
            last.outcome is Outcome.ERROR,
        )

    def signal_history(self, key: str, signal: str) -> SignalHistory:
        return self.history.setdefault((key, signal), SignalHistory())

    def record(self, key: str, signal: str, measurement: Measurement) -> None:
        history = self.signal_history(key, signal)
        history.measurements.append(measurement)
        del history.measurements[:-HISTORY_LIMIT]
        if measurement.value is not None:
            history.series.append(measurement.value)

    def _sources_of(self, key: str) -> dict[str, list[str]]:
        """Which targets of which sources feed a release line."""
        svc = self.config.services[key]
        feeds: dict[str, list[str]] = {}
        if svc.ci:
            feeds.setdefault(svc.ci.backend, []).append(key)
        if svc.deploy:
            feeds.setdefault(svc.deploy.backend, []).append(key)
        for rule in svc.signals:
            # Comparisons are queried at every interval too (canary traffic is evidence
            # enough, whatever the rollout says), so their freshness counts like any other.
            feeds.setdefault(rule.backend, []).append(signal_target(key, rule.name))
        if svc.alerts:
            feeds.setdefault(svc.alerts.backend, []).append(ALL_TARGETS)
        for link in svc.flags:
            feeds.setdefault(link.backend, []).append(flag_target(key, link.target))
        return {name: targets for name, targets in feeds.items() if name in self.sources}

    def _flag_keys(self, source: str, flag: Target) -> list[str]:
        """Release keys showing ``flag`` of flag source ``source``."""
        return [
            key
            for key, svc in self.config.services.items()
            if any(link.backend == source and link.target == flag for link in svc.flags)
        ]

    def _flags(self, key: str) -> tuple[FlagState, ...]:
        """The line's flags in config order; one whose last read failed is unknown (with
        the error), never its old state: not knowing is not "off"."""
        found: list[FlagState] = []
        for link in self.config.services[key].flags:
            source = self.sources.get(link.backend)
            record = source.targets.get(flag_target(key, link.target)) if source else None
            state = self.flags.get((link.backend, link.target))
            if record is not None and record.error is not None:
                why = f"{link.backend}: {record.error.message}"
                state = not_read(link.flag, link.environment, why)
            found.append(state or not_read(link.flag, link.environment))
        return tuple(found)

    def changeset_key(self, key: str, previous: str, version: str) -> ChangeKey:
        svc = self.config.services[key]
        project = f"{svc.ci.backend} {svc.ci.target.label}" if svc.ci else key
        return (project, previous, version)

    def source_status(self, key: str, source: str, now: datetime) -> SourceStatus:
        """How fresh one source's data is for one release line."""
        return self.sources[source].status_for(self.feeds[key][source], now)

    def job(
        self,
        key: str,
        now: datetime,
        sources: tuple[SourceStatus, ...],
        signal_cache: Mapping[tuple[str, str], tuple[SignalMarker, SignalStatus]],
        alert_cache: Mapping[str, tuple[tuple[Alert, ...], tuple[Alert, ...]]],
    ) -> ReleaseJob:
        """Copy what release ``key`` is built from (on the loop; ``release_build.build``
        may then run anywhere)."""
        svc = self.config.services[key]
        runs = self.ci_runs.get(key) if svc.ci else ()
        rollout = self.rollouts.get(key)
        changeset: ChangeSet | None = None
        pending = False
        target = pick_target(rollout, runs or ())
        if target.version and target.previous and svc.ci:
            cs_key = self.changeset_key(key, target.previous, target.version)
            pending = cs_key not in self.changesets
            changeset = self.changesets.get(cs_key)
        signals = []
        for rule in svc.signals:
            history = self.signal_history(key, rule.name)
            measurements = history.measurements
            marker = (
                id(measurements[-1]) if measurements else None,
                len(measurements),
                len(history.series),
                history.not_compared,
            )
            signals.append(
                SignalJob(
                    rule,
                    tuple(measurements),
                    tuple(history.series),
                    history.not_compared,
                    marker,
                    signal_cache.get((key, rule.name)),
                )
            )
        return ReleaseJob(
            key=key,
            line=svc,
            now=now,
            target=target,
            runs=runs,
            rollout=rollout,
            changeset=changeset,
            changeset_pending=pending,
            sources=sources,
            active_alerts=self.alerts.get(svc.alerts.backend, ()) if svc.alerts else (),
            matched_alerts=alert_cache.get(key),
            signals=tuple(signals),
            policies=self.config.policies,
            ticks=self._ticks(key, target.version) if svc.checklist else None,
            checks=dict(self.checks.get(key, {})),
            flags=self._flags(key),
        )

    def _ticks(self, key: str, version: str | None) -> dict[str, Tick]:
        """A copy of the stored ticks of a version; one not read yet is asked for."""
        if version is None:
            return {}
        known = self.ticks.get((key, version))
        if known is None:
            self.ticks_wanted.add((key, version))
            return {}
        return dict(known)

    def settle(self, key: str, release: Release, now: datetime) -> Release:
        """After a build, on the loop: the action tracker's status on the release, and a
        new version noticed (its measurements start afresh)."""
        release = self.actions.apply(release, now)
        svc = self.config.services[key]
        settled = (svc.ci is None or key in self.ci_runs) and (
            svc.deploy is None or key in self.rollouts
        )
        if settled:
            self._track_version(key, release.version, now)
        return release

    def _track_version(self, key: str, version: str | None, now: datetime) -> None:
        """A new version starts a new analysis: old measurements belong to the old release.

        Only called once both CI and deploy data are in, so the first answers arriving in
        some order never look like a change of release.
        """
        known = key in self.versions
        if known and self.versions[key] == version:
            return
        self.versions[key] = version
        for rule in self.config.services[key].signals:
            history = self.history.get((key, rule.name))
            if history is None:
                continue
            if known:
                history.measurements.clear()
                history.first_seen = now
                self.changed.add(key)
            history.version = version

    def keep(self, snapshot: CockpitSnapshot) -> CockpitSnapshot:
        """Make ``snapshot`` the latest."""
        self._last = snapshot
        return snapshot

    @property
    def last(self) -> CockpitSnapshot | None:
        return self._last

    def loading(self) -> bool:
        return any(s.updated_at is None and s.error is None for s in self.sources.values())


__all__ = [
    "ALL_TARGETS",
    "SourceState",
    "Store",
    "signal_target",
]
