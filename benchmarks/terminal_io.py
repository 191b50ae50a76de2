"""Bytes written to the terminal per second and CPU % of the cockpit, 50 releases, 120x40.

Three modes, each with the world in its own process: ``idle`` (``demo-world --freeze``: the
world's clock stands still; the demo config's own intervals), ``idle_15s`` (the same with
every poll and signal interval at 15 s, a production-like cadence) and ``changing`` (frozen too,
but ``--changes-per-second 1``: one service's error ratio moves every second, with every
poll and signal interval at 1 s so the cockpit sees each change). ``bytes_per_change`` is
the changing mode's bytes per second minus the idle mode's. Medians of ``--runs`` runs.

The idle modes are measured once settled: from ``STEADY_AFTER`` seconds after the first
paint, over ``STEADY_SECONDS`` (two whole rounds of 15 s polls, six of the demo's
intervals). The first half minute is not idle: the first comparisons and backfills come
in, and the releases found bad at start are announced once their state has held for the
notifier's 20 s. A ten-second window was used before (5 s to 15 s after the first paint);
it is still printed as ``early`` for comparison, and at 15 s intervals it held a poll
round or not depending on where it fell.

References in the same run: ``htop`` at the same size when installed (null otherwise), a
bare Textual app (``benchmarks.bare_app``), and the same app with Textual's own header
clock ticking every second (``bare_textual_clock``): what a clock that counts seconds
costs in Textual before anything of the cockpit's.

Usage::

    python -m benchmarks.terminal_io [--runs 3] [--seconds 10] [--releases 50]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from typing import Any

from benchmarks import _harness as h
from benchmarks.bare_app import TITLE

BARE_TITLE = TITLE.encode()

SETTLE = 5.0
"""Seconds after the first paint before the early window (and the changing mode)."""
STEADY_AFTER = 35.0
"""Seconds after the first paint before an idle mode is measured: past the first
comparisons, and past the toasts announcing what was bad at start (held 20 s, shown 8 s)."""
STEADY_SECONDS = 30.0
"""The idle window: two rounds of 15 s polls, so no poll round is counted twice or missed."""


def sample(argv: Sequence[str], needle: bytes | None, seconds: float) -> tuple[float, float]:
    """(bytes per second, CPU % of one core) of a program in the pseudo-terminal."""
    return windows(argv, needle, [(SETTLE, seconds)])[0]


def windows(
    argv: Sequence[str], needle: bytes | None, spans: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """(bytes per second, CPU %) of one run of a program over each (start, seconds) window,
    starts counted from the first paint, in order and not overlapping."""
    found: list[tuple[float, float]] = []
    with h.terminal(argv) as term:
        if needle is not None:
            term.wait_for(needle, timeout=60)
        at = 0.0
        for start, seconds in spans:
            term.count_bytes(start - at)
            cpu_before = h.cpu_seconds(term.process.pid)
            written = term.count_bytes(seconds)
            cpu = h.cpu_seconds(term.process.pid) - cpu_before
            found.append((written / seconds, 100.0 * cpu / seconds))
            at = start + seconds
    return found


def _medians(samples: Sequence[tuple[float, float]]) -> dict[str, Any]:
    return {
        "bytes_per_s": h.median([b for b, _ in samples]),
        "cpu_percent": h.median([c for _, c in samples]),
    }


def mode(
    releases: int, runs: int, seconds: float, changing: bool, interval: str | None = None
) -> dict[str, Any]:
    extra = ["--freeze", *(["--changes-per-second", "1"] if changing else [])]
    interval = "1s" if changing else interval
    spans = [(SETTLE, seconds)]
    if not changing:
        spans.append((STEADY_AFTER, STEADY_SECONDS))
    found: list[list[tuple[float, float]]] = []
    with h.world(releases, extra=extra, interval=interval) as world:
        for _ in range(runs):
            found.append(windows(h.cockpit_argv(world.config), h.COCKPIT_TITLE, spans))
    if changing:
        return _medians([run[0] for run in found])
    return {
        **_medians([run[1] for run in found]),
        "window": f"{STEADY_AFTER:.0f}-{STEADY_AFTER + STEADY_SECONDS:.0f} s after first paint",
        "early": {**_medians([run[0] for run in found]), "window": f"5-{5 + seconds:.0f} s"},
    }


def bare_textual(runs: int, clock: bool) -> dict[str, Any]:
    """The bare Textual app, idle (with its header clock when ``clock``)."""
    argv = [sys.executable, "-m", "benchmarks.bare_app", *(["--clock"] if clock else [])]
    spans = [(STEADY_AFTER, STEADY_SECONDS)]
    return _medians([windows(argv, BARE_TITLE, spans)[0] for _ in range(runs)])


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
        "htop": htop(runs, STEADY_SECONDS),
        "bare_textual": bare_textual(runs, clock=False),
        "bare_textual_clock": bare_textual(runs, clock=True),
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
