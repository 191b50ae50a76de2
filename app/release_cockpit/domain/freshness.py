"""Per-source freshness: how old each backend's data is and whether its last poll worked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class SourceState(Enum):
    LOADING = "loading"  # no answer yet
    OK = "ok"
    STALE = "stale"  # last good data is older than the staleness limit
    DOWN = "down"  # the last poll failed; older data may still be shown, marked


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What the sources screen and the freshness line show for one backend."""

    name: str
    kind: str
    state: SourceState
    updated_at: datetime | None = None
    last_attempt_at: datetime | None = None
    latency_ms: float | None = None
    error_title: str = ""
    error: str = ""
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    rate_limit_remaining: int | None = None
    stale_after: timedelta = timedelta(seconds=30)

    def age(self, now: datetime) -> timedelta | None:
        return None if self.updated_at is None else max(now - self.updated_at, timedelta(0))

    def trusted(self, now: datetime) -> bool:
        """Data is usable for a verdict only while younger than its staleness limit."""
        age = self.age(now)
        return age is not None and age <= self.stale_after


def source_state(
    *,
    updated_at: datetime | None,
    last_failed: bool,
    now: datetime,
    stale_after: timedelta,
) -> SourceState:
    """Classify a source: a failed last poll is DOWN even if its old data is still young."""
    if last_failed:
        return SourceState.DOWN
    if updated_at is None:
        return SourceState.LOADING
    if now - updated_at > stale_after:
        return SourceState.STALE
    return SourceState.OK
