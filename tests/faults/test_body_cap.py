"""The real body cap: an answer bigger than 32 MiB is refused while it streams in."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.http_body import MAX_BODY_BYTES
from release_cockpit.adapters.monitoring.prometheus import Prometheus
from release_cockpit.errors import BadResponse
from tests.support.fault_backends import PROMETHEUS
from tests.support.fault_server import Behaviour, Fault, FaultServer


async def test_a_body_over_the_cap_is_refused_without_reading_it_all():
    assert MAX_BODY_BYTES == 32 << 20
    endless = Fault("huge-body", Behaviour.HUGE, size=4 * MAX_BODY_BYTES)
    with FaultServer(PROMETHEUS.routes) as server:
        server.set_fault(endless)
        adapter = Prometheus(BackendSettings("prometheus", "prometheus", server.url, timeout=10))
        try:
            with pytest.raises(BadResponse) as caught:
                await adapter.query("up")
        finally:
            await adapter.aclose()
    assert str(caught.value).startswith("prometheus sent more than 32 MiB for /api/v1/query")
    assert caught.value.backend == "prometheus"
