"""Signals of many release lines that share a query template cost one request per poll."""

import dataclasses

from release_cockpit.adapters.query_results import QueryResult, Sample
from release_cockpit.domain import Outcome
from release_cockpit.engine.engine import Engine
from release_cockpit.errors import Unreachable
from tests.support.clock import FakeClock
from tests.support.fakes import FakeHealth, make_adapters, make_config

TEMPLATE = 'sum by (service) (rate(errors{service=~"$service"}[1m]))'


class BatchingHealth(FakeHealth):
    """A health source with the batched side: one call answers every service."""

    def __init__(self):
        super().__init__()
        self.batches = []

    async def query_services(self, template, services, at=None):
        await self._enter()
        self.batches.append((template, tuple(services)))
        return {
            s: QueryResult("vector", (Sample({"service": s}, self.values.get(s, 0.01), 0.0),))
            for s in services
        }

    async def query_range_services(self, template, services, start, end, step_seconds):
        return dict.fromkeys(services, ())


def templated(config, template=TEMPLATE):
    services = {
        key: dataclasses.replace(
            svc, signals=tuple(dataclasses.replace(r, query=template) for r in svc.signals)
        )
        for key, svc in config.services.items()
    }
    return dataclasses.replace(config, services=services)


async def poll(config, health):
    adapters = {**make_adapters(config), "prometheus": health}
    engine = Engine(config, adapters, clock=FakeClock())
    try:
        snapshot = await engine.poll_once()
    finally:
        await engine.stop()
    return engine, snapshot


async def test_one_query_measures_every_line_of_a_template():
    config = templated(make_config(("checkout", "payments", "search"), ("github",) * 3))
    health = BatchingHealth()
    health.values = {"payments": 0.09}
    engine, _ = await poll(config, health)
    assert health.batches == [(TEMPLATE, ("checkout", "payments", "search"))]
    assert health.calls == 1
    values = {
        key: engine.store.signal_history(key, svc.signals[0].name).measurements[-1]
        for key, svc in config.services.items()
    }
    assert values["payments"].value == 0.09
    assert values["payments"].outcome is Outcome.FAILED
    assert values["checkout"].outcome is Outcome.SUCCESSFUL


async def test_a_failed_batch_is_an_error_for_every_line_in_it():
    config = templated(make_config())
    health = BatchingHealth()
    health.fail = Unreachable("connection refused", backend="prometheus")
    engine, _ = await poll(config, health)
    for key, svc in config.services.items():
        [measurement] = engine.store.signal_history(key, svc.signals[0].name).measurements
        assert measurement.outcome is Outcome.ERROR
        assert "connection refused" in measurement.error


async def test_a_source_without_batching_gets_the_service_name_per_query():
    config = templated(make_config())
    health = FakeHealth()
    health.values = {TEMPLATE.replace("$service", "payments"): 0.2}
    engine, _ = await poll(config, health)
    assert health.calls == 2
    history = engine.store.signal_history("payments", config.services["payments"].signals[0].name)
    assert history.measurements[-1].value == 0.2


async def test_lines_with_the_same_literal_query_share_one_request():
    config = templated(make_config(), template="sum(rate(errors[1m]))")
    health = FakeHealth()
    await poll(config, health)
    assert health.calls == 1
