"""Idle release lines are asked for their CI runs less often; active ones every poll."""

from release_cockpit.domain import RunStatus
from release_cockpit.domain.rollout import RolloutPhase
from release_cockpit.engine.cadence import MIN_POLL_INTERVAL, idle_interval, is_idle
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.poll_loop import PollLoop
from tests.support.builders import rollout, run
from tests.support.clock import FakeClock
from tests.support.fakes import make_adapters, make_config


def promoted():
    return rollout(
        name="checkout",
        phase=RolloutPhase.HEALTHY,
        stable_revision="7",
        canary_revision="7",
    )


def test_a_line_is_idle_once_ci_finished_and_the_rollout_is_fully_promoted_and_healthy():
    done, running = run(status=RunStatus.SUCCEEDED), run(status=RunStatus.RUNNING)
    assert is_idle((done,), promoted())
    assert is_idle((), None)
    assert not is_idle((running, done), promoted())
    assert not is_idle((done,), rollout(name="checkout", stable_revision="6", canary_revision="7"))


def test_idle_lines_slow_down_but_never_past_half_the_staleness_limit():
    assert idle_interval(5, 30) == 15
    assert idle_interval(5, 300) == 30  # six intervals
    assert idle_interval(5, 4) == 5  # never faster than an active line
    assert idle_interval(0.1, 30) == 6 * MIN_POLL_INTERVAL


def test_no_poll_loop_runs_faster_than_the_floor():
    async def nothing():
        return None

    loop = PollLoop(
        "x", nothing, interval=0.01, timeout=1, max_backoff=5, clock=FakeClock(), on_outcome=print
    )
    assert loop.interval == MIN_POLL_INTERVAL


async def test_idle_repositories_are_skipped_until_their_slower_turn():
    config = make_config()
    adapters = make_adapters(config)
    done = run(status=RunStatus.SUCCEEDED)
    adapters["github"].runs_by_project = {"acme/checkout": (done,), "acme/payments": (done,)}
    adapters["cluster"].states[("prod", "checkout")] = promoted()
    clock = FakeClock()
    engine = Engine(config, adapters, clock=clock)
    loop = engine.loops["github"]
    try:
        await engine.poll_once()
        assert adapters["github"].calls == 2
        await clock.advance(5)
        await loop.poll_once()
        # payments is still rolling out: asked again; checkout is idle: skipped.
        assert adapters["github"].calls == 3
        await clock.advance(2)  # 7 s: under 7.5 s, half the 15 s staleness limit
        await loop.poll_once()
        assert adapters["github"].calls == 4
        await clock.advance(1)
        await loop.poll_once()
        assert adapters["github"].calls == 6
    finally:
        await engine.stop()
