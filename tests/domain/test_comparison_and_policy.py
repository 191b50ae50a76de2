"""Verdict rules beyond thresholds: critical signals, count and success limits, canary
comparisons, the no-data rule, release-type policies and the rollout ETA."""

from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain import (
    AlertMatcher,
    Baseline,
    Change,
    Direction,
    Outcome,
    PauseKind,
    Policy,
    ReleaseInputs,
    ReleaseType,
    RolloutPhase,
    SignalMode,
    SignalRule,
    StageName,
    Threshold,
    ValueFormat,
    VerdictLevel,
    build_release,
    choose_policy,
    evaluate,
    measure,
)
from release_cockpit.domain.rollout import deploy_eta
from release_cockpit.domain.signals import measure_comparison, not_compared
from tests.support.builders import FRESH, LINE, paused, promoted, rollout, run
from tests.support.clock import START

RATIO = SignalRule(
    "5xx ratio",
    "prometheus",
    "q",
    Threshold(Direction.ABOVE, 0.05),
    ValueFormat.PERCENT,
    failure_limit=3,
)
P99 = SignalRule(
    "p99 vs stable",
    "prometheus",
    "q",
    format=ValueFormat.SECONDS,
    baseline=Baseline(
        canary=(AlertMatcher.parse('track="canary"'),),
        baseline=(AlertMatcher.parse('track="stable"'),),
    ),
)
STABLE = [0.20, 0.21, 0.19, 0.22, 0.20, 0.18, 0.21, 0.20, 0.19, 0.22]


def series(rule, values):
    return [measure(rule, START + timedelta(seconds=15 * i), v) for i, v in enumerate(values)]


def test_critical_signal_fails_at_the_first_failure_whatever_the_limit():
    critical = replace(RATIO, critical=True)
    assert evaluate(RATIO, series(RATIO, [0.01, 0.09])).level is VerdictLevel.WARNING
    status = evaluate(critical, series(critical, [0.01, 0.09, 0.01]))
    assert status.level is VerdictLevel.FAILING
    assert "critical signal" in status.reason


def test_count_reached_without_enough_successes_is_inconclusive():
    rule = replace(RATIO, count=4, consecutive_success_limit=3)
    status = evaluate(rule, series(rule, [0.01, 0.09, 0.01, 0.01]))
    assert status.level is VerdictLevel.INCONCLUSIVE
    assert "4 measurements taken without 3 successes in a row" in status.reason


def test_consecutive_success_limit_passes():
    rule = replace(RATIO, consecutive_success_limit=3)
    status = evaluate(rule, series(rule, [0.09, 0.01, 0.01, 0.01]))
    assert status.level is VerdictLevel.OK
    assert status.reason.endswith("passed: 3 successes in a row")
    assert status.consecutive_successes == 3


def test_comparison_fails_a_clearly_slower_canary_with_its_effect_size():
    canary = [v * 2.0 for v in STABLE]
    m, result = measure_comparison(P99, START, canary, STABLE)
    assert m.outcome is Outcome.FAILED
    assert m.value == result.ratio
    status = evaluate(P99, [m])
    assert status.level is VerdictLevel.FAILING
    assert status.value_text == "2.00x"
    assert "canary 2.00x stable" in status.reason
    assert status.mode is SignalMode.CANARY_VS_BASELINE


def test_comparison_direction():
    faster = [v * 0.5 for v in STABLE]
    assert measure_comparison(P99, START, faster, STABLE)[0].outcome is Outcome.SUCCESSFUL
    either = replace(P99, baseline=replace(P99.baseline, change=Change.EITHER))
    assert measure_comparison(either, START, faster, STABLE)[0].outcome is Outcome.FAILED


def test_comparison_without_canary_points_is_inconclusive():
    m, _ = measure_comparison(P99, START, [], STABLE)
    assert m.outcome is Outcome.INCONCLUSIVE
    assert "not enough data" in m.note
    assert evaluate(P99, [m]).level is VerdictLevel.INCONCLUSIVE


def release(signals, rollout_state=None, **kw):
    inputs = ReleaseInputs(
        line=LINE,
        now=START,
        ci_runs=(run(),),
        rollout=rollout_state or rollout(),
        signals=tuple(signals),
        sources=FRESH,
        **kw,
    )
    return build_release(inputs)


def test_no_data_on_half_the_signals_fails_a_canary():
    empty = evaluate(RATIO, series(RATIO, [None]))
    fine = evaluate(RATIO, series(RATIO, [0.01]))
    compared = evaluate(P99, [measure_comparison(P99, START, [], STABLE)[0]])
    assert release([empty, fine, fine]).verdict.level is VerdictLevel.INCONCLUSIVE
    failing = release([empty, compared, fine])
    assert failing.verdict.level is VerdictLevel.FAILING
    assert failing.verdict.reason.startswith("no canary data on 2 of 3 signals")


def test_a_comparison_that_did_not_run_is_never_counted_as_passing():
    """It used to read "idle ... OK" and count among the signals within thresholds while
    a canary track took traffic with twice the stable p99 (issue: never falsely green)."""
    why = "no canary data (the canary selector matched nothing)"
    idle = not_compared(evaluate(P99, []), why)
    alone = release([idle], rollout_state=promoted(finished_minutes_ago=60))
    [signal] = alone.signals
    assert signal.level is not VerdictLevel.OK
    assert signal.value_text == "not compared"
    assert signal.reason == f"p99 vs stable not compared: {why}"
    assert alone.verdict.level is VerdictLevel.INCONCLUSIVE  # no evidence: a human decides
    assert alone.verdict.reason.startswith("no health evidence: p99 vs stable not compared")
    fine = evaluate(RATIO, series(RATIO, [0.01]))
    both = release([idle, fine], rollout_state=promoted(finished_minutes_ago=60))
    assert both.verdict.level is VerdictLevel.OK
    assert both.verdict.reason == ("1 signal within thresholds, no alerts firing; 1 not compared")


def test_policy_first_match_and_overrides():
    fast = Policy("fast", frozenset({ReleaseType.HOTFIX}), soak=timedelta(minutes=2))
    strict = Policy(
        "strict", frozenset({ReleaseType.MAJOR}), frozenset({"production"}), failure_limit=0
    )
    policies = (fast, strict)
    assert choose_policy(policies, ReleaseType.HOTFIX, "staging") is fast
    assert choose_policy(policies, ReleaseType.MAJOR, "production") is strict
    assert choose_policy(policies, ReleaseType.MAJOR, "staging") is None
    assert strict.apply(RATIO).failure_limit == 0
    assert strict.apply(RATIO).inconclusive_limit == RATIO.inconclusive_limit
    assert strict.summary == "strict: failure limit 0"


def test_policy_soak_shows_on_the_release():
    fast = Policy("hotfix fast lane", soak=timedelta(minutes=2))
    rel = release([], rollout_state=promoted(finished_minutes_ago=1), applied_policy=fast)
    monitor = rel.stage(StageName.MONITOR)
    assert monitor.text(START) == "soak 1m00s left"
    assert monitor.text(START + timedelta(seconds=20)) == "soak 40s left"
    assert rel.policy == "hotfix fast lane: soak 2m00s"


def test_eta_from_the_timed_pauses_ahead():
    moving = replace(
        paused(PauseKind.TIMED_STEP, ends_in=timedelta(seconds=25)), steps_left_seconds=60.0
    )
    assert deploy_eta(moving, START) == START + timedelta(seconds=85)
    rel = release([], rollout_state=moving)
    assert "ETA 1m25s" in rel.stage(StageName.DEPLOY).text(START)
    assert rel.eta(START) == START + timedelta(seconds=85)
    # Past the pause's end (the world has not moved on yet) the steps ahead remain.
    later = START + timedelta(seconds=40)
    assert rel.stage(StageName.DEPLOY).text(later).endswith("next step in 0s · ETA 1m00s")
    assert rel.eta(later) == later + timedelta(seconds=60)


def test_no_eta_when_a_human_gate_lies_ahead_or_nothing_moves():
    gated = replace(rollout(), steps_left_seconds=60.0, gate_ahead=True)
    assert deploy_eta(gated, START) is None
    assert deploy_eta(replace(rollout(), steps_left_seconds=None), START) is None
    assert (
        deploy_eta(replace(rollout(), phase=RolloutPhase.DEGRADED, steps_left_seconds=5), START)
        is None
    )
    assert deploy_eta(promoted(), START) is None
