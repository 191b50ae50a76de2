"""What the snapshot builder rebuilds when only the clock moves."""

from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain import StageName, StageState
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.snapshot_builder import TIME_REFRESH
from tests.support.builders import promoted
from tests.support.clock import START, FakeClock
from tests.support.fakes import make_adapters, make_config


def soaking_engine(finished_minutes_ago: int) -> Engine:
    """One release three minutes into its ten-minute soak; its sources stay fresh for an
    hour, so only the clock can change what it shows."""
    config = make_config(services=("checkout",), ci_backend=("github",))
    config = replace(config, polling=replace(config.polling, stale_after=timedelta(hours=1)))
    adapters = make_adapters(config)
    adapters["cluster"].states[("prod", "checkout")] = promoted(finished_minutes_ago)
    return Engine(config, adapters, clock=FakeClock())


def rebuilt(engine: Engine, seconds: float) -> list[str]:
    """The keys the builder rebuilds ``seconds`` after the start, snapshot published."""
    builder = engine.builder
    now = START + timedelta(seconds=seconds)
    batch = builder.prepare(now)
    if batch is None:
        return []
    builder.finish(builder.build(batch))
    return [job.key for job in batch.jobs]


async def test_a_countdown_is_read_when_shown_and_rebuilds_nothing_until_it_runs_out():
    engine = soaking_engine(finished_minutes_ago=3)
    snap = await engine.poll_once()
    monitor = snap.release("checkout").stage(StageName.MONITOR)
    assert monitor.state is StageState.RUNNING
    assert monitor.text(START) == "soak 7m00s left"
    assert monitor.text(START + timedelta(seconds=75)) == "soak 5m45s left"
    # One rebuild with the same inputs shows its texts do not follow the clock...
    assert rebuilt(engine, TIME_REFRESH) == ["checkout"]
    # ...and after that the clock alone rebuilds nothing while the soak runs.
    for seconds in (2 * TIME_REFRESH, 60, 300, 419):
        assert rebuilt(engine, seconds) == []
    wake = engine.builder.next_wake(START + timedelta(seconds=60))
    assert wake is not None
    assert abs(wake - 360) < 0.1  # at the soak's end, not before
    # When the soak runs out the release is built again and shows it.
    assert rebuilt(engine, 420.01) == ["checkout"]
    done = engine.store.last.release("checkout").stage(StageName.MONITOR)
    assert (done.state, done.detail) == (StageState.PASSED, "soak complete")
    await engine.stop()


async def test_new_inputs_are_checked_for_the_clock_only_when_they_could_bring_it_in():
    from release_cockpit.domain import Alert

    engine = soaking_engine(finished_minutes_ago=3)
    engine._publish_soon = lambda: None  # this test builds by hand (``rebuilt``)
    adapters, clock = engine.adapters, engine.clock
    await engine.poll_once()
    assert rebuilt(engine, TIME_REFRESH) == ["checkout"]  # the first check: steady

    async def poll(source: str, at: float) -> None:
        await clock.advance(at - (clock.now() - START).total_seconds())
        await engine.loops[source].poll_once()

    # A new measurement: rebuilt for it, and not checked again five seconds later.
    adapters["prometheus"].values["ratio:checkout"] = 0.004
    await poll("prometheus", 6)
    assert rebuilt(engine, 6) == ["checkout"]
    assert rebuilt(engine, 6 + TIME_REFRESH) == []
    # An alert starts firing: its "firing for 1m" follows the clock, so the release is
    # checked again and then refreshed while it fires.
    adapters["alertmanager"].current = (
        Alert("HighErrorRate", "critical", "5xx up", (("service", "checkout"),), starts_at=START),
    )
    await poll("alertmanager", 12)
    assert rebuilt(engine, 12) == ["checkout"]
    assert "firing for 12s" in engine.store.last.release("checkout").verdict.reason
    assert rebuilt(engine, 12 + TIME_REFRESH) == ["checkout"]
    assert rebuilt(engine, 12 + 2 * TIME_REFRESH) == ["checkout"]
    assert "firing for 22s" in engine.store.last.release("checkout").verdict.reason
    await engine.stop()


def test_a_ticked_checklist_item_may_bring_the_clock_in():
    from release_cockpit.domain.checklist import ChecklistItem, Tick, build_checklist
    from release_cockpit.engine.snapshot_builder import clock_signature
    from tests.support.world import failing_canary

    items = (ChecklistItem("Migration reviewed"), ChecklistItem("Support told"))
    release = failing_canary()
    none = replace(release, checklist=build_checklist(items, {}, {}, START))
    ticks = {"Support told": Tick("Support told", "alice", START)}
    ticked = replace(release, checklist=build_checklist(items, ticks, {}, START))
    assert "ticked by alice 0s ago" in [i.detail for i in ticked.checklist.items]
    assert clock_signature(ticked) != clock_signature(none)  # "0s ago" will read "1m ago"


async def test_the_release_window_closing_rebuilds_the_release_when_it_closes():
    config = make_config(services=("checkout",), ci_backend=("github",))
    config = replace(config, polling=replace(config.polling, stale_after=timedelta(hours=1)))
    closes = START + timedelta(seconds=60)
    line = replace(config.services["checkout"], window_end=closes)
    config = replace(config, services={"checkout": line})
    engine = Engine(config, make_adapters(config), clock=FakeClock())
    snap = await engine.poll_once()
    assert snap.release("checkout").stage(StageName.PLAN).state is StageState.PASSED
    rebuilt(engine, TIME_REFRESH)  # the first check: the release does not follow the clock
    assert rebuilt(engine, 59) == []
    wake = engine.builder.next_wake(START + timedelta(seconds=30))
    assert wake is not None
    assert abs(wake - 30) < 0.1
    assert rebuilt(engine, 60.01) == ["checkout"]
    plan = engine.store.last.release("checkout").stage(StageName.PLAN)
    assert (plan.state, plan.detail) == (StageState.WAITING, "release window closed")
    await engine.stop()
