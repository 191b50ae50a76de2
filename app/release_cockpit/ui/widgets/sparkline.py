"""One-line sparklines as plain characters, small enough to sit inline in a signal's line.

``sparkline`` scales a series to its own range (trends such as weekly deploy counts);
``threshold_sparkline`` draws a signal against its threshold, so a healthy and a
failing signal never look alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING

from release_cockpit.domain.signal_rules import Direction

if TYPE_CHECKING:
    from release_cockpit.domain.signal_rules import Threshold

UNICODE_LEVELS = "▁▂▃▄▅▆▇█"
ASCII_LEVELS = "_.-=^"


def sparkline(
    values: Sequence[float | None], *, width: int = 12, levels: str = UNICODE_LEVELS
) -> str:
    """The last ``width`` values scaled between their own minimum and maximum.

    Missing or non-finite values become a space, so a gap in the data reads as a gap.
    A flat series is drawn on the lowest level: "nothing changed" rather than "maximum".
    """
    if width <= 0 or not levels:
        return ""
    recent = list(values)[-width:]
    finite = [v for v in recent if v is not None and math.isfinite(v)]
    if not finite:
        return " " * len(recent)
    low, high = min(finite), max(finite)
    span = high - low
    top = len(levels) - 1
    chars = []
    for value in recent:
        if value is None or not math.isfinite(value):
            chars.append(" ")
        elif span == 0:
            chars.append(levels[0])
        else:
            chars.append(levels[round((value - low) / span * top)])
    return "".join(chars)


class Zone(Enum):
    """Where a point stands against its signal's threshold (what colours its bar)."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


FAIL_HEIGHT = 0.75
"""Where the fail line sits in a threshold sparkline: three quarters up, so a healthy
signal draws low bars, one past its fail line draws the top ones, and one far past it
the full block."""


def _zone(value: float, threshold: Threshold) -> Zone:
    if threshold.breached(value, threshold.fail):
        return Zone.FAIL
    if threshold.warn is not None and threshold.breached(value, threshold.warn):
        return Zone.WARN
    return Zone.OK


def _range(finite: list[float], threshold: Threshold | None) -> tuple[float, float]:
    """The values the bottom and the top bar stand for."""
    if threshold is None:
        low = min(0.0, min(finite))  # anchored at zero: a flat 0.1% stays low
        return low, max(finite)
    fail = threshold.fail
    if threshold.direction is Direction.ABOVE:
        # 0 to past the fail line: the fail line at FAIL_HEIGHT, whatever the values.
        return min(0.0, min(finite)), fail / FAIL_HEIGHT if fail > 0 else max(finite)
    # Lower is worse: the fail line a quarter up from the bottom, the best value on top.
    high = max([*finite, fail, threshold.warn if threshold.warn is not None else fail])
    room = high - fail if high > fail else abs(fail) * 0.05 or 1.0
    return fail - room * (1 - FAIL_HEIGHT) / FAIL_HEIGHT, max(high, fail + room)


def threshold_sparkline(
    values: Sequence[float | None],
    threshold: Threshold | None,
    *,
    width: int = 12,
    levels: str = UNICODE_LEVELS,
) -> list[tuple[str, Zone | None]]:
    """The last ``width`` values drawn against the signal's threshold, each bar with the
    zone it stands in (None for a gap).

    Scaled from 0 to past the fail line (see ``FAIL_HEIGHT``), not to the series' own
    range: a healthy 0.1% against a 5% line draws the lowest bars, a failing 8% the top
    ones. Without a threshold the bars start at zero. Nothing at all (an empty list)
    when no value is known: no data draws no bars.
    """
    if width <= 0 or not levels:
        return []
    recent = list(values)[-width:]
    finite = [v for v in recent if v is not None and math.isfinite(v)]
    if not finite:
        return []
    low, high = _range(finite, threshold)
    span = high - low
    top = len(levels) - 1
    bars: list[tuple[str, Zone | None]] = []
    for value in recent:
        if value is None or not math.isfinite(value):
            bars.append((" ", None))
            continue
        fraction = 0.0 if span <= 0 else min(max((value - low) / span, 0.0), 1.0)
        zone = _zone(value, threshold) if threshold is not None else None
        bars.append((levels[round(fraction * top)], zone))
    return bars
