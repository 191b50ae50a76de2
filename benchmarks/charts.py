"""How to draw charts, by measurement: first paint, peak memory and bytes per repaint of
four live charts drawn by the cockpit's own rows, textual-plotext and textual-plot, next
to a bare Textual app, on a 120x40 pseudo-terminal. A library that is not installed is
reported as missing (the benchmarks install nothing).

Usage::

    python -m benchmarks.charts [--runs 3] [--seconds 10]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

from benchmarks import _harness as h
from benchmarks.bare_app import TITLE as BARE_TITLE
from benchmarks.chart_apps import TITLE

MODULES = {"own": None, "plotext": "textual_plotext", "plot": "textual_plot"}


def sample(how: str, seconds: float) -> tuple[float | None, float | None, float]:
    """(first paint s, peak RSS MB, bytes per second while one chart changes a second)."""
    argv = [sys.executable, "-m", "benchmarks.chart_apps", how]
    with h.terminal(argv) as term:
        paint = term.wait_for(TITLE.encode(), timeout=60)
        term.count_bytes(2.0)
        written = term.count_bytes(seconds)
        rss = h.peak_rss_mb(term.process.pid)
    return paint, rss, written / seconds


def measure(runs: int, seconds: float) -> dict[str, object]:
    figures: dict[str, object] = {}
    bare = []
    for _ in range(runs):
        with h.terminal([sys.executable, "-m", "benchmarks.bare_app"]) as term:
            found = term.wait_for(BARE_TITLE.encode(), timeout=60)
            if found is not None:
                bare.append(found)
    figures["bare_textual_first_paint_s"] = h.median(bare)
    for how, module in MODULES.items():
        if module is not None and importlib.util.find_spec(module) is None:
            figures[how] = "not installed"
            continue
        paints, rss, rates = [], [], []
        for _ in range(runs):
            paint, peak, rate = sample(how, seconds)
            if paint is not None:
                paints.append(paint)
            if peak is not None:
                rss.append(peak)
            rates.append(rate)
        figures[how] = {
            "first_paint_s": h.median(paints),
            "peak_rss_mb": h.median(rss),
            "bytes_per_s": h.median(rates),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    h.emit({"benchmark": "charts", **measure(args.runs, args.seconds)})


if __name__ == "__main__":
    main()
