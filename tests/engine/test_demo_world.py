"""The real engine and adapters against the simulated world, with both clocks under test
control: the bad canary fails with its explanation, the canary with missing data turns
inconclusive, and a pause countdown runs down to zero as the world moves on."""

import re
from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Attention, StageName, VerdictLevel
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer
from tests.support.clock import FakeClock

T0 = 1_800_000_000.0


class World:
    def __init__(self):
        self.now = T0

    def clock(self):
        return self.now


@pytest.fixture
async def cockpit():
    world = World()
    server = DemoServer(clock=world.clock)
    url = server.start()
    # The world runs on a settable clock: lists read each jump at once (no watch).
    config = parse_config(demo_config_text(url, watch=False), "<demo>", kinds=adapter_kinds())
    clock = FakeClock(start=datetime.fromtimestamp(T0, UTC))
    engine = Engine(config, build_adapters(config, {}), clock=clock)
    try:
        yield world, clock, engine
    finally:
        await engine.stop()
        server.stop()


async def step(world, clock, engine, seconds):
    world.now += seconds
    await clock.advance(seconds)
    return await engine.poll_once()


async def test_bad_canary_and_missing_data(cockpit):
    _world, _clock, engine = cockpit
    snap = await engine.poll_once()
    payments = snap.release("payments")
    assert payments.verdict.level is VerdictLevel.FAILING
    assert re.match(
        r"5xx ratio \d+\.\d% > 5\.0% — \d+ failures, over the limit of 2", payments.verdict.reason
    )
    assert payments.attention is Attention.FAILING
    notifications = snap.release("notifications")
    assert notifications.verdict.level is VerdictLevel.INCONCLUSIVE
    assert "5xx ratio: no data" in notifications.verdict.reason
    assert notifications.attention is Attention.WAITING


async def test_pause_countdown_reaches_zero_when_the_world_resumes(cockpit):
    world, clock, engine = cockpit
    await engine.poll_once()
    await step(world, clock, engine, 40)  # checkout's CI takes about 40 s
    countdowns = []
    steps = []
    for _ in range(20):
        snap = await step(world, clock, engine, 4)
        checkout = snap.release("checkout")
        rollout = checkout.rollout
        detail = checkout.stage(StageName.DEPLOY).text(snap.taken_at)
        found = re.search(r"next step in (\d+)s", detail)
        if found:
            countdowns.append(int(found.group(1)))
            steps.append(rollout.step_index)
        elif countdowns:
            break
    assert len(countdowns) >= 5, countdowns
    assert countdowns == sorted(countdowns, reverse=True)
    assert countdowns[-1] <= 4
    # Once the countdown has run out the rollout has moved on to its next step.
    assert checkout.rollout.step_index > steps[-1]


async def test_github_is_read_over_graphql_and_its_budget_reaches_the_sources(cockpit):
    _world, _clock, engine = cockpit
    snap = await engine.poll_once()
    github = next(s for s in snap.sources if s.name == "github")
    assert github.note.startswith("GraphQL: ")
    assert "points left" in github.note
    assert github.rate_limit_remaining is not None
    assert github.rate_limit_remaining < 5000
    assert snap.release("checkout").ci_run is not None
