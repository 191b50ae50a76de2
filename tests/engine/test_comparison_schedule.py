"""A canary comparison that finds no canary data is tried again at its interval, not at
every poll: each try is a range query over the whole window."""

from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain import AlertMatcher
from release_cockpit.domain.rollout import RolloutPhase
from release_cockpit.domain.signal_rules import Baseline
from release_cockpit.engine.engine import Engine
from tests.support.builders import rollout
from tests.support.clock import FakeClock
from tests.support.fakes import make_adapters, make_config, rule


def comparison_config():
    config = make_config(services=("checkout",), ci_backend=("github",))
    compare = replace(
        rule("checkout"),
        name="p99 canary vs stable",
        interval=timedelta(seconds=10),
        baseline=Baseline(
            canary=(AlertMatcher("track", "=", "canary"),),
            baseline=(AlertMatcher("track", "=", "stable"),),
            window=timedelta(minutes=5),
        ),
    )
    line = replace(config.services["checkout"], signals=(compare,))
    return replace(config, services={"checkout": line})


async def test_no_canary_data_is_asked_about_again_only_at_the_signal_interval():
    config = comparison_config()
    adapters = make_adapters(config)
    asked = []

    async def no_canary(query, start, end, step_seconds):
        asked.append(end)
        return ()

    adapters["prometheus"].query_range = no_canary
    adapters["cluster"].states[("prod", "checkout")] = rollout(  # no canary takes traffic
        name="checkout", phase=RolloutPhase.HEALTHY, stable_revision="7", canary_revision="7"
    )
    clock = FakeClock()
    engine = Engine(config, adapters, clock=clock)
    loop = engine.loops["prometheus"]
    try:
        await engine.poll_once()
        assert len(asked) == 1
        (signal,) = engine.snapshot.releases[0].signals
        assert signal.not_compared.startswith("no canary data")
        for _ in range(3):  # polls every 2 s, before the 10 s interval is up
            await clock.advance(2)
            await loop.poll_once()
        assert len(asked) == 1
        await clock.advance(4)
        await loop.poll_once()
        assert len(asked) == 2  # 10 s after the last try
    finally:
        await engine.stop()
