"""The Unleash adapter: one read per flag for all environments; on/off per environment."""

from __future__ import annotations

import httpx
import pytest

from release_cockpit.adapters.flags.unleash import Unleash
from release_cockpit.domain import Action, Target
from release_cockpit.domain.flags import FlagState
from release_cockpit.errors import ActionFailed, AuthError, BadResponse, NotFound, RateLimited
from tests.support.adapters import TOKEN, load

FEATURE = "/api/admin/projects/default/features/checkout-v2"
PRODUCTION = Target.of(flag="checkout-v2", environment="production")
STAGING = Target.of(flag="checkout-v2", environment="staging")
DEVELOPMENT = Target.of(flag="checkout-v2", environment="development")
SHOP = Target.of(flag="checkout-v2", environment="production", project="shop")
ROLLOUT = load("unleash/feature-flexible-rollout-derived.json")


async def test_one_read_per_flag_serves_every_environment(backend, build):
    backend.json("GET", FEATURE, ROLLOUT, ETag='W/"5c-1"')
    found = await build(Unleash).flags([PRODUCTION, STAGING, DEVELOPMENT])
    assert len(backend.requests) == 1
    assert backend.requests[0].headers["Authorization"] == TOKEN  # no "Bearer"
    production, staging, development = (found[t] for t in (PRODUCTION, STAGING, DEVELOPMENT))
    assert isinstance(production, FlagState)
    assert production.summary == "on for 20%"
    assert isinstance(staging, FlagState)
    assert staging.summary == "on for 50%"
    assert isinstance(development, FlagState)
    assert development.summary == "on for everyone"


async def test_the_documented_feature_is_off_in_both_environments(backend, build):
    backend.json(
        "GET", "/api/admin/projects/default/features/demo", load("unleash/feature-get-docs.json")
    )
    target = Target.of(flag="demo", environment="production")
    found = await build(Unleash).flags([target])
    state = found[target]
    assert isinstance(state, FlagState)
    assert state.is_off
    assert state.summary == "off for everyone"


async def test_a_conditional_read_reuses_an_unchanged_answer(backend, build):
    backend.on(
        "GET",
        FEATURE,
        httpx.Response(200, json=ROLLOUT, headers={"ETag": 'W/"5c-1"'}),
        httpx.Response(304, headers={"ETag": 'W/"5c-1"'}),
    )
    adapter = build(Unleash)
    first = await adapter.flags([PRODUCTION])
    second = await adapter.flags([PRODUCTION])
    assert backend.requests[1].headers["If-None-Match"] == 'W/"5c-1"'
    assert first == second


async def test_an_environment_the_flag_lacks_is_its_own_not_found(backend, build):
    backend.json("GET", FEATURE, ROLLOUT)
    qa = Target.of(flag="checkout-v2", environment="qa")
    found = await build(Unleash).flags([PRODUCTION, qa])
    assert isinstance(found[PRODUCTION], FlagState)
    assert isinstance(found[qa], NotFound)
    assert "development, production, staging" in found[qa].hint


async def test_the_project_key_picks_the_project(backend, build):
    backend.json("GET", "/api/admin/projects/shop/features/checkout-v2", ROLLOUT)
    found = await build(Unleash).flags([SHOP])
    assert isinstance(found[SHOP], FlagState)


@pytest.mark.parametrize(
    ("status", "error"), [(401, AuthError), (404, NotFound), (429, RateLimited), (500, BadResponse)]
)
async def test_a_failed_read_fails_that_flags_targets(backend, build, status, error):
    backend.json("GET", FEATURE, {"message": "no"}, status=status, **{"Retry-After": "1"})
    backend.json("GET", "/api/admin/projects/default/features/other", ROLLOUT | {"name": "other"})
    other = Target.of(flag="other", environment="production")
    found = await build(Unleash).flags([PRODUCTION, STAGING, other])
    assert isinstance(found[PRODUCTION], error)
    assert isinstance(found[STAGING], error)
    assert isinstance(found[other], FlagState)


async def test_garbage_is_a_bad_response(backend, build):
    backend.json("GET", FEATURE, {"kind": "Status", "surprise": [1, 2, 3]})
    found = await build(Unleash).flags([PRODUCTION])
    assert isinstance(found[PRODUCTION], BadResponse)


@pytest.mark.parametrize(("action", "verb"), [(Action.FLAG_OFF, "off"), (Action.FLAG_ON, "on")])
async def test_a_switch_posts_to_the_environment(backend, build, action, verb):
    path = f"{FEATURE}/environments/production/{verb}"
    backend.on("POST", path, httpx.Response(200))  # the documented answer: an empty body
    result = await build(Unleash).act(action, PRODUCTION)
    sent = backend.sent("POST")
    assert len(sent) == 1
    assert sent[0].content == b""
    assert result.ok
    assert result.requests == (f"POST {path}",)
    assert result.detail == f"Unleash turned checkout-v2 {verb} in production"


async def test_a_refused_switch_says_why_and_is_not_retried(backend, build):
    body = {
        "id": "1f1a",
        "name": "NoStrategiesError",
        "message": "You can not enable the environment before it has strategies",
    }
    backend.json("POST", f"{FEATURE}/environments/production/on", body, status=409)
    with pytest.raises(ActionFailed) as caught:
        await build(Unleash).act(Action.FLAG_ON, PRODUCTION)
    assert "NoStrategiesError: You can not enable the environment" in str(caught.value)
    assert "needs a strategy" in caught.value.hint
    assert len(backend.requests) == 1


async def test_a_switch_is_never_retried_after_a_server_error(backend, build):
    backend.on("POST", f"{FEATURE}/environments/production/off", httpx.Response(502))
    with pytest.raises(BadResponse):
        await build(Unleash).act(Action.FLAG_OFF, PRODUCTION)
    assert len(backend.requests) == 1  # it may have been applied: never sent twice


async def test_only_flag_actions(build):
    with pytest.raises(ActionFailed):
        await build(Unleash).act(Action.ROLLBACK, PRODUCTION)


def test_the_words_state_the_exact_effect(build):
    adapter = build(Unleash)
    on25 = FlagState("checkout-v2", "production", on=True, rollout="on for 25%")
    off = adapter.switch_words(Action.FLAG_OFF, on25, SHOP)
    assert off.target == "flag checkout-v2 in production (Unleash project shop)"
    assert off.current == "on for 25%"
    assert off.goal == "off for everyone"
    assert off.effect == "turns checkout-v2 off in production for everyone; the code stays deployed"
    now_off = FlagState("checkout-v2", "production", on=False, rollout="off for everyone")
    on = adapter.switch_words(Action.FLAG_ON, now_off, SHOP)
    assert on.effect.startswith("turns checkout-v2 on in production")
    unknown = adapter.switch_words(Action.FLAG_OFF, FlagState("checkout-v2", "production"), SHOP)
    assert unknown.effect.endswith("(its state now is unknown)")


async def test_probe_counts_projects(backend, build):
    backend.json("GET", "/api/admin/projects", {"version": 1, "projects": [{"id": "default"}]})
    result = await build(Unleash).probe()
    assert result.reachable
    assert result.authorised
    assert result.detail == "1 Unleash project visible"


async def test_a_flag_without_an_environment_is_not_switched_and_says_why(build):
    adapter = build(Unleash)
    nowhere = Target.of(flag="checkout-v2")
    offer = adapter.offer(nowhere)
    assert offer.actions == frozenset()
    assert offer.note == "cannot switch checkout-v2: set environment in [[services.KEY.flags]]"
    assert adapter.offer(PRODUCTION).actions == {Action.FLAG_OFF, Action.FLAG_ON}
    with pytest.raises(ActionFailed):
        await adapter.act(Action.FLAG_OFF, nowhere)
