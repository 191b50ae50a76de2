"""Time as a dependency: the engine asks a Clock, so tests can run hours in milliseconds."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC wall time, for timestamps shown to people."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for latencies and intervals."""

    async def sleep(self, seconds: float) -> None:
        """Wait; fake clocks return when time is advanced past the deadline."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))
