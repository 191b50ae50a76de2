"""Turns the stream of snapshots into release history: records, outcomes and timelines.

Each snapshot is compared with the last one seen for the same release (service line and
version); what changed becomes a timeline event (a stage moved, the verdict changed with
its reason, an alert fired or resolved, an action was sent, confirmed or failed) and the
release's record is updated with the times DORA needs. Only changes are written, in one
short transaction per snapshot. A history store that fails stops recording and says so
once (``failed``); it never stops the cockpit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from release_cockpit.domain import CockpitSnapshot, Release, StageName, StageState, VerdictLevel
from release_cockpit.domain.action_policy import PRODUCTION_NAMES
from release_cockpit.domain.action_status import ActionPhase
from release_cockpit.domain.actions import TITLES
from release_cockpit.domain.history import (
    ReleaseOutcome,
    ReleaseRecord,
    TimelineEvent,
    TimelineKind,
)
from release_cockpit.domain.rollout import Action
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.engine.sqlite_file import StoreError


@dataclass(slots=True)
class _Seen:
    """What the recorder last saw of one release."""

    record: ReleaseRecord
    stages: dict[StageName, StageState] = field(default_factory=dict)
    level: VerdictLevel | None = None
    alerts: frozenset[str] = frozenset()
    action: tuple[Action, ActionPhase, datetime] | None = None


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
        if before is not None and before is not stage.state:
            title = f"{stage.name.title} {stage.state.value}"
            # The stage's own times when the backend gave them: data that arrives late
            # (a CI source that was down) must not move the event to the arrival time.
            when = stage.finished_at if stage.state.settled else stage.started_at
            when = when if when is not None and when <= now else now
            events.append(TimelineEvent(when, TimelineKind.STAGE, title, stage.detail))
        seen.stages[stage.name] = stage.state
    level = release.verdict.level
    if level is not VerdictLevel.UNKNOWN and level is not seen.level:
        title = f"Verdict {level.name.lower()}"
        events.append(TimelineEvent(now, TimelineKind.VERDICT, title, release.verdict.reason))
        seen.level = level
    names = frozenset(a.name for a in release.alerts)
    for alert in release.alerts:
        if alert.name not in seen.alerts:
            title = f"Alert {alert.name} firing ({alert.severity or 'no severity'})"
            events.append(TimelineEvent(now, TimelineKind.ALERT, title, alert.summary))
    for gone in sorted(seen.alerts - names):
        events.append(TimelineEvent(now, TimelineKind.ALERT, f"Alert {gone} resolved"))
    seen.alerts = names
    status = release.action
    if status is not None:
        mark = (status.action, status.phase, status.at)
        if mark != seen.action:
            title = f"{TITLES[status.action]} {status.phase.value}"
            events.append(
                TimelineEvent(status.at, TimelineKind.ACTION, title, status.text, status.by)
            )
            seen.action = mark
    return events


def outcome(record: ReleaseRecord, release: Release, now: datetime) -> ReleaseRecord:
    """The record with the times and outcome this release now shows."""
    changed = record
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
    restored = (changed.restored_at or now) if changed.failed_at else changed.restored_at
    status = release.action
    if rollout is not None and rollout.aborted:
        aborted = ReleaseOutcome.ABORTED
        return replace(changed, outcome=aborted, finished_at=now, restored_at=restored)
    if (
        status is not None
        and status.action is Action.ROLLBACK
        and status.phase is ActionPhase.CONFIRMED
    ):
        rolled_back = ReleaseOutcome.ROLLED_BACK
        return replace(changed, outcome=rolled_back, finished_at=now, restored_at=restored)
    monitor = release.stage(StageName.MONITOR).state
    if monitor is StageState.FAILED:
        return replace(changed, outcome=ReleaseOutcome.FAILED, finished_at=now)
    if monitor is StageState.PASSED:
        return replace(changed, outcome=ReleaseOutcome.SUCCEEDED, finished_at=now)
    return changed


class HistoryRecorder:
    """Feeds a HistoryStore from snapshots; the engine calls ``observe`` on each publish."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self.failed: StoreError | None = None
        self._seen: dict[tuple[str, str], _Seen] = {}
        self._saved: set[tuple[str, str]] = set()

    def observe(self, snapshot: CockpitSnapshot) -> None:
        if self.failed is not None:
            return
        now = snapshot.taken_at
        records: list[ReleaseRecord] = []
        events: list[tuple[str, str, TimelineEvent]] = []
        for release in snapshot.releases:
            if release.version is None:
                continue
            ident = (release.key, release.version)
            seen = self._seen.get(ident)
            if seen is None:
                stored = self.store.release(release.key, release.version)
                first = stored is None
                seen = _Seen(stored or record_of(release, now))
                self._seen[ident] = seen
                if first:
                    where = release.headline or release.verdict.reason
                    note = TimelineEvent(now, TimelineKind.NOTE, "First seen by the cockpit", where)
                    events.append((release.key, release.version, note))
            new_events = changes(seen, release, now)
            updated = outcome(seen.record, release, now)
            if new_events or updated != seen.record or ident not in self._saved:
                records.append(updated)
                seen.record = updated
                self._saved.add(ident)
            events += [(release.key, release.version, e) for e in new_events]
        try:
            self.store.save(records, events)
        except StoreError as exc:
            # Shown by the sources screen's caller; a log line would land in the TUI.
            self.failed = exc
