"""Bytes written to the terminal per second and CPU % of the cockpit, 50 releases, 120x40.

Three modes, each with the world in its own process: ``idle`` (``demo-world --freeze``: the
world's clock stands still; the demo config's own intervals), ``idle_15s`` (the same with
every poll and signal interval at 15 s, a production-like cadence) and ``changing`` (frozen too,
but ``--changes-per-second 1``: one service's error ratio moves every second, with every
poll and signal interval at 1 s so the cockpit sees each change). ``bytes_per_change`` is
the changing mode's bytes per second minus the idle mode's. ``htop`` is measured the same
way when it is installed (null otherwise). Medians of ``--runs`` runs.

Usage::

    python -m benchmarks.terminal_io [--runs 3] [--seconds 10] [--releases 50]
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from typing import Any

from benchmarks import _harness as h

SETTLE = 5.0
"""Seconds after the first paint before measuring: the first polls land in this window."""


def sample(argv: Sequence[str], needle: bytes | None, seconds: float) -> tuple[float, float]:
    """(bytes per second, CPU % of one core) of a program in the pseudo-terminal."""
    with h.terminal(argv) as term:
        if needle is not None:
            term.wait_for(needle, timeout=60)
        term.count_bytes(SETTLE)
        cpu_before = h.cpu_seconds(term.process.pid)
        written = term.count_bytes(seconds)
        cpu = h.cpu_seconds(term.process.pid) - cpu_before
    return written / seconds, 100.0 * cpu / seconds


def mode(
    releases: int, runs: int, seconds: float, changing: bool, interval: str | None = None
) -> dict[str, Any]:
    extra = ["--freeze", *(["--changes-per-second", "1"] if changing else [])]
    bps: list[float] = []
    cpu: list[float] = []
    interval = "1s" if changing else interval
    with h.world(releases, extra=extra, interval=interval) as world:
        for _ in range(runs):
            written, used = sample(h.cockpit_argv(world.config), h.COCKPIT_TITLE, seconds)
            bps.append(written)
            cpu.append(used)
    return {"bytes_per_s": h.median(bps), "cpu_percent": h.median(cpu)}


def htop(runs: int, seconds: float) -> dict[str, Any] | None:
    path = shutil.which("htop")
    if path is None:
        return None
    bps = [sample([path], None, seconds)[0] for _ in range(runs)]
    return {"bytes_per_s": h.median(bps)}


def measure(releases: int, runs: int, seconds: float) -> dict[str, Any]:
    idle = mode(releases, runs, seconds, changing=False)
    idle_15s = mode(releases, runs, seconds, changing=False, interval="15s")
    changing = mode(releases, runs, seconds, changing=True)
    per_change = None
    if idle["bytes_per_s"] is not None and changing["bytes_per_s"] is not None:
        per_change = round(max(0.0, changing["bytes_per_s"] - idle["bytes_per_s"]), 1)
    return {
        "releases": releases,
        "idle": idle,
        "idle_15s": idle_15s,
        "one_change_per_s": changing,
        "bytes_per_change": per_change,
        "htop": htop(runs, seconds),
        "targets": {
            "idle_cpu_percent": 1.5,
            "idle_15s_cpu_percent": 0.5,
            "bytes_per_change": 2048,
            "idle_bytes_per_s": "htop",
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--releases", type=int, default=50)
    args = parser.parse_args()
    h.emit({"benchmark": "terminal_io", **measure(args.releases, args.runs, args.seconds)})


if __name__ == "__main__":
    main()
