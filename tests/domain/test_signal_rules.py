from release_cockpit.domain import AlertMatcher, ValueFormat
from release_cockpit.domain.signal_rules import (
    Baseline,
    Change,
    Direction,
    SignalMode,
    SignalRule,
    Threshold,
    with_limits,
)
from release_cockpit.domain.stats import Classification

CANARY = (AlertMatcher("track", "=", "canary"),)
STABLE = (AlertMatcher("track", "=", "stable"),)


def test_threshold_condition_names_warn_and_fail_in_the_signal_format():
    rule = SignalRule(
        "5xx ratio",
        "prom",
        "q",
        Threshold(Direction.ABOVE, fail=0.05, warn=0.02),
        ValueFormat.PERCENT,
    )
    assert rule.mode is SignalMode.THRESHOLD
    assert rule.condition_text == "warn > 2.0%, fail > 5.0%"
    assert rule.chart_threshold == rule.threshold


def test_comparison_charts_against_its_tolerance_ratio():
    down = SignalRule("rps", "prom", "q", baseline=Baseline(CANARY, STABLE, change=Change.DECREASE))
    assert down.mode is SignalMode.CANARY_VS_BASELINE
    assert down.chart_threshold == Threshold(Direction.BELOW, 0.75)
    assert not down.high_is_bad
    assert down.condition_text == "baseline ≥ -25% @98%"


def test_baseline_judges_only_the_bad_direction():
    up = Baseline(CANARY, STABLE)
    assert up.bad(Classification.HIGH)
    assert not up.bad(Classification.LOW)
    assert Baseline(CANARY, STABLE, change=Change.EITHER).bad(Classification.LOW)


def test_with_limits_keeps_the_rule_own_limits_when_none():
    rule = SignalRule("s", "p", "q", failure_limit=2, consecutive_error_limit=7)
    tuned = with_limits(rule, failure_limit=0)
    assert (tuned.failure_limit, tuned.consecutive_error_limit) == (0, 7)
