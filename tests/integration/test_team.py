"""A team on one real PostgreSQL: one cockpit polls each backend for all, another takes
over when it dies, two people cannot act on one rollout at once, and the audit is shared."""

from __future__ import annotations

import asyncio

import pytest

from release_cockpit.domain import Action
from release_cockpit.domain.audit import Outcome
from release_cockpit.engine.poll_coordinator import Role
from release_cockpit.errors import ActionRefused
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer
from tests.support.team import member, wait_for

pytestmark = [pytest.mark.integration]


@pytest.fixture
def world_config():
    server = DemoServer()
    url = server.start()
    yield demo_config_text(url)
    server.stop()


async def test_one_polls_for_both_and_the_other_takes_over_when_it_dies(world_config, pg_target):
    alice = await member(world_config, pg_target, "alice")
    bob = await member(world_config, pg_target, "bob")
    try:
        await alice.engine.start()
        await wait_for(lambda: alice.roles() == {Role.LEADING}, "alice leading every backend")
        await bob.engine.start()
        await wait_for(lambda: bob.roles() == {Role.FOLLOWING}, "bob following")

        def bob_sees_payments() -> bool:
            snapshot = bob.engine.snapshot
            return snapshot is not None and snapshot.release("payments").version is not None

        await wait_for(bob_sees_payments, "bob's board filled from alice's polls")
        assert bob.transport.requests == 0
        sources = bob.engine.snapshot.sources
        assert all(
            s.team_text(s.polled_at or s.updated_at).startswith("polled by alice")
            for s in sources
            if s.polled_at
        )
        assert any(s.polled_by == "alice" for s in sources)

        # alice's process dies: its connections drop (PostgreSQL frees its locks), its
        # loops stop with it.
        coordinator = alice.engine.team.coordinator
        for task in coordinator._tasks:
            task.cancel()
        await asyncio.gather(*coordinator._tasks, return_exceptions=True)
        coordinator._tasks.clear()
        pid = (await coordinator._db("SELECT pg_backend_pid()"))[0][0]
        await bob.engine.team.coordinator._db("SELECT pg_terminate_backend(%s)", pid)
        await asyncio.gather(*(loop.stop() for loop in alice.engine.loops.values()))
        taken = await wait_for(lambda: bob.roles() == {Role.LEADING}, "bob taking over", 15)
        assert taken < 2 * 2.0 + 1.0  # two of the fastest interval, plus a tick
        before = bob.transport.requests
        await wait_for(lambda: bob.transport.requests > before, "bob polling")
    finally:
        await bob.close()
        await alice.close()


async def test_a_second_person_is_refused_naming_who_acts(world_config, pg_target):
    alice = await member(world_config, pg_target, "alice")
    bob = await member(world_config, pg_target, "bob")
    try:
        await alice.engine.poll_once()
        await bob.engine.poll_once()
        adapter = alice.engine.adapters["cluster"]
        gate = asyncio.Event()
        act = adapter.act

        async def slow_act(*args, **kwargs):
            await gate.wait()
            return await act(*args, **kwargs)

        adapter.act = slow_act  # type: ignore[method-assign]
        plan = alice.engine.controls.check("payments", Action.ABORT)
        typed = plan.service if plan.type_to_confirm else None
        running = asyncio.create_task(alice.engine.controls.run(plan, typed))
        await wait_for(lambda: bool(alice.engine.controls._busy), "alice's call in flight")
        await asyncio.sleep(0.2)
        with pytest.raises(ActionRefused) as refused:
            await bob.engine.controls.run(
                bob.engine.controls.check("payments", Action.ABORT), typed
            )
        assert refused.value.rule == "one action at a time"
        assert refused.value.message.startswith("alice is aborting payments (started ")
        # bob's audit screen shows alice's call as in flight, not as "outcome unknown".
        entries = await bob.engine.audit_entries()
        assert [(e.who, e.outcome) for e in entries] == [
            ("bob", Outcome.REFUSED),
            ("alice", Outcome.IN_FLIGHT),
        ]
        gate.set()
        outcome = await running
        assert outcome.ok, outcome.text
        entries = await bob.engine.audit_entries()
        assert [(e.who, e.outcome) for e in entries] == [
            ("bob", Outcome.REFUSED),
            ("alice", Outcome.SUCCEEDED),
        ]
        report = await asyncio.to_thread(bob.database.audit.verify)
        assert report.intact
        assert report.records == 3
    finally:
        await bob.close()
        await alice.close()
