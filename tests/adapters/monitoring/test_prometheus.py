"""Prometheus: parsing every result type on recorded payloads, the error envelope, the wire."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from urllib.parse import parse_qs

import httpx
import pytest

from release_cockpit.adapters.monitoring.prometheus import Prometheus, parse_query, parse_range
from release_cockpit.errors import AuthError, BadResponse
from tests.support.adapters import TOKEN, load, make_settings

QUERY = 'sum(rate(http_requests_total{service="checkout",code=~"5.."}[1m]))'


def envelope(result_type: str, result, **extra) -> dict:
    return {"status": "success", "data": {"resultType": result_type, "result": result}, **extra}


def test_parse_query_reads_the_recorded_vector():
    result = parse_query(load("prometheus/query-instant-vector.json"))
    assert result.result_type == "vector"
    assert [s.value for s in result.samples] == [1.0, 0.0]
    first = result.samples[0]
    assert first.labels == {"__name__": "up", "job": "prometheus", "instance": "localhost:9090"}
    assert first.at == 1435781451.781
    assert result.warnings == ()


def test_parse_query_takes_the_last_point_of_a_matrix():
    result = parse_query(load("prometheus/query-range-matrix.json"))
    assert result.result_type == "matrix"
    assert [(s.labels["instance"], s.value, s.at) for s in result.samples] == [
        ("localhost:9090", 1.0, 1435781460.781),
        ("localhost:9091", 1.0, 1435781460.781),
    ]


def test_parse_query_reads_scalar_and_numeric_string():
    scalar = parse_query(envelope("scalar", [1435781451.781, "0.25"]))
    assert [(s.labels, s.value) for s in scalar.samples] == [({}, 0.25)]
    text = parse_query(envelope("string", [1435781451.781, "42"]))
    assert text.samples[0].value == 42.0


def test_a_string_result_that_is_not_a_number_is_a_warning_not_a_crash():
    result = parse_query(envelope("string", [1435781451.781, "hello"]))
    assert result.samples == ()
    assert result.warnings == ("string result 'hello' is not a number",)


@pytest.mark.parametrize(
    ("raw", "check"),
    [
        ("NaN", math.isnan),
        ("+Inf", lambda v: v == math.inf),
        ("-Inf", lambda v: v == -math.inf),
        ("1e-3", lambda v: v == 0.001),
    ],
)
def test_special_values_parse_with_float(raw, check):
    result = parse_query(envelope("vector", [{"metric": {}, "value": [1.0, raw]}]))
    assert check(result.samples[0].value)


def test_native_histogram_samples_are_skipped():
    histogram = {"count": "3", "sum": "1.5", "buckets": [[0, "0.5", "1", "3"]]}
    result = parse_query(
        envelope(
            "vector",
            [
                {"metric": {"le": "native"}, "histogram": [1.0, histogram]},
                {"metric": {"job": "api"}, "value": [1.0, "0.5"]},
            ],
        )
    )
    assert [s.labels for s in result.samples] == [{"job": "api"}]


def test_warnings_and_infos_are_surfaced():
    result = parse_query(
        envelope(
            "vector",
            [],
            warnings=["remote read failed for store eu-1"],
            infos=["metric might not be a counter"],
        )
    )
    assert result.warnings == (
        "remote read failed for store eu-1",
        "info: metric might not be a counter",
    )


def test_an_unknown_result_type_reads_no_value_and_says_why():
    result = parse_query(envelope("hologram", []))
    assert result.samples == ()
    assert "unknown result type" in result.warnings[0]


def test_the_error_envelope_is_a_bad_response_even_with_http_200():
    payload = {"status": "error", "errorType": "bad_data", "error": 'parse error: unexpected "}"'}
    with pytest.raises(BadResponse, match='bad_data: parse error: unexpected "}"'):
        parse_query(payload)


@pytest.mark.parametrize(
    "payload",
    [
        envelope("vector", [{"metric": {}, "value": [1.0]}]),
        envelope("vector", [{"metric": {}, "value": [1.0, "many"]}]),
        {"status": "success"},
        ["not", "an", "object"],
    ],
)
def test_malformed_answers_are_bad_responses(payload):
    with pytest.raises(BadResponse):
        parse_query(payload)


def test_parse_range_reads_the_recorded_matrix():
    series = parse_range(load("prometheus/query-range-matrix.json"))
    assert len(series) == 2
    assert series[1].labels["instance"] == "localhost:9091"
    assert series[1].points == (
        (1435781430.781, 0.0),
        (1435781445.781, 0.0),
        (1435781460.781, 1.0),
    )


def test_parse_range_refuses_a_vector():
    with pytest.raises(BadResponse, match="not a matrix"):
        parse_range(load("prometheus/query-instant-vector.json"))


def test_labels_are_cleaned():
    result = parse_query(
        envelope("vector", [{"metric": {"pod": "api-\x1b[31m1"}, "value": [1.0, "1"]}])
    )
    assert result.samples[0].labels == {"pod": "api-[31m1"}


async def test_query_posts_a_form_with_query_and_time(build, backend):
    backend.json("POST", "/api/v1/query", load("prometheus/query-instant-vector.json"))
    prom = build(Prometheus)
    at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    result = await prom.query(QUERY, at)
    assert result.single_value() == 1.0
    request = backend.requests[0]
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert parse_qs(request.content.decode()) == {
        "query": [QUERY],
        "time": [f"{at.timestamp():.3f}"],
    }


async def test_query_without_time_sends_only_the_query(build, backend):
    backend.json("POST", "/api/v1/query", envelope("vector", []))
    prom = build(Prometheus)
    assert (await prom.query("up")).samples == ()
    assert parse_qs(backend.requests[0].content.decode()) == {"query": ["up"]}


async def test_query_range_posts_start_end_and_step(build, backend):
    backend.json("POST", "/api/v1/query_range", load("prometheus/query-range-matrix.json"))
    prom = build(Prometheus)
    start = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    end = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    series = await prom.query_range("up", start, end, 15.0)
    assert len(series) == 2
    assert parse_qs(backend.requests[0].content.decode()) == {
        "query": ["up"],
        "start": [f"{start.timestamp():.3f}"],
        "end": [f"{end.timestamp():.3f}"],
        "step": ["15"],
    }


async def test_a_400_error_envelope_carries_error_type_and_text(build, backend):
    backend.json(
        "POST",
        "/api/v1/query",
        {"status": "error", "errorType": "bad_data", "error": "invalid parameter 'query'"},
        status=400,
    )
    prom = build(Prometheus)
    with pytest.raises(
        BadResponse, match=r"Prometheus refused the query \(bad_data\): invalid parameter 'query'"
    ) as caught:
        await prom.query("sum(")
    assert caught.value.backend == "test-backend"
    assert len(backend.requests) == 1


@pytest.mark.parametrize("method", ["query", "query_range"])
async def test_a_recorded_parse_error_says_the_query_does_not_parse(build, backend, method):
    path = "/api/v1/query" if method == "query" else "/api/v1/query_range"
    backend.json("POST", path, load("prometheus/query-parse-error-400.json"), status=400)
    prom = build(Prometheus)
    call = (
        prom.query("sum(rate(x[5m])")
        if method == "query"
        else prom.query_range("sum(rate(x[5m])", datetime.now(UTC), datetime.now(UTC), 15)
    )
    with pytest.raises(BadResponse) as caught:
        await call
    assert caught.value.message == (
        "the query does not parse: 1:16: parse error: unclosed left parenthesis"
    )
    assert "it may pass" not in str(caught.value)
    assert len(backend.requests) == 1  # a refusal is not retried


async def test_a_url_with_the_api_path_appended_is_a_wrong_path_showing_the_url(backend):
    backend.on("GET", "/api/v1/-/ready", httpx.Response(404, text="404 page not found"))
    prom = Prometheus(
        make_settings("prometheus", url="https://backend.test/api/v1"), transport=backend.transport
    )
    try:
        result = await prom.probe()
    finally:
        await prom.aclose()
    assert (result.verdict, result.url) == ("WRONG PATH", "GET https://backend.test/api/v1/-/ready")
    assert "already ends in the API path '/api/v1'" in result.detail
    assert "set it to https://backend.test" in result.detail
    assert "NOT AUTHORISED" not in result.verdict


async def test_an_error_envelope_with_http_200_names_the_backend(build, backend):
    backend.json(
        "POST", "/api/v1/query", {"status": "error", "errorType": "execution", "error": "boom"}
    )
    prom = build(Prometheus)
    with pytest.raises(BadResponse, match="execution: boom") as caught:
        await prom.query("up")
    assert caught.value.backend == "test-backend"


async def test_a_query_timeout_503_is_retried(build, backend):
    backend.on(
        "POST",
        "/api/v1/query",
        httpx.Response(
            503, json={"status": "error", "errorType": "timeout", "error": "query timed out"}
        ),
        httpx.Response(200, json=envelope("scalar", [1.0, "3"])),
    )
    prom = build(Prometheus)
    assert (await prom.query("up")).single_value() == 3.0
    assert prom.http.last_retry_waits == (None,)


async def test_a_429_with_retry_after_is_honoured(build, backend):
    backend.on(
        "POST",
        "/api/v1/query",
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(200, json=envelope("vector", [])),
    )
    prom = build(Prometheus)
    await prom.query("up")
    assert prom.http.last_retry_waits == (1.0,)


async def test_401_from_a_proxy_is_an_auth_error(build, backend):
    backend.on("POST", "/api/v1/query", httpx.Response(401, text="Unauthorized"))
    prom = build(Prometheus)
    with pytest.raises(AuthError):
        await prom.query("up")


async def test_an_html_login_page_is_a_bad_response(build, backend):
    backend.on(
        "POST",
        "/api/v1/query",
        httpx.Response(
            200,
            text="<html><form>Sign in</form></html>",
            headers={"Content-Type": "application/json"},
        ),
    )
    prom = build(Prometheus)
    with pytest.raises(BadResponse, match="not valid JSON"):
        await prom.query("up")


async def test_no_token_sends_no_authorization(backend):
    prom = Prometheus(make_settings("prometheus", token=None), transport=backend.transport)
    try:
        backend.json("POST", "/api/v1/query", envelope("vector", []))
        await prom.query("up")
        assert "authorization" not in backend.requests[0].headers
    finally:
        await prom.aclose()


async def test_probe_ready_and_starting(build, backend):
    backend.on(
        "GET",
        "/-/ready",
        httpx.Response(200, text="Prometheus Server is Ready.\n"),
        httpx.Response(503, text="Service Unavailable"),
    )
    prom = build(Prometheus)
    ready = await prom.probe()
    assert (ready.reachable, ready.authorised, ready.detail) == (
        True,
        True,
        "Prometheus Server is Ready.",
    )
    starting = await prom.probe()
    assert starting.reachable is True
    assert starting.authorised is False
    assert "503" in starting.detail
