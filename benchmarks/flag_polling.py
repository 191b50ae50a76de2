"""Requests per poll cycle of the flag backends, and what they answer, on the demo world.

The world runs ``--with flags`` in this process (web-shop guarded by an Unleash flag,
web-search by a flag read through OFREP); the real engine and adapters poll it through an
httpx transport that counts each flag backend's requests by method and status. The first
cycle reads everything (200s); later cycles should cost one request per OFREP backend and
one per Unleash flag, answered 304 while nothing changed. The last cycle follows a kill
switch (the Unleash flag turned off through the demo's admin API): one 200 each, once.

Usage::

    python -m benchmarks.flag_polling [--cycles 4] [--gap 1]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from typing import Any

import httpx

from benchmarks import _harness as h
from release_cockpit.adapters.base import Adapter
from release_cockpit.adapters.registry import adapter_kinds, create
from release_cockpit.config import parse_config
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import backend_settings
from release_cockpit_demo.demo_config import FLAG_BACKENDS, demo_config_text
from release_cockpit_demo.server import DemoServer


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts a backend's requests by ``METHOD status``."""

    def __init__(self, counts: Counter[str], backend: str) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.counts = counts
        self.backend = backend

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.counts[f"{self.backend} {request.method} {response.status_code}"] += 1
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def measure(cycles: int, gap: float) -> dict[str, Any]:
    server = DemoServer(families=("flags",))
    url = server.start()
    config = parse_config(demo_config_text(url, families=("flags",)), "<demo>", adapter_kinds())
    counts: Counter[str] = Counter()
    adapters: dict[str, Adapter] = {
        name: create(
            backend_settings(config, name, None), transport=CountingTransport(counts, name)
        )
        for name in config.backends
    }
    engine = Engine(config, adapters)
    found: list[dict[str, Any]] = []
    try:
        for index in range(cycles + 1):
            if index == cycles:  # the kill switch, as the admin API would be asked
                with server.world.lock:
                    server.world.flags.switch("checkout-v2", "production", on=False)
            elif index:
                await asyncio.sleep(gap)
            counts.clear()
            started = time.perf_counter()
            await engine.poll_once()
            flags = {k: n for k, n in sorted(counts.items()) if k.split()[0] in FLAG_BACKENDS}
            found.append(
                {
                    "flag_requests": sum(flags.values()),
                    "by_backend_and_status": flags,
                    "cycle_seconds": round(time.perf_counter() - started, 3),
                }
            )
    finally:
        await engine.stop()
        server.stop()
    return {"first": found[0], "steady": found[1:-1], "after_kill_switch": found[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=4)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between cycles")
    args = parser.parse_args()
    h.emit({"benchmark": "flag_polling", **asyncio.run(measure(args.cycles, args.gap))})


if __name__ == "__main__":
    main()
