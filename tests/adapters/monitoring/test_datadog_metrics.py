"""Datadog v2 metric queries: request bodies and answers, on recorded payloads."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from release_cockpit.adapters.monitoring.datadog_metrics import (
    Formula,
    MetricQuery,
    QueryBatch,
    by_service,
    canary_baseline,
    parse_scalar,
    parse_timeseries,
    per_service,
    scalar_request,
    service_scope,
    split_by_service,
    split_samples_by_service,
    tag_labels,
    timeseries_request,
)
from release_cockpit.adapters.query_results import Series
from release_cockpit.errors import BadResponse
from tests.support.adapters import load

START = datetime(2024, 4, 1, 13, 20, 1, tzinfo=UTC)
END = START + timedelta(hours=1)


def test_timeseries_body_with_several_named_queries_and_a_formula():
    batch = QueryBatch(
        (
            MetricQuery("errors", "sum:trace.http.request.errors{service:checkout}.as_count()"),
            MetricQuery("hits", "sum:trace.http.request.hits{service:checkout}.as_count()"),
        ),
        (Formula("errors / hits * 100", alias="error_pct"),),
    )
    body = timeseries_request(batch, START, END, interval_seconds=60)
    attributes = body["data"]["attributes"]
    assert body["data"]["type"] == "timeseries_request"
    assert attributes["from"] == 1711977601000
    assert attributes["to"] == 1711981201000
    assert attributes["interval"] == 60000
    assert attributes["queries"] == [
        {
            "data_source": "metrics",
            "name": "errors",
            "query": "sum:trace.http.request.errors{service:checkout}.as_count()",
        },
        {
            "data_source": "metrics",
            "name": "hits",
            "query": "sum:trace.http.request.hits{service:checkout}.as_count()",
        },
    ]
    assert attributes["formulas"] == [{"formula": "errors / hits * 100", "alias": "error_pct"}]
    assert batch.outputs == ("error_pct",)


def test_body_shape_matches_the_recorded_request():
    # The recorded cassette's request, rebuilt (minus the scalar-only limit it carried).
    sent = load("datadog/v2-query-timeseries-200.meta.json")["request_body"]["data"]
    batch = QueryBatch((MetricQuery("a", "avg:datadog.estimated_usage.metrics.custom{*}"),))
    start = datetime.fromtimestamp(sent["attributes"]["from"] / 1000, UTC)
    end = datetime.fromtimestamp(sent["attributes"]["to"] / 1000, UTC)
    body = timeseries_request(batch, start, end, interval_seconds=5)["data"]
    assert body["type"] == sent["type"]
    for key in ("from", "to", "interval", "queries"):
        assert body["attributes"][key] == sent["attributes"][key]


def test_scalar_body_carries_aggregators():
    body = scalar_request(canary_baseline("avg:a{track:canary}", "avg:a{track:stable}"), START, END)
    assert body["data"]["type"] == "scalar_request"
    assert [q["aggregator"] for q in body["data"]["attributes"]["queries"]] == ["avg", "avg"]
    assert "interval" not in body["data"]["attributes"]


@pytest.mark.parametrize(
    "bad",
    [
        lambda: QueryBatch(()),
        lambda: QueryBatch((MetricQuery("a", "x"), MetricQuery("a", "y"))),
        lambda: QueryBatch((MetricQuery("1a", "x"),)),
        lambda: QueryBatch((MetricQuery("a", "x", aggregator="median"),)),
        lambda: timeseries_request(QueryBatch((MetricQuery("a", "x"),)), END, START),
        lambda: timeseries_request(
            QueryBatch((MetricQuery("a", "x"),)),
            datetime(2024, 1, 1),  # noqa: DTZ001
            datetime(2024, 1, 2),  # noqa: DTZ001
        ),
        lambda: per_service("avg:x{*}", ["a"]),
        lambda: per_service("avg:x{service:$service}", []),
        lambda: per_service("avg:x{service:$service}", ["bad name,with comma"]),
        lambda: service_scope(["a}b"]),
    ],
)
def test_bad_batches_are_refused(bad):
    with pytest.raises(ValueError, match=r"."):
        bad()


def test_per_service_batch_names_each_query():
    batch = per_service(
        "sum:trace.http.request.errors{service:$service,env:prod}.as_count()",
        ["checkout", "payments", "checkout"],
    )
    assert [q.name for q in batch.queries] == ["s0", "s1"]
    assert (
        batch.queries[1].query
        == "sum:trace.http.request.errors{service:payments,env:prod}.as_count()"
    )
    assert batch.services == {"s0": "checkout", "s1": "payments"}
    assert service_scope(["checkout", "svc.a"]) == "service IN (checkout,svc.a)"


def test_recorded_timeseries_answer():
    answer = parse_timeseries(load("datadog/v2-query-timeseries-200.json"), ["a"])
    (series,) = answer.series["a"]
    assert series.labels == {}
    assert series.points == ((1711977645.0, 1.0), (1711977705.0, 1.0), (1711980225.0, 87.0))
    latest = answer.latest("a")
    assert latest.single_value() == 87.0
    assert answer.units == {}


def test_batched_timeseries_split_by_query_and_service():
    answer = parse_timeseries(
        load("datadog/v2-query-timeseries-batched-derived.json"), ["canary", "baseline"]
    )
    canary = split_by_service(answer.series["canary"], ["checkout", "payments", "cart"])
    baseline = split_by_service(answer.series["baseline"], ["checkout", "payments"])
    # nulls are gaps, not zeros
    assert [p[1] for p in canary["checkout"][0].points] == [1.0, 87.0]
    assert canary["checkout"][0].labels == {"service": "checkout", "env": "prod"}
    assert len(canary["payments"][0].points) == 3
    assert canary["cart"] == ()  # asked for, no series: no data
    assert baseline["payments"][0].points == ()  # all null: no data, not 0
    assert answer.units == {"canary": "%"}
    latest = answer.latest("baseline")
    assert [s.labels["service"] for s in latest.samples] == ["checkout"]
    assert answer.latest("nope").samples == ()


def test_per_service_answer_keyed_back_by_query_index():
    batch = per_service("avg:x{service:$service}", ["checkout", "payments"])
    payload = load("datadog/v2-query-timeseries-batched-derived.json")
    split = by_service(parse_timeseries(payload, batch.outputs), batch)
    assert set(split) == {"checkout", "payments"}
    assert len(split["checkout"]) == 2
    assert all(isinstance(s, Series) for s in split["payments"])


def test_timeseries_with_unknown_query_index_and_ragged_rows():
    payload = {
        "data": {
            "attributes": {
                "series": [{"query_index": 7}, {"query_index": 0}, "junk"],
                "times": [1000, 2000, "x"],
                "values": [[1, 2, 3], [4, True, 6, 7]],
            }
        }
    }
    answer = parse_timeseries(payload, ["a", "b"])
    assert answer.series["a"][0].points == ((1.0, 4.0),)  # bool and bad time dropped
    assert answer.series["b"] == ()
    assert any("query_index 7" in n for n in answer.notes)


@pytest.mark.parametrize("payload", [[], {"data": None}, {"data": {"attributes": []}}])
def test_timeseries_wrong_shapes(payload):
    with pytest.raises(BadResponse):
        parse_timeseries(payload, ["a"])


def test_recorded_scalar_answer():
    result = parse_scalar(load("datadog/v2-query-scalar-200.json"), ["a"], at=1711394880.0)
    assert result["a"].single_value() == pytest.approx(6.368151928283307)
    assert result["a"].samples[0].labels == {}


def test_grouped_scalar_split_by_service():
    result = parse_scalar(load("datadog/v2-query-scalar-grouped-derived.json"), ["a", "b"])
    split = split_samples_by_service(result["a"], ["checkout", "payments", "search"])
    assert split["checkout"].single_value() == pytest.approx(6.368151928283307)
    assert split["payments"].single_value() == 0.5
    assert split["search"].single_value() is None  # null: no data
    assert result["b"].samples == ()


def test_scalar_group_columns_with_several_keys_and_prefixed_values():
    payload = {
        "data": {
            "attributes": {
                "columns": [
                    {
                        "name": "service,track",
                        "type": "group",
                        "values": [["service:checkout", "canary"]],
                    },
                    {"name": "a", "type": "number", "values": [math.pi]},
                    {"name": "zzz", "type": "number", "values": [1]},
                ]
            }
        }
    }
    result = parse_scalar(payload, ["a"])
    assert result["a"].samples[0].labels == {"service": "checkout", "track": "canary"}
    assert any("zzz" in n for n in result["a"].warnings)


def test_tag_labels():
    assert tag_labels(["service:checkout", "url:http://x", "bare", "", None, "service:other"]) == {
        "service": "checkout",
        "url": "http://x",
        "bare": "",
    }
