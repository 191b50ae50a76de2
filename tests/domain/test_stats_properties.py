"""Invariants of the canary-vs-baseline statistics, checked with hypothesis.

Samples are small integers (as floats) so that shifts and differences are exact and a
property failure is a real bug, not rounding.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from release_cockpit.domain.stats import Classification, compare, hodges_lehmann, mann_whitney_u

FAST = settings(max_examples=100, deadline=None)

values = st.integers(min_value=-60, max_value=60).map(float)
samples = st.lists(values, min_size=1, max_size=25)
confidences = st.floats(min_value=0.01, max_value=0.999)

ORDER = {Classification.LOW: 0, Classification.PASS: 1, Classification.HIGH: 2}


@FAST
@given(samples, samples)
def test_u_of_both_samples_adds_up_to_all_pairs(x, y):
    u_xy, _ = mann_whitney_u(x, y)
    u_yx, _ = mann_whitney_u(y, x)
    assert u_xy + u_yx == len(x) * len(y)
    assert 0 <= u_xy <= len(x) * len(y)


@FAST
@given(samples, samples)
def test_p_is_a_probability_and_symmetric(x, y):
    _, p_xy = mann_whitney_u(x, y)
    _, p_yx = mann_whitney_u(y, x)
    assert 0.0 <= p_xy <= 1.0
    assert p_xy == p_yx


@FAST
@given(samples, samples, confidences)
def test_interval_contains_the_estimate(x, y, confidence):
    estimate, lower, upper = hodges_lehmann(x, y, confidence)
    assert lower <= estimate <= upper


@FAST
@given(samples, samples, st.integers(min_value=0, max_value=200))
def test_shifting_the_canary_up_never_lowers_its_classification(canary, baseline, shift):
    before = compare(canary, baseline, min_samples=1)
    after = compare([v + shift for v in canary], baseline, min_samples=1)
    assert ORDER[after.classification] >= ORDER[before.classification]


@FAST
@given(samples, samples, st.integers(min_value=0, max_value=200))
def test_a_high_canary_stays_high_when_shifted_further_up(canary, baseline, shift):
    # 500 above the baseline, every difference (so even the lowest bound, k = 1) is at
    # least 380, over any band these values allow (at most 25% of a 560 mean): HIGH.
    high = [v + 500 for v in canary]
    assert compare(high, baseline, min_samples=1).classification is Classification.HIGH
    after = compare([v + shift for v in high], baseline, min_samples=1)
    assert after.classification is Classification.HIGH
