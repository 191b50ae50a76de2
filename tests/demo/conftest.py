"""Demo-world test helpers: a settable fake clock, a world on it, and a served world."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from release_cockpit_demo import DemoServer, World

START = 1_795_000_000.0  # 2026-11-18T11:06:40Z: a fixed start keeps payloads deterministic


class FakeClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def to(self, offset: float) -> None:
        """Jump to ``offset`` seconds after the start."""
        self.now = START + offset


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
