"""Pure formatting of values and durations, shared by verdict reasons, the UI and the CLI."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from enum import Enum


class ValueFormat(Enum):
    """How a signal's raw value reads: ratios as percent, seconds as ms/s."""

    PERCENT = "percent"
    SECONDS = "seconds"
    NUMBER = "number"


def format_value(value: float | None, fmt: ValueFormat, unit: str = "") -> str:
    """Render a measured value for people: ``0.079`` as ``7.9%``, ``0.42`` s as ``420ms``."""
    if value is None:
        return "no data"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if fmt is ValueFormat.PERCENT:
        pct = value * 100
        return f"{pct:.1f}%" if abs(pct) < 100 else f"{pct:.0f}%"
    if fmt is ValueFormat.SECONDS:
        if abs(value) < 1:
            return f"{value * 1000:.0f}ms"
        return f"{value:.2f}s" if abs(value) < 10 else f"{value:.0f}s"
    text = f"{value:.3g}" if abs(value) < 1e6 else f"{value:.2e}"
    return f"{text}{unit}" if unit else text


def format_duration(span: timedelta | float | None) -> str:
    """Compact human duration: ``42s``, ``3m12s``, ``2h05m``, ``3d4h``."""
    if span is None:
        return "-"
    seconds = span.total_seconds() if isinstance(span, timedelta) else float(span)
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> timedelta:
    """Parse ``90s``, ``5m``, ``1h30m``, ``2d``, ``500ms`` or a bare number of seconds.

    Raises:
        ValueError: the text is not a duration; the message shows the accepted forms.
    """
    cleaned = text.strip().lower()
    hint = "write e.g. '30s', '5m' or '1h30m'"
    if not cleaned:
        raise ValueError(f"empty duration; {hint}")
    try:
        return timedelta(seconds=float(cleaned))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(cleaned)
    if not parts or "".join(n + u for n, u in parts) != cleaned:
        raise ValueError(f"'{text}' is not a duration; {hint}")
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))
