import asyncio

from release_cockpit.domain import Attention, SourceState, StageName, StageState, VerdictLevel
from release_cockpit.engine.engine import Engine
from release_cockpit.errors import Unreachable
from tests.support.clock import FakeClock
from tests.support.fakes import make_adapters, make_config


def engine_for(config, adapters=None, clock=None):
    adapters = adapters or make_adapters(config)
    return Engine(config, adapters, clock=clock or FakeClock()), adapters


async def test_poll_once_builds_every_release():
    engine, _ = engine_for(make_config())
    snap = await engine.poll_once()
    assert {r.key for r in snap.releases} == {"checkout", "payments"}
    rel = snap.release("checkout")
    assert rel.version == "2.8.0"
    assert [s.state for s in rel.stages][:5] == [
        *[StageState.PASSED] * 3,
        StageState.SKIPPED,  # no pre-release jobs configured
        StageState.RUNNING,
    ]
    assert rel.stage(StageName.PLAN).detail == "7 commits"
    assert rel.signals[0].value_text == "0.3%"
    assert rel.verdict.level is VerdictLevel.OK
    assert {s.name: s.state for s in snap.sources} == {
        "github": SourceState.OK,
        "cluster": SourceState.OK,
        "prometheus": SourceState.OK,
        "alertmanager": SourceState.OK,
    }
    await engine.stop()


async def test_bad_signal_turns_failing_with_reason():
    config = make_config()
    engine, adapters = engine_for(config)
    clock = engine.clock
    adapters["prometheus"].values["ratio:payments"] = 0.079
    await engine.start()
    await clock.advance(16)
    await engine.stop()
    rel = engine.snapshot.release("payments")
    assert rel.verdict.level is VerdictLevel.FAILING
    assert rel.verdict.reason.startswith("5xx ratio 7.9% > 5.0%")
    assert rel.attention is Attention.FAILING
    assert engine.snapshot.releases[0].key == "payments"  # needs attention first
    assert engine.snapshot.release("checkout").verdict.level is VerdictLevel.OK


async def test_failing_source_marks_only_its_releases_stale():
    config = make_config(ci_backend=("github", "gitlab"))
    engine, adapters = engine_for(config)
    clock = engine.clock
    seen = []
    engine.subscribe(seen.append)
    await engine.start()
    await clock.advance(6)
    adapters["gitlab"].fail = Unreachable("connection refused", backend="gitlab")
    await clock.advance(40)
    snap = engine.snapshot
    checkout, payments = snap.release("checkout"), snap.release("payments")
    assert checkout.verdict.level is VerdictLevel.OK
    assert payments.verdict.level is VerdictLevel.UNKNOWN
    assert "gitlab data" in payments.verdict.reason
    assert "connection refused" in payments.verdict.reason
    gitlab = next(s for s in snap.sources if s.name == "gitlab")
    assert gitlab.state is SourceState.DOWN
    assert gitlab.consecutive_failures >= 2
    github = next(s for s in snap.sources if s.name == "github")
    assert github.state is SourceState.OK
    calls_while_down = adapters["gitlab"].calls
    # recovery needs no restart
    adapters["gitlab"].fail = None
    await clock.advance(130)
    assert adapters["gitlab"].calls > calls_while_down
    assert engine.snapshot.release("payments").verdict.level is VerdictLevel.OK
    await engine.stop()
    # Subscribers saw the outage and the recovery, in order; outcomes arriving together
    # share one snapshot (in fake time the loop's coalescing timer never fires between
    # steps, so each read of ``snapshot`` publishes what came since).
    levels = [s.release("payments").verdict.level for s in seen]
    assert VerdictLevel.UNKNOWN in levels
    assert levels[-1] is VerdictLevel.OK
    assert levels.index(VerdictLevel.UNKNOWN) < len(levels) - 1
    assert [s.generation for s in seen] == sorted({s.generation for s in seen})


async def test_slow_source_does_not_block_others():
    config = make_config()
    engine, adapters = engine_for(config)
    adapters["alertmanager"].gate = asyncio.Event()  # never answers
    clock = engine.clock
    await engine.start()
    await clock.advance(20)
    assert adapters["github"].calls >= 3
    assert adapters["alertmanager"].max_in_flight == 1
    await engine.stop()


async def test_missing_rollout_is_reported_for_that_release_only():
    config = make_config()
    engine, adapters = engine_for(config)
    del adapters["cluster"].states[("prod", "payments")]
    snap = await engine.poll_once()
    cluster = next(s for s in snap.release("payments").sources if s.name == "cluster")
    assert "rollout prod/payments not found" in cluster.error
    assert snap.release("payments").stage(StageName.DEPLOY).state is StageState.UNKNOWN
    assert snap.release("checkout").stage(StageName.DEPLOY).state is StageState.RUNNING
    await engine.stop()


async def test_unsubscribe():
    engine, _ = engine_for(make_config())
    seen = []
    unsubscribe = engine.subscribe(seen.append)
    engine.publish()
    unsubscribe()
    engine.publish()
    assert len(seen) == 1


async def test_alerts_from_a_source_that_is_down_say_so_and_no_timer_runs():
    from release_cockpit.domain import Alert

    config = make_config()
    engine, adapters = engine_for(config)
    clock = engine.clock
    adapters["alertmanager"].current = (
        Alert(
            "HighErrorRate", "critical", "5xx up", (("service", "payments"),), starts_at=clock.now()
        ),
    )
    await engine.start()
    await clock.advance(6)
    payments = engine.snapshot.release("payments")
    assert payments.alerts_as_of == ""
    assert "firing for" in payments.verdict.reason
    adapters["alertmanager"].fail = Unreachable("connection refused", backend="alertmanager")
    await clock.advance(12)
    payments = engine.snapshot.release("payments")
    assert payments.alerts  # the last alerts known are still shown...
    assert payments.alerts_as_of.startswith("as of ")  # ...marked with when and why
    assert payments.alerts_as_of.endswith("alertmanager down")
    assert "firing for" not in payments.verdict.reason
    assert payments.verdict.level is not VerdictLevel.OK
    await engine.stop()


async def test_a_jump_of_the_system_clock_is_said_once_and_never_a_verdict():
    clock = FakeClock()
    engine, _ = engine_for(make_config(), clock=clock)
    before = await engine.poll_once()
    clock.jumped = 2 * 3600.0
    after = await engine.poll_once()
    assert before.clock_note == ""
    assert after.clock_note.startswith("system clock jumped +2h00m")
    assert [r.verdict for r in after.releases] == [r.verdict for r in before.releases]
    clock.jumped = 0.0
    assert (await engine.poll_once()).clock_note == after.clock_note  # said, and kept
    await engine.stop()


async def test_the_first_cycle_polls_in_order_and_later_cycles_all_at_once():
    """Deploy, then CI, then health the first time (each needs what the previous read);
    once every source has answered, a cycle lasts as long as its slowest source."""
    engine, _ = engine_for(make_config())
    events: list[tuple[str, str]] = []
    for name, loop in engine.loops.items():
        original = loop.poll_once

        async def recorded(original=original, name=name):
            events.append(("start", name))
            await asyncio.sleep(0)  # let the others start, if they are allowed to
            outcome = await original()
            events.append(("end", name))
            return outcome

        loop.poll_once = recorded
    seen = []
    engine.subscribe(seen.append)
    await engine.poll_once()
    assert events.index(("end", "cluster")) < events.index(("start", "github"))
    assert events.index(("end", "github")) < events.index(("start", "prometheus"))
    events.clear()
    seen.clear()
    await engine.poll_once()
    starts = [i for i, (what, _) in enumerate(events) if what == "start"]
    ends = [i for i, (what, _) in enumerate(events) if what == "end"]
    assert len(starts) == len(engine.loops)
    assert max(starts) < min(ends)
    assert len(seen) == 1  # one picture per cycle, at its end
    await engine.stop()
