"""What the pictures cost in the real cockpit: how long the detail screen (signal charts,
canary box plots, the timeline) and the metrics screen (DORA over time, spreads, where the
time goes) take to appear after their key, the bytes written per second while they are
open, and peak RSS, next to the board measured the same way. 50 releases, 120x40, the
world frozen (``idle``) or with one service's error ratio moving every second and every
interval at 1 s (``changing``). Medians of ``--runs`` runs.

Usage::

    python -m benchmarks.pictures [--runs 2] [--seconds 10] [--releases 50]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from benchmarks import _harness as h

SETTLE = 5.0
"""Seconds on the board before opening a screen: the first polls land in this window."""

SCREENS: dict[str, tuple[bytes, bytes] | None] = {
    "board": None,
    "detail": (b"\r", b"Signals over the release"),
    "metrics": (b"M", b"DORA metrics"),
}


def sample(config: Any, screen: str, seconds: float) -> tuple[float | None, float, float | None]:
    """(seconds from the key to the screen's first picture, bytes per second while it is
    open, peak RSS MB) of one cockpit run."""
    opened: float | None = None
    with h.terminal(h.cockpit_argv(config)) as term:
        term.wait_for(h.COCKPIT_TITLE, timeout=60)
        term.count_bytes(SETTLE)
        how = SCREENS[screen]
        if how is not None:
            key, needle = how
            sent = time.monotonic()
            term.send(key)
            seen = term.wait_for(needle, timeout=30)
            opened = None if seen is None else time.monotonic() - sent
        term.count_bytes(2.0)
        written = term.count_bytes(seconds)
        rss = h.peak_rss_mb(term.process.pid)
    return opened, written / seconds, rss


def mode(releases: int, runs: int, seconds: float, changing: bool) -> dict[str, Any]:
    extra = ["--freeze", *(["--changes-per-second", "1"] if changing else [])]
    figures: dict[str, Any] = {}
    with h.world(releases, extra=extra, interval="1s" if changing else None) as world:
        for screen in SCREENS:
            opens, rates, peaks = [], [], []
            for _ in range(runs):
                opened, rate, rss = sample(world.config, screen, seconds)
                if opened is not None:
                    opens.append(opened)
                rates.append(rate)
                if rss is not None:
                    peaks.append(rss)
            figures[screen] = {
                "open_s": h.median(opens) if SCREENS[screen] else None,
                "bytes_per_s": h.median(rates),
                "peak_rss_mb": h.median(peaks),
            }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--releases", type=int, default=50)
    args = parser.parse_args()
    h.emit(
        {
            "benchmark": "pictures",
            "releases": args.releases,
            "idle": mode(args.releases, args.runs, args.seconds, changing=False),
            "changing": mode(args.releases, args.runs, args.seconds, changing=True),
        }
    )


if __name__ == "__main__":
    main()
