"""Every benchmark in one run, one JSON line: first paint, terminal I/O and CPU, peak RSS,
requests per poll cycle, time until every release has data, keypress latency. Takes about
ten minutes on two cores.

Usage::

    python -m benchmarks.all [--quick]
"""

from __future__ import annotations

import argparse
import time

from benchmarks import _harness as h
from benchmarks import latency, polling, startup, terminal_io, time_to_data


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke run)")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    started = time.monotonic()
    figures = {
        "startup": startup.measure(runs if args.quick else 5, 50),
        "terminal_io": terminal_io.measure(50, runs, 5.0 if args.quick else 10.0),
        "polling": polling.measure([10, 50, 200, 500], 2 if args.quick else 5, 3.0),
        "time_to_data": time_to_data.measure(500),
        "latency_50": latency.measure(50, 10 if args.quick else 40),
        "latency": latency.measure(500, 10 if args.quick else 40),
    }
    h.emit({"benchmark": "all", **figures, "seconds": round(time.monotonic() - started, 1)})


if __name__ == "__main__":
    main()
