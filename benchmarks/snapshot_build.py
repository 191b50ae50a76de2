"""Where the time of building snapshots goes: cProfile of ``Engine.publish`` over a few
poll cycles, 500 releases, the world frozen but changing one service a second.

The engine polls the simulated world (in its own process) headless, with no terminal:
``poll_once`` a first time (every release is new), then ``--cycles`` more, each a second
apart; only the time inside ``publish`` (building the snapshot and handing it out) is
profiled. Prints the mean milliseconds per publish and the top entries by cumulative
and own time.

To compare with another revision, run it with that revision's ``app`` first on
``PYTHONPATH`` (``git archive REV | tar -x -C DIR``; the script uses only ``Engine``,
``poll_once``, ``publish`` and ``build_adapters``, which every revision has).

Usage::

    python -m benchmarks.snapshot_build [--releases 500] [--cycles 5] [--top 12]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import time
from typing import Any

from benchmarks import _harness as h


async def profile(config_path: str, cycles: int) -> tuple[pstats.Stats, list[float]]:
    from pathlib import Path

    from release_cockpit.config.loader import load_config
    from release_cockpit.engine.engine import Engine
    from release_cockpit.engine.factory import build_adapters

    config = load_config(Path(config_path))
    engine = Engine(config, build_adapters(config, os.environ))
    profiler = cProfile.Profile()
    timings: list[float] = []
    publish = engine.publish

    def measured() -> Any:
        started = time.perf_counter()
        profiler.enable()
        try:
            return publish()
        finally:
            profiler.disable()
            timings.append((time.perf_counter() - started) * 1000)

    engine.publish = measured  # type: ignore[method-assign]
    await engine.poll_once()  # every release new: the full build, in both revisions
    first = timings[:]
    profiler = cProfile.Profile()  # the steady state only from here
    timings.clear()
    for _ in range(cycles):
        await asyncio.sleep(1.0)
        await engine.poll_once()
    await engine.stop()
    stats = pstats.Stats(profiler)
    return stats, [*first, *timings]


def top(stats: pstats.Stats, key: str, count: int) -> list[str]:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(key).print_stats(count)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return [line for line in lines[start:] if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=500)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    extra = ["--freeze", "--changes-per-second", "1"]
    with h.world(args.releases, extra=extra) as world:
        stats, timings = asyncio.run(profile(str(world.config), args.cycles))
    h.emit(
        {
            "benchmark": "snapshot_build",
            "releases": args.releases,
            "first_publish_ms": round(timings[0], 1),
            "steady_publish_ms_mean": round(sum(timings[1:]) / max(len(timings) - 1, 1), 1),
            "publishes": len(timings),
        }
    )
    for key in ("cumulative", "tottime"):
        print(f"--- top {args.top} by {key} (steady state) ---")
        print("\n".join(top(stats, key, args.top)))


if __name__ == "__main__":
    main()
