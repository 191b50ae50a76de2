"""Demo-world test fixtures: a settable fake clock, a world on it, and a served world.

The clock itself lives in tests/support/demo_clock.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from release_cockpit_demo import DemoServer, World
from tests.support.demo_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(clock: FakeClock) -> World:
    return World(clock=clock)


@pytest.fixture
def server(clock: FakeClock) -> Iterator[DemoServer]:
    with DemoServer(clock=clock) as demo:
        yield demo


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    # Plain http on loopback: verify=False only skips loading the CA bundle (~90 ms a client).
    with httpx.Client(base_url=server.url, timeout=5, verify=False) as http:
        yield http
