"""The kill switch end to end against the simulated world (``--with flags``): the Unleash
flag of web-shop turned off and on again through the one audited path, a poll confirming
each; web-search's OFREP flag is read and explained, never switched."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Action
from release_cockpit.domain.action_status import ActionPhase
from release_cockpit.domain.audit import Outcome
from release_cockpit.domain.flags import FlagSwitch
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.errors import ActionRefused
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer
from tests.support.clock import FakeClock
from tests.support.db import database_at

T0 = 1_800_000_000.0
SWITCH = "/api/admin/projects/shop/features/checkout-v2/environments/production"


@pytest.fixture
async def cockpit(tmp_path) -> AsyncIterator[tuple[Engine, FakeClock, DemoServer]]:
    clock = FakeClock(start=datetime.fromtimestamp(T0, UTC))
    server = DemoServer(clock=lambda: T0, families=("flags",))
    url = server.start()
    config = parse_config(
        demo_config_text(url, families=("flags",)), "<demo>", kinds=adapter_kinds()
    )
    database = database_at(tmp_path / "audit.db", clock=clock.now, user="ana", host="bastion")
    engine = Engine(config, build_adapters(config, {}), clock=clock, database=database)
    try:
        await engine.poll_once()
        yield engine, clock, server
    finally:
        await engine.stop()
        database.close()
        server.stop()


def flag_of(engine: Engine, key: str):
    snapshot = engine.snapshot
    assert snapshot is not None
    release = snapshot.release(key)
    assert release is not None
    return release, release.flags[0]


async def test_the_kill_switch_goes_through_the_audited_path_and_a_poll_confirms_it(cockpit):
    engine, clock, server = cockpit
    release, flag = flag_of(engine, "web-shop")
    assert flag.summary == "on for 25%"
    controls = engine.controls
    plan = controls.check("web-shop", Action.FLAG_OFF)
    assert plan.backend == "unleash"
    assert plan.target == "flag checkout-v2 in production (Unleash project shop)"
    assert plan.current == "on for 25%"
    assert plan.effect == (
        "turns checkout-v2 off in production for everyone; the code stays deployed"
    )
    assert plan.type_to_confirm  # production: the name is typed
    with pytest.raises(ActionRefused, match="does not match"):
        await controls.run(plan, "web-sho")
    outcome = await controls.run(plan, "web-shop")
    assert outcome.ok, outcome.text
    assert not server.world.flags.enabled[("checkout-v2", "production")]
    assert server.world.flags.enabled[("checkout-v2", "development")]  # one environment only
    entries = await controls.stored.entries()
    done = next(e for e in entries if e.outcome is Outcome.SUCCEEDED)
    assert done.action == "flag-off"
    assert done.requests == (f"POST {SWITCH}/off",)
    assert done.parameters["from"] == "on for 25%"
    assert done.parameters["to"] == "off for everyone"
    assert any(e.outcome is Outcome.REFUSED for e in entries)  # the mistyped name

    await clock.advance(3)
    await engine.poll_once()
    release, flag = flag_of(engine, "web-shop")
    assert flag.switch is FlagSwitch.OFF
    assert flag.summary == "off for everyone"
    assert release.action is not None
    assert release.action.phase is ActionPhase.CONFIRMED
    # Off now: the kill switch does nothing more, flag on does.
    choices = {c.action: c for c in engine.snapshot.choices("web-shop")}  # type: ignore[union-attr]
    assert "already off" in choices[Action.FLAG_OFF].refusal
    assert choices[Action.FLAG_ON].available

    plan = controls.check("web-shop", Action.FLAG_ON)
    assert plan.effect.startswith("turns checkout-v2 on in production")
    outcome = await controls.run(plan, "web-shop")
    assert outcome.ok, outcome.text
    await clock.advance(3)
    await engine.poll_once()
    _, flag = flag_of(engine, "web-shop")
    assert flag.summary == "on for 25%"


async def test_an_ofrep_flag_is_read_and_its_missing_switch_explained(cockpit):
    engine, _, _ = cockpit
    _, flag = flag_of(engine, "web-search")
    assert flag.key == "search-suggestions"
    assert flag.summary == "on, same for everyone"
    snapshot = engine.snapshot
    assert snapshot is not None
    offered = {c.action for c in snapshot.choices("web-search")}
    assert not offered & {Action.FLAG_OFF, Action.FLAG_ON}
    assert "OFREP only evaluates flags" in snapshot.action_note("web-search")
    with pytest.raises(ActionRefused):
        engine.controls.check("web-search", Action.FLAG_OFF)


async def test_a_failed_switch_is_audited_and_said(cockpit):
    engine, _, server = cockpit
    controls = engine.controls
    plan = controls.check("web-shop", Action.FLAG_OFF)
    server.world.flags.flags.pop("checkout-v2")  # deleted in Unleash meanwhile
    outcome = await controls.run(plan, "web-shop")
    assert not outcome.ok
    assert "Unleash refused to turn checkout-v2 off in production" in outcome.text
    entries = await controls.stored.entries()
    assert any(e.outcome is Outcome.FAILED and e.action == "flag-off" for e in entries)
    release, _ = flag_of(engine, "web-shop")
    assert release.action is not None
    assert release.action.phase is ActionPhase.FAILED
