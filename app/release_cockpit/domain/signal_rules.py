"""Health-signal rules: how a signal is measured and what it is judged against.

Built from config (``config.rules``) and read by the judgement in ``domain.signals``:
a threshold with a direction, or a canary-vs-baseline comparison whose defaults follow
Kayenta's judge, plus the Argo Rollouts AnalysisRun limits (docs/features/analysis.md)
a policy may override. Conditions are data, never arbitrary code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from enum import Enum

from release_cockpit.domain.alerts import AlertMatcher
from release_cockpit.domain.formatting import ValueFormat, format_value
from release_cockpit.domain.stats import Classification


class Direction(Enum):
    """Which side of a threshold is bad."""

    ABOVE = "above"  # bad when the value rises above the threshold (error ratio, latency)
    BELOW = "below"  # bad when the value falls below it (success rate, throughput)


class Change(Enum):
    """Which change of the canary against the baseline is bad."""

    INCREASE = "increase"
    DECREASE = "decrease"
    EITHER = "either"


class SignalMode(Enum):
    THRESHOLD = "threshold"
    CANARY_VS_BASELINE = "canary-vs-baseline"


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
class Baseline:
    """A canary-vs-baseline comparison: which series are which, and how to judge them.

    Defaults follow Kayenta's judge: 98% confidence and a 25% tolerance.
    """

    canary: tuple[AlertMatcher, ...]
    baseline: tuple[AlertMatcher, ...]
    window: timedelta = timedelta(minutes=10)
    change: Change = Change.INCREASE
    confidence: float = 0.98
    tolerance: float = 0.25
    min_samples: int = 3

    def bad(self, classification: Classification) -> bool:
        if classification is Classification.HIGH:
            return self.change in (Change.INCREASE, Change.EITHER)
        if classification is Classification.LOW:
            return self.change in (Change.DECREASE, Change.EITHER)
        return False


@dataclass(frozen=True, slots=True)
class SignalRule:
    """How one signal is measured and judged (built from config).

    A threshold signal has ``threshold``; a canary-vs-baseline signal has ``baseline``
    (and may also have a threshold, which is then ignored for judging).
    """

    name: str
    backend: str
    query: str
    threshold: Threshold | None = None
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
    critical: bool = False
    baseline: Baseline | None = None

    @property
    def mode(self) -> SignalMode:
        return SignalMode.THRESHOLD if self.baseline is None else SignalMode.CANARY_VS_BASELINE

    @property
    def high_is_bad(self) -> bool:
        """Whether a higher value is the worse one (picks the worst of several series)."""
        if self.baseline is not None:
            return self.baseline.change is not Change.DECREASE
        return self.threshold is None or self.threshold.direction is Direction.ABOVE

    def show(self, value: float | None) -> str:
        return format_value(value, self.format, self.unit)

    @property
    def chart_threshold(self) -> Threshold | None:
        """The line a chart of the signal is drawn against: its threshold, or for a
        comparison the canary/baseline ratio its tolerance allows (its series are ratios)."""
        b = self.baseline
        if b is None:
            return self.threshold
        if b.change is Change.DECREASE:
            return Threshold(Direction.BELOW, 1 - b.tolerance)
        return Threshold(Direction.ABOVE, 1 + b.tolerance)

    @property
    def condition_text(self) -> str:
        """What the signal is judged against, for tables and JSON."""
        if self.baseline is not None:
            b = self.baseline
            bound = {Change.INCREASE: "≤ +", Change.DECREASE: "≥ -", Change.EITHER: "±"}
            return f"baseline {bound[b.change]}{b.tolerance:.0%} @{b.confidence:.0%}"
        if self.threshold is None:
            return "no condition"
        th = self.threshold
        text = f"{th.op} {self.show(th.fail)}"
        if th.warn is not None:
            text = f"warn {th.op} {self.show(th.warn)}, fail {text}"
        return text


def with_limits(
    rule: SignalRule,
    *,
    failure_limit: int | None = None,
    inconclusive_limit: int | None = None,
    consecutive_error_limit: int | None = None,
) -> SignalRule:
    """The rule with a policy's limits applied (None keeps the rule's own)."""
    return replace(
        rule,
        failure_limit=rule.failure_limit if failure_limit is None else failure_limit,
        inconclusive_limit=(
            rule.inconclusive_limit if inconclusive_limit is None else inconclusive_limit
        ),
        consecutive_error_limit=(
            rule.consecutive_error_limit
            if consecutive_error_limit is None
            else consecutive_error_limit
        ),
    )


__all__ = [
    "Baseline",
    "Change",
    "Direction",
    "SignalMode",
    "SignalRule",
    "Threshold",
    "with_limits",
]
