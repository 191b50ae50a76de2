"""What the engine knows of each backend's freshness: per source, and per target in it.

Freshness is kept per *target* (one repository, one rollout, one signal) so that a single
missing repository marks only its own release stale; the sources screen reads the whole
backend's record. The store (``engine.store``) owns these records and updates them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from release_cockpit.domain import SourceStatus, source_state
from release_cockpit.errors import AdapterError


@dataclass(slots=True)
class TargetRecord:
    """When one target last answered, and how its last attempt went."""

    updated_at: datetime | None = None
    error: AdapterError | None = None


@dataclass(slots=True)
class SourceRecord:
    """One backend as the sources screen sees it."""

    name: str
    kind: str
    interval: float
    stale_after: timedelta
    updated_at: datetime | None = None
    last_attempt_at: datetime | None = None
    latency_ms: float | None = None
    error: AdapterError | None = None
    failures: int = 0
    next_poll_at: datetime | None = None
    rate_limit_remaining: int | None = None
    polling_since: datetime | None = None
    targets: dict[str, TargetRecord] = field(default_factory=dict)
    note: str = ""
    polled_by: str = ""
    polled_at: datetime | None = None
    team_note: str = ""
    _made: dict[tuple[object, ...], SourceStatus] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Statuses already made since the backend-wide fields last changed, by (state, data
    time, error): every release fed by this backend is given one of a few equal statuses,
    and the snapshot builder compares them by identity first."""
    _made_for: tuple[object, ...] = field(default=(), repr=False, compare=False)

    def late(self, now: datetime) -> bool:
        """A poll has waited for its answer longer than the interval."""
        since = self.polling_since
        return since is not None and (now - since).total_seconds() > self.interval

    def status(self, now: datetime) -> SourceStatus:
        """The whole backend: its last complete poll and its last error."""
        return self._status(self.updated_at, self.error, now)

    def status_for(self, targets: Iterable[str], now: datetime) -> SourceStatus:
        """Freshness of this source as seen by one release: its oldest target decides."""
        records = [self.targets.get(t, TargetRecord()) for t in targets]
        if not records:
            return self.status(now)
        stamps = [r.updated_at for r in records]
        updated = None if any(s is None for s in stamps) else min(s for s in stamps if s)
        error = next((r.error for r in records if r.error is not None), None)
        return self._status(updated, error, now)

    def _status(
        self, updated: datetime | None, error: AdapterError | None, now: datetime
    ) -> SourceStatus:
        late = self.late(now)
        state = source_state(
            updated_at=updated,
            last_failed=error is not None,
            now=now,
            stale_after=self.stale_after,
            late=late,
        )
        shared = (
            self.last_attempt_at,
            self.latency_ms,
            self.failures,
            self.next_poll_at,
            self.rate_limit_remaining,
            self.note,
            self.stale_after,
            self.polling_since,
            self.polled_by,
            self.polled_at,
            self.team_note,
        )
        if shared != self._made_for:
            self._made.clear()
            self._made_for = shared
        key = (state, updated, error)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = SourceStatus(
                name=self.name,
                kind=self.kind,
                state=state,
                updated_at=updated,
                last_attempt_at=self.last_attempt_at,
                latency_ms=self.latency_ms,
                error_title=error.title if error else "",
                error=str(error) if error else "",
                consecutive_failures=self.failures,
                next_poll_at=self.next_poll_at,
                rate_limit_remaining=self.rate_limit_remaining,
                note=self.note,
                stale_after=self.stale_after,
                polling_since=self.polling_since,
                polled_by=self.polled_by,
                polled_at=self.polled_at,
                team_note=self.team_note,
            )
        return made


__all__ = ["SourceRecord", "TargetRecord"]
