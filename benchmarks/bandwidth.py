"""Bytes written to the terminal per second over a slow link: 50 releases at 120x40, in a pty.

Issue #7's budget: with nothing changing the board writes no more than a clock tick per
second, and one changed value repaints only its own region. Each case runs the cockpit
against the simulated world in its own process (``demo-world --freeze``, optionally with
``--changes-per-second 1`` and every poll at 1 s so each change reaches the screen):

- ``clock_only``: frozen world, paused with ``p`` once settled: nothing on screen moves
  but the clock, so this is the cost of one clock tick per second (the issue's budget).
- ``frozen_world``: the frozen world, live. Its signal measurements still arrive (values,
  sparklines, failure counts) and "waiting 1m47s for promote" timers count, so it is
  more than a clock tick; ages on the board move by the minute.
- ``one_change_per_s``: one service's error ratio changes every second.
- ``paused_while_changing``: as above, after ``p``: back to about a clock tick.
- ``no_color_ascii``: as ``one_change_per_s`` with ``--color none --ascii`` (bastion host).
- ``wall_frozen``: ``--wall`` on the frozen world (its big clock repaints every second).

Usage::

    python -m benchmarks.bandwidth [--runs 3] [--seconds 10] [--releases 50]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from benchmarks import _harness as h

SETTLE = 10.0
"""Seconds after the first paint before counting: the first polls and the toasts they
raise (releases getting worse, seen for the first time) come and go in this window."""

CASES: dict[str, tuple[bool, Sequence[str], bytes]] = {
    # name: (world changing, extra cockpit flags, keys sent once settled)
    "clock_only": (False, (), b"p"),
    "frozen_world": (False, (), b""),
    "wall_frozen": (False, ("--wall",), b""),
    "one_change_per_s": (True, (), b""),
    "paused_while_changing": (True, (), b"p"),
    "no_color_ascii": (True, ("--color", "none", "--ascii"), b""),
}


def sample(argv: Sequence[str], keys: bytes, seconds: float) -> float:
    """Bytes per second the cockpit writes, counted after it has painted and settled."""
    with h.terminal(argv) as term:
        term.wait_for(h.COCKPIT_TITLE, timeout=60)
        term.count_bytes(SETTLE)
        if keys:
            term.send(keys)
            term.count_bytes(4.0)  # the toast that confirms the key fades first
        return term.count_bytes(seconds) / seconds


def measure(releases: int, runs: int, seconds: float) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for changing in (False, True):
        extra = ["--freeze", *(["--changes-per-second", "1"] if changing else [])]
        with h.world(releases, extra=extra, interval="1s" if changing else None) as world:
            for name, (moving, flags, keys) in CASES.items():
                if moving is not changing:
                    continue
                argv = [*h.cockpit_argv(world.config), *flags]
                rates = [sample(argv, keys, seconds) for _ in range(runs)]
                figures[name] = {"bytes_per_s": h.median(rates)}
    clock = figures["clock_only"]["bytes_per_s"] or 0.0
    changing_rate = figures["one_change_per_s"]["bytes_per_s"] or 0.0
    return {
        "releases": releases,
        "size": f"{h.COLS}x{h.ROWS}",
        **figures,
        # What the updates cost on top of the clock; with 1 s polls every visible panel's
        # sparklines move too, so this is an upper bound for one changed value.
        "update_bytes_per_s": round(max(0.0, changing_rate - clock), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--releases", type=int, default=50)
    args = parser.parse_args()
    h.emit({"benchmark": "bandwidth", **measure(args.releases, args.runs, args.seconds)})


if __name__ == "__main__":
    main()
