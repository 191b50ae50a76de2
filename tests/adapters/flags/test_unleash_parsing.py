"""Unleash admin API: per-environment state, rollout text, switch requests, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.flags.unleash_parsing import (
    error_text,
    feature_path,
    features_path,
    flag_state,
    parse_feature,
    parse_project_features,
    rollout_text,
    switch_request,
)
from release_cockpit.domain.flags import FlagSource, FlagSwitch
from release_cockpit.errors import BadResponse
from tests.support.adapters import load


def test_documented_project_list():
    features = parse_project_features(load("unleash/project-features-list.json"))
    assert set(features) == {"demo", "demo.test"}
    prod = features["demo"]["production"]
    assert prod.switch is FlagSwitch.OFF
    assert prod.rollout == "off for everyone"
    assert prod.source is FlagSource.UNLEASH
    assert prod.updated_at is None  # lastSeenAt null
    assert set(features["demo.test"]) == {"development", "production"}


def test_list_without_strategies_does_not_guess_a_rollout():
    payload = {
        "version": 1,
        "features": [
            {
                "name": "checkout-v2",
                "stale": True,
                "lastSeenAt": "2026-11-27T09:00:00.000Z",
                "environments": [
                    {"name": "production", "enabled": True},
                    {"name": "staging", "enabled": "yes"},
                    {"enabled": True},
                ],
            },
            {"environments": []},
            "junk",
        ],
    }
    features = parse_project_features(payload)
    assert list(features) == ["checkout-v2"]
    prod = features["checkout-v2"]["production"]
    assert prod.switch is FlagSwitch.ON
    assert prod.rollout == ""  # the list carries no strategies
    assert prod.reason == "stale"
    assert prod.updated_at == datetime(2026, 11, 27, 9, tzinfo=UTC)
    assert features["checkout-v2"]["staging"].switch is FlagSwitch.UNKNOWN


def test_documented_single_flag():
    states = parse_feature(load("unleash/feature-get-docs.json"))
    assert states["development"].switch is FlagSwitch.OFF
    assert states["production"].rollout == "off for everyone"


def test_flexible_rollout_percentages():
    states = parse_feature(load("unleash/feature-flexible-rollout-derived.json"))
    assert states["development"].rollout == "on for everyone"
    assert states["production"].switch is FlagSwitch.ON
    assert states["production"].rollout == "on for 20%"
    assert states["staging"].rollout == "on for 50%"  # rollout sent as a string


@pytest.mark.parametrize(
    ("enabled", "strategies", "text"),
    [
        (True, [], "on, but no strategy selects anyone"),
        (True, None, ""),
        (None, [], ""),
        ("true", [{"name": "default"}], ""),
        (True, [{"name": "flexibleRollout", "parameters": {"rollout": "100"}}], "on for everyone"),
        (
            True,
            [
                {
                    "name": "flexibleRollout",
                    "parameters": {"rollout": 25},
                    "constraints": [{"contextName": "region"}],
                }
            ],
            "on for some users",
        ),
        (
            True,
            [{"name": "flexibleRollout", "parameters": {"rollout": 25}}, {"name": "userWithId"}],
            "on for 25% and some users",
        ),
        (
            True,
            [{"name": "flexibleRollout", "parameters": {"rollout": "lots"}}],
            "on for some users",
        ),
        (True, [{"name": "flexibleRollout", "parameters": {"rollout": 250}}], "on for some users"),
        (
            True,
            [
                {"name": "default", "disabled": True},
                {"name": "flexibleRollout", "parameters": {"rollout": 5}},
            ],
            "on for 5%",
        ),
        (True, [{"name": "remoteAddress"}], "on for some users"),
        (False, [{"name": "default"}], "off for everyone"),
    ],
)
def test_rollout_text(enabled, strategies, text):
    assert rollout_text(enabled, strategies) == text


def test_flag_state_lookup():
    features = parse_project_features(load("unleash/project-features-list.json"))
    assert flag_state(features, "demo", "production").switch is FlagSwitch.OFF
    missing = flag_state(features, "nope", "production")
    assert missing.switch is FlagSwitch.UNKNOWN
    assert missing.error == "flag not found in Unleash"
    assert flag_state(features, "demo", "qa").error == "environment not found in Unleash"


def test_switch_requests():
    recorded = load("unleash/feature-environment-on-200.meta.json")
    on = switch_request("default", "demo", "development", True)
    assert (on.method, on.path) == (recorded["method"], recorded["path"])
    off = switch_request("default", "checkout-v2", "production", False)
    assert (
        off.path == "/api/admin/projects/default/features/checkout-v2/environments/production/off"
    )
    assert off.effect == "turns checkout-v2 off in production for everyone; the code stays deployed"
    partial = switch_request("default", "checkout-v2", "production", True, "on for 25%")
    assert "on for 25%" in partial.effect
    assert features_path("my project") == "/api/admin/projects/my%20project/features"
    assert feature_path("p", "a/b") == "/api/admin/projects/p/features/a%2Fb"
    with pytest.raises(ValueError, match="environment"):
        switch_request("p", "f", "", True)


def test_errors():
    body = {
        "id": "2b0d5a3c",
        "name": "NotFoundError",
        "message": "Could not find feature flag",
        "details": [{"message": "no flag named nope"}],
    }
    assert error_text(body) == "NotFoundError: Could not find feature flag (no flag named nope)"
    with pytest.raises(BadResponse, match="NotFoundError"):
        parse_feature(body)
    with pytest.raises(BadResponse, match="features"):
        parse_project_features({"version": 1})
    with pytest.raises(BadResponse):
        parse_project_features([])
    with pytest.raises(BadResponse, match="not a feature"):
        parse_feature({"environments": []})
    assert error_text({"x": 1}) == ""
