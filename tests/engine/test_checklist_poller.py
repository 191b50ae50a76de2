"""Automatic checklist items: one batched query per template, one probe per URL."""

from __future__ import annotations

from collections import Counter

import httpx

from release_cockpit.adapters.http_probe import HttpProbe
from release_cockpit.adapters.registry import adapter_kinds, create
from release_cockpit.config import parse_config
from release_cockpit.engine.checklist_poller import ChecklistPoller
from release_cockpit.engine.clock import SystemClock
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import backend_settings
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer


class Counting(httpx.AsyncBaseTransport):
    def __init__(self, counts: Counter[str], name: str) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.counts = counts
        self.name = name

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[self.name] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_lines_sharing_a_template_share_one_query_and_one_probe():
    server = DemoServer(releases=21)  # three lines wait at a blue-green gate
    url = server.start()
    counts: Counter[str] = Counter()
    try:
        config = parse_config(demo_config_text(url, 21), "<demo>", kinds=adapter_kinds())
        gated = [key for key, svc in config.services.items() if svc.checklist]
        assert len(gated) == 3
        adapters = {
            name: create(backend_settings(config, name, None), transport=Counting(counts, name))
            for name in config.backends
        }
        engine = Engine(config, adapters)
        probe = HttpProbe(transport=Counting(counts, "probe"))
        poller = ChecklistPoller(config, adapters, SystemClock(), probe)
        result = await poller.poll()
        assert counts == {"prometheus": 1, "probe": 1}
        for key in gated:
            results = result.checks[key]
            assert results["Status page answers"].passed
            assert results["Error ratio under 1%"].detail.startswith("value ")
        await probe.aclose()
        await engine.stop()
    finally:
        server.stop()
