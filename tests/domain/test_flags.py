"""Feature-flag state: unknown never reads as on or off."""

from __future__ import annotations

import dataclasses

import pytest

from release_cockpit.domain.flags import FlagSource, FlagState, FlagSwitch, not_read


@pytest.mark.parametrize(
    ("on", "switch"),
    [(True, FlagSwitch.ON), (False, FlagSwitch.OFF), (None, FlagSwitch.UNKNOWN)],
)
def test_switch_follows_on(on, switch):
    state = FlagState("checkout-v2", "production", on=on)
    assert state.switch is switch
    assert state.is_on is (on is True)
    assert state.is_off is (on is False)


@pytest.mark.parametrize("odd", [0, 1, "true", "false", "on", [], {}])
def test_values_that_only_look_boolean_are_unknown(odd):
    # A backend string or number must never pass for a boolean.
    assert FlagSwitch.of(odd) is FlagSwitch.UNKNOWN


def test_unknown_by_default():
    state = FlagState("checkout-v2")
    assert state.on is None
    assert state.switch is FlagSwitch.UNKNOWN
    assert not state.is_on
    assert not state.is_off
    assert state.source is FlagSource.OTHER


def test_describe_says_where_and_why():
    state = FlagState("checkout-v2", "production", on=True, rollout="on for 25%")
    assert state.describe() == "checkout-v2 on in production (on for 25%)"
    missing = FlagState("gone", on=None, error="FLAG_NOT_FOUND: no such flag")
    assert missing.describe() == "gone unknown (FLAG_NOT_FOUND: no such flag)"
    assert FlagState("x", "staging", on=False).describe() == "x off in staging"


def test_frozen_with_slots():
    state = FlagState("k")
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.on = True  # type: ignore[misc]
    assert not hasattr(state, "__dict__")


@pytest.mark.parametrize(
    ("state", "summary"),
    [
        (FlagState("f", "production", on=True, rollout="on for 25%"), "on for 25%"),
        (FlagState("f", "production", on=False, rollout="off for everyone"), "off for everyone"),
        (
            FlagState("f", on=True, value="true", rollout="same for everyone"),
            "on, same for everyone",
        ),
        (FlagState("f", on=False, value="false"), "off"),
        (FlagState("f", value="blue", rollout="targeted"), "serves blue, targeted"),
        (FlagState("f", error="FLAG_NOT_FOUND: gone"), "unknown (FLAG_NOT_FOUND: gone)"),
        (FlagState("f"), "unknown (not read yet)"),
    ],
)
def test_summary_says_who_gets_it_and_never_guesses(state, summary):
    assert state.summary == summary


def test_a_flag_not_read_is_unknown_with_the_reason():
    state = not_read("checkout-v2", "production", "unleash: Backend unreachable")
    assert state.switch is FlagSwitch.UNKNOWN
    assert state.summary == "unknown (unleash: Backend unreachable)"
