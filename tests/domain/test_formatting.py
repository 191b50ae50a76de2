from datetime import timedelta

import pytest

from release_cockpit.domain import ValueFormat, format_duration, format_value, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h30m", 5400), ("2d", 172800), ("500ms", 0.5), ("12", 12)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5x", "m5", "1.2.3s", "10 minutes"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match=r"duration|unit"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (42, "42s"), (192, "3m12s"), (7500, "2h05m"), (273600, "3d4h")]
)
def test_format_duration(seconds, text):
    assert format_duration(timedelta(seconds=seconds)) == text


def test_format_value_special_floats():
    assert format_value(float("nan"), ValueFormat.PERCENT) == "NaN"
    assert format_value(float("inf"), ValueFormat.SECONDS) == "+Inf"
    assert format_value(None, ValueFormat.NUMBER) == "no data"
    assert format_value(3.0, ValueFormat.NUMBER, " req/s") == "3 req/s"
