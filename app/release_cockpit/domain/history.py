"""Release history as it is kept: one record per release and its timeline of events.

These values are what the history store writes and reads back, what the DORA maths
(``app.domain.dora``) consumes, and what the retrospective export renders. They are
pure data: no clock, no I/O. Every datetime is timezone-aware and normalised to UTC on
construction, so records written by cockpits in different time zones compare correctly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import Enum


class ReleaseOutcome(Enum):
    """How a release ended (or that it has not ended yet)."""

    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    ABORTED = "aborted"

    @property
    def finished(self) -> bool:
        """True once the release has an outcome that will not change by itself."""
        return self is not ReleaseOutcome.IN_PROGRESS

    @property
    def is_failure(self) -> bool:
        """True for the outcomes the change failure rate counts as failed changes."""
        return self in _FAILURES


_FAILURES = frozenset({ReleaseOutcome.FAILED, ReleaseOutcome.ROLLED_BACK, ReleaseOutcome.ABORTED})


class TimelineKind(Enum):
    """What a timeline line records."""

    STAGE = "stage"  # a stage transition (build started, canary 20%, soak done, ...)
    VERDICT = "verdict"  # the verdict changed, with its reason
    ACTION = "action"  # a person or the engine acted (promote, abort, rollback, retry)
    ALERT = "alert"  # an alert fired or resolved
    NOTE = "note"  # anything else worth keeping (a comment, a backfill remark)


def _utc(value: datetime | None, name: str) -> datetime | None:
    """``value`` in UTC; naive datetimes are refused because their zone is a guess.

    Raises:
        ValueError: ``value`` has no time zone.
    """
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ReleaseRecord:
    """One release as history keeps it.

    Attributes:
        key: the release-line key from the config (``[services.<key>]``).
        service: service name.
        team: owning team, "" when unknown.
        environment: target environment name.
        version: the version released (or a short sha when no version is known).
        started_at: when the release started (first stage, or deployment created).
        first_commit_at: author time of the oldest commit the release carries.
        deployed_at: when the deploy completed, i.e. the new version was fully promoted.
        finished_at: when the outcome became final.
        outcome: how it ended.
        failed_at: the first time the verdict turned failing.
        restored_at: when the verdict was healthy again, or the rollback/abort completed.
        source: ``"cockpit"`` for releases the cockpit watched, ``"github-deployments"``
            for backfilled ones.
        production: whether the environment counts as production for DORA.
        commits: commits in the change set (the batch size), None when unknown.
        pull_requests: pull requests in the change set, None when unknown.
    """

    key: str
    service: str
    team: str
    environment: str
    version: str
    started_at: datetime | None = None
    first_commit_at: datetime | None = None
    deployed_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: ReleaseOutcome = ReleaseOutcome.IN_PROGRESS
    failed_at: datetime | None = None
    restored_at: datetime | None = None
    source: str = "cockpit"
    production: bool = False
    commits: int | None = None
    pull_requests: int | None = None

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, datetime):
                # Frozen dataclass: normalising in place is the documented way to do it.
                object.__setattr__(self, item.name, _utc(value, item.name))

    @property
    def id(self) -> str:
        """Stable id people can paste: ``service/environment@version``."""
        return f"{self.service}/{self.environment}@{self.version or '?'}"

    @property
    def ended_at(self) -> datetime | None:
        """When the outcome became final: ``finished_at``, else the latest time known.

        Backfilled or interrupted records may lack ``finished_at``; the latest of the
        other timestamps is the best lower bound. None while the release is in progress.
        """
        if not self.outcome.finished:
            return None
        if self.finished_at is not None:
            return self.finished_at
        known = [
            t
            for t in (self.restored_at, self.deployed_at, self.failed_at, self.started_at)
            if t is not None
        ]
        return max(known) if known else None

    @property
    def lead_time(self) -> timedelta | None:
        """First commit -> deploy completed; may be negative when clocks disagree."""
        if self.first_commit_at is None or self.deployed_at is None:
            return None
        return self.deployed_at - self.first_commit_at

    @property
    def restore_time(self) -> timedelta | None:
        """Verdict failing -> restored, for this release alone (DORA merges incidents)."""
        if self.failed_at is None or self.restored_at is None:
            return None
        return self.restored_at - self.failed_at


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One line of a release's timeline.

    Attributes:
        at: when it happened (timezone-aware, normalised to UTC).
        kind: what sort of event it is.
        title: the short line ("Canary 20%", "Verdict: failing", "Rollback").
        detail: the reason or result ("5xx ratio 7.1% > 5% (2/2 failures)").
        who: the person who acted, "" for the engine or a backend.
        cause: what makes it this event and no other (``verdict:failing:0``, the first
            time the release turned failing). A restarted cockpit, or two cockpits on one
            database, derive the same cause for the same change, and the store keeps one.
            "" for events without one (backfilled, or older records).
    """

    at: datetime
    kind: TimelineKind
    title: str
    detail: str = ""
    who: str = ""
    cause: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _utc(self.at, "at"))


def timeline(events: Iterable[TimelineEvent]) -> tuple[TimelineEvent, ...]:
    """A release's timeline: the events sorted by time, ties kept in recording order."""
    return tuple(sorted(events, key=lambda event: event.at))
