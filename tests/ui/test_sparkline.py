"""The inline sparklines: a trend scaled to its own range; a signal drawn against its
threshold (so healthy and failing never look alike); gaps for missing data; ASCII."""

from __future__ import annotations

import math

from release_cockpit.domain import Direction, Threshold
from release_cockpit.ui.widgets.sparkline import (
    ASCII_LEVELS,
    Zone,
    sparkline,
    threshold_sparkline,
)

RATIO = Threshold(Direction.ABOVE, fail=0.05, warn=0.02)


def chars(bars: list[tuple[str, Zone | None]]) -> str:
    return "".join(char for char, _ in bars)


def test_values_are_scaled_between_their_minimum_and_maximum():
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([10, 0]) == "█▁"


def test_missing_and_non_finite_values_are_gaps():
    assert sparkline([1, None, 3, math.nan, math.inf]) == "▁ █  "
    assert sparkline([None, None]) == "  "


def test_flat_series_sits_on_the_lowest_level():
    assert sparkline([0.2, 0.2, 0.2]) == "▁▁▁"


def test_only_the_last_values_that_fit_are_drawn():
    assert sparkline(list(range(100)), width=4) == "▁▃▆█"
    assert sparkline([1, 2], width=0) == ""


def test_ascii_levels():
    assert sparkline([0, 1, 2, 3, 4], levels=ASCII_LEVELS) == "_.-=^"


def test_a_healthy_signal_and_a_failing_one_do_not_look_alike():
    # Scaled to their own range both would be the same staircase; against the 5% line a
    # wobbling 0.1% stays on the floor and a failing 8% is at the top.
    healthy = threshold_sparkline([0.001, 0.0012, 0.0009, 0.0011], RATIO)
    failing = threshold_sparkline([0.07, 0.08, 0.079, 0.081], RATIO)
    assert chars(healthy) == "▁▁▁▁"
    assert chars(failing) == "████"
    assert sparkline([0.001, 0.0012, 0.0009, 0.0011]) != "▁▁▁▁"  # what misled


def test_the_warn_and_fail_lines_show_as_zones_and_heights():
    bars = threshold_sparkline([0.001, 0.03, 0.05, 0.06, None, 0.2], RATIO)
    assert chars(bars) == "▁▄▆▇ █"
    assert [zone for _, zone in bars] == [
        Zone.OK,
        Zone.WARN,
        Zone.WARN,  # at the line is not past it
        Zone.FAIL,
        None,
        Zone.FAIL,
    ]


def test_lower_is_worse_keeps_the_fail_line_near_the_bottom():
    success = Threshold(Direction.BELOW, fail=0.95, warn=0.98)
    bars = threshold_sparkline([0.999, 0.99, 0.97, 0.94], success)
    assert chars(bars) == "█▇▅▂"
    assert [zone for _, zone in bars] == [Zone.OK, Zone.OK, Zone.WARN, Zone.FAIL]


def test_no_known_value_draws_nothing_and_no_threshold_starts_at_zero():
    assert threshold_sparkline([None, math.nan], RATIO) == []
    assert threshold_sparkline([], RATIO) == []
    assert chars(threshold_sparkline([1, 2, 3], None)) == "▃▆█"
    assert chars(threshold_sparkline([0.001, 0.06], RATIO, levels=ASCII_LEVELS)) == "_^"
