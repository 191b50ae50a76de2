"""The shared HTTP layer: retries, error mapping, ETags, quotas, body limits."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

import release_cockpit
from release_cockpit.adapters.http import HttpClient
from release_cockpit.adapters.http_cache import ParseCache, token_fingerprint
from release_cockpit.adapters.http_errors import (
    backend_error_text,
    parse_reset,
    parse_retry_after,
)
from release_cockpit.errors import (
    AuthError,
    BadResponse,
    NotFound,
    RateLimited,
    Timeout,
    Unreachable,
)
from tests.support.adapters import TOKEN, Backend, make_settings

NOW = 1_800_000_000.0


@pytest.fixture
async def client(backend: Backend):
    made = HttpClient(
        make_settings("prometheus", name="prom", url="https://prom.test/base"),
        headers={"Authorization": f"Bearer {TOKEN}"},
        transport=backend.transport,
        clock=lambda: NOW,
    )
    yield made
    await made.aclose()


async def test_get_json_sends_user_agent_auth_and_keeps_the_base_path(client, backend):
    backend.json("GET", "/base/api/v1/status", {"ok": True})
    answer = await client.get_json("/api/v1/status", params={"a": "1"})
    assert answer.data == {"ok": True}
    assert answer.changed is True
    request = backend.requests[0]
    assert str(request.url) == "https://prom.test/base/api/v1/status?a=1"
    assert request.headers["user-agent"] == f"release-cockpit/{release_cockpit.__version__}"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert client.last_latency_ms is not None
    assert client.last_latency_ms >= 0


async def test_client_timeouts_follow_the_settings(client):
    timeout = client._client.timeout
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (5.0, 5.0, 5.0, 5.0)


async def test_short_timeout_caps_the_connect_timeout(backend):
    settings = replace(make_settings("prometheus", url="https://prom.test"), timeout=2.0)
    quick = HttpClient(settings, transport=backend.transport)
    try:
        timeout = quick._client.timeout
        assert (timeout.connect, timeout.read) == (2.0, 2.0)
    finally:
        await quick.aclose()


async def test_conditional_get_sends_weak_etag_back_and_reuses_the_body(client, backend):
    etag = 'W/"95415422e6ebe806"'
    backend.on(
        "GET",
        "/base/runs",
        httpx.Response(
            200,
            json={"n": 1},
            headers={"ETag": etag, "Link": '<https://prom.test/base/runs?page=2>; rel="next"'},
        ),
        httpx.Response(304),
    )
    first = await client.get_json("/runs", params={"per_page": 10}, conditional=True)
    second = await client.get_json("/runs", params={"per_page": 10}, conditional=True)
    assert "if-none-match" not in backend.requests[0].headers
    assert backend.requests[1].headers["if-none-match"] == etag
    assert second.changed is False
    assert second.status == 304
    assert second.data == first.data == {"n": 1}
    assert second.links == {"next": "https://prom.test/base/runs?page=2"}


async def test_a_304_without_a_cached_copy_is_a_bad_response(client, backend):
    backend.on("GET", "/base/runs", httpx.Response(304))
    with pytest.raises(BadResponse, match="304"):
        await client.get_json("/runs")


async def test_etag_cache_is_per_url_including_query(client, backend):
    backend.on("GET", "/base/runs", httpx.Response(200, json=[1], headers={"ETag": '"a"'}))
    await client.get_json("/runs", params={"page": 1}, conditional=True)
    await client.get_json("/runs", params={"page": 2}, conditional=True)
    assert "if-none-match" not in backend.requests[1].headers


def test_token_fingerprint_hides_the_token_and_tells_tokens_apart():
    one, two = token_fingerprint(TOKEN), token_fingerprint(TOKEN + "x")
    assert one != two
    assert TOKEN not in one
    assert token_fingerprint(None) == "anonymous"


async def test_retries_a_503_then_succeeds_with_exponential_backoff(client, backend):
    backend.on(
        "GET",
        "/base/q",
        httpx.Response(503, text="busy"),
        httpx.Response(502, text="bad gateway"),
        httpx.Response(200, json=[]),
    )
    answer = await client.get_json("/q")
    assert answer.data == []
    assert len(backend.requests) == 3
    assert client.last_retry_waits == (None, None)


async def test_gives_up_after_three_attempts(client, backend):
    backend.on("GET", "/base/q", httpx.Response(504, json={"message": "gateway timeout"}))
    with pytest.raises(BadResponse, match=r"HTTP 504.*gateway timeout") as caught:
        await client.get_json("/q")
    assert len(backend.requests) == 3
    assert caught.value.backend == "prom"


async def test_honours_retry_after_seconds(client, backend):
    backend.on(
        "GET",
        "/base/q",
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(200, json={}),
    )
    await client.get_json("/q")
    assert client.last_retry_waits == (2.0,)


async def test_honours_retry_after_as_an_http_date(client, backend):
    when = datetime.fromtimestamp(NOW + 4, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    backend.on(
        "GET",
        "/base/q",
        httpx.Response(503, headers={"Retry-After": when}),
        httpx.Response(200, json={}),
    )
    await client.get_json("/q")
    assert client.last_retry_waits == (4.0,)


async def test_a_retry_after_above_the_cap_goes_to_the_engine(client, backend):
    backend.on("GET", "/base/q", httpx.Response(429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimited) as caught:
        await client.get_json("/q")
    assert caught.value.retry_after == 120.0
    assert len(backend.requests) == 1


async def test_a_503_asking_for_a_long_wait_is_rate_limited_not_retried(client, backend):
    backend.on("GET", "/base/q", httpx.Response(503, headers={"Retry-After": "600"}))
    with pytest.raises(RateLimited) as caught:
        await client.get_json("/q")
    assert caught.value.retry_after == 600.0
    assert len(backend.requests) == 1


async def test_quota_spent_403_waits_until_the_reset(client, backend):
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW + 900))}
    backend.on(
        "GET",
        "/base/q",
        httpx.Response(403, json={"message": "API rate limit exceeded"}, headers=headers),
    )
    with pytest.raises(RateLimited, match="rate limit") as caught:
        await client.get_json("/q")
    assert caught.value.retry_after == 900.0
    assert len(backend.requests) == 1


async def test_429_without_any_wait_retries_then_raises_rate_limited(client, backend):
    backend.on("GET", "/base/q", httpx.Response(429, text="slow down"))
    with pytest.raises(RateLimited) as caught:
        await client.get_json("/q")
    assert caught.value.retry_after is None
    assert len(backend.requests) == 3


async def test_post_is_not_retried_after_a_5xx(client, backend):
    backend.on("POST", "/base/act", httpx.Response(503))
    with pytest.raises(BadResponse):
        await client.send("POST", "/act")
    assert len(backend.requests) == 1


async def test_post_is_retried_after_a_429_because_nothing_happened(client, backend):
    backend.on(
        "POST",
        "/base/act",
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(201, json={}),
    )
    response = await client.send("POST", "/act")
    assert response.status_code == 201
    assert client.last_retry_waits == (1.0,)


async def test_a_read_only_post_form_is_retried_like_a_get(client, backend):
    backend.on(
        "POST", "/base/api/v1/query", httpx.Response(503), httpx.Response(200, json={"x": 1})
    )
    answer = await client.post_form("/api/v1/query", {"query": "up"})
    assert answer.data == {"x": 1}
    assert backend.requests[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert backend.requests[0].content == b"query=up"


async def test_connection_refused_is_unreachable_after_retries(client, backend):
    backend.on("GET", "/base/q", httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(Unreachable, match="Connection refused") as caught:
        await client.get_json("/q")
    assert len(backend.requests) == 3
    assert "backends.prom.url" in caught.value.hint


async def test_a_post_is_retried_when_the_connection_never_opened(client, backend):
    backend.on("POST", "/base/act", httpx.ConnectError("refused"), httpx.Response(200, json={}))
    assert (await client.send("POST", "/act")).status_code == 200


async def test_read_timeout_is_a_timeout(client, backend):
    backend.on("GET", "/base/q", httpx.ReadTimeout("timed out"))
    with pytest.raises(Timeout, match="within 5s"):
        await client.get_json("/q")
    assert len(backend.requests) == 3


async def test_a_post_read_timeout_is_not_retried(client, backend):
    backend.on("PATCH", "/base/act", httpx.ReadTimeout("timed out"))
    with pytest.raises(Timeout):
        await client.send("PATCH", "/act")
    assert len(backend.requests) == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_failures_name_where_the_token_comes_from_but_never_the_token(
    client, backend, status
):
    backend.on("GET", "/base/q", httpx.Response(status, json={"message": "Bad credentials"}))
    with pytest.raises(AuthError) as caught:
        await client.get_json("/q")
    error = caught.value
    assert "Bad credentials" in error.message
    assert "backends.prom" in error.hint
    assert "token_env" in error.hint
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)
    assert len(backend.requests) == 1


async def test_404_is_not_found(client, backend):
    backend.on("GET", "/base/q", httpx.Response(404, json={"message": "Not Found"}))
    with pytest.raises(NotFound, match="/q"):
        await client.get_json("/q")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"message": "Validation Failed", "errors": [{"message": "bad ref"}]},
            "Validation Failed: bad ref",
        ),
        (
            {"status": "error", "errorType": "bad_data", "error": "parse error at char 4"},
            "bad_data: parse error at char 4",
        ),
        (
            {
                "kind": "Status",
                "status": "Failure",
                "message": 'rollouts "x" not found',
                "code": 404,
            },
            'rollouts "x" not found',
        ),
        ("silence not found", "silence not found"),
        ({"errors": ["Forbidden"]}, "Forbidden"),
    ],
)
def test_backend_error_text_knows_each_backends_shape(body, expected):
    response = httpx.Response(400, content=json.dumps(body).encode())
    assert backend_error_text(response) == expected


def test_backend_error_text_strips_html_and_escape_sequences():
    page = b"<html><body><h1>502 Bad Gateway</h1>\x1b[31m nginx</body></html>"
    assert backend_error_text(httpx.Response(502, content=page)) == "502 Bad Gateway [31m nginx"


async def test_other_errors_carry_the_backend_text(client, backend):
    backend.on(
        "GET",
        "/base/q",
        httpx.Response(
            422, json={"status": "error", "errorType": "execution", "error": "too many samples"}
        ),
    )
    with pytest.raises(BadResponse, match=r"HTTP 422.*execution: too many samples"):
        await client.get_json("/q")


async def test_tracks_github_rate_limit_headers_in_any_case(client, backend):
    headers = {
        "X-Ratelimit-Remaining": "4931",
        "x-ratelimit-limit": "5000",
        "X-RATELIMIT-RESET": "1800000600",
    }
    backend.on("GET", "/base/q", httpx.Response(200, json={}, headers=headers))
    await client.get_json("/q")
    assert client.rate_limit_remaining == 4931
    assert client.rate_limit_limit == 5000
    assert client.rate_limit_reset == datetime.fromtimestamp(1_800_000_600, UTC)


async def test_tracks_ratelimit_headers_with_a_delta_reset(client, backend):
    headers = {"RateLimit-Remaining": "17", "RateLimit-Limit": "200", "RateLimit-Reset": "30"}
    backend.on("GET", "/base/q", httpx.Response(200, json={}, headers=headers))
    await client.get_json("/q")
    assert client.rate_limit_remaining == 17
    assert client.rate_limit_reset == datetime.fromtimestamp(NOW + 30, UTC)


async def test_never_follows_a_link_to_another_host(client, backend):
    with pytest.raises(BadResponse, match="another host"):
        await client.get_json("https://evil.test/steal")
    assert backend.requests == []


async def test_follows_a_same_origin_absolute_link(client, backend):
    backend.json("GET", "/base/runs", {"page": 2})
    answer = await client.get_json("https://prom.test/base/runs?page=2")
    assert answer.data == {"page": 2}


async def test_allow_returns_refusals_but_rate_limits_still_raise(client, backend):
    backend.on(
        "PATCH",
        "/base/x",
        httpx.Response(409, json={"message": "conflict"}),
        httpx.Response(429, headers={"Retry-After": "100"}),
    )
    refused = await client.send("PATCH", "/x", allow=frozenset({409, 429}))
    assert refused.status_code == 409
    with pytest.raises(RateLimited):
        await client.send("PATCH", "/x", allow=frozenset({409, 429}))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("soon", None),
        (None, None),
        ("Thu, 15 Jan 2027 08:00:10 GMT", 10.0),
    ],
)
def test_parse_retry_after(value, expected):
    now = datetime(2027, 1, 15, 8, 0, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after(value, now) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("1800000900", 1_800_000_900.0), ("60", NOW + 60), ("x", None)]
)
def test_parse_reset_takes_epochs_and_deltas(value, expected):
    assert parse_reset(value, NOW) == expected


def test_parse_cache_parses_once_per_unchanged_url():
    calls = []

    def parse(data):
        calls.append(data)
        return data * 2

    class Answer:
        def __init__(self, url, changed, data):
            self.url, self.changed, self.data = url, changed, data

    cache = ParseCache()
    assert cache.value(Answer("u", True, 2), parse) == 4
    assert cache.value(Answer("u", False, 2), parse) == 4
    assert cache.value(Answer("u", True, 3), parse) == 6
    assert calls == [2, 3]


def test_retry_warnings_never_fall_through_to_stderr():
    handlers = logging.getLogger("stamina").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


# --- What a backend may send back: near-miss secrets, redirects, sizes ------------------


@pytest.mark.parametrize(
    "echo",
    [
        TOKEN,
        TOKEN[:-2],  # cut short
        TOKEN[3:],  # cut at the front
        TOKEN.lower(),
        TOKEN.upper(),
        base64.b64encode(TOKEN.encode()).decode(),
        base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode(),  # a Basic header
        base64.urlsafe_b64encode(f"ab{TOKEN}".encode()).decode(),
    ],
    ids=["exact", "cut-end", "cut-start", "lower", "upper", "b64", "b64-basic", "b64url-shift"],
)
async def test_a_token_echoed_in_any_near_form_is_scrubbed(client, backend, echo):
    backend.json("GET", "/base/q", {"message": f"bad header: Authorization: Bearer {echo}!"}, 500)
    with pytest.raises(BadResponse) as caught:
        await client.get_json("/q")
    text = str(caught.value)
    assert "[redacted]" in text
    for size in range(8, len(TOKEN) + 1):
        for start in range(len(TOKEN) - size + 1):
            assert TOKEN[start : start + size].lower() not in text.lower()
    assert "bad header: Authorization: Bearer" in text


async def test_short_fragments_and_ordinary_text_are_left_alone(client, backend):
    backend.json("GET", "/base/q", {"message": f"the word {TOKEN[:7]} and s3cret stay"}, 500)
    with pytest.raises(BadResponse) as caught:
        await client.get_json("/q")
    assert f"the word {TOKEN[:7]} and s3cret stay" in str(caught.value)


async def test_a_redirect_on_the_same_host_is_followed(client, backend):
    backend.on(
        "GET", "/base/old", httpx.Response(301, headers={"Location": "https://prom.test/base/new"})
    )
    backend.json("GET", "/base/new", {"moved": True})
    assert (await client.get_json("/old")).data == {"moved": True}
    assert backend.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"


async def test_a_redirect_to_another_host_is_refused_not_shown_as_data(client, backend):
    backend.on(
        "GET", "/base/q", httpx.Response(302, headers={"Location": "https://evil.test/steal"})
    )
    with pytest.raises(BadResponse) as caught:
        await client.get_json("/q")
    assert "redirected /base/q to another host (evil.test); not followed" in caught.value.message
    assert "allowed_redirects" in caught.value.hint
    assert [r.url.host for r in backend.requests] == ["prom.test"]


async def test_an_allowed_redirect_host_is_followed_without_the_credentials(backend):
    settings = make_settings(
        "prometheus", name="prom", url="https://prom.test", allowed_redirects=["cdn.test"]
    )
    client = HttpClient(
        settings, headers={"Authorization": f"Bearer {TOKEN}"}, transport=backend.transport
    )
    backend.on("GET", "/logs", httpx.Response(302, headers={"Location": "https://cdn.test/blob"}))
    backend.json("GET", "/blob", {"ok": 1})
    try:
        assert (await client.get_json("/logs")).data == {"ok": 1}
    finally:
        await client.aclose()
    assert backend.requests[-1].url.host == "cdn.test"
    assert "authorization" not in backend.requests[-1].headers
