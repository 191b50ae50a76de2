"""Time as a dependency: the engine asks a Clock, so tests can run hours in milliseconds.

The real clock is steady: ``now()`` is the wall time read once at start plus the monotonic
time since, so a system clock that jumps (a suspended laptop's NTP correction, someone
running ``date -s``) never turns a healthy canary into "no canary data", never shortens a
soak and never writes history with future timestamps. Wall time only labels events. A jump
is measured (``jump()``) so the session can say so once; it is never turned into a verdict.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol

JUMP_SECONDS = 60.0
"""A difference between the system clock and the steady clock worth telling people about
(NTP slews by milliseconds; a minute is a step someone or something made)."""


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC wall time, for timestamps shown to people."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for latencies and intervals."""

    async def sleep(self, seconds: float) -> None:
        """Wait; fake clocks return when time is advanced past the deadline."""

    def jump(self) -> float:
        """Seconds the system clock moved away from this clock since start (0 when none)."""


class SystemClock:
    """The real clock, steady against jumps of the system clock."""

    def __init__(self) -> None:
        self._wall_at_start = time.time()
        self._mono_at_start = time.monotonic()

    def _steady(self) -> float:
        return self._wall_at_start + (time.monotonic() - self._mono_at_start)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._steady(), UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def jump(self) -> float:
        return time.time() - self._steady()


def jump_note(seconds: float, at: datetime) -> str:
    """What the header says once the system clock moved (``""`` for no real jump)."""
    if abs(seconds) < JUMP_SECONDS:
        return ""
    sign = "+" if seconds > 0 else "-"
    whole = int(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    amount = f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
    return (
        f"system clock jumped {sign}{amount} (noticed {at:%H:%M:%S}); times here keep the "
        "session's steady clock: restart the cockpit if the new system time is right"
    )
