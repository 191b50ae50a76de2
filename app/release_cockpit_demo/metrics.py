"""Signal values of the demo world: baselines, the bad-canary ramp, noise and alert timing.

A line's observed traffic goes through *regimes*: healthy, or serving a bad version since a
given moment, with or without a canary track taking traffic. Values are a pure function of
(scenario, service, regimes, time), so an instant query and a range query over the past
agree, whenever they are asked.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from release_cockpit_demo.query_templates import CANARY_TRACK, STABLE_TRACK, Query, Signal
from release_cockpit_demo.scenarios import (
    ALERT_FOR,
    ALERT_THRESHOLD,
    BAD_ONSET,
    BAD_PEAK_ERROR_RATIO,
    BAD_PEAK_P99,
    BAD_RAMP,
    Scenario,
)

NOISE = 0.08  # +/- 8 % relative, so sparklines move without crossing thresholds by chance
NOISE_BUCKET = 5.0
LATENCY_ALERT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Regime:
    """From ``start`` on, traffic is healthy (``bad_since`` None) or hits a bad version,
    and the canary track takes some of it (``canary``) or none."""

    start: float
    bad_since: float | None = None
    canary: bool = False


def regime_at(regimes: Sequence[Regime], at: float) -> Regime | None:
    """The regime in force at ``at`` (regimes sorted by start), None before the first."""
    starts = [r.start for r in regimes]
    i = bisect.bisect_right(starts, at) - 1
    return regimes[i] if i >= 0 else None


def _ramp(regime: Regime | None, at: float) -> float:
    if regime is None or regime.bad_since is None:
        return 0.0
    return min(max((at - regime.bad_since - BAD_ONSET) / BAD_RAMP, 0.0), 1.0)


def clean_value(scenario: Scenario, signal: Signal, regime: Regime | None, at: float) -> float:
    """The value without noise: the baseline, or on the way from it to the bad peak."""
    frac = _ramp(regime, at)
    if signal is Signal.ERROR_RATIO:
        return scenario.error_ratio + (BAD_PEAK_ERROR_RATIO - scenario.error_ratio) * frac
    return scenario.p99 + (BAD_PEAK_P99 - scenario.p99) * frac


def _noise(service: str, signal: Signal, bucket: int) -> float:
    digest = zlib.crc32(f"{service}|{signal.value}|{bucket}".encode())
    return (digest / 0xFFFFFFFF) * 2.0 - 1.0


def noise(service: str, signal: Signal, at: float) -> float:
    """Deterministic noise in [-1, 1], seeded by service and time bucket, eased between buckets."""
    position = at / NOISE_BUCKET
    bucket = int(position // 1)
    frac = position - bucket
    low, high = _noise(service, signal, bucket), _noise(service, signal, bucket + 1)
    return low + (high - low) * frac


def value(
    scenario: Scenario, service: str, signal: Signal, regimes: Sequence[Regime], at: float
) -> float:
    """What the Prometheus endpoint answers for one signal of one service at one time."""
    base = clean_value(scenario, signal, regime_at(regimes, at), at)
    return round(base * (1.0 + NOISE * noise(service, signal, at)), 6)


def stable_value(scenario: Scenario, service: str, signal: Signal, at: float) -> float:
    """The stable track's value: the healthy baseline, with noise of its own."""
    base = clean_value(scenario, signal, None, at)
    return round(base * (1.0 + NOISE * noise(f"{service}/{STABLE_TRACK}", signal, at)), 6)


Sample = tuple[dict[str, str], float]


def samples(
    scenario: Scenario, service: str, query: Query, regimes: Sequence[Regime], at: float
) -> list[Sample]:
    """The series (labels, value) a query answers at ``at``, as Prometheus would.

    A track without requests has no series at all (rate() over no samples is empty), and a
    version that does not export its request counter leaves the canary's error ratio empty.
    """
    regime = regime_at(regimes, at)
    canary = regime is not None and regime.canary
    if canary and scenario.errors_missing and query is Query.ERROR_RATIO:
        return []
    if query is not Query.P99_BY_TRACK:
        # The demo answers the canary templates from the line's value even between rollouts,
        # so threshold signals read the whole service when no canary is running.
        return [({}, value(scenario, service, query.signal, regimes, at))]
    found: list[Sample] = []
    if canary:
        found.append(({"track": CANARY_TRACK}, value(scenario, service, query.signal, regimes, at)))
    found.append(({"track": STABLE_TRACK}, stable_value(scenario, service, query.signal, at)))
    return found


def _crossing(scenario: Scenario, signal: Signal, regime: Regime, threshold: float) -> float | None:
    """When the noise-free value of a bad regime first exceeds ``threshold``."""
    if regime.bad_since is None:
        return None
    if signal is Signal.ERROR_RATIO:
        base, peak = scenario.error_ratio, BAD_PEAK_ERROR_RATIO
    else:
        base, peak = scenario.p99, BAD_PEAK_P99
    if base > threshold:
        return regime.start
    if peak <= threshold:
        return None
    frac = (threshold - base) / (peak - base)
    return max(regime.bad_since + BAD_ONSET + frac * BAD_RAMP, regime.start)


def firing_since(
    scenario: Scenario, signal: Signal, regimes: Sequence[Regime], now: float
) -> float | None:
    """When the signal's alert rule started firing (threshold held for ALERT_FOR), or None.

    The rule uses the noise-free value so an alert never flaps on the noise.
    """
    regime = regime_at(regimes, now)
    if regime is None:
        return None
    threshold = ALERT_THRESHOLD if signal is Signal.ERROR_RATIO else LATENCY_ALERT_THRESHOLD
    crossed = _crossing(scenario, signal, regime, threshold)
    if crossed is None:
        return None
    fires = crossed + ALERT_FOR
    return fires if fires <= now else None
