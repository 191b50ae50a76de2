"""Per-source freshness: how old each backend's data is and whether its last poll worked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class SourceState(Enum):
    LOADING = "loading"  # no answer yet
    OK = "ok"
    LATE = "late"  # a poll has been waiting for its answer longer than the interval
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
    polling_since: datetime | None = None
    """When the poll still waiting for its answer started (None: no poll in flight)."""
    polled_by: str = ""
    """Team mode: the cockpit that polls this backend for everyone ("" when this one polls
    for itself alone, or there is no team)."""
    polled_at: datetime | None = None
    """Team mode: when that cockpit's last result was taken."""
    team_note: str = ""
    """Team mode: how this backend is shared now ("polled here for the team", "polling
    alone: team database unreachable (...)")."""

    def team_text(self, now: datetime) -> str:
        """``polled by alice@bastion-1, 2s ago``, or the note; "" without a team."""
        if self.polled_by:
            if self.polled_at is None:
                return f"polled by {self.polled_by}"
            age = max(int((now - self.polled_at).total_seconds()), 0)
            return f"polled by {self.polled_by}, {age}s ago"
        return self.team_note

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
    late: bool = False,
) -> SourceState:
    """Classify a source: a failed last poll is DOWN even if its old data is still young;
    a poll that hangs makes it LATE at once, long before its data goes stale (a Prometheus
    that stops answering must not read "ok" for the 20 s its last answer stays young)."""
    if last_failed:
        return SourceState.DOWN
    if updated_at is None:
        return SourceState.LATE if late else SourceState.LOADING
    if now - updated_at > stale_after:
        return SourceState.STALE
    return SourceState.LATE if late else SourceState.OK


def oldest_data(sources: tuple[SourceStatus, ...] | list[SourceStatus]) -> datetime | None:
    """When the oldest source last completed a poll (None if one never has): the header's
    "data N old" is the age of this, not of the last snapshot."""
    stamps = [s.updated_at for s in sources]
    if not stamps or any(stamp is None for stamp in stamps):
        return None
    return min(stamp for stamp in stamps if stamp is not None)
