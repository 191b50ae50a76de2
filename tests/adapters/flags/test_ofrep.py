"""The OFREP adapter: one bulk evaluation per poll with ETag/304, read-only, errors per flag."""

from __future__ import annotations

import json

import httpx
import pytest

from release_cockpit.adapters.flags.ofrep import Ofrep
from release_cockpit.adapters.flags.ofrep_parsing import BULK_PATH
from release_cockpit.domain import Action, Target
from release_cockpit.domain.flags import FlagSwitch
from release_cockpit.errors import (
    ActionFailed,
    AuthError,
    BadResponse,
    ConfigError,
    NotFound,
    RateLimited,
)
from tests.support.adapters import TOKEN, load, meta_headers

SPEC = "ofrep/spec-evaluate-flags-bulk-200"
BANNER, THEME, MISSING = (
    Target.of(flag="discount-banner"),
    Target.of(flag="theme-color"),
    Target.of(flag="non-existent-flag"),
)


def spec_answer(**headers: str) -> httpx.Response:
    return httpx.Response(
        200, json=load(f"{SPEC}.json"), headers={**meta_headers(f"{SPEC}.meta.json"), **headers}
    )


async def test_one_bulk_evaluation_serves_every_flag(backend, build):
    backend.on("POST", BULK_PATH, spec_answer())
    adapter = build(Ofrep, targeting_key="user-456", context={"plan": "free"})
    found = await adapter.flags([BANNER, THEME, MISSING])
    assert len(backend.requests) == 1
    sent = backend.requests[0]
    assert json.loads(sent.content) == {"context": {"plan": "free", "targetingKey": "user-456"}}
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "If-None-Match" not in sent.headers
    banner = found[BANNER]
    assert not isinstance(banner, Exception)
    assert banner.switch is FlagSwitch.ON
    assert banner.variant == "enabled"
    assert banner.summary == "on, targeted"
    theme = found[THEME]
    assert not isinstance(theme, Exception)
    assert theme.switch is FlagSwitch.UNKNOWN  # a string flag is not a switch
    assert theme.summary == "serves blue, same for everyone"
    # The spec's example answers FLAG_NOT_FOUND inside the bulk: that flag's own NotFound.
    assert isinstance(found[MISSING], NotFound)
    assert "non-existent-flag" in str(found[MISSING])


async def test_the_etag_makes_an_unchanged_poll_a_304(backend, build):
    backend.on("POST", BULK_PATH, spec_answer(), httpx.Response(304, headers={"ETag": "abc123xyz"}))
    adapter = build(Ofrep)
    first = await adapter.flags([BANNER])
    second = await adapter.flags([BANNER])
    assert backend.requests[1].headers["If-None-Match"] == "abc123xyz"
    assert first == second


async def test_a_304_without_an_etag_sent_is_an_error(backend, build):
    backend.on("POST", BULK_PATH, httpx.Response(304))
    found = await build(Ofrep).flags([BANNER])
    assert isinstance(found[BANNER], BadResponse)


async def test_a_real_servers_answer_with_values_of_every_type(backend, build):
    body = load("ofrep/gofeatureflag-evaluate-flags-bulk-200.json")
    backend.json("POST", BULK_PATH, body)
    targets = [Target.of(flag=key) for key in ("new-admin-access", "disable-flag", "number-flag")]
    found = await build(Ofrep).flags(targets)
    split, disabled, number = (found[t] for t in targets)
    assert not isinstance(split, Exception)
    assert split.on is True
    assert split.summary == "on, split between variants"
    # GO Feature Flag answers a disabled flag with value null: unknown, never "off".
    assert not isinstance(disabled, Exception)
    assert disabled.on is None
    assert not isinstance(number, Exception)
    assert number.summary == "serves 1"


async def test_the_api_key_header_when_the_server_asks_for_it(backend, build):
    backend.on("POST", BULK_PATH, spec_answer())
    await build(Ofrep, auth_header="x-api-key").flags([BANNER])
    sent = backend.requests[0].headers
    assert sent["X-API-Key"] == TOKEN
    assert "Authorization" not in sent


def test_an_unknown_auth_header_is_a_config_problem(build):
    with pytest.raises(ConfigError, match="auth_header"):
        build(Ofrep, auth_header="cookie")


async def test_a_refused_context_fails_every_flag_with_the_servers_words(backend, build):
    backend.json("POST", BULK_PATH, load("ofrep/spec-evaluate-flags-bulk-400.json"), status=400)
    found = await build(Ofrep).flags([BANNER, THEME])
    assert all(isinstance(f, BadResponse) for f in found.values())
    assert "INVALID_CONTEXT" in str(found[BANNER])
    assert "targetingKey" in str(found[BANNER])


@pytest.mark.parametrize(
    ("status", "error"), [(401, AuthError), (404, NotFound), (429, RateLimited), (500, BadResponse)]
)
async def test_whole_request_failures_go_to_every_flag(backend, build, status, error):
    backend.json("POST", BULK_PATH, {"message": "no"}, status=status, **{"Retry-After": "1"})
    found = await build(Ofrep).flags([BANNER, THEME])
    assert all(isinstance(f, error) for f in found.values())


async def test_an_evaluation_is_retried_like_a_read(backend, build):
    backend.on("POST", BULK_PATH, httpx.Response(502), spec_answer())
    found = await build(Ofrep).flags([BANNER])
    assert len(backend.requests) == 2
    assert not isinstance(found[BANNER], Exception)


async def test_garbage_is_a_bad_response(backend, build):
    backend.on("POST", BULK_PATH, httpx.Response(200, content=b"<html>sign in</html>"))
    found = await build(Ofrep).flags([BANNER])
    assert isinstance(found[BANNER], BadResponse)


async def test_read_only_it_offers_nothing_and_says_why(build):
    adapter = build(Ofrep)
    offer = adapter.offer(BANNER)
    assert offer.actions == frozenset()
    assert "OFREP only evaluates flags" in offer.note
    assert "discount-banner" in offer.note
    with pytest.raises(ActionFailed):
        await adapter.act(Action.FLAG_OFF, BANNER)


async def test_probe_counts_the_flags(backend, build):
    backend.on("POST", BULK_PATH, spec_answer())
    result = await build(Ofrep).probe()
    assert result.reachable
    assert result.authorised
    assert result.detail == "OFREP evaluates 3 flags (1 failed to evaluate)"
