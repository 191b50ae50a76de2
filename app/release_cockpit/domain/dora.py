"""The four DORA metrics computed from release history, with explicit edge-case rules.

Input is a sequence of ``ReleaseRecord``; output is one ``DoraFigures`` per group
(service, team, environment or everything) over a window ending at ``now``. Definitions
(docs/dora.md has the long form):

* **Deployment frequency**: production releases whose deploy *completed* (``deployed_at``)
  in the window, per day and per week. A later rollback does not undo the deploy: it
  counts here and as a failure in the change failure rate.
* **Lead time for changes**: ``deployed_at - first_commit_at`` of those deploys; median
  and p90 (nearest-rank: the smallest sample with at least 90% of samples at or below).
  A negative duration (first commit after the deploy: clocks of two sources disagree)
  is excluded and counted in the note; a missing first commit is excluded likewise.
* **Change failure rate**: releases that ended (``ended_at``) in the window as FAILED,
  ROLLED_BACK or ABORTED, divided by all releases that ended in the window. A rollback
  after a successful deploy is recorded as ROLLED_BACK, so it counts as a failure.
* **Time to restore**: from the verdict turning failing (``failed_at``) to healthy again
  or rollback/abort completed (``restored_at``); median over incidents that ended in the
  window. Failing intervals of one service+environment that overlap or touch are one
  incident (a failure that spans two releases is restored once, not twice). A failure
  never marked restored ends at the start of the line's next failing interval (the
  incident continued) or at the line's next completed deploy (rolled forward),
  whichever comes first; with neither it is still open and left out (counted in the note).
  A restore before its failure (clock skew) is left out and counted.

Only production releases count unless ``production_only=False``. A figure that cannot
be computed is None and its note says why; nothing is ever negative.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from release_cockpit.domain.history import ReleaseRecord

WEEK = timedelta(days=7)
WINDOWS = {"7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}
"""The windows the UI and CLI offer; any positive timedelta works."""
ALL = "all"
"""The key of the group holding every release."""


class Metric(Enum):
    DEPLOYMENT_FREQUENCY = "deployment_frequency"
    LEAD_TIME = "lead_time"
    CHANGE_FAILURE_RATE = "change_failure_rate"
    TIME_TO_RESTORE = "time_to_restore"

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    Metric.DEPLOYMENT_FREQUENCY: "Deployment frequency",
    Metric.LEAD_TIME: "Lead time for changes",
    Metric.CHANGE_FAILURE_RATE: "Change failure rate",
    Metric.TIME_TO_RESTORE: "Time to restore",
}


class Group(Enum):
    """What the figures are computed per."""

    SERVICE = "service"
    TEAM = "team"
    ENVIRONMENT = "environment"
    ALL = "all"

    def key_of(self, record: ReleaseRecord) -> str:
        if self is Group.SERVICE:
            return record.service
        if self is Group.TEAM:
            return record.team
        if self is Group.ENVIRONMENT:
            return record.environment
        return ALL


@dataclass(frozen=True, slots=True)
class DoraFigures:
    """The four metrics for one group over one window, with per-week trends.

    Trends hold one value per week, oldest first, in base units: deploys in that week,
    lead-time median in seconds, failure rate as a fraction, restore median in seconds;
    None for a week where the figure cannot be computed.
    """

    group: Group
    key: str
    start: datetime
    end: datetime
    deploys: int
    deploys_per_day: float
    deploys_per_week: float
    frequency_note: str
    lead_time_median: timedelta | None
    lead_time_p90: timedelta | None
    lead_time_samples: int
    lead_time_note: str
    failed_releases: int
    finished_releases: int
    change_failure_rate: float | None
    failure_note: str
    restore_median: timedelta | None
    incidents: int
    restore_note: str
    frequency_trend: tuple[float | None, ...] = ()
    lead_time_trend: tuple[float | None, ...] = ()
    failure_trend: tuple[float | None, ...] = ()
    restore_trend: tuple[float | None, ...] = ()

    @property
    def window(self) -> timedelta:
        return self.end - self.start

    def value(self, metric: Metric) -> float | timedelta | None:
        """The headline figure of ``metric`` (frequency as deploys per day)."""
        if metric is Metric.DEPLOYMENT_FREQUENCY:
            return self.deploys_per_day
        if metric is Metric.LEAD_TIME:
            return self.lead_time_median
        if metric is Metric.CHANGE_FAILURE_RATE:
            return self.change_failure_rate
        return self.restore_median

    def note(self, metric: Metric) -> str:
        return {
            Metric.DEPLOYMENT_FREQUENCY: self.frequency_note,
            Metric.LEAD_TIME: self.lead_time_note,
            Metric.CHANGE_FAILURE_RATE: self.failure_note,
            Metric.TIME_TO_RESTORE: self.restore_note,
        }[metric]

    def trend(self, metric: Metric) -> tuple[float | None, ...]:
        return {
            Metric.DEPLOYMENT_FREQUENCY: self.frequency_trend,
            Metric.LEAD_TIME: self.lead_time_trend,
            Metric.CHANGE_FAILURE_RATE: self.failure_trend,
            Metric.TIME_TO_RESTORE: self.restore_trend,
        }[metric]


@dataclass(frozen=True, slots=True)
class Incident:
    """One merged failing interval of a service+environment."""

    service: str
    environment: str
    start: datetime
    end: datetime | None  # None: not restored yet

    @property
    def duration(self) -> timedelta | None:
        return None if self.end is None else self.end - self.start


def median(values: Sequence[float]) -> float | None:
    """The median, None for no values."""
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile: the smallest value with ``fraction`` of values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _in(when: datetime | None, start: datetime, end: datetime) -> bool:
    return when is not None and start < when <= end


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def incidents(records: Iterable[ReleaseRecord]) -> tuple[tuple[Incident, ...], int]:
    """Merged failing intervals per service+environment, and how many were skewed.

    Returns the incidents sorted by start, and the number of intervals left out because
    their restore came before their failure.
    """
    by_line: dict[tuple[str, str], list[ReleaseRecord]] = {}
    for record in records:
        by_line.setdefault((record.service, record.environment), []).append(record)
    merged: list[Incident] = []
    skewed = 0
    for (service, environment), line in by_line.items():
        intervals: list[tuple[datetime, datetime | None]] = []
        for record in line:
            if record.failed_at is None:
                continue
            if record.restored_at is not None and record.restored_at < record.failed_at:
                skewed += 1
                continue
            intervals.append((record.failed_at, record.restored_at))
        intervals.sort(key=lambda pair: pair[0])
        deploys = sorted(r.deployed_at for r in line if r.deployed_at is not None)
        closed: list[tuple[datetime, datetime | None]] = []
        for index, (start, end) in enumerate(intervals):
            if end is None:
                later_failure = next((s for s, _ in intervals[index + 1 :] if s >= start), None)
                later_deploy = next((d for d in deploys if d > start), None)
                candidates = [t for t in (later_failure, later_deploy) if t is not None]
                end = min(candidates) if candidates else None
            closed.append((start, end))
        line_incidents: list[Incident] = []
        for start, end in closed:
            last = line_incidents[-1] if line_incidents else None
            if last is not None and (last.end is None or start <= last.end):
                if last.end is not None:
                    grown = None if end is None else max(last.end, end)
                    line_incidents[-1] = Incident(service, environment, last.start, grown)
                continue
            line_incidents.append(Incident(service, environment, start, end))
        merged.extend(line_incidents)
    merged.sort(key=lambda incident: (incident.start, incident.service, incident.environment))
    return tuple(merged), skewed


@dataclass(frozen=True, slots=True)
class _Core:
    deploys: int
    lead_times: tuple[float, ...]
    skewed_leads: int
    missing_commits: int
    failed: int
    finished: int
    restores: tuple[float, ...]
    open_incidents: int
    skewed_restores: int


def _core(records: Sequence[ReleaseRecord], start: datetime, end: datetime) -> _Core:
    deployed = [r for r in records if _in(r.deployed_at, start, end)]
    leads: list[float] = []
    skewed_leads = missing = 0
    for record in deployed:
        lead = record.lead_time
        if lead is None:
            missing += 1
        elif lead < timedelta(0):
            skewed_leads += 1
        else:
            leads.append(lead.total_seconds())
    ended = [r for r in records if r.outcome.finished and _in(r.ended_at, start, end)]
    merged, skewed_restores = incidents(records)
    restores: list[float] = []
    still_open = 0
    for incident in merged:
        if incident.end is None:
            still_open += 1 if incident.start <= end else 0
        elif _in(incident.end, start, end):
            restores.append((incident.end - incident.start).total_seconds())
    return _Core(
        deploys=len(deployed),
        lead_times=tuple(leads),
        skewed_leads=skewed_leads,
        missing_commits=missing,
        failed=sum(1 for r in ended if r.outcome.is_failure),
        finished=len(ended),
        restores=tuple(restores),
        open_incidents=still_open,
        skewed_restores=skewed_restores,
    )


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def _lead_note(core: _Core) -> str:
    parts = []
    if core.deploys == 0:
        parts.append("no production deploys in the window")
    elif not core.lead_times:
        parts.append("no deploy with a usable first-commit time")
    if core.skewed_leads:
        parts.append(
            f"{_plural(core.skewed_leads, 'deploy')} left out: first commit after the deploy "
            "(clock skew between sources)"
        )
    if core.missing_commits:
        parts.append(f"{_plural(core.missing_commits, 'deploy')} left out: first commit unknown")
    return "; ".join(parts)


def _restore_note(core: _Core) -> str:
    parts = []
    if not core.restores:
        parts.append("no incident was restored in the window")
    if core.open_incidents:
        parts.append(f"{_plural(core.open_incidents, 'incident')} still open")
    if core.skewed_restores:
        parts.append(
            f"{_plural(core.skewed_restores, 'failure')} left out: restored before it failed "
            "(clock skew between sources)"
        )
    return "; ".join(parts)


def compute_dora(
    records: Iterable[ReleaseRecord],
    now: datetime,
    window: timedelta = WINDOWS["30d"],
    *,
    group: Group = Group.ALL,
    key: str = ALL,
    production_only: bool = True,
) -> DoraFigures:
    """The four metrics of one group over ``(now - window, now]``.

    Args:
        records: release history (any order, any groups: filtered here).
        now: the end of the window, timezone-aware.
        window: how far back to look (``WINDOWS`` has 7, 30 and 90 days).
        group: what ``key`` names; ``Group.ALL`` takes every record.
        key: the service, team or environment name of the group.
        production_only: count only records flagged ``production``.

    Raises:
        ValueError: ``now`` is naive or ``window`` is not positive.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if window <= timedelta(0):
        raise ValueError(f"window must be positive, got {window}")
    chosen = [
        r
        for r in records
        if (group is Group.ALL or group.key_of(r) == key) and (r.production or not production_only)
    ]
    start = now - window
    core = _core(chosen, start, now)
    days = window / timedelta(days=1)
    weeks = max(1, math.ceil(window / WEEK))
    buckets = [(now - (weeks - i) * WEEK, now - (weeks - i - 1) * WEEK) for i in range(weeks)]
    weekly = [_core(chosen, s, e) for s, e in buckets]
    scope = "production " if production_only else ""
    return DoraFigures(
        group=group,
        key=ALL if group is Group.ALL else key,
        start=start,
        end=now,
        deploys=core.deploys,
        deploys_per_day=core.deploys / days,
        deploys_per_week=core.deploys / days * 7,
        frequency_note="" if core.deploys else f"no {scope}deploys in the window",
        lead_time_median=_seconds(median(core.lead_times)),
        lead_time_p90=_seconds(percentile(core.lead_times, 0.9)),
        lead_time_samples=len(core.lead_times),
        lead_time_note=_lead_note(core),
        failed_releases=core.failed,
        finished_releases=core.finished,
        change_failure_rate=core.failed / core.finished if core.finished else None,
        failure_note="" if core.finished else "no release finished in the window",
        restore_median=_seconds(median(core.restores)),
        incidents=len(core.restores),
        restore_note=_restore_note(core),
        frequency_trend=tuple(float(c.deploys) for c in weekly),
        lead_time_trend=tuple(median(c.lead_times) for c in weekly),
        failure_trend=tuple(c.failed / c.finished if c.finished else None for c in weekly),
        restore_trend=tuple(median(c.restores) for c in weekly),
    )


def compute_dora_by(
    records: Iterable[ReleaseRecord],
    now: datetime,
    window: timedelta = WINDOWS["30d"],
    group: Group = Group.SERVICE,
    *,
    production_only: bool = True,
) -> tuple[DoraFigures, ...]:
    """One ``DoraFigures`` per distinct group key in ``records``, sorted by key.

    Groups are taken from every record (production or not), so a service with no
    production deploy still gets a row whose notes say why its figures are empty.

    Raises:
        ValueError: ``now`` is naive or ``window`` is not positive.
    """
    history = list(records)
    if group is Group.ALL:
        return (compute_dora(history, now, window, production_only=production_only),)
    keys = sorted({group.key_of(r) for r in history})
    return tuple(
        compute_dora(history, now, window, group=group, key=k, production_only=production_only)
        for k in keys
    )
