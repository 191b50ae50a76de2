import asyncio

from release_cockpit.domain import SourceState
from release_cockpit.engine.engine import Engine
from tests.support.clock import FakeClock
from tests.support.fakes import make_adapters, make_config


def engine_for(config):
    adapters = make_adapters(config)
    return Engine(config, adapters, clock=FakeClock()), adapters


async def test_a_hung_source_is_late_at_once_not_ok_until_its_data_goes_stale():
    config = make_config()
    engine, adapters = engine_for(config)
    clock = engine.clock
    await engine.start()
    await clock.advance(6)
    prometheus = next(s for s in engine.snapshot.sources if s.name == "prometheus")
    assert prometheus.state is SourceState.OK
    adapters["prometheus"].gate = asyncio.Event()  # stops answering (SIGSTOP)
    await clock.advance(11)  # the next poll (at 10 s) has waited longer than its 5 s interval
    prometheus = next(s for s in engine.snapshot.sources if s.name == "prometheus")
    assert prometheus.state is SourceState.LATE
    assert prometheus.polling_since is not None
    chips = {s.name: s.state for s in engine.snapshot.release("checkout").sources}
    assert chips["prometheus"] is SourceState.LATE
    adapters["prometheus"].gate.set()
    await engine.stop()
