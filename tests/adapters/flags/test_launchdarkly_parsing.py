"""LaunchDarkly: per-environment state, rollout weights, semantic patches, error codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.flags.launchdarkly_parsing import (
    SEMANTIC_PATCH_CONTENT_TYPE,
    error_for,
    flag_path,
    flag_state,
    flags_path,
    list_params,
    parse_flag,
    parse_flags,
    rate_limit_reset_seconds,
    rollout_text,
    switch_request,
)
from release_cockpit.domain.flags import FlagSource, FlagSwitch
from release_cockpit.errors import ActionFailed, AuthError, BadResponse, NotFound, RateLimited
from tests.support.adapters import load


def test_documented_flag_list():
    page = parse_flags(load("launchdarkly/flags-list-200.json"))
    assert list(page.flags) == ["flag-key-123abc"]
    assert page.total == 1
    assert page.next_path == ""
    state = flag_state(page.flags["flag-key-123abc"], "my-environment")
    assert state.switch is FlagSwitch.OFF
    assert state.value == "false"  # offVariation 1
    assert state.rollout == "off for everyone"
    assert state.updated_at == datetime.fromtimestamp(1627071171.347, UTC)
    assert state.source is FlagSource.LAUNCHDARKLY
    missing = flag_state(page.flags["flag-key-123abc"], "production")
    assert missing.switch is FlagSwitch.UNKNOWN
    assert "env=" in missing.error


def test_rollout_weights_read_as_a_percentage():
    page = parse_flags(load("launchdarkly/flags-list-rollout-derived.json"))
    assert page.next_path.endswith("offset=2")
    checkout = flag_state(page.flags["checkout-v2"], "production")
    assert checkout.switch is FlagSwitch.ON
    assert checkout.rollout == "on for 25% plus targeting"  # targets remain on the flag
    assert checkout.value == ""  # a rollout serves no single value
    search = flag_state(page.flags["search-v3"], "production")
    assert search.rollout == "on for everyone"
    assert search.value == "true"
    assert flag_state(page.flags["checkout-v2"], "staging").switch is FlagSwitch.OFF


def test_patch_answer_is_the_whole_flag():
    state = parse_flag(load("launchdarkly/flag-patch-200.json"), "my-environment")
    assert state.key == "flag-key-123abc"
    assert state.switch is FlagSwitch.OFF


BOOL = {"variations": [{"value": True}, {"value": False}]}
COLOURS = {"variations": [{"value": "red"}, {"value": "blue"}, {"value": {"x": 1}}]}


@pytest.mark.parametrize(
    ("flag", "env", "text"),
    [
        (BOOL, {"on": True, "fallthrough": {"variation": 0}}, "on for everyone"),
        (BOOL, {"on": True, "fallthrough": {"variation": 1}}, "on, serving false by default"),
        (
            BOOL,
            {"on": True, "fallthrough": {"variation": 0}, "rules": [{}]},
            "on for everyone plus targeting",
        ),
        (
            BOOL,
            {
                "on": True,
                "fallthrough": {"rollout": {"variations": [{"variation": 0, "weight": 100000}]}},
            },
            "on for everyone",
        ),
        (
            BOOL,
            {
                "on": True,
                "fallthrough": {
                    "rollout": {
                        "variations": [
                            {"variation": 0, "weight": 125},
                            {"variation": 1, "weight": 99875},
                        ]
                    }
                },
            },
            "on for 0.125%",
        ),
        (
            BOOL,
            {
                "on": True,
                "fallthrough": {"rollout": {"variations": [{"variation": 0, "weight": -5}]}},
            },
            "",
        ),
        (BOOL, {"on": True, "fallthrough": {}}, ""),
        (BOOL, {"on": "yes"}, ""),
        (BOOL, {"on": False, "offVariation": 1}, "off for everyone"),
        (BOOL, {"on": False, "offVariation": 0}, "off, serving true"),
        (
            COLOURS,
            {
                "on": True,
                "fallthrough": {
                    "rollout": {
                        "variations": [
                            {"variation": 0, "weight": 50000},
                            {"variation": 1, "weight": 50000},
                        ]
                    }
                },
            },
            "on, split 50% red, 50% blue",
        ),
        (
            BOOL,
            {
                "on": True,
                "fallthrough": {
                    "rollout": {
                        "variations": [
                            {"variation": 0, "weight": 99950},
                            {"variation": 1, "weight": 50},
                        ]
                    }
                },
            },
            "on for 99.95%",
        ),
        (COLOURS, {"on": True, "fallthrough": {"variation": 2}}, 'on, serving {"x": 1} by default'),
        ({}, {"on": True, "fallthrough": {"variation": 0}}, ""),
    ],
)
def test_rollout_text(flag, env, text):
    assert rollout_text(flag, env) == text


def test_semantic_patch_request():
    recorded = load("launchdarkly/semantic-patch-turn-flag-on.request.json")
    on = switch_request("default", "flag-key-123abc", "environment-key-123abc", True)
    assert on.method == "PATCH"
    assert on.path == "/api/v2/flags/default/flag-key-123abc"
    assert on.body == recorded
    assert on.headers["Content-Type"] == SEMANTIC_PATCH_CONTENT_TYPE
    assert (
        on.headers["Content-Type"]
        == load("launchdarkly/flag-patch-200.meta.json")["request_content_type"]
    )
    off = switch_request("p", "checkout-v2", "production", False, comment="release-cockpit: abort")
    assert off.body["instructions"] == [{"kind": "turnFlagOff"}]
    assert off.body["comment"] == "release-cockpit: abort"
    assert off.effect == "turns checkout-v2 off in production for everyone; the code stays deployed"
    with pytest.raises(ValueError, match="environment"):
        switch_request("p", "f", " ", True)


def test_paths_and_params():
    assert flags_path("my proj") == "/api/v2/flags/my%20proj"
    assert flag_path("p", "a/b") == "/api/v2/flags/p/a%2Fb"
    assert list_params("production", limit=50) == {
        "env": "production",
        "limit": "50",
        "offset": "0",
    }
    with pytest.raises(ValueError, match="project"):
        flags_path("")


@pytest.mark.parametrize(
    ("fixture", "status", "kind"),
    [
        ("launchdarkly/error-400-invalid-request.json", 400, BadResponse),
        ("launchdarkly/error-404-not-found.json", 404, NotFound),
        ("launchdarkly/error-409-optimistic-locking.json", 409, ActionFailed),
        ("launchdarkly/error-429-rate-limited.json", 429, RateLimited),
    ],
)
def test_documented_errors(fixture, status, kind):
    body = load(fixture)
    error = error_for(status, body)
    assert type(error) is kind
    assert body["code"] in error.message


def test_conflict_says_what_to_do():
    error = error_for(409, load("launchdarkly/error-409-optimistic-locking.json"))
    assert "refresh" in error.hint
    assert isinstance(error_for(401, {"code": "unauthorized", "message": "x"}), AuthError)
    assert "HTTP 502" in error_for(502, "<html>").message


def test_error_body_where_data_was_expected():
    with pytest.raises(NotFound):
        parse_flags(load("launchdarkly/error-404-not-found.json"))
    with pytest.raises(BadResponse, match="items"):
        parse_flags({"totalCount": 0})
    with pytest.raises(BadResponse, match="not a flag"):
        parse_flag({"environments": {}}, "production")


def test_rate_limit_reset_is_in_milliseconds():
    assert rate_limit_reset_seconds({"X-Ratelimit-Reset": "1764234010000"}, 1764234000.0) == 10.0
    assert rate_limit_reset_seconds({}, 0.0) is None
    assert rate_limit_reset_seconds({"x-ratelimit-reset": "soon"}, 0.0) is None
