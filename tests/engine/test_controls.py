"""The action path end to end: the real engine and Argo Rollouts adapter against the
simulated world, with the audit log in a temporary SQLite file."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Action, Policy
from release_cockpit.domain.action_status import ActionPhase
from release_cockpit.domain.action_words import rollout_words
from release_cockpit.domain.actions import plan
from release_cockpit.domain.audit import Outcome
from release_cockpit.domain.checklist import ChecklistItem
from release_cockpit.engine.audit_log import AuditLog
from release_cockpit.engine.database import Database
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.errors import ActionFailed, ActionRefused
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer
from tests.support.clock import FakeClock
from tests.support.db import database_at, off_loop

T0 = 1_800_000_000.0


class World:
    def __init__(self) -> None:
        self.now = T0

    def clock(self) -> float:
        return self.now


@pytest.fixture
def world():
    state = World()
    server = DemoServer(clock=state.clock)
    url = server.start()
    # The world runs on a settable clock: lists read each jump at once (no watch).
    config = parse_config(demo_config_text(url, watch=False), "<demo>", kinds=adapter_kinds())
    try:
        yield state, config
    finally:
        server.stop()


@pytest.fixture
def make_engine(world, tmp_path):
    databases: list[Database] = []
    _state, base = world
    clock = FakeClock(start=datetime.fromtimestamp(T0, UTC))

    def make(*, config=None, read_only: str = "") -> Engine:
        config = config or base
        database = database_at(tmp_path / "audit.db", clock=clock.now, user="ana", host="bastion")
        engine = Engine(
            config, build_adapters(config, {}), clock=clock, database=database, read_only=read_only
        )
        databases.append(database)
        return engine

    # Each test stops the engines it made; the database files are closed here.
    yield make
    for database in databases:
        database.close()


@pytest.fixture
async def engine(make_engine):
    built = make_engine()
    await built.poll_once()
    yield built
    await built.stop()


def rollout_of(engine: Engine, key: str):
    snapshot = engine.snapshot
    assert snapshot is not None
    release = snapshot.release(key)
    assert release is not None
    return release


async def test_abort_is_audited_sent_and_confirmed(engine, world):
    state, _ = world
    controls = engine.controls
    action_plan = controls.check("payments", Action.ABORT)
    assert action_plan.type_to_confirm
    assert action_plan.effect.startswith("traffic goes back to stable 1.12.3")
    outcome = await controls.run(action_plan, "payments")
    assert outcome.ok
    [entry] = await controls.stored.entries()
    assert entry.outcome is Outcome.SUCCEEDED
    assert (entry.user, entry.host, entry.action) == ("ana", "bastion", "abort")
    assert entry.requests == (
        "PATCH /apis/argoproj.io/v1alpha1/namespaces/production/rollouts/payments/status",
    )
    assert entry.parameters["to"].startswith("1.12.3")
    sent = rollout_of(engine, "payments").action
    assert sent is not None
    assert sent.phase is ActionPhase.SENT
    # The same action again before a poll shows it: refused, never queued.
    with pytest.raises(ActionRefused) as again:
        controls.check("payments", Action.ABORT)
    assert again.value.rule == "double press"
    state.now += 2
    await engine.clock.advance(2)
    await engine.poll_once()
    confirmed = rollout_of(engine, "payments")
    assert confirmed.rollout is not None
    assert confirmed.rollout.aborted
    assert confirmed.action is not None
    assert confirmed.action.phase is ActionPhase.CONFIRMED
    assert confirmed.action.text == "abort confirmed by cluster (sent by ana)"


async def test_a_wrong_name_is_refused_and_audited_and_nothing_is_sent(engine):
    controls = engine.controls
    action_plan = controls.check("payments", Action.ABORT)
    with pytest.raises(ActionRefused) as refused:
        await controls.run(action_plan, "payment")
    assert refused.value.rule == "confirmation"
    [entry] = await controls.stored.entries()
    assert entry.outcome is Outcome.REFUSED
    assert "does not match payments" in entry.error
    await engine.poll_once()
    assert not rollout_of(engine, "payments").rollout.aborted


async def test_read_only_is_refused_by_the_action_path_itself(make_engine):
    engine = make_engine(read_only="--read-only")
    try:
        await engine.poll_once()
        assert engine.controls.offers.offered("payments") == frozenset()
        with pytest.raises(ActionRefused) as at_check:
            engine.controls.check("payments", Action.ABORT)
        assert at_check.value.rule == "read-only"
        # A plan made elsewhere (a script, a stale dialog) meets the same rule.
        release = rollout_of(engine, "payments")
        forged = plan(
            release,
            Action.ABORT,
            "cluster",
            rollout_words(release, Action.ABORT),
            type_to_confirm=False,
        )
        with pytest.raises(ActionRefused) as at_run:
            await engine.controls.run(forged, "payments")
        assert at_run.value.rule == "read-only"
        [entry] = await engine.controls.stored.entries()
        assert entry.outcome is Outcome.REFUSED
        await engine.poll_once()
        assert not rollout_of(engine, "payments").rollout.aborted
    finally:
        await engine.stop()


async def test_a_second_press_while_in_flight_is_refused(engine, monkeypatch):
    adapter = engine.adapters["cluster"]
    release_call = asyncio.Event()
    real_act = adapter.act

    async def slow_act(action, ref):
        await release_call.wait()
        return await real_act(action, ref)

    monkeypatch.setattr(adapter, "act", slow_act)
    controls = engine.controls
    action_plan = controls.check("payments", Action.ABORT)
    first = asyncio.create_task(controls.run(action_plan, "payments"))
    await asyncio.sleep(0.05)
    with pytest.raises(ActionRefused) as second:
        await controls.run(controls_plan := action_plan, "payments")
    assert second.value.rule == "one action at a time"
    assert controls_plan is action_plan
    [in_flight, refused] = (await controls.stored.entries())[::-1]
    assert in_flight.outcome is Outcome.IN_FLIGHT
    assert refused.outcome is Outcome.REFUSED
    release_call.set()
    assert (await first).ok


async def test_a_backend_refusal_is_audited_as_failed(engine, monkeypatch):
    async def refuse(action, ref):
        raise ActionFailed("rollouts.argoproj.io payments: conflict", backend="cluster")

    monkeypatch.setattr(engine.adapters["cluster"], "act", refuse)
    controls = engine.controls
    outcome = await controls.run(controls.check("payments", Action.ABORT), "payments")
    assert not outcome.ok
    assert "conflict" in outcome.text
    [entry] = await controls.stored.entries()
    assert entry.outcome is Outcome.FAILED
    assert entry.error == "rollouts.argoproj.io payments: conflict"
    assert entry.duration_ms is not None
    status = rollout_of(engine, "payments").action
    assert status is not None
    assert status.phase is ActionPhase.FAILED
    # The release is free for the next attempt.
    assert controls.check("payments", Action.ABORT).action is Action.ABORT


def hang_mutations(engine, monkeypatch, *, applied=False):
    """The cluster's HTTP client sends mutations and never hears back (the backend applies
    them at once when ``applied``, as a slow API server behind a proxy would)."""
    client = engine.adapters["cluster"].http._client
    send = client.send

    async def slow(request, **kwargs):
        if request.method == "GET":
            return await send(request, **kwargs)
        if applied:
            await send(request, **kwargs)  # applied; the answer is lost
        await asyncio.sleep(30)
        raise AssertionError("the action timeout should have fired")

    monkeypatch.setattr(client, "send", slow)


async def test_a_call_that_never_answers_is_outcome_unknown_with_what_was_sent(
    make_engine, world, monkeypatch
):
    _, base = world
    quick = replace(base, cockpit=replace(base.cockpit, action_timeout=timedelta(seconds=0.2)))
    engine = make_engine(config=quick)
    try:
        await engine.poll_once()
        hang_mutations(engine, monkeypatch)
        controls = engine.controls
        outcome = await controls.run(controls.check("payments", Action.ABORT), "payments")
        assert not outcome.ok
        assert "did not answer within 0.2s: outcome unknown" in outcome.text
        [entry] = await controls.stored.entries()
        assert entry.outcome is Outcome.UNKNOWN
        assert "check the backend before trying again" in entry.error
        [sent] = entry.requests
        assert sent.startswith("PATCH /apis/argoproj.io/")
        assert " -> " not in sent  # no answer came
    finally:
        await engine.stop()


async def test_an_unanswered_call_whose_effect_a_poll_shows_is_confirmed_late(
    make_engine, world, monkeypatch
):
    _, base = world
    quick = replace(base, cockpit=replace(base.cockpit, action_timeout=timedelta(seconds=0.2)))
    engine = make_engine(config=quick)
    monkeypatch.setattr("release_cockpit.engine.controls.LATE_CHECK_EVERY", 0.01)
    try:
        await engine.poll_once()
        hang_mutations(engine, monkeypatch, applied=True)
        controls = engine.controls
        await controls.run(controls.check("payments", Action.ABORT), "payments")
        [entry] = await controls.stored.entries()
        assert entry.outcome is Outcome.UNKNOWN
        state, _ = world
        state.now += 2
        await engine.clock.advance(2)
        await engine.poll_once()
        assert rollout_of(engine, "payments").action.phase is ActionPhase.CONFIRMED
        for _ in range(200):
            [entry] = await controls.stored.entries()
            if entry.outcome is Outcome.SUCCEEDED:
                break
            await asyncio.sleep(0.01)
        assert entry.outcome is Outcome.SUCCEEDED
        assert entry.detail == "confirmed late: a poll of cluster showed the effect"
        assert entry.requests[0].startswith("PATCH /apis/argoproj.io/")
    finally:
        await engine.stop()


async def test_a_call_that_never_started_within_the_timeout_failed_and_sent_nothing(
    make_engine, world, monkeypatch
):
    _, base = world
    quick = replace(base, cockpit=replace(base.cockpit, action_timeout=timedelta(seconds=0.2)))
    engine = make_engine(config=quick)
    try:
        await engine.poll_once()

        async def busy(action, ref):
            await asyncio.sleep(30)  # waiting for a connection slot, say

        monkeypatch.setattr(engine.adapters["cluster"], "act", busy)
        controls = engine.controls
        outcome = await controls.run(controls.check("payments", Action.ABORT), "payments")
        assert "was not called within 0.2s" in outcome.text
        [entry] = await controls.stored.entries()
        assert entry.outcome is Outcome.FAILED
        assert entry.requests == ()
    finally:
        await engine.stop()


async def test_a_crash_during_the_call_leaves_outcome_unknown(make_engine, tmp_path, monkeypatch):
    engine = make_engine()
    try:
        await engine.poll_once()

        async def killed(action, ref):
            raise asyncio.CancelledError  # the process is going away mid-call

        monkeypatch.setattr(engine.adapters["cluster"], "act", killed)
        controls = engine.controls
        with pytest.raises(asyncio.CancelledError):
            await controls.run(controls.check("payments", Action.ABORT), "payments")
    finally:
        await engine.stop()
    reopened = off_loop(AuditLog, tmp_path / "audit.db")
    [entry] = off_loop(reopened.entries)
    assert entry.outcome is Outcome.UNKNOWN
    assert entry.finished_at is None
    assert entry.result_text.startswith("outcome unknown")
    off_loop(reopened.close)


async def test_a_policy_refusal_names_the_rule_and_the_way_on(make_engine, world):
    _, base = world
    policy = Policy("checklist first", require_checklist=frozenset({Action.PROMOTE}))
    services = dict(base.services)
    services["ledger"] = replace(
        services["ledger"], checklist=(ChecklistItem("Migration reviewed"),)
    )
    engine = make_engine(config=replace(base, policies=(policy,), services=services))
    try:
        await engine.poll_once()
        with pytest.raises(ActionRefused) as refused:
            engine.controls.check("ledger", Action.PROMOTE)
        assert refused.value.rule == "policy 'checklist first'"
        assert "missing 'Migration reviewed'" in refused.value.message
        assert "press c" in refused.value.hint
        tick = await engine.controls.tick("ledger", "Migration reviewed", True)
        assert tick.by == "ana"
        assert engine.controls.check("ledger", Action.PROMOTE).action is Action.PROMOTE
    finally:
        await engine.stop()


async def test_checklist_ticks_survive_a_restart(make_engine, world, tmp_path):
    _, base = world
    services = dict(base.services)
    services["ledger"] = replace(
        services["ledger"],
        checklist=(ChecklistItem("Migration reviewed"), ChecklistItem("Support told")),
    )
    config = replace(base, services=services)
    first = make_engine(config=config)
    try:
        await first.poll_once()
        await first.controls.tick("ledger", "Migration reviewed", True)
        assert rollout_of(first, "ledger").checklist.summary == "checklist 1/2"
        with pytest.raises(ActionRefused):
            await first.controls.tick("ledger", "No such item", True)
    finally:
        await first.stop()
    second = make_engine(config=config)
    try:
        await second.poll_once()
        checklist = rollout_of(second, "ledger").checklist
        assert checklist is not None
        assert checklist.summary == "checklist 1/2"
        assert checklist.items[0].by == "ana"
    finally:
        await second.stop()
