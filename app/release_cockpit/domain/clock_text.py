"""Texts that follow the clock, kept as the moments they count from or to.

"waiting 1m24s for promote" read at 12:00:05 and "waiting 1m29s for promote" read at
12:00:10 are two strings but one fact: the wait began at 11:58:41. A stage keeps the
fact (``Since`` or ``Until`` a moment) and whoever shows it fills the duration in for
the moment it draws (``ClockText.read``). A release then changes when its inputs do, not
every few seconds for its countdowns: the snapshot builder does not rebuild it, the board
does not receive it again, and the screen's own tick repaints the few cells that moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from release_cockpit.domain.formatting import format_duration


@dataclass(frozen=True, slots=True)
class Since:
    """The time since ``at`` ("waiting 4m12s")."""

    at: datetime

    def read(self, now: datetime) -> str:
        return format_duration(now - self.at)


@dataclass(frozen=True, slots=True)
class Until:
    """The time until ``at``, plus ``then`` after it ("ETA 1m09s" is a pause's time left
    plus the timed steps after it); never below ``then``."""

    at: datetime
    then: timedelta = timedelta(0)

    def read(self, now: datetime) -> str:
        return format_duration(max(self.at - now, timedelta(0)) + self.then)


Part = str | Since | Until


@dataclass(frozen=True, slots=True)
class ClockText:
    """A text with durations in it that are worked out when it is read."""

    parts: tuple[Part, ...]

    def read(self, now: datetime) -> str:
        return "".join(p if isinstance(p, str) else p.read(now) for p in self.parts)

    @property
    def fixed(self) -> str | None:
        """The text when nothing in it follows the clock, else None."""
        if all(isinstance(p, str) for p in self.parts):
            return "".join(p for p in self.parts if isinstance(p, str))
        return None

    @property
    def moments(self) -> tuple[datetime, ...]:
        """The moments its durations count from or to (a screen's tick starts from them)."""
        return tuple(p.at for p in self.parts if not isinstance(p, str))

    def turn(self, now: datetime) -> datetime | None:
        """The next moment a countdown in it runs out (after ``now``), or None. What the
        text describes may change then (a soak completes, a window opens), so the release
        must be looked at again at that moment even though its inputs did not change."""
        ends = [p.at for p in self.parts if isinstance(p, Until) and p.at > now]
        return min(ends, default=None)


def clock_text(*parts: Part) -> ClockText:
    """``clock_text("soak ", Until(ends), " left")``; empty strings are left out."""
    return ClockText(tuple(p for p in parts if p != ""))


def join_clock(sep: str, *texts: str | ClockText) -> ClockText:
    """Join plain and clock texts with ``sep``, leaving out empty ones."""
    parts: list[Part] = []
    for text in texts:
        if not text or (isinstance(text, ClockText) and not text.parts):
            continue
        if parts:
            parts.append(sep)
        parts.extend(text.parts if isinstance(text, ClockText) else (text,))
    return ClockText(tuple(parts))
