"""What a health source answers with: samples of an instant query and series of a range
query, normalised across the backends' result types."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of one series at one time. ``value`` may be NaN or +/-Inf."""

    labels: Mapping[str, str]
    value: float
    at: float


@dataclass(frozen=True, slots=True)
class Series:
    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """An instant query's answer, normalised across result types."""

    result_type: str
    samples: tuple[Sample, ...]
    warnings: tuple[str, ...] = ()

    def single_value(self, worst_high: bool = True) -> float | None:
        """One number for a signal: the only series, or the worst of several; None if empty.

        NaN samples are skipped when others exist, so one idle pod does not hide the rest.
        """
        values = [s.value for s in self.samples]
        if not values:
            return None
        real = [v for v in values if not math.isnan(v)]
        if not real:
            return math.nan
        return max(real) if worst_high else min(real)
