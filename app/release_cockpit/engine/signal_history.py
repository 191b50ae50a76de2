"""One signal's measurements for the release being analysed, and its sparkline series.

The store (``engine.store``) keeps one per (release line, signal): measurements start
afresh when a new version is noticed, at most ``HISTORY_LIMIT`` are kept, and the series
keeps the last ``SERIES_POINTS`` values for the sparkline.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from release_cockpit.domain import Measurement
from release_cockpit.engine.poll_result import SERIES_POINTS

HISTORY_LIMIT = 200


@dataclass(slots=True)
class SignalHistory:
    """Measurements of one signal for the current release, and the sparkline series."""

    version: str | None = None
    first_seen: datetime | None = None
    measurements: list[Measurement] = field(default_factory=list)
    series: deque[float | None] = field(default_factory=lambda: deque(maxlen=SERIES_POINTS))
    not_compared: str = ""
    """Why the last comparison did not run ("" once one ran)."""
    not_compared_at: datetime | None = None
    """When it last did not run: the next try waits for the signal's interval, as after a
    measurement (a canary that takes no traffic is not asked about at every poll)."""


__all__ = ["HISTORY_LIMIT", "SignalHistory"]
