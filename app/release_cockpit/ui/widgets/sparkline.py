"""A one-line sparkline as plain characters, small enough to sit inline in a signal's line."""

from __future__ import annotations

import math
from collections.abc import Sequence

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
