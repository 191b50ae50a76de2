"""Adapter options are checked against their declared type and bounds, all at once
(adapters/backend_settings.py)."""

import pytest

from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec, validate_options
from release_cockpit.errors import ConfigError

SPECS = {
    "runs": OptionSpec(int, "runs per poll", 10, False, 1, 100),
    "floor": OptionSpec(float, "seconds", 1.0, False, 0.5),
    "cap": OptionSpec(int, "items", 5, False, None, 9),
}


def settings(**options):
    return BackendSettings(
        "ci", "x", "http://x", options=options, file="c.toml", lines={"backends.ci.runs": 7}
    )


def test_defaults_and_values():
    assert validate_options(SPECS, settings(runs=25)) == {"runs": 25, "floor": 1.0, "cap": 5}


def test_every_bound_is_reported_with_its_line():
    with pytest.raises(ConfigError) as info:
        validate_options(SPECS, settings(runs=0, floor=0.1, cap=10))
    found = {(p.key, p.message, p.line) for p in info.value.problems}
    assert found == {
        ("backends.ci.runs", "must be between 1 and 100", 7),
        ("backends.ci.floor", "must be at least 0.5", None),
        ("backends.ci.cap", "must be at most 9", None),
    }
