"""Canary-vs-baseline statistics against published reference values and hand-computed cases.

Reference p-values are for the method the module implements: two-sided, asymptotic normal
approximation with the tie correction of the variance and a continuity correction of 1/2
(SciPy ``mannwhitneyu(x, y, method="asymptotic")``, R ``wilcox.test(x, y, exact=FALSE)``).
"""

import math

import pytest

from release_cockpit.domain.formatting import ValueFormat, format_value
from release_cockpit.domain.stats import (
    Classification,
    Comparison,
    compare,
    comparison_text,
    effect_text,
    hodges_lehmann,
    mann_whitney_u,
)

NAN = float("nan")
INF = float("inf")


def ms(value: float) -> str:
    return f"{value:g}ms"


def seconds(value: float) -> str:
    return format_value(value, ValueFormat.SECONDS)


# --- Mann-Whitney U: published examples -------------------------------------------------


def test_u_and_p_match_the_scipy_documentation_example():
    # SciPy reference guide, scipy.stats.mannwhitneyu, "Examples": ages at diagnosis of
    # type II diabetes, males vs females (no ties). Published: U1 = 17.0 and, with
    # method="asymptotic", pvalue = 0.11134688653314041.
    males = [19, 22, 16, 29, 24]
    females = [20, 11, 17, 12]
    u, p = mann_whitney_u(males, females)
    assert u == 17.0
    assert p == pytest.approx(0.11134688653314041, rel=1e-12)
    # The docs' U2 = n*m - U1 = 3 is the statistic of the other sample.
    assert mann_whitney_u(females, males) == (3.0, p)


# R's `airquality` data set, Ozone (ppb) for May (Month 5) and August (Month 8), NA removed.
OZONE_MAY = [41, 36, 12, 18, 28, 23, 19, 8, 7, 16, 11, 14, 18]
OZONE_MAY += [14, 34, 6, 30, 11, 1, 11, 4, 32, 23, 45, 115, 37]
OZONE_AUG = [39, 9, 16, 78, 35, 66, 122, 89, 110, 44, 28, 65, 22]
OZONE_AUG += [59, 23, 31, 44, 21, 9, 45, 168, 73, 76, 118, 84, 85]


def test_u_and_p_match_the_r_wilcox_test_example_with_ties():
    # R documentation ?wilcox.test, example
    #   wilcox.test(Ozone ~ Month, data = airquality, subset = Month %in% c(5, 8))
    # prints "Wilcoxon rank sum test with continuity correction ... W = 127.5,
    # p-value = 0.0001208" (ties, so R uses the normal approximation with tie and
    # continuity correction). SciPy's asymptotic method gives 0.00012080783 on the same data.
    assert len(OZONE_MAY) == len(OZONE_AUG) == 26
    u, p = mann_whitney_u(OZONE_MAY, OZONE_AUG)
    assert u == 127.5
    assert p == pytest.approx(0.0001208, abs=5e-8)


def test_u_and_p_match_the_nag_g08amc_example_with_heavy_ties():
    # NAG C Library, nag_mann_whitney (g08amc) example program: 16 vs 23 observations with
    # many ties. Published results: "Test statistic = 86.0000", "Approximate tail
    # probability = 0.0025" (one tail); the two-sided p-value is twice that tail.
    group1 = [13, 6, 12, 7, 12, 7, 10, 7, 10, 7, 16, 7, 10, 8, 9, 8]
    group2 = [17, 6, 10, 8, 15, 8, 15, 10, 15, 10, 14, 10, 14, 11, 14, 11]
    group2 += [13, 12, 13, 12, 13, 12, 12]
    u, p = mann_whitney_u(group1, group2)
    assert u == 86.0
    assert round(p / 2, 4) == 0.0025


def test_u_counts_ties_as_half_by_hand():
    # x=[1,2,2], y=[2,3,4]: x wins no pair, ties 2 pairs (2 vs 2 twice) -> U = 1.
    # Ties: {2: 3} -> sum(t^3 - t) = 24; var = 9/12 * (7 - 24/30) = 4.65;
    # z = (|1 - 4.5| - 0.5) / sqrt(4.65); p = erfc(z / sqrt 2).
    u, p = mann_whitney_u([1, 2, 2], [2, 3, 4])
    assert u == 1.0
    assert p == pytest.approx(math.erfc(3 / math.sqrt(4.65) / math.sqrt(2)), rel=1e-12)


def test_identical_constant_samples_give_p_one():
    assert mann_whitney_u([5, 5, 5], [5, 5]) == (3.0, 1.0)


def test_u_rejects_empty_and_non_finite_samples():
    with pytest.raises(ValueError, match="empty"):
        mann_whitney_u([], [1.0])
    with pytest.raises(ValueError, match="empty"):
        mann_whitney_u([1.0], [])
    with pytest.raises(ValueError, match="NaN or inf"):
        mann_whitney_u([1.0, NAN], [1.0])


# --- Hodges-Lehmann: hand-computed ------------------------------------------------------


def test_hodges_lehmann_small_example_by_hand():
    # x - y for x in [4, 6, 9], y in [1, 2, 5]: 3 2 -1 | 5 4 1 | 8 7 4
    # sorted: -1 1 2 3 4 4 5 7 8 -> median (5th of 9) = 4.
    # sigma = sqrt(3*3*7/12) = 2.2913.
    # 98%: z = 2.3263 -> k = round(4.5 - 5.330) = round(-0.83) -> clamped to 1: [-1, 8].
    # 50%: z = 0.6745 -> k = round(4.5 - 1.5455) = round(2.9545) = 3: [2, 5].
    assert hodges_lehmann([4, 6, 9], [1, 2, 5], 0.98) == (4.0, -1.0, 8.0)
    assert hodges_lehmann([4, 6, 9], [1, 2, 5], 0.5) == (4.0, 2.0, 5.0)


def test_hodges_lehmann_even_number_of_differences_takes_the_middle_pair():
    # x - y for x in [1, 3], y in [0, 1]: 1 0 3 2 -> sorted 0 1 2 3 -> median 1.5.
    assert hodges_lehmann([1, 3], [0, 1], 0.5)[0] == 1.5


def test_hodges_lehmann_interval_for_two_ten_point_samples():
    # x = y + 3 with y = 0..9. The differences are 3 + (i - j); i - j = d occurs 10 - |d|
    # times, so the cumulative counts from d = -9 are 1, 3, 6, 10, 15, 21: the 19th
    # smallest is d = -4. At 98%, k = round(50 - 2.3263 * sqrt(100*21/12)) =
    # round(50 - 30.775) = 19, so the interval is [3 - 4, 3 + 4].
    y = list(range(10))
    x = [v + 3 for v in y]
    assert hodges_lehmann(x, y, 0.98) == (3.0, -1.0, 7.0)


def test_hodges_lehmann_rejects_bad_confidence():
    with pytest.raises(ValueError, match="confidence"):
        hodges_lehmann([1, 2], [1, 2], 1.0)
    with pytest.raises(ValueError, match="confidence"):
        hodges_lehmann([1, 2], [1, 2], 0.0)


# --- compare(): classification ----------------------------------------------------------

# p99 latency in ms: 40 scrapes cycling through 300..390.
STABLE = [300.0 + 10 * (i % 10) for i in range(40)]


def test_clearly_higher_canary_is_high():
    c = compare([2 * v for v in STABLE], STABLE)
    assert c.classification is Classification.HIGH
    assert (c.canary_n, c.baseline_n) == (40, 40)
    assert c.u == 1600.0  # every canary point beats every stable point
    assert c.p_value < 1e-10
    assert c.allowed == 0.25 * 345.0
    assert c.lower > c.allowed
    assert c.ratio == 2.0
    assert (c.canary_mean, c.baseline_mean) == (690.0, 345.0)


def test_clearly_lower_canary_is_low():
    c = compare([v / 2 for v in STABLE], STABLE)
    assert c.classification is Classification.LOW
    assert c.upper < -c.allowed
    assert c.ratio == 0.5


def test_same_distribution_passes():
    c = compare(list(reversed(STABLE)), STABLE)
    assert c.classification is Classification.PASS
    assert c.estimate == 0.0
    assert c.p_value == 1.0
    assert c.lower <= 0.0 <= c.upper


def test_real_but_small_shift_inside_the_tolerance_passes():
    # +20ms on a ~345ms median is statistically clear (p < 0.02) but under 25% of stable.
    c = compare([v + 20 for v in STABLE], STABLE)
    assert c.p_value < 0.02
    assert c.estimate == 20.0
    assert 0.0 <= c.lower < c.allowed
    assert c.classification is Classification.PASS


def test_too_few_points_is_nodata():
    c = compare([400.0, 410.0], STABLE)
    assert c.classification is Classification.NODATA
    assert (c.canary_n, c.baseline_n, c.min_samples) == (2, 40, 3)
    assert (c.u, c.p_value, c.estimate, c.lower, c.upper, c.allowed) == (0, 1, 0, 0, 0, 0)
    assert c.ratio is None
    assert compare(STABLE, [], min_samples=1).classification is Classification.NODATA


def test_nan_and_inf_are_dropped_before_judging():
    noisy = [NAN, INF, *[2 * v for v in STABLE], -INF, NAN]
    c = compare(noisy, [*STABLE, NAN])
    assert c == compare([2 * v for v in STABLE], STABLE)
    assert (c.canary_n, c.baseline_n) == (40, 40)
    only_nans = compare([NAN, NAN, 1.0], STABLE)
    assert only_nans.classification is Classification.NODATA
    assert only_nans.canary_n == 1


def test_zero_baseline_scales_the_band_with_the_means():
    # 5xx ratio with no errors on stable: a 25% band of a 0 median would be 0, and any
    # canary with a single error would fail. The band uses the larger mean instead.
    one_blip = compare([0.0] * 9 + [0.02], [0.0] * 10)
    assert one_blip.allowed == pytest.approx(0.25 * 0.002)
    assert one_blip.classification is Classification.PASS
    assert one_blip.ratio is None

    mixed = compare([0.1] * 5, [0.0, 0.0, 0.0, 0.0, 0.4])  # median 0, mean 0.08
    assert mixed.allowed == pytest.approx(0.25 * 0.1)

    all_zero = compare([0.0] * 10, [0.0] * 10)
    assert all_zero.classification is Classification.PASS
    assert 0 < all_zero.allowed < 1e-9

    erroring = compare([0.05] * 10, [0.0] * 10)
    assert erroring.classification is Classification.HIGH
    assert erroring.allowed == pytest.approx(0.25 * 0.05)


def test_compare_uses_the_confidence_and_tolerance_it_is_given():
    # +100ms (29% of the 345ms median): the estimate is past the 86.25ms band, but at 98%
    # the interval [80, 120] still reaches inside it; at 80% it is [90, 110].
    shifted = [v + 100 for v in STABLE]
    strict = compare(shifted, STABLE)
    assert (strict.estimate, strict.lower, strict.upper) == (100.0, 80.0, 120.0)
    assert strict.classification is Classification.PASS
    loose = compare(shifted, STABLE, confidence=0.8)
    assert (loose.lower, loose.upper, loose.confidence) == (90.0, 110.0, 0.8)
    assert loose.classification is Classification.HIGH
    # +120ms: outside a 25% band, inside a 50% one.
    further = [v + 120 for v in STABLE]
    assert compare(further, STABLE).classification is Classification.HIGH
    relaxed = compare(further, STABLE, tolerance=0.5)
    assert (relaxed.allowed, relaxed.tolerance) == (172.5, 0.5)
    assert relaxed.classification is Classification.PASS


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"confidence": 1.5}, "confidence"),
        ({"tolerance": -0.1}, "tolerance"),
        ({"tolerance": NAN}, "tolerance"),
        ({"min_samples": 0}, "min_samples"),
    ],
)
def test_compare_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        compare(STABLE, STABLE, **kwargs)


# --- Texts ------------------------------------------------------------------------------


def comparison(classification, **fields):
    values = {
        "canary_n": 40,
        "baseline_n": 40,
        "u": 1500.0,
        "p_value": 0.0004,
        "estimate": 0.38,
        "lower": 0.30,
        "upper": 0.52,
        "allowed": 0.09,
        "canary_mean": 0.74,
        "baseline_mean": 0.74 / 2.04,
        "ratio": 2.04,
        "confidence": 0.98,
        "tolerance": 0.25,
    }
    return Comparison(classification, **{**values, **fields})


def test_high_reason_reads_like_the_issue():
    c = comparison(Classification.HIGH)
    assert effect_text(c, seconds) == "canary 2.04x stable"
    assert comparison_text("p99 latency", c, seconds) == (
        "p99 latency canary 2.04x stable (shift +380ms, 98% CI +300ms..+520ms, p=0.0004)"
    )


def test_pass_reason_names_the_tolerance():
    c = comparison(
        Classification.PASS, estimate=0.012, lower=-0.005, upper=0.03, p_value=0.41, ratio=1.03
    )
    assert comparison_text("p99 latency", c, seconds) == (
        "p99 latency canary within 25% of stable (shift +12ms, 98% CI -5ms..+30ms, p=0.41)"
    )


def test_low_reason_and_tiny_p_value():
    c = comparison(
        Classification.LOW, estimate=-0.2, lower=-0.25, upper=-0.15, p_value=3e-9, ratio=0.48
    )
    assert comparison_text("rps", c, seconds) == (
        "rps canary 0.48x stable (shift -200ms, 98% CI -250ms..-150ms, p<0.0001)"
    )


def test_effect_without_ratio_shows_the_difference_of_means():
    up = comparison(Classification.HIGH, ratio=None, canary_mean=0.12, baseline_mean=0.0)
    assert effect_text(up, seconds) == "canary +120ms vs stable"
    down = comparison(Classification.LOW, ratio=None, canary_mean=-0.05, baseline_mean=0.0)
    assert effect_text(down, seconds) == "canary -50ms vs stable"


def test_nodata_reason_says_what_is_missing():
    c = compare([0.4, 0.41], [0.3] * 40)
    assert comparison_text("p99 latency", c, seconds) == (
        "p99 latency: not enough data (canary 2, stable 40 points; need 3)"
    )
    assert effect_text(c, seconds) == "not enough data to compare canary with stable"


def test_reason_from_a_real_comparison():
    c = compare([2 * v for v in STABLE], STABLE)
    assert comparison_text("p99 latency", c, ms) == (
        "p99 latency canary 2.00x stable (shift +345ms, 98% CI +310ms..+380ms, p<0.0001)"
    )
