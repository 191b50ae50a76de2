"""Where a release's time goes, and whether smaller batches fail less: from the history.

* **Stage spans** come from the timeline the recorder keeps: each stage event's cause is
  ``stage:<name>:<state>:<n>``, so a stage starts at its first running (or waiting) event
  and ends at its last settled one (passed, failed, skipped). Text titles are never
  parsed. A stage with no settled event is still open.
* **Stage durations** per service over a window: the median and p90 (nearest rank, as for
  DORA's lead time) of each stage, the slowest stage by median, and that stage's weekly
  median: the feedback loop the release process asks teams to shorten.
* **Batch size** against failure: finished releases grouped by the size of their change
  set (commits, or pull requests when commits are unknown), each group's change failure
  rate and median time to restore. The groups are fixed so two teams' tables compare.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from release_cockpit.domain.dora import WEEK, median, percentile
from release_cockpit.domain.history import ReleaseRecord, TimelineEvent, TimelineKind
from release_cockpit.domain.stages import StageName, StageState

Ident = tuple[str, str]
"""(release line key, version)."""


@dataclass(frozen=True, slots=True)
class StageSpan:
    """One stage of one release as the timeline recorded it."""

    stage: StageName
    start: datetime
    end: datetime | None
    state: StageState

    @property
    def seconds(self) -> float | None:
        return None if self.end is None else max(0.0, (self.end - self.start).total_seconds())


def _stage_cause(cause: str) -> tuple[StageName, StageState] | None:
    parts = cause.split(":")
    if len(parts) != 4 or parts[0] != "stage":
        return None
    try:
        return StageName(parts[1]), StageState(parts[2])
    except ValueError:
        return None


def stage_spans(events: Iterable[TimelineEvent]) -> dict[StageName, StageSpan]:
    """Each stage's span in one release's timeline (events in any order)."""
    starts: dict[StageName, datetime] = {}
    ends: dict[StageName, tuple[datetime, StageState]] = {}
    for event in sorted(events, key=lambda e: e.at):
        if event.kind is not TimelineKind.STAGE:
            continue
        parsed = _stage_cause(event.cause)
        if parsed is None:
            continue
        stage, state = parsed
        if state.settled:
            ends[stage] = (event.at, state)
            starts.setdefault(stage, event.at)
        elif state in (StageState.RUNNING, StageState.WAITING):
            starts.setdefault(stage, event.at)
    spans = {}
    for stage, start in starts.items():
        end = ends.get(stage)
        if end is not None and end[0] < start:
            end = None
        spans[stage] = StageSpan(
            stage, start, end[0] if end else None, end[1] if end else StageState.RUNNING
        )
    return spans


@dataclass(frozen=True, slots=True)
class StageFigure:
    stage: StageName
    median_seconds: float | None
    p90_seconds: float | None
    samples: int


@dataclass(frozen=True, slots=True)
class StageDurations:
    """One service's stage durations over a window, and its slowest stage's weekly trend."""

    key: str
    stages: tuple[StageFigure, ...]
    slowest: StageName | None
    slowest_trend: tuple[float | None, ...]
    releases: int

    def to_json(self) -> dict[str, object]:
        return {
            "service": self.key,
            "releases": self.releases,
            "slowest": self.slowest.value if self.slowest else None,
            "slowest_weekly_median_seconds": list(self.slowest_trend),
            "stages": {
                f.stage.value: {
                    "median_seconds": f.median_seconds,
                    "p90_seconds": f.p90_seconds,
                    "samples": f.samples,
                }
                for f in self.stages
            },
        }


def _weeks(now: datetime, window: timedelta) -> list[tuple[datetime, datetime]]:
    weeks = max(1, math.ceil(window / WEEK))
    return [(now - (weeks - i) * WEEK, now - (weeks - i - 1) * WEEK) for i in range(weeks)]


def stage_durations(
    records: Sequence[ReleaseRecord],
    spans: Mapping[Ident, Mapping[StageName, StageSpan]],
    now: datetime,
    window: timedelta,
) -> list[StageDurations]:
    """Per service, the stage durations of releases that started in the window.

    Services whose releases have no recorded stage (backfilled history only) are left
    out rather than shown as zeros.
    """
    start = now - window
    by_service: dict[str, list[tuple[datetime, Mapping[StageName, StageSpan]]]] = {}
    for record in records:
        found = spans.get((record.key, record.version))
        began = record.started_at
        if not found or began is None or not start < began <= now:
            continue
        by_service.setdefault(record.service, []).append((began, found))
    result = []
    for service in sorted(by_service):
        rows = by_service[service]
        figures = []
        for stage in StageName:
            values = [
                s.seconds for _, found in rows if (s := found.get(stage)) and s.seconds is not None
            ]
            figures.append(StageFigure(stage, median(values), percentile(values, 0.9), len(values)))
        timed = [f for f in figures if f.median_seconds is not None]
        slowest = max(timed, key=lambda f: f.median_seconds or 0.0).stage if timed else None
        trend: list[float | None] = []
        if slowest is not None:
            for week_start, week_end in _weeks(now, window):
                values = [
                    s.seconds
                    for began, found in rows
                    if week_start < began <= week_end
                    and (s := found.get(slowest))
                    and s.seconds is not None
                ]
                trend.append(median(values))
        result.append(StageDurations(service, tuple(figures), slowest, tuple(trend), len(rows)))
    return result


@dataclass(frozen=True, slots=True)
class BatchGroup:
    """Finished releases whose change set had ``low``..``high`` changes (None: no limit)."""

    label: str
    low: int
    high: int | None
    releases: int
    failed: int
    restore_median_seconds: float | None
    restores: int

    @property
    def failure_rate(self) -> float | None:
        return self.failed / self.releases if self.releases else None

    def to_json(self) -> dict[str, object]:
        return {
            "size": self.label,
            "min": self.low,
            "max": self.high,
            "releases": self.releases,
            "failed": self.failed,
            "change_failure_rate": self.failure_rate,
            "restore_median_seconds": self.restore_median_seconds,
            "restores": self.restores,
        }


BATCH_GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("0-2", 0, 2),
    ("3-5", 3, 5),
    ("6-15", 6, 15),
    ("16-40", 16, 40),
    ("41+", 41, None),
)
"""Change-set sizes, in commits (or pull requests where commits are unknown)."""


def batch_size(record: ReleaseRecord) -> int | None:
    return record.commits if record.commits is not None else record.pull_requests


def batch_table(
    records: Iterable[ReleaseRecord], now: datetime, window: timedelta
) -> tuple[tuple[BatchGroup, ...], int]:
    """Releases that ended in the window, grouped by batch size; and how many were left
    out because their change set is unknown. Restore times are per release here (the
    release's own failing-to-restored time), since an incident belongs to one batch."""
    start = now - window
    ended = [
        r
        for r in records
        if r.outcome.finished and (at := r.ended_at) is not None and start < at <= now
    ]
    unknown = sum(1 for r in ended if batch_size(r) is None)
    groups = []
    for label, low, high in BATCH_GROUPS:
        chosen = [
            r
            for r in ended
            if (size := batch_size(r)) is not None
            and size >= low
            and (high is None or size <= high)
        ]
        restores = [
            t.total_seconds()
            for r in chosen
            if (t := r.restore_time) is not None and t >= timedelta(0)
        ]
        groups.append(
            BatchGroup(
                label,
                low,
                high,
                len(chosen),
                sum(1 for r in chosen if r.outcome.is_failure),
                median(restores),
                len(restores),
            )
        )
    return tuple(groups), unknown
