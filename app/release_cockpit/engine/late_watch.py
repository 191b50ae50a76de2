"""Calling a source LATE the moment a poll has waited longer than its interval.

A Prometheus that stops answering must not read "ok" for as long as its last answer stays
young: when a poll starts, a watch sleeps one interval (and a little slack) and, if the
answer has not come by then, marks the source and asks for a snapshot. The answer
arriving first cancels the watch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from release_cockpit.engine.clock import Clock
from release_cockpit.engine.store import Store

LATE_SLACK = 0.1  # seconds past the interval before a waiting poll is called late


class LateWatches:
    """One watch per source whose poll is waiting for its answer."""

    def __init__(self, store: Store, clock: Clock, on_late: Callable[[], None]) -> None:
        self._store = store
        self._clock = clock
        self._on_late = on_late
        self._watches: dict[str, asyncio.Task[None]] = {}

    def started(self, source: str) -> None:
        """A poll began: if it is still waiting for its answer after one interval, the
        source turns LATE at once (a snapshot is published then), not when its data
        finally goes stale."""
        record = self._store.sources.get(source)
        if record is None:
            return
        record.polling_since = self._clock.now()
        old = self._watches.pop(source, None)
        if old is not None:
            old.cancel()
        with contextlib.suppress(RuntimeError):  # no running loop: a synchronous caller
            watch = asyncio.get_running_loop().create_task(
                self._publish_if_late(source, record.interval + LATE_SLACK),
                name=f"late:{source}",
            )
            self._watches[source] = watch

    def answered(self, source: str) -> None:
        """The poll's outcome arrived: its watch has nothing left to say."""
        watch = self._watches.pop(source, None)
        if watch is not None:
            watch.cancel()

    async def _publish_if_late(self, source: str, after: float) -> None:
        await self._clock.sleep(after)
        record = self._store.sources.get(source)
        if record is not None and record.late(self._clock.now()):
            self._store.mark_source(source)
            self._on_late()

    async def close(self) -> None:
        """Cancel every watch and wait for them to end."""
        for watch in self._watches.values():
            watch.cancel()
        await asyncio.gather(*self._watches.values(), return_exceptions=True)
        self._watches.clear()


__all__ = ["LATE_SLACK", "LateWatches"]
