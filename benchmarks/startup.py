"""First paint: launch to the board's title on a 120x40 pseudo-terminal, 50 releases, next
to a bare Textual app (header, footer, label) measured the same way in the same run.

Also reports the cockpit's peak RSS after the first paint plus a few seconds of polling.

Usage::

    python benchmarks/startup.py [--runs 5] [--releases 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks import _harness as h
from benchmarks.bare_app import TITLE as BARE_TITLE

TARGET_RATIO = 1.5


def first_paint(argv: list[str], needle: bytes) -> float | None:
    with h.terminal(argv) as term:
        return term.wait_for(needle, timeout=60)


def peak_rss(config: Path, seconds: float) -> float | None:
    """The cockpit's peak RSS after its first paint and ``seconds`` of polling."""
    with h.terminal(h.cockpit_argv(config)) as term:
        term.wait_for(h.COCKPIT_TITLE, timeout=60)
        term.count_bytes(seconds)  # keep draining the screen so it never blocks
        return h.peak_rss_mb(term.process.pid)


def measure(runs: int, releases: int, rss_seconds: float = 10.0) -> dict[str, object]:
    bare: list[float] = []
    cockpit: list[float] = []
    h.compiled()
    with h.world(releases) as world:
        for _ in range(runs):
            # Interleaved, so both see the same machine load.
            found = first_paint([sys.executable, "-m", "benchmarks.bare_app"], BARE_TITLE.encode())
            if found is not None:
                bare.append(found)
            found = first_paint(h.cockpit_argv(world.config), h.COCKPIT_TITLE)
            if found is not None:
                cockpit.append(found)
        rss = peak_rss(world.config, rss_seconds)
    bare_s, cockpit_s = h.median(bare), h.median(cockpit)
    ratio = round(cockpit_s / bare_s, 2) if bare_s and cockpit_s else None
    return {
        "first_paint_s": cockpit_s,
        "bare_textual_first_paint_s": bare_s,
        "first_paint_ratio": ratio,
        "first_paint_ratio_target": TARGET_RATIO,
        f"peak_rss_mb_{releases}": rss,
        "releases": releases,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--releases", type=int, default=50)
    args = parser.parse_args()
    started = time.monotonic()
    figures = measure(args.runs, args.releases)
    h.emit({"benchmark": "startup", **figures, "seconds": round(time.monotonic() - started, 1)})


if __name__ == "__main__":
    main()
