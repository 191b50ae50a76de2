"""Several clusters are several deploy backends: each release names its cluster, the board
filters by it, and one cluster going down marks only its own releases unknown."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import stamina

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import SourceState, VerdictLevel
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.ui.release_filter import ReleaseFilter
from release_cockpit_demo import DemoServer
from tests.support.clock import FakeClock
from tests.support.demo_clock import START


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_text(world: str, down: str) -> str:
    line = (
        '[services.{key}]\nservice = "inventory"\nenvironment = "{env}"\n'
        '[services.{key}.deploy]\nbackend = "{backend}"\nnamespace = "warehouse"\n'
        'name = "inventory"\n'
    )
    return (
        '[polling]\ninterval = "2s"\nstale_after = "6s"\n'
        f'[backends.eu-west]\ntype = "kubernetes"\nurl = "{world}/k8s"\n'
        f'[backends.us-east]\ntype = "kubernetes"\nurl = "{down}"\ntimeout = "1s"\n'
        + line.format(key="inventory-eu", env="production", backend="eu-west")
        + line.format(key="inventory-us", env="production-us", backend="us-east")
    )


@pytest.fixture
async def engine() -> AsyncIterator[tuple[Engine, FakeClock, list[float]]]:
    now = [START]
    # The down cluster's retries would sleep in real time; what matters here is the outcome.
    with stamina.set_testing(True, attempts=1), DemoServer(clock=lambda: now[0]) as server:
        down = f"http://127.0.0.1:{closed_port()}"
        config = parse_config(config_text(server.url, down), "<clusters>", kinds=adapter_kinds())
        clock = FakeClock(start=datetime.fromtimestamp(START, UTC))
        engine = Engine(config, build_adapters(config, {}), clock=clock)
        try:
            yield engine, clock, now
        finally:
            await engine.stop()


async def test_one_cluster_down_marks_only_its_releases_unknown(engine):
    cockpit, clock, now = engine
    snapshot = await cockpit.poll_once()
    for _ in range(4):  # past stale_after: the healthy cluster keeps its line fresh
        now[0] += 2
        await clock.advance(2)
        snapshot = await cockpit.poll_once()
    eu, us = snapshot.release("inventory-eu"), snapshot.release("inventory-us")
    assert eu is not None
    assert us is not None
    assert (eu.cluster, us.cluster) == ("eu-west", "us-east")
    assert eu.rollout is not None
    assert eu.verdict.level is not VerdictLevel.UNKNOWN
    assert us.verdict.level is VerdictLevel.UNKNOWN
    sources = {s.name: s for s in snapshot.sources}
    assert sources["eu-west"].state is SourceState.OK
    assert sources["us-east"].state is SourceState.DOWN
    shown = ReleaseFilter.parse("cluster:eu").apply(snapshot.releases)
    assert [r.key for r in shown] == ["inventory-eu"]
    hidden = ReleaseFilter.parse("!cluster:eu-west").apply(snapshot.releases)
    assert [r.key for r in hidden] == ["inventory-us"]
