"""Health signals: measurements and the judgement of a signal from its measurements.

The measurement model follows Argo Rollouts' AnalysisRun (docs/features/analysis.md):
each measurement is successful, failed, inconclusive or error; a signal fails when
failures exceed ``failure_limit`` (default 0: the first failure fails it; -1 disables),
turns inconclusive when inconclusive measurements exceed ``inconclusive_limit``, and fails
after more than ``consecutive_error_limit`` errors in a row. The rules judged against
(thresholds, canary-vs-baseline comparisons, limits) live in ``domain.signal_rules``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

from release_cockpit.domain.charts import FiveNumbers
from release_cockpit.domain.formatting import ValueFormat, format_value
from release_cockpit.domain.signal_rules import SignalMode, SignalRule, Threshold
from release_cockpit.domain.stats import Classification, Comparison, compare, comparison_text
from release_cockpit.domain.verdict import Verdict, VerdictLevel, worst

RECENT = 10  # measurements kept on a status for the detail screen


class Outcome(Enum):
    SUCCESSFUL = "successful"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Spread:
    """A comparison's two samples, summarised, and the shift between them: what the detail
    screen draws as two box plots on one scale, so "canary 2.7x stable" is seen."""

    canary: FiveNumbers | None
    baseline: FiveNumbers | None
    estimate: float
    lower: float
    upper: float
    allowed: float
    confidence: float
    classification: Classification


@dataclass(frozen=True, slots=True)
class Measurement:
    """One judged measurement; ``note`` explains it (a comparison's statistics), and
    ``spread`` holds the samples a comparison judged."""

    at: datetime
    value: float | None
    outcome: Outcome
    error: str = ""
    note: str = ""
    spread: Spread | None = None


def measure(rule: SignalRule, at: datetime, value: float | None) -> Measurement:
    """Judge one value against the threshold: no data or NaN is inconclusive, never good."""
    if value is None or math.isnan(value):
        return Measurement(at, value, Outcome.INCONCLUSIVE, note=f"{rule.name}: no data")
    if rule.threshold is not None and rule.threshold.breached(value, rule.threshold.fail):
        return Measurement(at, value, Outcome.FAILED)
    return Measurement(at, value, Outcome.SUCCESSFUL)


def measure_comparison(
    rule: SignalRule,
    at: datetime,
    canary: Sequence[float],
    baseline: Sequence[float],
) -> tuple[Measurement, Comparison]:
    """Judge the canary's sample against the baseline's with a Mann-Whitney U test.

    The measurement's value is the canary/baseline mean ratio (what the sparkline shows).
    """
    spec = rule.baseline
    if spec is None:
        raise ValueError(f"signal {rule.name} has no baseline comparison")
    result = compare(
        canary,
        baseline,
        confidence=spec.confidence,
        tolerance=spec.tolerance,
        min_samples=spec.min_samples,
    )
    note = comparison_text(rule.name, result, rule.show)
    spread = Spread(
        FiveNumbers.of(canary),
        FiveNumbers.of(baseline),
        result.estimate,
        result.lower,
        result.upper,
        result.allowed,
        result.confidence,
        result.classification,
    )
    if result.classification is Classification.NODATA:
        outcome = Outcome.INCONCLUSIVE
    elif spec.bad(result.classification):
        outcome = Outcome.FAILED
    else:
        outcome = Outcome.SUCCESSFUL
    return Measurement(at, result.ratio, outcome, note=note, spread=spread), result


def measurement_error(at: datetime, error: str) -> Measurement:
    return Measurement(at, None, Outcome.ERROR, error)


@dataclass(frozen=True, slots=True)
class SignalStatus:
    """A signal's judged state: what the panel, the detail screen and the JSON read."""

    name: str
    level: VerdictLevel
    reason: str
    value: float | None = None
    value_text: str = "no data"
    threshold_text: str = ""
    failures: int = 0
    failure_limit: int = 0
    inconclusive: int = 0
    inconclusive_limit: int = 0
    consecutive_errors: int = 0
    consecutive_error_limit: int = 4
    consecutive_successes: int = 0
    measurements: int = 0
    measured_at: datetime | None = None
    series: tuple[float | None, ...] = ()
    recent: tuple[Measurement, ...] = ()
    dry_run: bool = False
    critical: bool = False
    mode: SignalMode = SignalMode.THRESHOLD
    backend: str = ""
    not_compared: str = ""
    """Why a comparison did not run ("no canary data: the canary selector matched
    nothing"); "" when it ran. A signal not compared is never counted as passing."""
    threshold: Threshold | None = None
    """The line its series is drawn against (``SignalRule.chart_threshold``)."""
    value_format: ValueFormat = ValueFormat.NUMBER
    unit: str = ""
    history: tuple[Measurement, ...] = field(default=(), metadata={"json": False}, repr=False)
    """Every measurement of this release kept (oldest first): the detail's chart. The
    same objects as the store's, so this costs references, not copies."""

    def show(self, value: float | None) -> str:
        """A value in the signal's own format (``7.9%``, ``420ms``)."""
        return format_value(value, self.value_format, self.unit)

    @property
    def spread(self) -> Spread | None:
        """The last comparison that judged samples, or None."""
        return next((m.spread for m in reversed(self.history) if m.spread), None)

    @property
    def no_data(self) -> bool:
        """Measured, and the backend had nothing: the Kayenta "nodata" case."""
        return bool(self.recent) and self.recent[-1].outcome is Outcome.INCONCLUSIVE


def _failures(count: int) -> str:
    return "1 failure" if count == 1 else f"{count} failures"


def _consecutive(measurements: Sequence[Measurement], outcome: Outcome) -> int:
    run = 0
    for m in reversed(measurements):
        if m.outcome is not outcome:
            break
        run += 1
    return run


def _value_text(rule: SignalRule, value: float | None) -> str:
    if rule.baseline is not None:
        return "no data" if value is None or math.isnan(value) else f"{value:.2f}x"
    return rule.show(value)


def evaluate(
    rule: SignalRule,
    measurements: Sequence[Measurement],
    series: Sequence[float | None] = (),
) -> SignalStatus:
    """Judge a signal from its measurements (oldest first) and explain the judgement.

    Every rule that applies proposes a verdict and the worst one wins, so more failures
    can never make a signal look better. The reason always names the value, the
    condition and the count against the limit, e.g.
    ``5xx ratio 7.9% > 5.0% — 2 of 3 failures, aborts at 3``.
    """
    if not measurements:
        return _status(rule, series, VerdictLevel.UNKNOWN, f"{rule.name}: no measurement yet")
    last = measurements[-1]
    valued = [m for m in measurements if m.outcome is not Outcome.ERROR]
    latest_value = valued[-1].value if valued else None
    value_text = _value_text(rule, latest_value)
    failures = sum(1 for m in measurements if m.outcome is Outcome.FAILED)
    inconclusive = sum(1 for m in measurements if m.outcome is Outcome.INCONCLUSIVE)
    errors_in_row = _consecutive(measurements, Outcome.ERROR)
    successes_in_row = _consecutive(measurements, Outcome.SUCCESSFUL)
    verdict = worst(
        _proposals(rule, measurements, failures, inconclusive, errors_in_row, successes_in_row),
        default=_ok(rule, measurements, value_text, failures),
    )
    return _status(
        rule,
        series,
        verdict.level,
        verdict.reason,
        value=latest_value,
        value_text=value_text,
        failures=failures,
        inconclusive=inconclusive,
        consecutive_errors=errors_in_row,
        consecutive_successes=successes_in_row,
        measurements=len(measurements),
        measured_at=last.at,
        recent=tuple(measurements[-RECENT:]),
        history=tuple(measurements),
    )


def _status(
    rule: SignalRule,
    series: Sequence[float | None],
    level: VerdictLevel,
    reason: str,
    **measured: Any,
) -> SignalStatus:
    """The status made in one go (``dataclasses.replace`` on it was a fifth of a release's
    build, which runs for every release at every measurement)."""
    return SignalStatus(
        name=rule.name,
        level=level,
        reason=reason,
        threshold_text=rule.condition_text,
        failure_limit=rule.failure_limit,
        inconclusive_limit=rule.inconclusive_limit,
        consecutive_error_limit=rule.consecutive_error_limit,
        series=tuple(series),
        dry_run=rule.dry_run,
        critical=rule.critical,
        mode=rule.mode,
        backend=rule.backend,
        threshold=rule.chart_threshold,
        value_format=rule.format,
        unit=rule.unit,
        **measured,
    )


def _what(rule: SignalRule, m: Measurement, value_text: str) -> str:
    """How one measurement reads: "5xx ratio 7.9% > 5.0%" or the comparison's note."""
    if m.note and (rule.baseline is not None or m.outcome is Outcome.INCONCLUSIVE):
        return m.note
    th = rule.threshold
    if th is None:
        return f"{rule.name} {value_text}"
    op = th.op if m.outcome is Outcome.FAILED else th.ok_op
    return f"{rule.name} {rule.show(m.value)} {op} {rule.show(th.fail)}"


def _proposals(
    rule: SignalRule,
    ms: Sequence[Measurement],
    failures: int,
    inconclusive: int,
    errors_in_row: int,
    successes_in_row: int,
) -> list[Verdict]:
    last = ms[-1]
    last_failed = next((m for m in reversed(ms) if m.outcome is Outcome.FAILED), None)
    allowed = rule.failure_limit + 1  # the failure that makes failures exceed the limit
    out: list[Verdict] = []
    if errors_in_row > rule.consecutive_error_limit:
        out.append(
            Verdict(
                VerdictLevel.FAILING,
                f"{rule.name}: {errors_in_row} errors in a row (limit "
                f"{rule.consecutive_error_limit}): {last.error}",
            )
        )
    if rule.critical and last_failed is not None:
        out.append(
            Verdict(
                VerdictLevel.FAILING,
                f"{_what(rule, last_failed, '')} — critical signal, fails the release at once",
            )
        )
    if rule.failure_limit >= 0 and failures > rule.failure_limit and last_failed is not None:
        out.append(
            Verdict(
                VerdictLevel.FAILING,
                f"{_what(rule, last_failed, '')} — {_failures(failures)}, over the limit of "
                f"{rule.failure_limit}",
            )
        )
    if last.outcome is Outcome.FAILED:
        out.append(
            Verdict(
                VerdictLevel.WARNING,
                f"{_what(rule, last, '')} — {failures} of {allowed} failures, aborts at {allowed}",
            )
        )
    if last.outcome is Outcome.ERROR:
        out.append(
            Verdict(
                VerdictLevel.WARNING,
                f"{rule.name}: {errors_in_row} error(s) in a row, fails after "
                f"{rule.consecutive_error_limit}: {last.error}",
            )
        )
    th = rule.threshold
    if (
        rule.baseline is None
        and th is not None
        and th.warn is not None
        and last.outcome is Outcome.SUCCESSFUL
        and last.value is not None
        and th.breached(last.value, th.warn)
    ):
        out.append(
            Verdict(
                VerdictLevel.WARNING,
                f"{rule.name} {rule.show(last.value)} {th.op} warn {rule.show(th.warn)} "
                f"(fails {th.op} {rule.show(th.fail)})",
            )
        )
    if inconclusive > rule.inconclusive_limit and last.outcome is not Outcome.SUCCESSFUL:
        out.append(
            Verdict(
                VerdictLevel.INCONCLUSIVE,
                f"{last.note or rule.name + ': no usable data'} ({inconclusive} inconclusive, "
                f"limit {rule.inconclusive_limit}) — a human must decide",
            )
        )
    wanted = rule.consecutive_success_limit
    if rule.count is not None and len(ms) >= rule.count and wanted and successes_in_row < wanted:
        out.append(
            Verdict(
                VerdictLevel.INCONCLUSIVE,
                f"{rule.name}: {rule.count} measurements taken without {wanted} successes in "
                "a row — a human must decide",
            )
        )
    return out


def _ok(rule: SignalRule, ms: Sequence[Measurement], value_text: str, failures: int) -> Verdict:
    last = ms[-1]
    text = _what(rule, last, value_text)
    if rule.baseline is None and last.outcome is not Outcome.SUCCESSFUL:
        text = f"{rule.name} {value_text}"
    if failures:
        text += f" ({failures} of {_failures(rule.failure_limit + 1)} so far)"
    wanted = rule.consecutive_success_limit
    if wanted and _consecutive(ms, Outcome.SUCCESSFUL) >= wanted:
        text += f" — passed: {wanted} successes in a row"
    return Verdict(VerdictLevel.OK, text)


def no_data_verdict(signals: Sequence[SignalStatus]) -> Verdict | None:
    """Kayenta's rule for canary analysis: a canary with no data on half or more of its
    signals fails (a canary that reports nothing cannot be trusted). Callers apply it only
    while a canary takes traffic; dry-run signals do not count."""
    counted = [s for s in signals if not s.dry_run]
    empty = [s for s in counted if s.no_data]
    if counted and len(empty) * 2 >= len(counted):
        names = ", ".join(s.name for s in empty)
        return Verdict(
            VerdictLevel.FAILING,
            f"no canary data on {len(empty)} of {len(counted)} signals ({names})",
        )
    return None


def not_compared(status: SignalStatus, why: str) -> SignalStatus:
    """A comparison that did not run: shown as such (neutral, never OK), and left out of
    the verdict, so it never passes a release on its own."""
    return replace(
        status,
        level=VerdictLevel.UNKNOWN,
        reason=f"{status.name} not compared: {why}",
        value=None,
        value_text="not compared",
        not_compared=why,
    )


__all__ = [
    "RECENT",
    "Measurement",
    "Outcome",
    "SignalStatus",
    "evaluate",
    "measure",
    "measure_comparison",
    "measurement_error",
    "no_data_verdict",
    "not_compared",
]
