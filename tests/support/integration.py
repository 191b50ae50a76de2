"""Integration-tier helpers: the started-server record, the cockpit config for the real
servers, one poll through the real engine, and waiting for a Buildbot build.

The servers themselves are fixtures in tests/integration/conftest.py.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_cockpit.adapters.base import BackendSettings
from release_cockpit.adapters.ci.buildbot import Buildbot
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import CIRun, CockpitSnapshot, Target
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from tests.support.buildbot_master import BUILDER
from tests.support.servers import Server

BUILD_VERSION = "2.4.0"
BUILD_WAIT = 60.0


@dataclass(frozen=True, slots=True)
class Running:
    """A started server: its base URL and its process."""

    url: str
    server: Server | None = None


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


def write_config(directory: Path, text: str) -> Path:
    path = directory / "cockpit.toml"
    path.write_text(text, encoding="utf-8")
    return path
