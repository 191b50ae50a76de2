"""The LaunchDarkly adapter: one read per flag and environment; semantic-patch switches."""

from __future__ import annotations

import json

import httpx
import pytest

from release_cockpit.adapters.flags.launchdarkly import LaunchDarkly
from release_cockpit.adapters.flags.launchdarkly_parsing import (
    API_VERSION,
    SEMANTIC_PATCH_CONTENT_TYPE,
)
from release_cockpit.domain import Action, Target
from release_cockpit.domain.flags import FlagState
from release_cockpit.errors import (
    ActionFailed,
    AuthError,
    BadResponse,
    NotFound,
    RateLimited,
)
from tests.support.adapters import TOKEN, load

DERIVED = {
    item["key"]: item for item in load("launchdarkly/flags-list-rollout-derived.json")["items"]
}
"""Flags in the shape GET of one flag answers (a list item is the same FeatureFlag schema)."""
PATH = "/api/v2/flags/shop/checkout-v2"
PRODUCTION = Target.of(project="shop", flag="checkout-v2", environment="production")
STAGING = Target.of(project="shop", flag="checkout-v2", environment="staging")


def one_environment(flag: dict, environment: str) -> dict:
    """The flag as the API answers with ``env=``: only that environment is filled."""
    return {**flag, "environments": {environment: flag["environments"][environment]}}


def by_env(request: httpx.Request) -> httpx.Response:
    environment = request.url.params["env"]
    return httpx.Response(
        200,
        json=one_environment(DERIVED["checkout-v2"], environment),
        headers={"X-Ratelimit-Route-Remaining": "17", "X-Ratelimit-Global-Remaining": "90"},
    )


async def test_a_read_per_flag_and_environment(backend, build):
    backend.on("GET", PATH, by_env)
    adapter = build(LaunchDarkly)
    found = await adapter.flags([PRODUCTION, STAGING, PRODUCTION])
    assert sorted(r.url.params["env"] for r in backend.requests) == ["production", "staging"]
    sent = backend.requests[0].headers
    assert sent["Authorization"] == TOKEN  # LaunchDarkly's scheme: no "Bearer"
    assert sent["LD-API-Version"] == API_VERSION
    production, staging = found[PRODUCTION], found[STAGING]
    # The derived production environment keeps the documented individual targets.
    assert isinstance(production, FlagState)
    assert production.summary == "on for 25% plus targeting"
    assert isinstance(staging, FlagState)
    assert staging.summary == "off for everyone"
    assert adapter.rate_limit_remaining() == 17


async def test_the_documented_flag_is_off(backend, build):
    body = load("launchdarkly/flag-patch-200.json")
    backend.json("GET", "/api/v2/flags/default/flag-key-123abc", body)
    target = Target.of(project="default", flag="flag-key-123abc", environment="my-environment")
    state = (await build(LaunchDarkly).flags([target]))[target]
    assert isinstance(state, FlagState)
    assert state.is_off


async def test_an_environment_missing_from_the_answer_is_unknown(backend, build):
    backend.json("GET", PATH, one_environment(DERIVED["checkout-v2"], "staging"))
    state = (await build(LaunchDarkly).flags([PRODUCTION]))[PRODUCTION]
    assert isinstance(state, FlagState)
    assert state.on is None
    assert "environment not in the answer" in state.summary


@pytest.mark.parametrize(
    ("status", "fixture", "error"),
    [
        (401, None, AuthError),
        (404, "error-404-not-found", NotFound),
        (429, "error-429-rate-limited", RateLimited),
        (500, None, BadResponse),
    ],
)
async def test_a_failed_read_is_that_targets_error(backend, build, status, fixture, error):
    body = load(f"launchdarkly/{fixture}.json") if fixture else {"message": "no"}
    backend.json("GET", PATH, body, status=status, **{"Retry-After": "1"})
    backend.json("GET", "/api/v2/flags/shop/search-v3", DERIVED["search-v3"])
    other = Target.of(project="shop", flag="search-v3", environment="production")
    found = await build(LaunchDarkly).flags([PRODUCTION, other])
    assert isinstance(found[PRODUCTION], error)
    assert isinstance(found[other], FlagState)
    assert found[other].summary == "on for everyone"


async def test_garbage_is_a_bad_response(backend, build):
    backend.json("GET", PATH, {"kind": "Status", "surprise": [1, 2, 3]})
    assert isinstance((await build(LaunchDarkly).flags([PRODUCTION]))[PRODUCTION], BadResponse)


async def test_flag_off_sends_turn_flag_off_for_one_environment(backend, build):
    answer = load("launchdarkly/flag-patch-200.json")
    backend.json("PATCH", PATH, answer)
    result = await build(LaunchDarkly).act(Action.FLAG_OFF, PRODUCTION)
    (sent,) = backend.sent("PATCH")
    assert sent.headers["Content-Type"] == SEMANTIC_PATCH_CONTENT_TYPE
    body = json.loads(sent.content)
    assert body["environmentKey"] == "production"
    assert body["instructions"] == [{"kind": "turnFlagOff"}]
    assert "release-cockpit" in body["comment"]
    assert result.ok
    assert result.requests == (f"PATCH {PATH}",)
    # The documented answer is another flag in another environment: accepted, nothing read.
    assert result.detail == "LaunchDarkly accepted turnFlagOff for checkout-v2 in production"


async def test_flag_on_matches_the_documented_request_and_reads_the_answer(backend, build):
    documented = load("launchdarkly/semantic-patch-turn-flag-on.request.json")
    flag = one_environment(DERIVED["checkout-v2"], "production")
    backend.json("PATCH", PATH, flag)
    result = await build(LaunchDarkly).act(Action.FLAG_ON, PRODUCTION)
    body = json.loads(backend.sent("PATCH")[0].content)
    assert body["instructions"] == documented["instructions"]
    assert result.detail.endswith("in production: now on for 25% plus targeting")


async def test_a_conflict_asks_to_look_again_and_is_not_retried(backend, build):
    body = load("launchdarkly/error-409-optimistic-locking.json")
    backend.json("PATCH", PATH, body, status=409)
    with pytest.raises(ActionFailed) as caught:
        await build(LaunchDarkly).act(Action.FLAG_OFF, PRODUCTION)
    assert "the flag changed while switching it" in str(caught.value)
    assert len(backend.requests) == 1


async def test_a_switch_is_never_retried_after_a_server_error(backend, build):
    backend.on("PATCH", PATH, httpx.Response(502))
    with pytest.raises(BadResponse):
        await build(LaunchDarkly).act(Action.FLAG_OFF, PRODUCTION)
    assert len(backend.requests) == 1


async def test_only_flag_actions(build):
    with pytest.raises(ActionFailed):
        await build(LaunchDarkly).act(Action.PROMOTE, PRODUCTION)


def test_the_words_state_the_exact_effect(build):
    adapter = build(LaunchDarkly)
    on25 = FlagState("checkout-v2", "production", on=True, rollout="on for 25%")
    words = adapter.switch_words(Action.FLAG_OFF, on25, PRODUCTION)
    assert words.target == "flag checkout-v2 in production (LaunchDarkly project shop)"
    assert words.current == "on for 25%"
    assert words.effect == (
        "turns checkout-v2 off in production for everyone; the code stays deployed "
        "(semantic patch turnFlagOff)"
    )


async def test_probe_counts_projects(backend, build):
    backend.json("GET", "/api/v2/projects", {"items": [{"key": "default"}], "totalCount": 3})
    result = await build(LaunchDarkly).probe()
    assert result.reachable
    assert result.authorised
    assert result.detail == "3 LaunchDarkly projects visible"
