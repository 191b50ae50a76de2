"""Time until every release has data: the engine started against a 500-release world.

The simulated world runs in its own process; this one runs the real engine and adapters
(as ``run`` does, without the screen) and watches the snapshots it publishes. The figure
is the seconds from ``Engine.start()`` to the first snapshot in which no release is
"unknown" (stale or missing data; the word the header counts). Add the first paint
(``benchmarks.startup``) for the time a person waits at the terminal. Target: 10 s.

Usage::

    python -m benchmarks.time_to_data [--releases 500] [--limit 120]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

from benchmarks import _harness as h
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import load_config
from release_cockpit.domain import CockpitSnapshot
from release_cockpit.domain.release_enums import Attention
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters

TARGET_SECONDS = 10.0


async def measure_async(world: h.World, limit: float) -> dict[str, Any]:
    config = load_config(world.config, kinds=adapter_kinds())
    engine = Engine(config, build_adapters(config, os.environ))
    unknown: list[tuple[float, int]] = []
    done = asyncio.Event()
    started = time.perf_counter()

    def seen(snapshot: CockpitSnapshot) -> None:
        count = sum(r.attention is Attention.UNKNOWN for r in snapshot.releases)
        unknown.append((time.perf_counter() - started, count))
        if snapshot.releases and count == 0:
            done.set()

    engine.subscribe(seen)
    try:
        await engine.start()
        with_data = None
        try:
            await asyncio.wait_for(done.wait(), limit)
            with_data = unknown[-1][0]
        except TimeoutError:
            pass
    finally:
        await engine.stop()
    return {
        "seconds_until_every_release_has_data": round(with_data, 2) if with_data else None,
        "unknown_at_the_end": unknown[-1][1] if unknown else None,
        "snapshots": len(unknown),
        "target_seconds": TARGET_SECONDS,
    }


def measure(releases: int, limit: float = 120.0) -> dict[str, Any]:
    with h.world(releases) as world:
        return {"releases": releases, **asyncio.run(measure_async(world, limit))}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=500)
    parser.add_argument("--limit", type=float, default=120.0, help="seconds to wait at most")
    args = parser.parse_args()
    h.emit({"benchmark": "time_to_data", **measure(args.releases, args.limit)})


if __name__ == "__main__":
    main()
