"""Invariants of the verdict rules, checked on generated measurement histories."""

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from release_cockpit.domain import (
    Direction,
    Measurement,
    Outcome,
    ReleaseInputs,
    SignalRule,
    Threshold,
    VerdictLevel,
    build_release,
    evaluate,
)
from tests.support.builders import FRESH, LINE, rollout, run, source
from tests.support.clock import START

outcomes = st.sampled_from(list(Outcome))
rules = st.builds(
    SignalRule,
    name=st.just("s"),
    backend=st.just("prometheus"),
    query=st.just("q"),
    threshold=st.just(Threshold(Direction.ABOVE, 0.05, 0.02)),
    failure_limit=st.integers(-1, 4),
    inconclusive_limit=st.integers(0, 3),
    consecutive_error_limit=st.integers(0, 4),
    consecutive_success_limit=st.one_of(st.none(), st.integers(1, 4)),
    count=st.one_of(st.none(), st.integers(1, 8)),
    critical=st.booleans(),
)
VALUE = {
    Outcome.SUCCESSFUL: 0.01,
    Outcome.FAILED: 0.09,
    Outcome.INCONCLUSIVE: None,
    Outcome.ERROR: None,
}


def history(kinds):
    return [
        Measurement(
            START + timedelta(seconds=15 * i), VALUE[k], k, "boom" if k is Outcome.ERROR else ""
        )
        for i, k in enumerate(kinds)
    ]


@settings(max_examples=300, deadline=None)
@given(rules, st.lists(outcomes, min_size=1, max_size=12), st.data())
def test_more_failures_never_improve_a_verdict(rule, kinds, data):
    successes = [i for i, k in enumerate(kinds) if k is Outcome.SUCCESSFUL]
    if not successes:
        return
    flip = data.draw(st.sampled_from(successes))
    worse = list(kinds)
    worse[flip] = Outcome.FAILED
    before = evaluate(rule, history(kinds)).level
    after = evaluate(rule, history(worse)).level
    assert after >= before, (kinds, worse, before, after)


levels = st.sampled_from([0.003, 0.03, 0.09, None])


def release_with(values, sources, dry_run_values=()):
    rule = SignalRule("s", "prometheus", "q", Threshold(Direction.ABOVE, 0.05, 0.02))
    statuses = []
    for value in values:
        m = [
            Measurement(
                START,
                value,
                Outcome.INCONCLUSIVE
                if value is None
                else (Outcome.FAILED if value > 0.05 else Outcome.SUCCESSFUL),
            )
        ]
        statuses.append(evaluate(rule, m))
    for value in dry_run_values:
        dry = replace(rule, name="dry", dry_run=True)
        m = [
            Measurement(
                START,
                value,
                Outcome.INCONCLUSIVE
                if value is None
                else (Outcome.FAILED if value > 0.05 else Outcome.SUCCESSFUL),
            )
        ]
        statuses.append(evaluate(dry, m))
    return build_release(
        ReleaseInputs(
            line=LINE,
            now=START,
            ci_runs=(run(),),
            rollout=rollout(),
            signals=tuple(statuses),
            sources=sources,
        )
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(levels, max_size=4), st.integers(0, 2), st.integers(31, 3600))
def test_stale_never_yields_ok(values, which, age):
    stale = list(FRESH)
    stale[which] = source(stale[which].name, age_seconds=age)
    assert build_release_level(values, tuple(stale)) is not VerdictLevel.OK


def build_release_level(values, sources):
    return release_with(values, sources).verdict.level


@settings(max_examples=200, deadline=None)
@given(st.lists(levels, max_size=4), st.lists(levels, min_size=1, max_size=3))
def test_dry_run_signals_never_change_the_verdict(values, dry):
    plain = release_with(values, FRESH).verdict
    with_dry = release_with(values, FRESH, dry_run_values=dry).verdict
    assert with_dry == plain
