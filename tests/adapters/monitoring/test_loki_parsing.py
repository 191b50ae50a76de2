"""Loki: metric answers through the Prometheus parser, log answers refused, text errors, LogQL."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.monitoring.loki_parsing import (
    LOG_QUERY_HINT,
    by_track,
    canary_baseline_error_rate,
    error_for,
    error_rate_query,
    parse_query,
    parse_range,
    tenant_headers,
    with_matcher,
)
from release_cockpit.adapters.query_results import QueryResult, Sample
from release_cockpit.errors import BadResponse, Timeout
from tests.support.adapters import load


def test_recorded_vector():
    result = parse_query(load("loki/query-vector.json"))
    assert result.result_type == "vector"
    assert [(s.labels["filename"], s.value, s.at) for s in result.samples] == [
        ("/var/hostlog/apport.log", 0.013333333333333334, 1568404331.324),
        ("/var/hostlog/syslog", 3.45, 1568404331.324),
    ]
    assert result.warnings == ("this is a warning",)
    assert result.single_value() == 3.45


def test_recorded_matrix_as_range_and_as_instant():
    series = parse_range(load("loki/query-range-matrix.json"))
    assert [len(s.points) for s in series] == [1, 2]
    assert series[1].labels == {"filename": "/var/hostlog/syslog", "job": "varlogs"}
    assert series[1].points[-1] == (1568404331.339, 4.45)
    latest = parse_query(load("loki/query-range-matrix.json"))
    assert [s.value for s in latest.samples] == [0.013333333333333334, 4.45]


@pytest.mark.parametrize(
    "fixture", ["loki/query-range-streams.json", "loki/query-range-streams-categorize-labels.json"]
)
def test_log_lines_are_not_a_signal(fixture):
    for parse in (parse_query, parse_range):
        with pytest.raises(BadResponse, match="wrap it in rate") as caught:
            parse(load(fixture))
        assert caught.value.hint == LOG_QUERY_HINT


def test_empty_label_set_is_a_series():
    payload = {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1.5, "2"]]}]},
    }
    (series,) = parse_range(payload)
    assert series.labels == {}
    assert series.points == ((1.5, 2.0),)


def test_envelope_errors_are_worded_for_loki():
    with pytest.raises(BadResponse, match="Loki query failed"):
        parse_query({"status": "error", "errorType": "bad_data", "error": "parse error"})
    with pytest.raises(BadResponse, match="Loki answer"):
        parse_query(["not", "an", "object"])
    with pytest.raises(BadResponse, match="not a matrix"):
        parse_range(load("loki/query-vector.json"))


def test_plain_text_errors():
    bad = error_for(400, b"parse error at line 1, col 5: syntax error: unexpected IDENTIFIER\n")
    assert isinstance(bad, BadResponse)
    assert "unexpected IDENTIFIER" in bad.message
    instant_log = error_for(
        400,
        "log queries are not supported as an instant query type, please change you query to a "
        "range query type",
    )
    assert instant_log.hint == LOG_QUERY_HINT
    assert isinstance(error_for(504, "context deadline exceeded"), Timeout)
    assert isinstance(error_for(499, ""), Timeout)
    down = error_for(500, "\x1b[31mrpc error\x1b[0m")
    assert "\x1b" not in down.message
    assert "HTTP 502" in error_for(502, "   ").message


def test_error_rate_query():
    query = error_rate_query(
        '{app="checkout", env="prod"}', errors='|= "level=error"', by=("service",)
    )
    assert query == (
        'sum by (service) (rate({app="checkout", env="prod"} |= "level=error" [5m]))'
        ' / sum by (service) (rate({app="checkout", env="prod"} [5m]))'
    )
    assert error_rate_query('{app="x"}', window="1m").startswith(
        'sum (rate({app="x"} |~ "(?i)error" [1m]))'
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: error_rate_query('app="x"'),
        lambda: error_rate_query('{app="x"}', window="5 minutes"),
        lambda: error_rate_query('{app="x"}', by=("bad-label",)),
        lambda: with_matcher('{app="x"} |= "e"', "track", "canary"),
        lambda: with_matcher('{app="x"}', "1track", "canary"),
    ],
)
def test_bad_logql_inputs(call):
    with pytest.raises(ValueError, match="LogQL"):
        call()


def test_with_matcher_escapes_values():
    assert with_matcher('{app="x"}', "track", 'can"ary\\') == '{app="x", track="can\\"ary\\\\"}'
    assert with_matcher("{}", "track", "canary") == '{track="canary"}'


def test_canary_vs_baseline_in_one_query():
    query = canary_baseline_error_rate('{app="checkout"}', baseline="stable.v1")
    assert query == (
        'sum by (track) (rate({app="checkout", track=~"canary|stable\\\\.v1"} |~ "(?i)error" [5m]))'
        ' / sum by (track) (rate({app="checkout", track=~"canary|stable\\\\.v1"} [5m]))'
    )
    result = QueryResult(
        "vector",
        (Sample({"track": "canary"}, 0.08, 1.0), Sample({"track": "stable.v1"}, 0.01, 1.0)),
    )
    assert by_track(result, baseline="stable.v1") == (0.08, 0.01)
    assert by_track(QueryResult("vector", ())) == (None, None)


def test_tenant_header():
    assert tenant_headers("team-a|team-b") == {"X-Scope-OrgID": "team-a|team-b"}
    assert tenant_headers("") == {}
