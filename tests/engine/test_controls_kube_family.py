"""The action path for the other deploy controllers, end to end against the simulated world:
a Deployment paused (and a stale resourceVersion refused), an Argo Rollout promoted through
Argo CD's resource actions, a Flagger canary promoted through its load tester's gate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Action, RolloutPhase
from release_cockpit.domain.action_status import ActionPhase
from release_cockpit.domain.audit import Outcome
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer
from tests.support.clock import FakeClock
from tests.support.db import database_at

T0 = 1_800_000_000.0


class Cockpit:
    """The engine, its fake clock and the world's clock, moved together or apart."""

    def __init__(self, engine: Engine, clock: FakeClock) -> None:
        self.engine = engine
        self.clock = clock
        self.world_now = T0

    def world(self) -> float:
        return self.world_now

    async def step(self, seconds: float) -> None:
        self.world_now += seconds
        await self.clock.advance(seconds)
        await self.engine.poll_once()

    def release(self, key: str):
        snapshot = self.engine.snapshot
        assert snapshot is not None
        found = snapshot.release(key)
        assert found is not None
        return found


@pytest.fixture
async def cockpit(tmp_path) -> AsyncIterator[Cockpit]:
    clock = FakeClock(start=datetime.fromtimestamp(T0, UTC))
    holder: list[Cockpit] = []
    server = DemoServer(clock=lambda: holder[0].world_now if holder else T0)
    url = server.start()
    # The world runs on a settable clock: lists read each jump at once (no watch).
    config = parse_config(demo_config_text(url, watch=False), "<demo>", kinds=adapter_kinds())
    database = database_at(tmp_path / "audit.db", clock=clock.now, user="ana", host="bastion")
    engine = Engine(config, build_adapters(config, {}), clock=clock, database=database)
    holder.append(Cockpit(engine, clock))
    try:
        await engine.poll_once()
        yield holder[0]
    finally:
        await engine.stop()
        database.close()
        server.stop()


async def test_a_deployment_is_paused_through_the_audited_path(cockpit):
    controls = cockpit.engine.controls
    plan = controls.check("inventory", Action.PAUSE)
    assert plan.target == "deployment warehouse/inventory"
    assert "as `kubectl rollout pause` does" in plan.effect
    assert "if anyone changes the Deployment first, Kubernetes refuses it" in plan.effect
    outcome = await controls.run(plan, "inventory")
    assert outcome.ok, outcome.text
    [entry] = await controls.stored.entries()
    assert entry.outcome is Outcome.SUCCEEDED
    assert entry.requests == ("PATCH /apis/apps/v1/namespaces/warehouse/deployments/inventory",)
    await cockpit.step(2)
    paused = cockpit.release("inventory")
    assert paused.rollout is not None
    assert paused.rollout.phase is RolloutPhase.PAUSED
    assert paused.action is not None
    assert paused.action.phase is ActionPhase.CONFIRMED


async def test_a_deployment_changed_since_the_poll_is_not_overwritten(cockpit):
    controls = cockpit.engine.controls
    plan = controls.check("inventory", Action.PAUSE)
    cockpit.world_now += 12  # the rolling update moves on before anyone polls again
    outcome = await controls.run(plan, "inventory")
    assert not outcome.ok
    assert "changed since you looked (409 Conflict): nothing was applied" in outcome.text
    [entry] = await controls.stored.entries()
    assert entry.outcome is Outcome.FAILED
    await cockpit.step(0)
    rollout = cockpit.release("inventory").rollout
    assert rollout is not None
    assert rollout.phase is not RolloutPhase.PAUSED


async def test_argo_cd_promotes_the_rollout_it_manages(cockpit):
    controls = cockpit.engine.controls
    waiting = cockpit.release("orders")
    assert waiting.rollout is not None
    assert waiting.rollout.phase is RolloutPhase.PAUSED
    plan = controls.check("orders", Action.PROMOTE)
    assert plan.target == "rollout orders/orders (application orders)"
    assert "runs Argo CD's 'resume' resource action" in plan.effect
    outcome = await controls.run(plan, "orders")
    assert outcome.ok, outcome.text
    [entry] = await controls.stored.entries()
    assert entry.requests == (
        "GET /api/v1/applications/orders/resource/actions",
        "POST /api/v1/applications/orders/resource/actions/v2",
    )
    await cockpit.step(2)
    moving = cockpit.release("orders")
    assert moving.rollout is not None
    assert moving.rollout.phase is not RolloutPhase.PAUSED


async def test_flagger_promotes_through_the_load_testers_gate(cockpit):
    await cockpit.step(30)  # the canary reaches its confirm-promotion gate
    gate = cockpit.release("gateway")
    assert gate.rollout is not None
    assert gate.rollout.phase is RolloutPhase.PAUSED
    controls = cockpit.engine.controls
    plan = controls.check("gateway", Action.PROMOTE)
    assert "the gate stays open for later releases until it is closed" in plan.effect
    outcome = await controls.run(plan, "gateway")
    assert outcome.ok, outcome.text
    [entry] = await controls.stored.entries()
    assert entry.requests[-1].startswith("POST http://127.0.0.1:")
    assert entry.requests[-1].endswith("/loadtester/gate/open")
    await cockpit.step(2)
    promoted = cockpit.release("gateway")
    assert promoted.rollout is not None
    assert promoted.rollout.phase is not RolloutPhase.PAUSED
