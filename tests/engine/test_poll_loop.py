import asyncio

import pytest

from release_cockpit.engine.poll_loop import PollLoop, backoff_delay
from release_cockpit.errors import RateLimited, Unreachable
from tests.support.clock import FakeClock


def test_backoff_grows_caps_and_honours_retry_after():
    fixed = lambda: 0.5  # noqa: E731  (no jitter: the midpoint)
    assert backoff_delay(5, 0, 120, rand=fixed) == 5
    assert backoff_delay(5, 1, 120, rand=fixed) == 10
    assert backoff_delay(5, 3, 120, rand=fixed) == 40
    assert backoff_delay(5, 10, 120, rand=fixed) == 120
    assert backoff_delay(5, 1, 120, retry_after=300, rand=fixed) == 300


def test_backoff_jitter_stays_within_ten_percent():
    assert backoff_delay(5, 1, 120, rand=lambda: 0.0) == pytest.approx(9.0)
    assert backoff_delay(5, 1, 120, rand=lambda: 1.0) == pytest.approx(11.0)


class Probe:
    def __init__(self, clock):
        self.clock = clock
        self.started = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.duration = 0.0
        self.errors = []

    async def poll(self):
        self.started.append(self.clock.monotonic())
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.duration:
                await self.clock.sleep(self.duration)
            if self.errors:
                raise self.errors.pop(0)
        finally:
            self.in_flight -= 1


def loop_for(probe, clock, outcomes, interval=5.0):
    return PollLoop(
        "src",
        probe.poll,
        interval=interval,
        timeout=60,
        max_backoff=120,
        clock=clock,
        on_outcome=outcomes.append,
    )


async def test_polls_never_stack_and_rearm_after_finishing():
    clock = FakeClock()
    probe = Probe(clock)
    probe.duration = 12.0  # slower than the 5 s interval
    outcomes = []
    loop = loop_for(probe, clock, outcomes)
    loop.start()
    await asyncio.sleep(0)
    await clock.advance(60)
    await loop.stop()
    assert probe.max_in_flight == 1
    gaps = [b - a for a, b in zip(probe.started, probe.started[1:], strict=False)]
    assert gaps
    assert all(g == pytest.approx(17.0) for g in gaps)


async def test_failures_back_off_and_success_resets():
    clock = FakeClock()
    probe = Probe(clock)
    probe.errors = [Unreachable("down", backend="src")] * 3
    outcomes = []
    loop = loop_for(probe, clock, outcomes)
    loop.start()
    await asyncio.sleep(0)
    await clock.advance(200)
    await loop.stop()
    assert [o.ok for o in outcomes[:5]] == [False, False, False, True, True]
    delays = [o.next_delay for o in outcomes[:5]]
    assert 9 <= delays[0] <= 11
    assert 18 <= delays[1] <= 22
    assert 36 <= delays[2] <= 44
    assert delays[3] == 5.0
    assert delays[4] == 5.0
    assert outcomes[2].consecutive_failures == 3
    assert outcomes[3].consecutive_failures == 0


async def test_rate_limit_retry_after_is_a_floor():
    clock = FakeClock()
    probe = Probe(clock)
    probe.errors = [RateLimited("slow down", backend="src", retry_after=90)]
    outcomes = []
    loop = loop_for(probe, clock, outcomes)
    await loop.poll_once()
    assert outcomes[0].next_delay == 90


async def test_refresh_cuts_the_wait_short():
    clock = FakeClock()
    probe = Probe(clock)
    outcomes = []
    loop = loop_for(probe, clock, outcomes, interval=300)
    loop.start()
    await clock.advance(1)
    assert len(probe.started) == 1
    loop.refresh()
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(probe.started) == 2
    await loop.stop()


async def test_unexpected_exception_becomes_bad_response():
    clock = FakeClock()
    probe = Probe(clock)
    probe.errors = [KeyError("workflow_runs")]
    outcomes = []
    await loop_for(probe, clock, outcomes).poll_once()
    assert outcomes[0].error is not None
    assert "unexpected KeyError" in outcomes[0].error.message


async def test_timeout_is_reported():
    clock = FakeClock()

    async def hang():
        await asyncio.sleep(3600)

    outcomes = []
    loop = PollLoop(
        "src",
        hang,
        interval=5,
        timeout=0.01,
        max_backoff=60,
        clock=clock,
        on_outcome=outcomes.append,
    )
    await loop.poll_once()
    assert outcomes[0].error.title == "Backend timed out"
