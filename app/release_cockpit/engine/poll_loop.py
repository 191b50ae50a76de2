"""One poll loop per source: poll, then wait, then poll again — never two at once.

The loop re-arms only after a poll has finished (the dolphie pattern), so a slow backend
makes its own polls rarer instead of stacking them. Failures back off exponentially with
jitter, a rate limit's ``retry_after`` is honoured, and success resets the backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from release_cockpit.domain.text import clean_text
from release_cockpit.engine.cadence import MIN_POLL_INTERVAL
from release_cockpit.engine.clock import Clock
from release_cockpit.engine.poll_result import PollResult
from release_cockpit.errors import AdapterError, BadResponse, RateLimited, Timeout


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll did; the engine applies its result and the source's status."""

    source: str
    ok: bool
    latency_ms: float
    error: AdapterError | None
    next_delay: float
    consecutive_failures: int
    result: PollResult | None = None
    """What the poll learned; None when it was cut off (or raised) before it returned."""


def backoff_delay(
    interval: float,
    failures: int,
    max_backoff: float,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds until the next poll: the interval, doubled per failure, capped, jittered.

    Jitter is +/-10% so that several cockpits watching one backend drift apart instead of
    polling in lockstep; a backend's ``retry_after`` is a floor, never shortened.
    """
    if failures <= 0:
        return interval
    delay = min(interval * 2.0 ** min(failures, 16), max_backoff)
    delay *= 0.9 + 0.2 * rand()
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


_DATA_FAILURES: dict[type[BaseException], str] = {
    RecursionError: "an answer nested too deeply to read",
    OverflowError: "a number too large to use",
    UnicodeError: "text that cannot be encoded",
}
"""Failures that come from what a backend sent, not from a cockpit bug."""


def unexpected(source: str, exc: Exception) -> BadResponse:
    """An exception that escaped an adapter, as the error the sources screen shows: data a
    backend sent that no parser expected, or (anything else) a bug to report."""
    for kind, what in _DATA_FAILURES.items():
        if isinstance(exc, kind):
            return BadResponse(
                f"{source} sent {what} ({type(exc).__name__})",
                backend=source,
                hint="the backend's answer is malformed; the other sources are unaffected",
            )
    return BadResponse(
        f"unexpected {type(exc).__name__} while polling: {clean_text(str(exc), 300)}",
        backend=source,
        hint="this is a cockpit bug; please report it with the sources screen text",
    )


class PollLoop:
    """Runs ``poll`` forever on its own task, reporting each outcome to ``on_outcome``."""

    def __init__(
        self,
        source: str,
        poll: Callable[[], Awaitable[PollResult | None]],
        *,
        interval: float,
        timeout: float,
        max_backoff: float,
        clock: Clock,
        on_outcome: Callable[[PollOutcome], None],
        on_start: Callable[[str], None] | None = None,
    ) -> None:
        self.source = source
        self._poll = poll
        # The floor protects backends from a config (or a bug) asking for a tight loop.
        self.interval = max(interval, MIN_POLL_INTERVAL)
        self.timeout = timeout
        self.max_backoff = max_backoff
        self._clock = clock
        self._on_outcome = on_outcome
        self._on_start = on_start
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.failures = 0
        self.polls = 0
        self.in_flight = False
        """A poll is waiting for its answer (tests wait for every loop to be between polls)."""
        self.first_poll_done = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"poll:{self.source}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def refresh(self) -> None:
        """Cut the current wait short; a poll in progress is not interrupted or repeated."""
        self._wake.set()

    async def poll_once(self) -> PollOutcome:
        """One poll with its timeout; never raises for backend failures."""
        started = self._clock.monotonic()
        self.in_flight = True
        if self._on_start is not None:
            self._on_start(self.source)
        error: AdapterError | None = None
        result: PollResult | None = None
        try:
            async with asyncio.timeout(self.timeout):
                result = await self._poll()
            error = result.error if result is not None else None
        except AdapterError as exc:
            error = exc
        except TimeoutError:
            error = Timeout(
                f"poll took longer than {self.timeout:.0f}s",
                backend=self.source,
                hint="the backend is slow; raise its timeout or interval if this persists",
            )
        except Exception as exc:  # a bug in one adapter must not stop the others
            error = unexpected(self.source, exc)
        latency = (self._clock.monotonic() - started) * 1000
        self.in_flight = False
        self.polls += 1
        self.failures = 0 if error is None else self.failures + 1
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        delay = backoff_delay(self.interval, self.failures, self.max_backoff, retry_after)
        outcome = PollOutcome(
            self.source, error is None, latency, error, delay, self.failures, result
        )
        self._on_outcome(outcome)
        self.first_poll_done.set()
        return outcome

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            outcome = await self.poll_once()
            await self._wait(outcome.next_delay)

    async def _wait(self, delay: float) -> None:
        sleeper = asyncio.ensure_future(self._clock.sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)
