"""A fake clock for engine tests: sleeping waits until the test advances time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

START = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    """Time moves only when ``advance`` is called; sleepers wake in deadline order."""

    def __init__(self, start: datetime = START) -> None:
        self._now = start
        self._mono = 1000.0
        self.jumped = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def jump(self) -> float:
        """Fake time never jumps unless a test sets ``jumped``."""
        return self.jumped

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._mono + seconds, future))
        await future

    @property
    def sleeping(self) -> int:
        return sum(1 for _, f in self._sleepers if not f.done())

    async def advance(self, seconds: float) -> None:
        """Move time forward in small steps, letting woken tasks run at each step."""
        target = self._mono + seconds
        while True:
            await self._settle()
            pending = sorted(
                ((deadline, f) for deadline, f in self._sleepers if not f.done()),
                key=lambda pair: pair[0],
            )
            due = [p for p in pending if p[0] <= target]
            if not due:
                break
            deadline, future = due[0]
            self._step_to(deadline)
            future.set_result(None)
        self._step_to(target)
        self._sleepers = [(d, f) for d, f in self._sleepers if not f.done()]
        await self._settle()

    @staticmethod
    async def _settle() -> None:
        """Let every runnable task run until it blocks again."""
        for _ in range(20):
            await asyncio.sleep(0)

    def _step_to(self, mono: float) -> None:
        if mono > self._mono:
            self._now += timedelta(seconds=mono - self._mono)
            self._mono = mono
