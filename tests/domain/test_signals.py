from datetime import timedelta

import pytest

from release_cockpit.domain import (
    Direction,
    Outcome,
    SignalRule,
    Threshold,
    ValueFormat,
    VerdictLevel,
    evaluate,
    measure,
    measurement_error,
)
from tests.support.clock import START

RATIO = SignalRule(
    name="5xx ratio",
    backend="prom",
    query="q",
    threshold=Threshold(Direction.ABOVE, fail=0.05, warn=0.02),
    format=ValueFormat.PERCENT,
    failure_limit=2,
)


def run(rule, values):
    ms = [measure(rule, START + timedelta(seconds=15 * i), v) for i, v in enumerate(values)]
    return evaluate(rule, ms)


def test_measure_classifies_values():
    assert measure(RATIO, START, 0.01).outcome is Outcome.SUCCESSFUL
    assert measure(RATIO, START, 0.079).outcome is Outcome.FAILED
    assert measure(RATIO, START, None).outcome is Outcome.INCONCLUSIVE
    assert measure(RATIO, START, float("nan")).outcome is Outcome.INCONCLUSIVE


def test_below_direction():
    rule = SignalRule("success", "p", "q", Threshold(Direction.BELOW, fail=0.99))
    assert measure(rule, START, 0.95).outcome is Outcome.FAILED
    assert measure(rule, START, 0.999).outcome is Outcome.SUCCESSFUL


def test_ok_reason_names_value_and_threshold():
    status = run(RATIO, [0.004])
    assert status.level is VerdictLevel.OK
    assert status.reason == "5xx ratio 0.4% ≤ 5.0%"


def test_failures_under_limit_warn_with_count():
    status = run(RATIO, [0.004, 0.061, 0.079])
    assert status.level is VerdictLevel.WARNING
    assert status.reason == "5xx ratio 7.9% > 5.0% — 2 of 3 failures, aborts at 3"
    assert status.failures == 2


def test_failures_over_limit_fail():
    status = run(RATIO, [0.06, 0.07, 0.079])
    assert status.level is VerdictLevel.FAILING
    assert "7.9% > 5.0%" in status.reason
    assert status.reason == "5xx ratio 7.9% > 5.0% — 3 failures, over the limit of 2"


def test_default_failure_limit_zero_fails_on_first():
    rule = SignalRule("p99", "p", "q", Threshold(Direction.ABOVE, 0.5), ValueFormat.SECONDS)
    status = run(rule, [0.9])
    assert status.level is VerdictLevel.FAILING
    assert "900ms > 500ms" in status.reason


def test_failure_limit_minus_one_disables():
    rule = SignalRule("p99", "p", "q", Threshold(Direction.ABOVE, 0.5), failure_limit=-1)
    assert run(rule, [0.9, 0.9, 0.9]).level is VerdictLevel.WARNING


def test_warning_band():
    status = run(RATIO, [0.03])
    assert status.level is VerdictLevel.WARNING
    assert "warn 2.0%" in status.reason


def test_inconclusive_needs_a_human():
    status = run(RATIO, [None])
    assert status.level is VerdictLevel.INCONCLUSIVE
    assert "human" in status.reason


def test_consecutive_errors_fail_after_limit():
    errs = [measurement_error(START + timedelta(seconds=i), "connection refused") for i in range(5)]
    status = evaluate(RATIO, errs)
    assert status.level is VerdictLevel.FAILING
    assert "5 errors in a row (limit 4)" in status.reason
    assert evaluate(RATIO, errs[:4]).level is VerdictLevel.WARNING


def test_no_measurements_is_unknown_not_ok():
    assert evaluate(RATIO, []).level is VerdictLevel.UNKNOWN


@pytest.mark.parametrize(
    ("fmt", "value", "text"),
    [
        (ValueFormat.PERCENT, 0.079, "7.9%"),
        (ValueFormat.SECONDS, 0.42, "420ms"),
        (ValueFormat.SECONDS, 1.5, "1.50s"),
        (ValueFormat.NUMBER, 1234.0, "1.23e+03"),
    ],
)
def test_value_formats(fmt, value, text):
    rule = SignalRule("s", "p", "q", Threshold(Direction.ABOVE, 1e9), fmt)
    assert run(rule, [value]).value_text == text
