"""The Loki health adapter on the wire: LogQL metric queries as forms, recorded answers, log
queries refused, plain-text errors, batching by service, tenants and auth."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from release_cockpit.adapters.monitoring.loki import Loki
from release_cockpit.errors import BadResponse, Timeout
from tests.support.adapters import TOKEN, Backend, load, make_settings

QUERY = "/loki/api/v1/query"
RANGE = "/loki/api/v1/query_range"
AT = datetime(2019, 9, 13, 19, 52, 11, tzinfo=UTC)
ERROR_RATE = (
    'sum by (service) (rate({service=~"$service"} |= "error" [5m])) / '
    'sum by (service) (rate({service=~"$service"} [5m]))'
)


def form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())


def loki(backend: Backend, **options) -> Loki:
    return Loki(make_settings("loki", **options), transport=backend.transport)


@pytest.fixture
async def adapter(backend):
    made = loki(backend)
    yield made
    await made.aclose()


async def test_an_instant_metric_query_reads_the_recorded_vector(adapter, backend):
    backend.json("POST", QUERY, load("loki/query-vector.json"))
    result = await adapter.query('sum by (filename) (rate({job="varlogs"}[5m]))', AT)
    assert [s.value for s in result.samples] == [pytest.approx(0.013333333333333334), 3.45]
    (request,) = backend.sent()
    assert form(request) == {
        "query": ['sum by (filename) (rate({job="varlogs"}[5m]))'],
        "time": [f"{AT.timestamp():.3f}"],
    }
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_a_range_query_reads_the_recorded_matrix(adapter, backend):
    backend.json("POST", RANGE, load("loki/query-range-matrix.json"))
    series = await adapter.query_range('rate({job="varlogs"}[1m])', AT - timedelta(hours=1), AT, 15)
    assert [len(s.points) for s in series] == [1, 2]
    sent = form(backend.sent()[0])
    assert sent["step"] == ["15"]
    assert float(sent["end"][0]) - float(sent["start"][0]) == pytest.approx(3600)


async def test_a_log_query_is_refused_with_how_to_make_it_a_signal(adapter, backend):
    backend.json("POST", RANGE, load("loki/query-range-streams.json"))
    with pytest.raises(BadResponse, match=r"wrap it in rate\(\.\.\.\)"):
        await adapter.query_range('{job="varlogs"} |= "error"', AT - timedelta(hours=1), AT, 15)


async def test_plain_text_errors_are_worded_for_the_user(adapter, backend):
    backend.on("POST", QUERY, httpx.Response(400, text="parse error at line 1, col 6: syntax"))
    with pytest.raises(BadResponse, match="Loki refused the query: parse error") as caught:
        await adapter.query("sum(rate({job=", AT)
    assert "Grafana Explore" in caught.value.hint
    backend.routes.clear()
    backend.on("POST", QUERY, httpx.Response(499, text="context canceled"))
    with pytest.raises(Timeout, match="gave up"):
        await adapter.query('sum(rate({job="x"}[1m]))', AT)


async def test_an_error_rate_template_is_one_query_for_every_service(adapter, backend):
    answer = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": {"service": "checkout"}, "value": [1.0, "0.02"]},
                {"metric": {"service": "svc.b"}, "value": [1.0, "0.5"]},
            ],
        },
    }
    backend.json("POST", QUERY, answer)
    found = await adapter.query_services(ERROR_RATE, ["checkout", "svc.b", "quiet"], AT)
    (request,) = backend.sent()
    assert 'service=~"checkout|svc\\\\.b|quiet"' in form(request)["query"][0]
    assert found["checkout"].single_value() == 0.02
    assert found["svc.b"].single_value() == 0.5
    assert found["quiet"].samples == ()  # no lines in the window: no data, not 0 %


async def test_tenant_and_basic_auth(backend):
    adapter = loki(backend, tenant="team-a", basic_user="123456")
    backend.json("POST", QUERY, load("loki/query-vector.json"))
    try:
        await adapter.query('sum(rate({job="x"}[1m]))', AT)
    finally:
        await adapter.aclose()
    request = backend.sent()[0]
    assert request.headers["X-Scope-OrgID"] == "team-a"
    expected = base64.b64encode(f"123456:{TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


async def test_probe_asks_ready(adapter, backend):
    backend.on("GET", "/ready", httpx.Response(200, text="ready\n"))
    result = await adapter.probe()
    assert (result.reachable, result.authorised, result.detail) == (True, True, "Loki ready")


def test_templates_follow_the_promql_rules():
    assert Loki.query_problems(ERROR_RATE) == []
    assert Loki.query_problems('sum(rate({service=~"$service"}[5m]))') == [
        "`sum` without `by (service)` drops the service label"
    ]
