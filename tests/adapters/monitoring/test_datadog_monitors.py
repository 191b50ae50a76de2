"""Datadog monitors as an alert source: states, priorities, tags, messages, mutes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.monitoring.datadog_monitors import (
    MonitorState,
    clean_message,
    monitor_alerts,
    monitors_params,
    monitors_without_evidence,
    parse_monitors,
)
from release_cockpit.domain.alerts import AlertMatcher, alerts_for
from release_cockpit.errors import BadResponse
from tests.support.adapters import load

NOW = datetime(2021, 5, 3, 14, 0, tzinfo=UTC)


def derived():
    return {
        m.name: m for m in parse_monitors(load("datadog/v1-monitor-list-states-derived.json"), NOW)
    }


def test_recorded_list_is_no_data_and_never_ok_or_firing():
    monitors = parse_monitors(load("datadog/v1-monitor-list-page0.json"), NOW)
    assert [m.state for m in monitors] == [MonitorState.NO_DATA, MonitorState.NO_DATA]
    first = monitors[0]
    assert first.id == 34822915
    assert first.labels["systemid"] == "splunk"
    assert first.labels["environment"] == "test"
    assert first.priority is None
    assert first.muted is False  # options.silenced is {}
    assert first.changed_at == datetime(2021, 5, 3, 13, 6, 23, tzinfo=UTC)
    assert first.message == "Latency SLO violation for splunk load balancer(s)"
    assert monitor_alerts(monitors) == ()
    assert monitors_without_evidence(monitors) == monitors


def test_recorded_search_uses_status_and_epoch_seconds():
    monitors = parse_monitors(load("datadog/v1-monitor-search-200.json"), NOW)
    assert [m.state for m in monitors] == [
        MonitorState.NO_DATA,
        MonitorState.NO_DATA,
        MonitorState.NO_DATA,
        MonitorState.ALERT,
        MonitorState.ALERT,
        MonitorState.OK,
    ]
    alerting = monitors[3]
    assert alerting.priority == 5
    assert alerting.changed_at == datetime.fromtimestamp(1641411819, UTC)
    alerts = monitor_alerts(monitors)
    assert len(alerts) == 2
    assert {a.severity for a in alerts} == {"info"}  # P5
    assert alerts[0].label_map["priority"] == "P5"
    assert alerts[0].label_map["check_type"] == "api"
    assert alerts[0].summary == alerts[0].name  # no message in search results
    assert monitors[5].state.ok


def test_every_overall_state():
    by_name = derived()
    assert by_name["checkout 5xx ratio high"].state is MonitorState.ALERT
    assert by_name["payments latency p95"].state is MonitorState.WARN
    assert by_name["search error logs"].state is MonitorState.NO_DATA
    assert by_name["checkout saturation"].state is MonitorState.OK
    assert by_name["ignored monitor"].state is MonitorState.IGNORED
    assert by_name["skipped monitor"].state is MonitorState.SKIPPED
    assert by_name["unknown state"].state is MonitorState.UNKNOWN
    future = by_name["future state"]
    assert future.state is MonitorState.UNKNOWN
    assert future.state_text == "Frobnicated"
    assert future.priority is None  # "high" is not a priority
    assert future.labels == {"service": "checkout", "42": ""}
    unclear = {m.name for m in monitors_without_evidence(by_name.values())}
    assert unclear == {
        "search error logs",
        "ignored monitor",
        "skipped monitor",
        "unknown state",
        "future state",
    }


def test_firing_groups_become_alerts_that_label_matchers_select():
    alerts = monitor_alerts(derived().values())
    checkout = alerts_for(alerts, (AlertMatcher.parse('service="checkout"'),))
    assert [a.name for a in checkout] == ["checkout 5xx ratio high"]
    alert = checkout[0]
    assert alert.severity == "critical"  # P1
    assert alert.label_map["monitor_state"] == "Alert"
    assert alert.label_map["team"] == "developer_insights"  # a repeated key keeps its first value
    assert alert.label_map["alertname"] == "checkout 5xx ratio high"
    assert alert.starts_at == datetime.fromtimestamp(1620047300, UTC)
    assert alert.fingerprint.endswith(":service:checkout")
    assert alert.runbook_url == "https://runbooks.example.com/checkout-5xx"
    assert alert.summary.startswith("5xx ratio on is above 5%")
    # the Warn group of the same monitor warns; the OK group does not fire
    search = alerts_for(alerts, (AlertMatcher.parse('service="search"'),))
    assert [(a.name, a.severity) for a in search] == [("checkout 5xx ratio high", "warning")]
    assert not alerts_for(
        alerts,
        (
            AlertMatcher.parse('service="payments"'),
            AlertMatcher.parse('alertname="checkout 5xx ratio high"'),
        ),
    )


def test_warn_and_priorities():
    alerts = {a.name: a for a in monitor_alerts(derived().values())}
    assert alerts["payments latency p95"].severity == "warning"
    assert alerts["payments latency p95"].label_map["priority"] == "P3"
    assert alerts["orders queue depth"].severity == "critical"  # Alert without priority
    assert "search error logs" not in alerts  # No Data does not fire
    assert "checkout saturation" not in alerts


def test_mutes_and_downtimes():
    by_name = derived()
    muted = by_name["cart 5xx (muted)"]
    assert muted.muted
    assert muted.mute_reason == "muted"
    expired = by_name["orders queue depth"]
    assert not expired.muted  # the mute and the downtime both ended before NOW
    scoped = by_name["cart latency by env"]
    assert not scoped.muted
    groups = {g.name: g.muted for g in scoped.groups}
    assert groups == {"env:prod": True, "env:staging": False}
    alerts = monitor_alerts(by_name.values())
    cart = [a for a in alerts if a.label_map.get("service") == "cart"]
    assert {(a.name, a.label_map.get("env", ""), a.silenced) for a in cart} == {
        ("cart 5xx (muted)", "", True),
        ("cart latency by env", "prod", True),
        ("cart latency by env", "staging", False),
    }
    # silenced alerts never reach a release
    matched = alerts_for(alerts, (AlertMatcher.parse('service="cart"'),))
    assert [a.label_map["env"] for a in matched] == ["staging"]


def test_a_mute_that_has_not_ended_yet_still_mutes():
    item = {
        "id": 1,
        "name": "m",
        "overall_state": "Alert",
        "options": {"silenced": {"*": NOW.timestamp() + 60}},
    }
    (monitor,) = parse_monitors([item], NOW)
    assert monitor.muted
    future = {
        **item,
        "options": {},
        "matching_downtimes": [{"id": 2, "start": NOW.timestamp() + 60, "scope": ["*"]}],
    }
    (monitor,) = parse_monitors([future], NOW)
    assert not monitor.muted  # a scheduled downtime has not started


def test_message_markup():
    message = (
        "{{#is_alert}}Down{{/is_alert}}{{#is_warning}}Slow{{/is_warning}}"
        "{{^is_warning}} for real{{/is_warning}} "
        '{{#is_match "env" "prod"}}in prod @pagerduty{{/is_match}}\n'
        "{{#is_no_data}}No data!{{/is_no_data}} value={{value}} @slack-x @a@b.c"
    )
    assert clean_message(message, MonitorState.ALERT) == "Down for real in prod\nvalue="
    assert clean_message(message, MonitorState.WARN) == "Slow in prod\nvalue="
    assert clean_message(message, MonitorState.NO_DATA) == "for real in prod\nNo data! value="
    nested = "{{#is_alert}}A {{#is_recovery}}R{{/is_recovery}}{{/is_alert}}"
    assert clean_message(nested, MonitorState.ALERT) == "A"
    assert clean_message("mail x@example.com now", MonitorState.OK) == "mail x@example.com now"


def test_untrusted_strings_are_cleaned():
    item = {
        "id": "7",
        "name": "\x1b[31mred\x1b[0m",
        "overall_state": "Alert",
        "message": "hi\x07 there",
        "tags": ["service:\x1b]0;x"],
    }
    (monitor,) = parse_monitors([item], NOW)
    assert "\x1b" not in monitor.name
    assert monitor.message == "hi there"
    (alert,) = monitor_alerts([monitor])
    assert all("\x1b" not in v for _, v in alert.labels)


@pytest.mark.parametrize("payload", [{"monitors": "x"}, "text", None, {"errors": ["Forbidden"]}])
def test_wrong_shapes_raise(payload):
    with pytest.raises(BadResponse):
        parse_monitors(payload, NOW)


def test_items_that_are_not_objects_are_skipped():
    assert parse_monitors([1, "x", None, {"overall_state": "OK"}], NOW)[0].state.ok


def test_list_params():
    assert monitors_params() == {"group_states": "all", "with_downtimes": "true"}
    assert (
        monitors_params(["team:payments", "env:prod"])["monitor_tags"] == "team:payments,env:prod"
    )
