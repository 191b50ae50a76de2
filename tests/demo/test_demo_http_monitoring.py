"""Prometheus and Alertmanager endpoints over real HTTP: templates, envelopes, alert filters."""

from __future__ import annotations

import json

import httpx
import pytest

from release_cockpit_demo.query_templates import Query, match_query
from tests.support.demo_clock import START, FakeClock

QUERY = "/prometheus/api/v1/query"
RANGE = "/prometheus/api/v1/query_range"
ALERTS = "/alertmanager/api/v2/alerts"
ADAPTER_FLAGS = {"active": "true", "silenced": "false", "inhibited": "false"}


def instant(client: httpx.Client, query: str, **extra: str) -> httpx.Response:
    return client.post(QUERY, data={"query": query, **extra})


def test_both_canary_templates_are_recognised_and_answer_a_vector(client: httpx.Client):
    for query in (Query.ERROR_RATIO, Query.P99_LATENCY):
        response = instant(client, query.query("checkout"))
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "success"
        assert body["data"]["resultType"] == "vector"
        [sample] = body["data"]["result"]
        assert sample["metric"] == {"service": "checkout"}
        at, value = sample["value"]
        assert at == pytest.approx(START)
        assert isinstance(value, str)
        expected = 0.003 if query is Query.ERROR_RATIO else 0.18
        assert float(value) == pytest.approx(expected, rel=0.1)


def test_whitespace_does_not_matter_but_the_template_does():
    query = Query.P99_LATENCY.query("auth").replace(", ", ",   ")
    assert match_query(query) == (Query.P99_LATENCY, "auth")
    mixed = Query.ERROR_RATIO.query("auth").replace(
        'service=~"auth",track="canary"}[1m]))', 'service=~"other",track="canary"}[1m]))'
    )
    assert match_query(mixed) is None


def test_one_batched_query_answers_every_service_it_selects(client: httpx.Client):
    body = instant(client, Query.ERROR_RATIO.query("checkout", "ledger", "nobody")).json()
    result = body["data"]["result"]
    assert sorted(sample["metric"]["service"] for sample in result) == ["checkout", "ledger"]
    single = instant(client, Query.ERROR_RATIO.query("ledger")).json()["data"]["result"]
    [ledger] = [sample for sample in result if sample["metric"]["service"] == "ledger"]
    assert ledger == single[0]


def test_the_selector_is_a_regex_anchored_as_prometheus_anchors_it(client: httpx.Client):
    query = Query.P99_LATENCY.template.replace("$service", "c.*")
    services = [s["metric"]["service"] for s in instant(client, query).json()["data"]["result"]]
    assert sorted(services) == ["catalog", "checkout"]  # not "notifications"
    broken = instant(client, Query.P99_LATENCY.template.replace("$service", "(a"))
    assert broken.status_code == 400
    assert broken.json()["errorType"] == "bad_data"


def test_a_batched_range_query_labels_each_series_with_its_service(client: httpx.Client):
    params = {"start": str(START - 60), "end": str(START), "step": "15s"}
    query = Query.ERROR_RATIO.query("auth", "checkout")
    result = client.post(RANGE, data={"query": query, **params}).json()["data"]["result"]
    assert [series["metric"] for series in result] == [{"service": "auth"}, {"service": "checkout"}]
    assert all(len(series["values"]) == 5 for series in result)


def test_get_works_like_post(client: httpx.Client):
    query = Query.ERROR_RATIO.query("ledger")
    by_get = client.get(QUERY, params={"query": query}).json()
    by_post = instant(client, query).json()
    assert by_get == by_post


@pytest.mark.parametrize("query", ["up", 'sum(rate(http_requests_total{service="checkout"}[1m]))'])
def test_an_unknown_query_gets_the_real_error_envelope(client: httpx.Client, query: str):
    response = instant(client, query)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error"
    assert body["errorType"] == "bad_data"
    assert body["error"].startswith('invalid parameter "query"')


def test_a_template_for_a_service_that_does_not_exist_is_empty(client: httpx.Client):
    body = instant(client, Query.ERROR_RATIO.query("nobody")).json()
    assert body == {"status": "success", "data": {"resultType": "vector", "result": []}}


def test_time_parameter_evaluates_the_past(client: httpx.Client, clock: FakeClock):
    clock.to(30)
    query = Query.ERROR_RATIO.query("payments")

    def at(offset: float) -> list:
        body = instant(client, query, time=str(START + offset)).json()
        return body["data"]["result"][0]["value"]

    now = float(instant(client, query).json()["data"]["result"][0]["value"][1])
    # Payments' canary took traffic ~109 s before the world started and went bad on the way.
    healthy, climbing = at(-120), at(-60)
    assert healthy[0] == pytest.approx(START - 120)
    assert climbing[0] == pytest.approx(START - 60)
    assert float(healthy[1]) < 0.01 < float(climbing[1]) < 0.05 < now
    # The simulation cannot see the future: a later time is evaluated at now.
    assert at(3600)[0] == pytest.approx(START + 30)
    bad = instant(client, query, time="yesterday")
    assert bad.status_code == 400
    assert bad.json()["errorType"] == "bad_data"


def test_query_range_returns_a_matrix_from_the_same_world(client: httpx.Client, clock: FakeClock):
    query = Query.ERROR_RATIO.query("payments")
    response = client.post(
        RANGE, data={"query": query, "start": str(START - 300), "end": str(START), "step": "15s"}
    )
    body = response.json()
    assert body["data"]["resultType"] == "matrix"
    [series] = body["data"]["result"]
    times = [t for t, _ in series["values"]]
    assert times[0] == pytest.approx(START - 300)
    assert times[-1] == pytest.approx(START)
    assert len(times) == 21
    values = [float(v) for _, v in series["values"]]
    assert values[0] < 0.01
    assert max(values[:13]) < 0.01  # up to -120 s: before the canary took traffic
    # The noise-free ratio crosses 5 % at -40 s: the last three samples are above it.
    assert [round(t - START) for t, v in zip(times, values, strict=True) if v > 0.05] == [
        -30,
        -15,
        0,
    ]
    point = instant(client, query, time=str(START - 150)).json()["data"]["result"][0]["value"][1]
    assert series["values"][10][1] == point
    clock.to(60)
    later = client.post(
        RANGE, data={"query": query, "start": str(START - 300), "end": str(START), "step": "15s"}
    ).json()
    assert later == body  # the past does not change as the world moves on


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"start": "10", "end": "5", "step": "1"}, "end timestamp must not be before start"),
        ({"start": "0", "end": "5", "step": "0"}, "zero or negative"),
        ({"start": "0", "end": "100000", "step": "1"}, "11,000 points"),
        ({"start": "0", "end": "5"}, 'invalid parameter "step"'),
    ],
)
def test_query_range_parameter_errors(client: httpx.Client, params: dict, fragment: str):
    response = client.post(RANGE, data={"query": Query.ERROR_RATIO.query("auth"), **params})
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_prometheus_ready(client: httpx.Client):
    response = client.get("/prometheus/-/ready")
    assert (response.status_code, response.text) == (200, "Prometheus Server is Ready.\n")


def alert_names(client: httpx.Client, **params) -> list[str]:
    response = client.get(ALERTS, params=params)
    assert response.status_code == 200
    return sorted(a["labels"]["alertname"] for a in response.json())


def test_alerts_follow_the_bad_canary(client: httpx.Client, clock: FakeClock):
    # The world opens with payments' 5xx ratio above 5 % for 40 s: the alert fired 10 s ago.
    assert alert_names(client, **ADAPTER_FLAGS) == ["HighErrorRate", "Watchdog"]
    [alert] = client.get(
        ALERTS, params={**ADAPTER_FLAGS, "filter": 'alertname="HighErrorRate"'}
    ).json()
    assert alert["labels"]["severity"] == "critical"
    assert alert["labels"]["service"] == "payments"
    assert (
        alert["annotations"]["runbook_url"]
        == "https://runbooks.acme.example/payments/high-error-rate"
    )
    assert alert["status"] == {
        "state": "active",
        "silencedBy": [],
        "inhibitedBy": [],
        "mutedBy": [],
    }
    assert alert["receivers"] == [{"name": "payments-pagerduty"}]
    assert alert["startsAt"] == "2026-11-18T11:06:30.000Z"  # START - 10 s

    clock.to(5)
    aborted = client.patch(
        "/k8s/apis/argoproj.io/v1alpha1/namespaces/production/rollouts/payments/status",
        content=json.dumps({"status": {"abort": True}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert aborted.status_code == 200
    assert alert_names(client, **ADAPTER_FLAGS) == ["Watchdog"]
    # Next cycle at 185 s, its canary at 227 s, above 5 % from ~296.5 s, firing from ~326.5 s.
    # The p99 warning crosses 500 ms sooner and shows until the critical alert inhibits it.
    clock.to(320)
    assert alert_names(client, **ADAPTER_FLAGS) == ["HighLatencyP99", "Watchdog"]
    clock.to(330)
    assert alert_names(client, **ADAPTER_FLAGS) == ["HighErrorRate", "Watchdog"]


def test_silenced_and_inhibited_alerts_honour_the_flags(client: httpx.Client, clock: FakeClock):
    clock.to(200)
    everything = alert_names(client)
    assert everything == ["HighErrorRate", "HighLatencyP99", "KubePodCrashLooping", "Watchdog"]
    assert alert_names(client, silenced="false") == ["HighErrorRate", "HighLatencyP99", "Watchdog"]
    assert alert_names(client, inhibited="false") == [
        "HighErrorRate",
        "KubePodCrashLooping",
        "Watchdog",
    ]
    assert alert_names(client, active="false") == ["HighLatencyP99", "KubePodCrashLooping"]
    crash = client.get(ALERTS, params={"filter": 'alertname="KubePodCrashLooping"'}).json()[0]
    assert crash["status"]["state"] == "suppressed"
    assert crash["status"]["silencedBy"]


def test_repeated_filters_must_all_match(client: httpx.Client, clock: FakeClock):
    clock.to(200)
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("filter", 'service="payments"'),
        ("filter", 'severity=~"crit.*"'),
    ]
    assert [a["labels"]["alertname"] for a in client.get(ALERTS, params=params).json()] == [
        "HighErrorRate"
    ]
    none: list[tuple[str, str | int | float | bool | None]] = [
        ("filter", 'service="payments"'),
        ("filter", 'severity="none"'),
    ]
    assert client.get(ALERTS, params=none).json() == []
    assert alert_names(client, filter='service!="payments"') == ["KubePodCrashLooping", "Watchdog"]


def test_a_bad_filter_is_a_400_with_a_json_string(client: httpx.Client):
    response = client.get(ALERTS, params={"filter": "not a matcher"})
    assert response.status_code == 400
    assert isinstance(response.json(), str)
    flag = client.get(ALERTS, params={"active": "maybe"})
    assert flag.status_code == 400
    assert isinstance(flag.json(), str)


def test_alertmanager_status(client: httpx.Client):
    body = client.get("/alertmanager/api/v2/status").json()
    assert body["cluster"]["status"] == "disabled"
    assert body["versionInfo"]["version"]
    assert "original" in body["config"]
    assert body["uptime"].endswith("Z")
