"""Soak benchmark: the cockpit engine on a 200-release simulated world for ten minutes.

A script, not a test. It serves the simulated world with ``release-cockpit demo-world`` in
a subprocess, points the real engine and adapters at it with every interval set to 2 s
(backends and signals), runs headless (``--tui``: with the real app, headless, on top),
and prints one JSON line:

- ``rss_mb``: resident memory of this process at minute 1 and at the end (flat = no leak),
  plus one sample per minute in ``rss_mb_by_minute``;
- ``max_concurrent_polls``: the most polls of one source in flight at once (more than 1
  would be poll stacking);
- ``tasks`` and ``open_fds`` at minute 1 and at the end, with the polls in flight then
  (a poll fans out one task per target, so compare counts at equal polls in flight), and
  both again once the engine has stopped (only this script's own task may remain);
- ``polls``, ``errors`` (failed polls), per source too; ``cores``.

Usage::

    python benchmarks/soak.py                 # 10 minutes, 200 releases, 2 s intervals
    python benchmarks/soak.py --minutes 1 --releases 50 --tui
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import Config, parse_config
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit_demo.demo_config import demo_config_text

REPO = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    """Resident set size of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return -1.0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_world(releases: int) -> tuple[subprocess.Popen[bytes], str]:
    """``release-cockpit demo-world`` in a subprocess; returns it and its base URL."""
    port = free_port()
    command = ["demo-world", "--releases", str(releases), "--port", str(port)]
    world = subprocess.Popen(
        [sys.executable, "-m", "release_cockpit", *command],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if world.poll() is not None:
            raise SystemExit(f"demo-world exited with code {world.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return world, f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    world.terminate()
    raise SystemExit("demo-world did not start listening within 30 s")


def stop_world(world: subprocess.Popen[bytes]) -> None:
    world.terminate()
    try:
        world.wait(timeout=10)
    except subprocess.TimeoutExpired:
        world.kill()
        world.wait()


def soak_config(url: str, releases: int, interval: str) -> Config:
    """The demo world's own config with every poll and signal interval set to ``interval``."""
    document: dict[str, Any] = tomllib.loads(demo_config_text(url, releases))
    document["polling"]["interval"] = interval
    for backend in document["backends"].values():
        backend["interval"] = interval
    for service in document["services"].values():
        for signal in service.get("signals", []):
            signal["interval"] = interval
    return parse_config(tomli_w.dumps(document), "<soak>", kinds=adapter_kinds())


@dataclass
class PollStats:
    """Counts polls per source, and how many of one source ran at the same time."""

    polls: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=dict)
    max_in_flight: dict[str, int] = field(default_factory=dict)
    last_error: dict[str, str] = field(default_factory=dict)

    def wrap(self, name: str, poll: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        for table in (self.polls, self.errors, self.in_flight, self.max_in_flight):
            table[name] = 0

        async def counted() -> Any:
            self.in_flight[name] += 1
            self.max_in_flight[name] = max(self.max_in_flight[name], self.in_flight[name])
            try:
                return await poll()
            except BaseException as exc:
                self.errors[name] += 1
                self.last_error[name] = f"{type(exc).__name__}: {exc}"[:300]
                raise
            finally:
                self.in_flight[name] -= 1
                self.polls[name] += 1

        return counted


def sample(stats: PollStats) -> dict[str, Any]:
    gc.collect()
    return {
        "rss_mb": rss_mb(),
        "tasks": len(asyncio.all_tasks()),
        "open_fds": open_fds(),
        "polls_in_flight": sum(stats.in_flight.values()),
    }


async def soak(config: Config, seconds: float, tui: bool) -> dict[str, Any]:
    engine = Engine(config, build_adapters(config, os.environ))
    stats = PollStats()
    for name, loop in engine.loops.items():
        # The loop's own reference to its poller's poll: wrapped, so every poll is counted.
        loop._poll = stats.wrap(name, loop._poll)
    app_task: asyncio.Task[None] | None = None
    app: Any = None
    if tui:
        from release_cockpit.cli.tui import quiet_collector
        from release_cockpit.ui.cockpit_app import CockpitApp

        quiet_collector()  # as `run` does: the collector's settings are part of what soaks
        app = CockpitApp(engine, title="release-cockpit soak")
        app_task = asyncio.create_task(app.run_async(headless=True, size=(160, 50)))
    else:
        await engine.start()
    started = time.monotonic()
    samples = []
    for minute in range(1, math.ceil(seconds / 60) + 1):
        await asyncio.sleep(max(0.0, started + min(60.0 * minute, seconds) - time.monotonic()))
        samples.append(sample(stats))
    minute_one, end = samples[0], samples[-1]
    snapshot = engine.snapshot
    if app is not None and app_task is not None:
        app.exit()
        await app_task
    else:
        await engine.stop()
    stopped = sample(stats)
    states: dict[str, str] = {}
    if snapshot is not None:
        states = {s.name: s.state.value for s in snapshot.sources}
    return {
        "minutes": round(seconds / 60, 2),
        "releases": len(config.services),
        "interval_s": engine.loops[next(iter(engine.loops))].interval,
        "tui": tui,
        "rss_mb": {"minute_1": minute_one["rss_mb"], "end": end["rss_mb"]},
        "rss_mb_by_minute": [s["rss_mb"] for s in samples],
        "tasks": {
            "minute_1": minute_one["tasks"],
            "end": end["tasks"],
            "after_stop": stopped["tasks"],
        },
        "polls_in_flight": {
            "minute_1": minute_one["polls_in_flight"],
            "end": end["polls_in_flight"],
        },
        "open_fds": {
            "minute_1": minute_one["open_fds"],
            "end": end["open_fds"],
            "after_stop": stopped["open_fds"],
        },
        "max_concurrent_polls": stats.max_in_flight,
        "polls": sum(stats.polls.values()),
        "errors": sum(stats.errors.values()),
        "polls_by_source": stats.polls,
        "errors_by_source": stats.errors,
        "last_error_by_source": stats.last_error,
        "source_states_at_end": states,
        "snapshots": snapshot.generation if snapshot is not None else 0,
        "cores": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to soak")
    parser.add_argument("--releases", type=int, default=200, help="release lines in the world")
    parser.add_argument("--interval", default="2s", help="every poll and signal interval")
    parser.add_argument("--tui", action="store_true", help="run the real app headless on top")
    args = parser.parse_args()
    world, url = start_world(args.releases)
    try:
        config = soak_config(url, args.releases, args.interval)
        result = asyncio.run(soak(config, args.minutes * 60, args.tui))
    finally:
        stop_world(world)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
