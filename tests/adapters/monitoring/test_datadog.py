"""The Datadog health adapter on the wire: keys, scalar and timeseries queries on recorded
answers, one request for N services, rate-limit buckets, errors and the probe."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from release_cockpit.adapters.monitoring.datadog import Datadog
from release_cockpit.errors import AuthError, BadResponse, ConfigError, RateLimited
from tests.support.adapters import DD_KEYS, Backend, load, make_settings, meta_headers

SCALAR = "/api/v2/query/scalar"
TIMESERIES = "/api/v2/query/timeseries"
AT = datetime(2024, 4, 1, 14, 20, tzinfo=UTC)


def datadog(backend: Backend, **options) -> Datadog:
    settings = make_settings(
        "datadog", token=None, secrets=dict(DD_KEYS), url="https://api.datadoghq.com", **options
    )
    return Datadog(settings, transport=backend.transport)


def body_of(request: httpx.Request) -> dict:
    return json.loads(request.content)


@pytest.fixture
async def adapter(backend):
    made = datadog(backend)
    yield made
    await made.aclose()


async def test_a_query_sends_both_keys_and_reads_the_recorded_scalar(adapter, backend):
    backend.json("POST", SCALAR, load("datadog/v2-query-scalar-200.json"))
    result = await adapter.query("a = avg:datadog.estimated_usage.metrics.custom{*}", AT)
    assert [s.value for s in result.samples] == [pytest.approx(6.368151928283307)]
    assert result.samples[0].labels == {"query": "a"}
    (request,) = backend.sent()
    assert request.headers["DD-API-KEY"] == DD_KEYS["api_key"]
    assert request.headers["DD-APPLICATION-KEY"] == DD_KEYS["app_key"]
    attributes = body_of(request)["data"]["attributes"]
    assert body_of(request)["data"]["type"] == "scalar_request"
    assert attributes["to"] - attributes["from"] == 5 * 60 * 1000  # the default window
    assert attributes["to"] == int(AT.timestamp() * 1000)
    assert attributes["queries"] == [
        {
            "data_source": "metrics",
            "name": "a",
            "query": "avg:datadog.estimated_usage.metrics.custom{*}",
            "aggregator": "avg",
        }
    ]


async def test_a_template_for_n_services_is_one_request_split_by_the_service_tag(adapter, backend):
    backend.json("POST", SCALAR, load("datadog/v2-query-scalar-grouped-derived.json"))
    template = "a = sum:trace.http.request.errors{$service AND env:prod} by {service}"
    services = ["checkout", "payments", "search"]
    found = await adapter.query_services(template, services, AT)
    assert len(backend.sent()) == 1
    query = body_of(backend.sent()[0])["data"]["attributes"]["queries"][0]["query"]
    assert query == (
        "sum:trace.http.request.errors{service IN (checkout,payments,search) AND env:prod} "
        "by {service}"
    )
    assert found["checkout"].single_value() == pytest.approx(6.368151928283307)
    assert found["payments"].single_value() == 0.5
    assert found["search"].samples == ()  # null in the answer: no data, never 0


async def test_fifty_services_are_still_one_request(adapter, backend):
    backend.json("POST", SCALAR, {"data": {"type": "scalar_response", "attributes": {}}})
    services = [f"svc-{i:03d}" for i in range(50)]
    template = (
        "errors = sum:e{$service} by {service}; hits = sum:h{$service} by {service}; errors / hits"
    )
    found = await adapter.query_services(template, services, AT)
    assert len(backend.sent()) == 1
    attributes = body_of(backend.sent()[0])["data"]["attributes"]
    assert len(attributes["queries"]) == 2
    assert attributes["formulas"] == [{"formula": "errors / hits", "alias": "f0"}]
    assert all(result.samples == () for result in found.values())


async def test_canary_and_baseline_are_two_queries_of_one_range_request(adapter, backend):
    backend.json("POST", TIMESERIES, load("datadog/v2-query-timeseries-batched-derived.json"))
    template = (
        "canary = avg:trace.http.request.duration{$service AND version:canary} by {service}; "
        "baseline = avg:trace.http.request.duration{$service AND version:stable} by {service}"
    )
    found = await adapter.query_range_services(
        template, ["checkout", "payments"], AT - timedelta(minutes=10), AT, 10.0
    )
    (request,) = backend.sent()
    assert body_of(request)["data"]["attributes"]["interval"] == 10_000
    checkout = {s.labels["query"]: [v for _, v in s.points] for s in found["checkout"]}
    assert checkout == {"canary": [1, 87], "baseline": [1, 1]}  # nulls dropped
    payments = {s.labels["query"]: [v for _, v in s.points] for s in found["payments"]}
    assert payments == {"canary": [1, 1, 87], "baseline": []}
    assert found["checkout"][0].labels["env"] == "prod"  # group tags become labels


async def test_the_service_colon_form_sends_each_service_its_own_queries(adapter, backend):
    def answer(request: httpx.Request) -> httpx.Response:
        attributes = body_of(request)["data"]["attributes"]
        columns = [
            {"name": f["alias"], "type": "number", "values": [0.01 * (i + 1)]}
            for i, f in enumerate(attributes["formulas"])
        ]
        return httpx.Response(200, json={"data": {"attributes": {"columns": columns}}})

    backend.on("POST", SCALAR, answer)
    template = (
        "errors = sum:trace.http.request.errors{service:$service,env:prod}.as_count(); "
        "hits = sum:trace.http.request.hits{service:$service,env:prod}.as_count(); "
        "abs(errors) / hits as ratio"
    )
    found = await adapter.query_services(template, ["checkout", "payments"], AT)
    attributes = body_of(backend.sent()[0])["data"]["attributes"]
    assert [q["name"] for q in attributes["queries"]] == [
        "errors_s0",
        "hits_s0",
        "errors_s1",
        "hits_s1",
    ]
    assert attributes["queries"][2]["query"] == (
        "sum:trace.http.request.errors{service:payments,env:prod}.as_count()"
    )
    assert attributes["formulas"] == [
        {"formula": "abs(errors_s0) / hits_s0", "alias": "ratio_s0"},
        {"formula": "abs(errors_s1) / hits_s1", "alias": "ratio_s1"},
    ]
    assert found["checkout"].single_value() == 0.01
    assert found["payments"].single_value() == 0.02
    assert found["payments"].samples[0].labels == {"query": "ratio", "service": "payments"}


async def test_a_spent_bucket_is_not_asked_again_before_its_reset(adapter, backend):
    headers = {
        "x-ratelimit-limit": "100",
        "x-ratelimit-period": "60",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "42",
        "x-ratelimit-name": "query_scalar_public",
    }
    backend.json("POST", SCALAR, load("datadog/v2-query-scalar-200.json"), **headers)
    await adapter.query("a = avg:m{*}", AT)
    assert adapter.rate_limit_remaining() == 0
    with pytest.raises(RateLimited, match="query_scalar_public") as caught:
        await adapter.query("a = avg:m{*}", AT)
    assert caught.value.retry_after == pytest.approx(42, abs=2)
    assert len(backend.sent()) == 1  # the second one was never sent


async def test_the_sources_screen_gets_the_scarcest_bucket(adapter, backend):
    def limited(name: str, remaining: int) -> dict[str, str]:
        return {
            "x-ratelimit-limit": "1000",
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": "30",
            "x-ratelimit-name": name,
        }

    backend.json("POST", SCALAR, load("datadog/v2-query-scalar-200.json"), **limited("s", 990))
    series = load("datadog/v2-query-timeseries-200.json")
    backend.json("POST", TIMESERIES, series, **limited("t", 17))
    await adapter.query("a = avg:m{*}", AT)
    assert adapter.rate_limit_remaining() == 990
    await adapter.query_range("a = avg:m{*}", AT - timedelta(hours=1), AT, 60)
    assert adapter.rate_limit_remaining() == 17


async def test_a_429_waits_for_the_reset_header(adapter, backend):
    headers = meta_headers("datadog/v2-logs-events-429-rate-limited.meta.json")
    backend.on(
        "POST",
        SCALAR,
        httpx.Response(429, json={"errors": ["Rate limit exceeded"]}, headers=headers),
    )
    with pytest.raises(RateLimited) as caught:
        await adapter.query("a = avg:m{*}", AT)
    # The recorded 429 says 9 requests remain, yet asks to wait 3 s: the reset counts.
    assert caught.value.retry_after == 3.0
    assert "Rate limit exceeded" in str(caught.value)


async def test_an_errors_body_is_the_message_and_keys_never_leak(adapter, backend):
    echo = {"errors": [f"Forbidden (key {DD_KEYS['api_key']})"]}
    backend.json("POST", SCALAR, echo, status=403)
    with pytest.raises(AuthError) as caught:
        await adapter.query("a = avg:m{*}", AT)
    text = f"{caught.value} {caught.value.hint}"
    assert "Forbidden" in text
    assert DD_KEYS["api_key"] not in text


async def test_a_400_errors_body_is_a_bad_response(adapter, backend):
    backend.json("POST", TIMESERIES, load("datadog/v2-query-timeseries-400.json"), status=400)
    with pytest.raises(BadResponse, match="API input validation failed"):
        await adapter.query_range("a = avg:m{*}", AT - timedelta(hours=1), AT, 60)


async def test_garbage_is_a_bad_response(adapter, backend):
    backend.on("POST", SCALAR, httpx.Response(200, content=b"<html>login</html>"))
    with pytest.raises(BadResponse, match="not valid JSON"):
        await adapter.query("a = avg:m{*}", AT)
    backend.routes.clear()
    backend.json("POST", SCALAR, {"data": []})
    with pytest.raises(BadResponse, match=r"no data\.attributes"):
        await adapter.query("a = avg:m{*}", AT)


async def test_probe_checks_both_keys(adapter, backend):
    backend.json("GET", "/api/v2/validate_keys", {"status": "ok"})
    result = await adapter.probe()
    assert (result.reachable, result.authorised) == (True, True)
    assert result.detail == "API and application keys valid"


async def test_probe_falls_back_to_the_api_key_check(adapter, backend):
    backend.json("GET", "/api/v2/validate_keys", {"errors": ["Not found"]}, status=404)
    backend.json("GET", "/api/v1/validate", {"valid": True})
    result = await adapter.probe()
    assert result.authorised
    assert "API key valid" in result.detail


async def test_probe_reports_refused_keys(adapter, backend):
    backend.json("GET", "/api/v2/validate_keys", {"errors": ["Forbidden"]}, status=403)
    result = await adapter.probe()
    assert (result.reachable, result.authorised) == (True, False)


def test_both_keys_are_required_and_a_token_is_refused():
    settings = make_settings("datadog", token=None, secrets={"api_key": "k" * 32})
    with pytest.raises(ConfigError) as caught:
        Datadog(settings)
    assert [p.key for p in caught.value.problems] == ["backends.test-backend.app_key_env"]
    assert "application key" in caught.value.problems[0].message
    with pytest.raises(ConfigError, match="two keys, not a token"):
        Datadog(make_settings("datadog", secrets=dict(DD_KEYS)))


def test_site_names_the_url_and_a_disagreeing_url_is_refused():
    assert Datadog.base_url({"site": "eu"}) == "https://api.datadoghq.eu"
    assert Datadog.base_url({"site": "us5.datadoghq.com"}) == "https://api.us5.datadoghq.com"
    assert Datadog.base_url({}) is None
    with pytest.raises(ValueError, match="not a Datadog site"):
        Datadog.base_url({"site": "mars"})
    settings = make_settings(
        "datadog", token=None, secrets=dict(DD_KEYS), url="https://api.datadoghq.com", site="eu"
    )
    with pytest.raises(ConfigError, match="not the API of site eu"):
        Datadog(settings)


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("avg:m{$service}", "needs `by {service}`"),
        ("avg:m{$service,env:prod} by {service}", "with AND, not a comma"),
        ("avg:m{env:prod} by {$service}", "may only appear in a scope"),
        ("a = avg:m{*}; a = avg:n{*}", "defined twice"),
        ("a = avg:m{*}; b / c", "uses none of the named queries"),
        ("avg:m{*}; avg:n{*}", "no named query"),
    ],
)
def test_query_problems_name_the_fix(query, problem):
    problems = Datadog.query_problems(query)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    "query",
    [
        "avg:trace.http.request.duration{service:$service,env:prod}",
        "avg:m{$service AND env:prod} by {service}",
        "e = sum:e{service:$service}.as_count(); h = sum:h{service:$service}.as_count(); e / h",
        "canary = avg:m{$service AND version:b} by {service}; "
        "baseline = avg:m{$service AND version:a} by {service}",
        "avg:system.load.1{env:prod}",
    ],
)
def test_good_queries_have_no_problems(query):
    assert Datadog.query_problems(query) == []
