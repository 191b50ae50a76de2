"""CI actions on the audited path end to end: the real engine with the GitLab and Jenkins
adapters against the simulated world (its GitLab and Jenkins lines wait for a person)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Action, RunStatus
from release_cockpit.domain.action_status import ActionPhase
from release_cockpit.domain.audit import Outcome
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.release_lines import CI_FAMILIES
from release_cockpit_demo.server import DemoServer
from tests.support.clock import FakeClock
from tests.support.db import database_at

T0 = 1_800_000_000.0


class WorldClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def engine(tmp_path):
    world = WorldClock()
    server = DemoServer(clock=world, families=CI_FAMILIES)
    url = server.start()
    config = parse_config(
        demo_config_text(url, families=CI_FAMILIES), "<demo>", kinds=adapter_kinds()
    )
    clock = FakeClock(start=datetime.fromtimestamp(T0, UTC))
    database = database_at(tmp_path / "audit.db", clock=clock.now, user="ana", host="bastion")
    built = Engine(config, build_adapters(config, {}), clock=clock, database=database)
    try:
        await built.poll_once()
        yield built
    finally:
        await built.stop()
        database.close()
        server.stop()


def release(engine: Engine, key: str):
    assert engine.snapshot is not None
    found = engine.snapshot.release(key)
    assert found is not None
    return found


async def test_approving_the_gitlab_manual_job_is_audited_and_confirmed(engine):
    controls = engine.controls
    assert engine.snapshot is not None
    assert engine.snapshot.available("billing", Action.APPROVE)
    plan = controls.check("billing", Action.APPROVE)
    assert plan.type_to_confirm  # production
    assert plan.target == "play job deploy-production of acme/billing"
    assert plan.effect.startswith("GitLab starts manual job 'deploy-production' (stage deploy)")
    outcome = await controls.run(plan, "billing")
    assert outcome.ok, outcome.text
    [entry] = await controls.stored.entries()
    assert entry.outcome is Outcome.SUCCEEDED
    assert entry.requests[0].startswith("POST /api/v4/projects/acme%2Fbilling/jobs/")
    assert entry.requests[0].endswith("/play")
    await engine.poll_once()
    after = release(engine, "billing")
    assert after.ci_run is not None
    assert after.ci_run.status is RunStatus.RUNNING
    assert after.action is not None
    assert after.action.phase is ActionPhase.CONFIRMED


@pytest.mark.parametrize(
    ("action", "status"),
    [(Action.APPROVE, RunStatus.RUNNING), (Action.REJECT, RunStatus.CANCELLED)],
)
async def test_answering_the_jenkins_input_is_audited_and_confirmed(engine, action, status):
    controls = engine.controls
    plan = controls.check("warehouse", action)
    assert not plan.type_to_confirm  # staging
    assert plan.target.startswith("input 'Deploy 0.10.0 to staging?' of acme/warehouse #")
    outcome = await controls.run(plan, None)
    assert outcome.ok, outcome.text
    [entry] = await controls.stored.entries()
    verb = "proceedEmpty" if action is Action.APPROVE else "abort"
    assert entry.requests[0].endswith(f"/{verb}")
    await engine.poll_once()
    after = release(engine, "warehouse")
    assert after.ci_run is not None
    assert after.ci_run.status is status
    assert after.action is not None
    assert after.action.phase is ActionPhase.CONFIRMED
