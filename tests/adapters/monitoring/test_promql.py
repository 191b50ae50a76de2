"""Query templates: one PromQL query for many services, split back by the service label."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

import httpx
import pytest

from release_cockpit.adapters.http import HttpClient
from release_cockpit.adapters.monitoring.prometheus import Prometheus
from release_cockpit.adapters.monitoring.promql import expand, samples_by_service, service_regex
from release_cockpit.adapters.query_results import Sample
from release_cockpit.config.rules import template_problems
from tests.support.adapters import make_settings

TEMPLATE = 'sum by (service) (rate(http_requests_total{service=~"$service",code=~"5.."}[1m]))'


def test_names_are_escaped_for_re2_and_then_for_the_promql_string():
    assert service_regex(["checkout", "a.b", "checkout"]) == "checkout|a\\.b"
    assert expand('x{service=~"$service"}', ["a.b", "c"]) == 'x{service=~"a\\\\.b|c"}'


def test_samples_are_split_by_their_service_label():
    samples = [Sample({"service": "a"}, 1.0, 0), Sample({"service": "z"}, 2.0, 0)]
    split = samples_by_service(samples, ["a", "b"])
    assert [s.value for s in split["a"]] == [1.0]
    assert split["b"] == ()


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ('sum(rate(x{service=~"$service"}[1m]))', "`sum` without `by (service)`"),
        ('sum by (le) (rate(x{service=~"$service"}[1m]))', "must keep the service label"),
        ('sum without (service) (x{service=~"$service"})', "drops the service label"),
        ('sum(rate(x{service="$service"}[1m])) by (service)', 'service=~"$service"'),
    ],
)
def test_a_template_that_cannot_be_split_is_a_config_problem(query, problem):
    [found] = template_problems(query)
    assert problem in found


@pytest.mark.parametrize(
    "query",
    [
        TEMPLATE,
        'histogram_quantile(0.99, sum by (le, service, track) (rate(b{service=~"$service"}[5m])))',
        'sum(rate(x{service=~"$service"}[1m])) by (service) / on(service) sum by (service) (y)',
        'max_over_time(x{service=~"$service"}[5m])',
        "sum(rate(http_requests_total[1m]))",  # literal: sent as written
    ],
)
def test_good_templates_and_literal_queries_pass(query):
    assert template_problems(query) == []


async def test_one_request_answers_every_service():
    sent = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(parse_qs(request.content.decode())["query"][0])
        result = [
            {"metric": {"service": "checkout"}, "value": [1, "0.01"]},
            {"metric": {"service": "payments"}, "value": [1, "0.09"]},
        ]
        body = {"status": "success", "data": {"resultType": "vector", "result": result}}
        return httpx.Response(200, json=body)

    prom = Prometheus(make_settings("prometheus"), transport=httpx.MockTransport(answer))
    try:
        found = await prom.query_services(TEMPLATE, ["checkout", "payments", "search"])
    finally:
        await prom.aclose()
    assert sent == [TEMPLATE.replace("$service", "checkout|payments|search")]
    assert found["payments"].single_value() == 0.09
    assert found["search"].samples == ()


async def test_requests_beyond_the_concurrency_limit_wait_their_turn():
    in_flight = peak = 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json={})

    settings = make_settings("prometheus", max_concurrency=2)
    client = HttpClient(settings, transport=httpx.MockTransport(answer))
    try:
        await asyncio.gather(*(client.get_json(f"/x/{i}") for i in range(7)))
    finally:
        await client.aclose()
    assert client.concurrency == 2
    assert peak == 2
