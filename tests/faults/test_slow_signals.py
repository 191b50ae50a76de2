"""A health backend polled more often than its signals are measured still shows its outage.

Between two measurements a poll of such a backend has nothing due and sends no request;
that must not read as a successful poll, or the Sources screen would show a dead
Prometheus as OK most of the time and its backoff would never grow.
"""

from __future__ import annotations

import dataclasses

from release_cockpit.domain import SourceState
from tests.support.fault_backends import PROMETHEUS
from tests.support.fault_catalogue import CASES
from tests.support.fault_server import FaultServer
from tests.support.fault_world import FAULTY, FAULTY_HOST, Drive, build_engine, matrix_config

REFUSED = next(case for case in CASES if case.id == "connection-refused")


async def test_a_down_health_backend_stays_down_between_measurements(peers, resolver):
    entry = dataclasses.replace(PROMETHEUS, section={**PROMETHEUS.section, "interval": "5s"})
    with FaultServer(entry.routes) as faulty:
        resolver.zone[FAULTY_HOST] = faulty
        url = f"http://{FAULTY_HOST}:{faulty.port}"
        config = matrix_config(entry, url, {kind: s.url for kind, s in peers.items()})
        engine = build_engine(config)
        drive = Drive(engine)
        await engine.start()
        try:
            await drive.settle()
            assert drive.source(FAULTY).state is SourceState.OK
            drive.set_fault(faulty, REFUSED.fault)
            await drive.advance(5.0)  # the signals are due again
            states, failures = [], []
            for _ in range(4):
                status = await drive.poll(FAULTY)
                states.append(status.state)
                failures.append(status.consecutive_failures)
            assert states == [SourceState.DOWN] * 4
            assert failures == sorted(failures)
            assert failures[-1] >= 4
            assert drive.source(FAULTY).error_title == REFUSED.title

            drive.set_fault(faulty, None)
            healed = await drive.poll(FAULTY)
            assert healed.state is SourceState.OK
            assert healed.consecutive_failures == 0
        finally:
            await engine.stop()
