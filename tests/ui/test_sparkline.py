"""The inline sparkline: scaled to its own range, gaps for missing data, ASCII levels."""

from __future__ import annotations

import math

from release_cockpit.ui.widgets.sparkline import ASCII_LEVELS, sparkline


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
