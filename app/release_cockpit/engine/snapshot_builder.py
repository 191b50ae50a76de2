"""Snapshots built incrementally: only the releases whose inputs changed are rebuilt.

A snapshot is made in three steps so the expensive one can leave the event loop:

1. ``prepare`` (loop): take the keys the store marked changed, the sources that reported
   (their freshness moved) and the releases whose texts follow the clock and are due;
   copy each one's inputs into a ``ReleaseJob``. Nothing to rebuild and no younger data
   means no snapshot at all: an unchanged answer (a 304, the same body) costs nothing.
2. ``build`` (a worker thread, or inline): the pure roll-up and the action choices of
   those releases; it reads the jobs and writes only the returned ``Batch``.
3. ``finish`` (loop): keep what the build learned (signal judgements, matched alerts),
   put the action tracker's status on, and publish the releases in board order with the
   diff views need (``CockpitSnapshot.changed``).

A release whose only news is that its sources answered again gets their younger
statuses without a rebuild and is not in the diff. Countdowns and waits in a stage's
detail ("waiting 4m12s for promote", "soak 2m left") are kept as their moments
(``domain.clock_text``) and read when drawn, so they do not change the release; it is
built again when one runs out (``_Entry.turn``: a soak ends, a window opens). Any other
text that follows the clock ("firing for 1m38s") is found by building the release again
with the same inputs: if the result differs it is rebuilt every ``TIME_REFRESH``
seconds, else it stays as it is until its inputs change, and is checked again after new
inputs only if they change what could make it follow the clock (``clock_signature``).
Freshness that changes with time alone (data going stale) and freeze windows opening
wake the builder at that moment (``next_wake``); nothing else runs on a timer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta

from release_cockpit.domain import (
    CockpitSnapshot,
    Release,
    SignalStatus,
    SourceState,
    SourceStatus,
    board_order,
)
from release_cockpit.domain.actions import ActionChoice
from release_cockpit.domain.alerts import Alert
from release_cockpit.domain.release_line import ReleaseLine
from release_cockpit.domain.store_status import StoreStatus
from release_cockpit.engine.controls import Controls
from release_cockpit.engine.release_build import Built, ReleaseJob, SignalMarker, build
from release_cockpit.engine.store import Store

TIME_REFRESH = 5.0
"""Seconds between rebuilds of a release whose texts follow the clock. The board shows
such times by the minute; the detail screen's own clock-driven rows (ages, countdowns)
are computed when drawn, not taken from here."""
FRESHNESS_EVERY = 2.0
"""Seconds between snapshots that carry nothing but younger data (sources answered with
the same data): the header's data age and the sources screen need them, nothing else."""

Signature = tuple[object, ...]
_COMPARED = tuple(f.name for f in fields(Release) if f.compare and f.name != "sources")
"""What ``same_content`` compares of two builds of a release when only sources moved."""


def freshness_signature(sources: tuple[SourceStatus, ...], now: datetime) -> Signature:
    """What of a release's freshness shows on its panel or in its verdict: each source's
    state, error and whether its data may still be used, and the time a panel counts
    from when it is not simply "ok". A healthy source answering again changes nothing."""
    return tuple(
        (
            s.name,
            s.state,
            s.error_title,
            s.error,
            s.trusted(now),
            None if s.state is SourceState.OK else s.updated_at,
            s.polling_since if s.state is SourceState.LATE else None,
        )
        for s in sources
    )


def same_content(
    new: Release, now: datetime, old: Release | None, old_signature: Signature
) -> bool:
    """Whether a new build of a release shows what the old one did: the same content and
    the same freshness signature (younger times of healthy sources aside)."""
    if old is None:
        return False
    if new.sources is old.sources or new.sources == old.sources:
        return new == old
    if freshness_signature(new.sources, now) != old_signature:
        return False
    # Field by field, the sources aside: cheaper than a copy with the old sources.
    return all(getattr(new, name) == getattr(old, name) for name in _COMPARED)


def clock_signature(release: Release) -> Signature:
    """What of a release could make its texts follow the clock, once its countdowns are
    moments: a firing alert ("firing for 1m38s"), a source that is not ok ("data 2m old"),
    a ticked checklist item ("ticked 3m ago"), an action in flight. A release found not
    to follow the clock is not checked again after new inputs that leave this the same."""
    return (
        tuple(a.starts_at is not None for a in release.alerts),
        release.alerts_as_of,
        tuple(s.state for s in release.sources),
        tuple(i.done for i in release.checklist.items) if release.checklist else (),
        release.action is not None,
    )


def _turn(release: Release, line: ReleaseLine | None, now: datetime) -> datetime | None:
    """The next moment a countdown in the release's stages runs out, or its release window
    opens or closes (the Plan stage waits outside it)."""
    turns = [t for s in release.stages if s.timed is not None and (t := s.timed.turn(now))]
    if line is not None:
        turns += [t for t in (line.window_start, line.window_end) if t is not None and t > now]
    return min(turns, default=None)


@dataclass(slots=True)
class _Entry:
    """What the builder last made of one release."""

    base: Release | None = None
    """As built, before the action tracker's status."""
    final: Release | None = None
    """As the last snapshot showed it."""
    sources: dict[str, SourceStatus] = field(default_factory=dict)
    signature: Signature = ()
    built_at: datetime | None = None
    batch: int = -1
    time_varying: bool = True
    """Unknown until a rebuild with the same inputs says otherwise."""
    steady: Signature | None = None
    """The ``clock_signature`` of the inputs a rebuild found not to follow the clock."""
    turn: datetime | None = None
    """When a countdown in its texts runs out or its release window opens or closes: the
    release may change then (a soak ends, the window closes), with no new input."""


@dataclass(slots=True)
class Batch:
    """One snapshot's worth of work: prepared on the loop, built anywhere, finished on the
    loop."""

    number: int
    now: datetime
    stores: tuple[StoreStatus, ...]
    jobs: list[ReleaseJob]
    previous: dict[str, tuple[Release | None, Signature]]
    """The base each job's release replaces, and its freshness signature."""
    inputs_changed: set[str]
    """Keys rebuilt because their inputs or freshness changed (the others: the clock)."""
    fresh: dict[str, tuple[SourceStatus, ...]]
    """Keys not rebuilt whose sources answered again: their younger statuses."""
    choose_for: list[Release] = field(default_factory=list)
    """Releases not rebuilt whose action choices are worked out again (a freeze window
    opened or closed, an action finished)."""
    force: bool = False
    clock_note: str = ""
    """The session's note on a jump of the system clock (see ``Engine``)."""
    built: list[tuple[Built, bool]] = field(default_factory=list)
    """(built release, same content as before)."""
    choices: dict[str, tuple[ActionChoice, ...] | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


class SnapshotBuilder:
    """Turns the store into snapshots, rebuilding only what changed."""

    def __init__(self, store: Store, controls: Controls) -> None:
        self.store = store
        self.controls = controls
        self._entries: dict[str, _Entry] = {key: _Entry() for key in store.config.services}
        self._signals: dict[tuple[str, str], tuple[SignalMarker, SignalStatus]] = {}
        self._alerts: dict[str, tuple[tuple[Alert, ...], tuple[Alert, ...]]] = {}
        self._choices: dict[str, tuple[ActionChoice, ...]] = {}
        self._notes: dict[str, str] = {}
        self._batches = 0
        self._last_published: datetime | None = None
        self._stale_at: dict[str, datetime | None] = {}
        self._rules_change: datetime | None = None
        self._all_choices = True

    def refresh_choices(self) -> None:
        """Work every release's action choices out again at the next snapshot."""
        self._all_choices = True

    def prepare(
        self, now: datetime, stores: tuple[StoreStatus, ...] = (), *, force: bool = False
    ) -> Batch | None:
        """Copy the inputs of what needs rebuilding; None when there is nothing to show
        yet (``force``: a snapshot even so, for a caller that asked for one)."""
        store = self.store
        if self._rules_change is not None and now >= self._rules_change:
            self._all_choices = True
        stale = {name for name, at in self._stale_at.items() if at is not None and now >= at}
        due = self._due(now)
        news = bool(store.changed or stale or due or self._all_choices)
        if not (news or force) and (not store.touched or not self._freshness_due(now)):
            return None  # nothing, or only younger data too soon after the last picture
        changed, store.changed = store.changed, set()
        touched, store.touched = store.touched | stale, set()
        inputs_changed = set(changed)
        fresh: dict[str, tuple[SourceStatus, ...]] = {}
        for name in touched:
            self._stale_at[name] = self._next_stale(name, now)
            for key in store.fed_by.get(name, ()):
                entry = self._entries[key]
                entry.sources[name] = store.source_status(key, name, now)
        for key in {k for name in touched for k in store.fed_by.get(name, ())}:
            entry = self._entries[key]
            statuses = tuple(entry.sources[name] for name in store.feeds[key])
            if freshness_signature(statuses, now) != entry.signature:
                inputs_changed.add(key)
            elif entry.final is not None and statuses != entry.final.sources:
                fresh[key] = statuses
        rebuild = inputs_changed | due
        jobs = []
        previous: dict[str, tuple[Release | None, Signature]] = {}
        for key in store.config.services:  # config order: deterministic
            if key not in rebuild:
                continue
            entry = self._entries[key]
            for name in store.feeds[key]:
                if name not in entry.sources:
                    entry.sources[name] = store.source_status(key, name, now)
            statuses = tuple(entry.sources[name] for name in store.feeds[key])
            jobs.append(store.job(key, now, statuses, self._signals, self._alerts))
            previous[key] = (entry.base, entry.signature)
            fresh.pop(key, None)
        choose_for: list[Release] = []
        if self._all_choices:
            choose_for = [
                e.base for k, e in self._entries.items() if e.base is not None and k not in rebuild
            ]
        self._batches += 1
        batch = Batch(
            self._batches,
            now,
            stores,
            jobs,
            previous,
            inputs_changed & rebuild,
            fresh,
            choose_for,
            force or self._last_published is None,
        )
        self._all_choices = False
        self._rules_change = self.controls.offers.next_rule_change(now)
        return batch

    def _due(self, now: datetime) -> set[str]:
        """Releases never built, and those whose text follows the clock and is due."""
        tracked = self.store.actions.keys()
        return {
            key
            for key, entry in self._entries.items()
            if entry.built_at is None
            or (entry.turn is not None and now >= entry.turn)
            or (
                (entry.time_varying or key in tracked)
                and (now - entry.built_at).total_seconds() >= TIME_REFRESH
            )
        }

    def _freshness_due(self, now: datetime) -> bool:
        last = self._last_published
        return last is None or (now - last).total_seconds() >= FRESHNESS_EVERY

    def _next_stale(self, source: str, now: datetime) -> datetime | None:
        """When the next target of ``source`` that is fresh now goes stale (data is stale
        once it is *older* than the limit, hence the microsecond)."""
        record = self.store.sources[source]
        limit = record.stale_after + timedelta(microseconds=1)
        times = [
            t.updated_at + limit
            for t in record.targets.values()
            if t.updated_at is not None and t.updated_at + limit > now
        ]
        return min(times, default=None)

    def next_wake(self, now: datetime) -> float | None:
        """Seconds until something changes with time alone (a release's clock-driven text,
        data going stale, a freeze window, younger data held back), or None: nothing will
        until new data comes."""
        moments = [at for at in self._stale_at.values() if at is not None]
        if self._rules_change is not None:
            moments.append(self._rules_change)
        if self.store.touched and self._last_published is not None:
            moments.append(self._last_published + timedelta(seconds=FRESHNESS_EVERY))
        tracked = self.store.actions.keys()
        refresh = timedelta(seconds=TIME_REFRESH)
        for key, entry in self._entries.items():
            if entry.built_at is not None and (entry.time_varying or key in tracked):
                moments.append(entry.built_at + refresh)
            if entry.turn is not None:
                moments.append(entry.turn)
        if not moments:
            return None
        # A hair late rather than early: the data must really be stale when looked at.
        return max((min(moments) - now).total_seconds(), 0.0) + 0.01

    def build(self, batch: Batch) -> Batch:
        """Build the batch's releases and their action choices (safe on any thread: it
        reads the batch and writes only the batch)."""
        for job in batch.jobs:
            built = build(job)
            old, signature = batch.previous[job.key]
            same = same_content(built.release, batch.now, old, signature)
            batch.built.append((built, same))
        for release in [built.release for built, _ in batch.built] + batch.choose_for:
            batch.choices[release.key] = self.controls.choice_row(release)
            batch.notes[release.key] = self.controls.offers.note(release)
        return batch

    def finish(self, batch: Batch) -> CockpitSnapshot | None:
        """Keep what the batch built and make the snapshot; None when nothing shown would
        change (a newer batch already showed it, or the rebuilds came out the same)."""
        store, now = self.store, batch.now
        changed: set[str] = set()
        settle: set[str] = set(store.actions.keys())
        for built, same in batch.built:
            key = built.key
            entry = self._entries[key]
            if entry.batch > batch.number:
                continue  # a newer batch built it already
            for name, marker, status in built.signals:
                self._signals[(key, name)] = (marker, status)
            if built.alerts is not None:
                self._alerts[key] = built.alerts
            clock = clock_signature(built.release)
            if key not in batch.inputs_changed and entry.base is not None:
                # Rebuilt only because time passed: does its text really follow the clock?
                entry.time_varying = not same
                entry.steady = None if entry.time_varying else clock
            else:
                # New inputs: checked again at the next refresh, unless nothing that could
                # make its texts follow the clock changed since a check found they do not.
                entry.time_varying = clock != entry.steady
            entry.base = built.release
            entry.signature = freshness_signature(built.release.sources, now)
            entry.built_at = now
            entry.turn = _turn(built.release, self.store.config.services.get(key), now)
            entry.batch = batch.number
            settle.add(key)
            if not same:
                changed.add(key)
        for key, statuses in batch.fresh.items():
            entry = self._entries[key]
            if entry.base is not None and entry.batch <= batch.number:
                entry.base = replace(entry.base, sources=statuses)
                settle.add(key)
        for key, row in batch.choices.items():
            if self._choices.get(key) != row:
                changed.add(key)
                if row is None:
                    self._choices.pop(key, None)
                else:
                    self._choices[key] = row
            self._notes[key] = batch.notes.get(key, "")
        for key in settle:
            entry = self._entries[key]
            if entry.base is None:
                continue
            final = store.settle(key, entry.base, now)
            old = entry.final
            if old is not None and old.action != final.action:
                changed.add(key)
            entry.final = final
        if not (changed or batch.fresh or batch.force):
            return None
        releases = [e.final for e in self._entries.values() if e.final is not None]
        self._last_published = now
        store.generation += 1
        first = store.last is None
        snapshot = CockpitSnapshot(
            taken_at=now,
            releases=board_order(releases),
            sources=tuple(s.status(now) for s in store.sources.values()),
            generation=store.generation,
            stores=batch.stores,
            actions=dict(self._choices),
            action_notes={k: v for k, v in self._notes.items() if v},
            clock_note=batch.clock_note,
            changed=None if first else frozenset(changed),
        )
        return store.keep(snapshot)
