"""Integration-tier helpers: the started-server record, the cockpit config for the real
servers, one poll through the real engine, and waiting for a Buildbot build.

The servers themselves are fixtures in tests/integration/conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.ci.buildbot import Buildbot
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import CIRun, CockpitSnapshot, Target
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from tests.support.buildbot_master import BUILDER
from tests.support.servers import Server, find_binary, free_port

BUILD_VERSION = "2.4.0"
BUILD_WAIT = 60.0
RELEASE_IN_PROGRESS = "ReleaseInProgress"
"""An alert that inhibits ``INHIBITED`` alerts of the same service (the inhibit rule of
``ALERTMANAGER_CONFIG``), as a team's release alert silences its noise."""
INHIBITED = "InhibitedDuringRelease"
MUTED = "MutedDuringRelease"
"""An alert the route mutes with an always-active time interval."""
ALERTMANAGER_CONFIG = f"""\
route:
  receiver: nowhere
  routes:
    - receiver: nowhere
      matchers: ['alertname="{MUTED}"']
      mute_time_intervals: [always]
receivers:
  - name: nowhere
inhibit_rules:
  - source_matchers: ['alertname="{RELEASE_IN_PROGRESS}"']
    target_matchers: ['alertname="{INHIBITED}"']
    equal: [service]
time_intervals:
  - name: always
    time_intervals:
      - times:
          - start_time: "00:00"
            end_time: "24:00"
"""
"""What a team's Alertmanager holds besides its receivers: an inhibit rule and a mute
time interval (https://prometheus.io/docs/alerting/latest/configuration/)."""


@dataclass(frozen=True, slots=True)
class Running:
    """A started server: its base URL and its process."""

    url: str
    server: Server


def buildbot_adapter(url: str) -> Buildbot:
    return Buildbot(BackendSettings(name="buildbot", type="buildbot", url=url, timeout=10.0))


async def finished_build(adapter: Buildbot, version: str, after: int = 0) -> CIRun:
    """Wait (bounded) for a finished build of ``version`` numbered above ``after``."""

    async def check() -> CIRun | None:
        for run in await adapter.runs(Target.of(builder=BUILDER)):
            done = run.status.finished and run.number is not None and run.number > after
            if done and run.version == version and run.jobs:
                return run
        return None

    deadline = asyncio.get_running_loop().time() + BUILD_WAIT
    while asyncio.get_running_loop().time() < deadline:
        found = await check()
        if found is not None:
            return found
        await asyncio.sleep(0.25)
    pytest.fail(f"no finished build of {version} after #{after} within {BUILD_WAIT:.0f}s")


def backends_toml(
    *,
    prometheus: str | None = None,
    alertmanager: str | None = None,
    buildbot: str | None = None,
) -> str:
    """The ``[polling]`` and ``[backends.*]`` part of a cockpit config for these servers."""
    lines = ["[polling]", 'interval = "2s"', 'timeout = "10s"', 'stale_after = "30s"', ""]
    for name, kind, url in (
        ("prometheus", "prometheus", prometheus),
        ("alertmanager", "alertmanager", alertmanager),
        ("buildbot", "buildbot", buildbot),
    ):
        if url:
            lines += [f"[backends.{name}]", f'type = "{kind}"', f'url = "{url}"', ""]
    return "\n".join(lines) + "\n"


async def poll_once(text: str) -> CockpitSnapshot:
    """Build the cockpit from config text and poll every source once, as `status` does."""
    config = parse_config(text, "<integration>", kinds=adapter_kinds())
    engine = Engine(config, build_adapters(config, os.environ))
    try:
        return await engine.poll_once()
    finally:
        await engine.stop()


@contextlib.asynccontextmanager
async def running_engine(text: str) -> AsyncIterator[Engine]:
    """The cockpit's engine on the real clock, polling as the TUI does, until the block
    ends: for tests that change a server while the cockpit watches it."""
    config = parse_config(text, "<integration>", kinds=adapter_kinds())
    engine = Engine(config, build_adapters(config, os.environ))
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


async def finished_untagged_build(adapter: Buildbot, builder: str) -> CIRun:
    """Wait (bounded) for a finished build of ``builder``, with its steps read."""

    async def check() -> CIRun | None:
        for run in await adapter.runs(Target.of(builder=builder)):
            if run.status.finished and run.number is not None and run.jobs:
                return run
        return None

    deadline = asyncio.get_running_loop().time() + BUILD_WAIT
    while asyncio.get_running_loop().time() < deadline:
        found = await check()
        if found is not None:
            return found
        await asyncio.sleep(0.25)
    pytest.fail(f"no finished build of {builder} within {BUILD_WAIT:.0f}s")


def write_config(directory: Path, text: str) -> Path:
    path = directory / "cockpit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def start_alertmanager(home: Path) -> Running:
    """Debian's Alertmanager with ``ALERTMANAGER_CONFIG``, cluster mode off, ready.

    The caller stops ``running.server`` (a test may stop it earlier, to see the cockpit
    without it)."""
    binary = find_binary(
        ["prometheus-alertmanager", "alertmanager"], "sudo apt-get install prometheus-alertmanager"
    )
    home.mkdir(parents=True, exist_ok=True)
    (home / "alertmanager.yml").write_text(ALERTMANAGER_CONFIG, encoding="utf-8")
    port = free_port()
    server = Server(
        "alertmanager",
        [
            binary,
            f"--config.file={home / 'alertmanager.yml'}",
            f"--storage.path={home / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            # An empty address turns clustering off: no gossip port, no settling wait.
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        cwd=home,
    ).start()
    url = f"http://127.0.0.1:{port}"
    server.wait_ready(f"{url}/-/ready")
    return Running(url, server)


def start_prometheus(home: Path, target: str) -> Running:
    """Debian's Prometheus scraping ``target`` every second, ready to answer queries."""
    binary = find_binary(["prometheus"], "sudo apt-get install prometheus")
    home.mkdir(parents=True, exist_ok=True)
    (home / "prometheus.yml").write_text(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  scrape_timeout: 1s\n"
        "  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: exporter\n"
        "    static_configs:\n"
        f"      - targets: ['{target}']\n",
        encoding="utf-8",
    )
    port = free_port()
    server = Server(
        "prometheus",
        [
            binary,
            f"--config.file={home / 'prometheus.yml'}",
            f"--storage.tsdb.path={home / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        cwd=home,
    ).start()
    url = f"http://127.0.0.1:{port}"
    server.wait_ready(f"{url}/-/ready")
    return Running(url, server)


async def alertmanager_version(url: str) -> tuple[int, ...]:
    """The running Alertmanager's version as numbers (``(0, 25, 0)``)."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        answer = (await client.get("/api/v2/status")).json()
    text = str(answer.get("versionInfo", {}).get("version", "0"))
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])
