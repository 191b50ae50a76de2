"""Health signals: threshold rules, measurements and the rules that judge a signal.

The measurement model follows Argo Rollouts' AnalysisRun (docs/features/analysis.md):
each measurement is successful, failed, inconclusive or error; a signal fails when
failures exceed ``failure_limit``, turns inconclusive when inconclusive measurements
exceed ``inconclusive_limit``, and errors after more than ``consecutive_error_limit``
errors in a row. Conditions are thresholds with a direction, never arbitrary code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from app.domain.formatting import ValueFormat, format_value
from app.domain.verdict import VerdictLevel


class Direction(Enum):
    """Which side of the threshold is bad."""

    ABOVE = "above"  # bad when the value rises above the threshold (error ratio, latency)
    BELOW = "below"  # bad when the value falls below it (success rate, throughput)


class Outcome(Enum):
    SUCCESSFUL = "successful"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Threshold:
    """A failing bound and an optional warning band before it."""

    direction: Direction
    fail: float
    warn: float | None = None

    def breached(self, value: float, bound: float) -> bool:
        return value > bound if self.direction is Direction.ABOVE else value < bound

    @property
    def op(self) -> str:
        return ">" if self.direction is Direction.ABOVE else "<"

    @property
    def ok_op(self) -> str:
        return "≤" if self.direction is Direction.ABOVE else "≥"


@dataclass(frozen=True, slots=True)
class SignalRule:
    """How one signal is measured and judged (built from config)."""

    name: str
    backend: str
    query: str
    threshold: Threshold
    format: ValueFormat = ValueFormat.NUMBER
    unit: str = ""
    interval: timedelta = timedelta(seconds=15)
    failure_limit: int = 0
    inconclusive_limit: int = 0
    consecutive_error_limit: int = 4
    consecutive_success_limit: int | None = None
    count: int | None = None
    initial_delay: timedelta = timedelta(0)
    dry_run: bool = False

    def show(self, value: float | None) -> str:
        return format_value(value, self.format, self.unit)


@dataclass(frozen=True, slots=True)
class Measurement:
    at: datetime
    value: float | None
    outcome: Outcome
    error: str = ""


def measure(rule: SignalRule, at: datetime, value: float | None) -> Measurement:
    """Judge one value against the rule: no data or NaN is inconclusive, never good."""
    if value is None or math.isnan(value):
        return Measurement(at, value, Outcome.INCONCLUSIVE)
    if rule.threshold.breached(value, rule.threshold.fail):
        return Measurement(at, value, Outcome.FAILED)
    return Measurement(at, value, Outcome.SUCCESSFUL)


def measurement_error(at: datetime, error: str) -> Measurement:
    return Measurement(at, None, Outcome.ERROR, error)


@dataclass(frozen=True, slots=True)
class SignalStatus:
    """A signal's judged state: what the panel and the verdict read."""

    name: str
    level: VerdictLevel
    reason: str
    value: float | None = None
    value_text: str = "no data"
    threshold_text: str = ""
    failures: int = 0
    failure_limit: int = 0
    consecutive_errors: int = 0
    measured_at: datetime | None = None
    series: tuple[float | None, ...] = ()
    dry_run: bool = False
    backend: str = ""


def _consecutive(measurements: Sequence[Measurement], outcome: Outcome) -> int:
    run = 0
    for m in reversed(measurements):
        if m.outcome is not outcome:
            break
        run += 1
    return run


def evaluate(
    rule: SignalRule,
    measurements: Sequence[Measurement],
    series: Sequence[float | None] = (),
) -> SignalStatus:
    """Judge a signal from its measurements (oldest first) and explain the judgement.

    The reason always names the value, the threshold and the count against the limit,
    e.g. ``5xx ratio 7.9% > 5.0% — 2 of 3 failures, aborts at 3``.
    """
    th = rule.threshold
    fail_text = rule.show(th.fail)
    threshold_text = f"{th.op} {fail_text}"
    if th.warn is not None:
        threshold_text = f"warn {th.op} {rule.show(th.warn)}, fail {threshold_text}"
    base = SignalStatus(
        name=rule.name,
        level=VerdictLevel.UNKNOWN,
        reason=f"{rule.name}: no measurement yet",
        threshold_text=threshold_text,
        failure_limit=rule.failure_limit,
        series=tuple(series),
        dry_run=rule.dry_run,
        backend=rule.backend,
    )
    if not measurements:
        return base

    last = measurements[-1]
    valued = [m for m in measurements if m.outcome is not Outcome.ERROR]
    latest_value = valued[-1].value if valued else None
    failures = sum(1 for m in measurements if m.outcome is Outcome.FAILED)
    inconclusive = sum(1 for m in measurements if m.outcome is Outcome.INCONCLUSIVE)
    errors_in_row = _consecutive(measurements, Outcome.ERROR)
    value_text = rule.show(latest_value)
    measured = replace(
        base,
        value=latest_value,
        value_text=value_text,
        failures=failures,
        consecutive_errors=errors_in_row,
        measured_at=last.at,
    )
    allowed = rule.failure_limit + 1  # the measurement that makes failures exceed the limit

    def status(level: VerdictLevel, reason: str) -> SignalStatus:
        return replace(measured, level=level, reason=reason)

    if errors_in_row > rule.consecutive_error_limit:
        return status(
            VerdictLevel.FAILING,
            f"{rule.name}: {errors_in_row} errors in a row (limit "
            f"{rule.consecutive_error_limit}): {last.error}",
        )
    if rule.failure_limit >= 0 and failures > rule.failure_limit:
        shown = value_text if last.outcome is Outcome.FAILED else f"was {fail_text}+"
        return status(
            VerdictLevel.FAILING,
            f"{rule.name} {shown} {th.op} {fail_text} — {failures} failures, over the "
            f"limit of {rule.failure_limit}",
        )
    if inconclusive > rule.inconclusive_limit and last.outcome is not Outcome.SUCCESSFUL:
        return status(
            VerdictLevel.INCONCLUSIVE,
            f"{rule.name}: no usable data ({inconclusive} inconclusive, limit "
            f"{rule.inconclusive_limit}) — a human must decide",
        )
    if last.outcome is Outcome.FAILED:
        return status(
            VerdictLevel.WARNING,
            f"{rule.name} {value_text} {th.op} {fail_text} — {failures} of {allowed} "
            f"failures, aborts at {allowed}",
        )
    if last.outcome is Outcome.ERROR:
        return status(
            VerdictLevel.WARNING,
            f"{rule.name}: {errors_in_row} error(s) in a row, fails after "
            f"{rule.consecutive_error_limit}: {last.error}",
        )
    if latest_value is not None and th.warn is not None and th.breached(latest_value, th.warn):
        return status(
            VerdictLevel.WARNING,
            f"{rule.name} {value_text} {th.op} warn {rule.show(th.warn)} (fails {th.op} "
            f"{fail_text})",
        )
    if failures:
        return status(
            VerdictLevel.OK,
            f"{rule.name} {value_text} {th.ok_op} {fail_text} ({failures} of {allowed} failures "
            "so far)",
        )
    return status(VerdictLevel.OK, f"{rule.name} {value_text} {th.ok_op} {fail_text}")
