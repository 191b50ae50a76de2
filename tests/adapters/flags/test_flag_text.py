"""Shared flag text: values of any JSON type, and what a switch does."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.flags.flag_text import switch_effect, value_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (1.5, "1.5"),
        ("blue\x1b[31m", "blue[31m"),
        ({"b": 1, "a": [1, 2]}, '{"a": [1, 2], "b": 1}'),
        (["x"], '["x"]'),
    ],
)
def test_value_text(value, text):
    assert value_text(value) == text


def test_long_values_are_cut():
    assert len(value_text("x" * 500)) == 120


def test_switch_effect():
    assert switch_effect("checkout-v2", "production", False) == (
        "turns checkout-v2 off in production for everyone; the code stays deployed"
    )
    on = switch_effect("checkout-v2", "production", True, "on for 25%")
    assert on.startswith(
        "turns checkout-v2 on in production for whoever its rules select (on for 25%)"
    )
    assert switch_effect("k", "", True) == (
        "turns k on as its rules say; the code is already deployed, only who sees it changes"
    )
