"""The checker helpers: value checks, "did you mean", secret names, the problem collector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from release_cockpit.config.validate import (
    Invalid,
    Problems,
    Reader,
    aware_datetime,
    did_you_mean,
    duration,
    env_name,
    http_url,
    integer,
    is_secret_key,
    number,
    positive_duration,
    show,
    suggest,
)
from release_cockpit.errors import ConfigError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("500ms", timedelta(milliseconds=500)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        (45, timedelta(seconds=45)),
        (0.25, timedelta(milliseconds=250)),
        ("0s", timedelta(0)),
        ("5", timedelta(seconds=5)),
    ],
)
def test_duration_accepts(value, expected):
    assert duration(value) == expected


@pytest.mark.parametrize("value", ["12.5.3", "5 minutes", "", "-5s", True, [1], "inf", "nan"])
def test_duration_rejects(value):
    with pytest.raises(Invalid) as caught:
        duration(value)
    assert caught.value.message.startswith(("expected a duration like '30s'", "must not be"))
    assert "'1h30m'" in caught.value.hint


def test_duration_overflow_is_a_problem_not_a_crash():
    with pytest.raises(Invalid):
        duration(1e300)


def test_negative_seconds_and_zero():
    with pytest.raises(Invalid, match="must not be negative"):
        duration(-1)
    with pytest.raises(Invalid, match="longer than zero"):
        positive_duration("0s")


def test_integer_and_number_reject_booleans():
    with pytest.raises(Invalid, match="expected an integer, got true"):
        integer(True)
    with pytest.raises(Invalid, match="expected a number, got false"):
        number(False)
    assert number(3) == 3.0
    with pytest.raises(Invalid, match="finite"):
        number(float("inf"))


def test_aware_datetime():
    assert aware_datetime("2026-11-27T09:00:00Z") == datetime(2026, 11, 27, 9, tzinfo=UTC)
    moment = datetime(2026, 11, 27, 9, tzinfo=UTC)
    assert aware_datetime(moment) is moment
    with pytest.raises(Invalid, match="needs a time zone"):
        aware_datetime("2026-11-27T09:00:00")
    with pytest.raises(Invalid, match="expected a date and time, got 'soon'"):
        aware_datetime("soon")


def test_did_you_mean_and_suggest():
    assert did_you_mean("intervall", ["interval", "timeout"]) == "interval"
    assert did_you_mean("zzz", ["interval", "timeout"]) is None
    assert suggest("zzz", ["b", "a"]) == "valid keys: a, b"
    assert suggest("zzz", [], "defined backends") == "there are no defined backends"


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("token", True),
        ("Password", True),
        ("api_token", True),
        ("client_secret", True),
        ("api_key", True),
        ("token_env", False),
        ("token_file", False),
        ("tag_format", False),
        ("secretive", False),
    ],
)
def test_is_secret_key(key, secret):
    assert is_secret_key(key) is secret


def test_env_name_never_echoes_the_value():
    assert env_name("GITHUB_TOKEN") == "GITHUB_TOKEN"
    with pytest.raises(Invalid) as caught:
        env_name("ghp_abc-123")
    assert "ghp_abc-123" not in caught.value.message + caught.value.hint


def test_http_url():
    assert http_url(" https://api.github.com ") == "https://api.github.com"
    with pytest.raises(Invalid, match="holds credentials"):
        http_url("https://user@github.com")


def test_show_truncates_long_strings():
    assert show("x" * 100) == "x" * 37 + "..."
    assert show([1]) == "an array"
    assert show({"a": 1}) == "a table"


def test_problems_fall_back_to_the_nearest_written_table_and_sort_by_line():
    problems = Problems("f.toml", {"a": 1, "a.b[0]": 5, "c": 9})
    problems.add("c.missing", "late")
    problems.add("a.b[0].x.y", "nested")
    problems.add("zzz", "nowhere")
    assert [problems.line(k) for k in ("a.b[0].x", "a.q", "zzz")] == [5, 1, None]
    with pytest.raises(ConfigError) as caught:
        problems.raise_if_any()
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (None, "nowhere"),
        (5, "nested"),
        (9, "late"),
    ]


def test_reader_optional_returns_default_and_records_wrong_values():
    problems = Problems("f.toml", {})
    reader = Reader(problems, "t", {"n": "x"})
    assert reader.optional("n", integer, 7) == 7
    assert reader.optional("absent", integer, 3) == 3
    assert [p.key for p in problems.items] == ["t.n"]
    Problems("f.toml", {}).raise_if_any()  # nothing collected, nothing raised
