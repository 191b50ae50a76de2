"""Grafana alerting: Alertmanager-shaped alerts with Grafana's labels, and rule state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from release_cockpit.adapters.monitoring.grafana_parsing import (
    AlertKind,
    DeliveryState,
    InstanceState,
    RuleState,
    alerts_params,
    firing,
    parse_grafana_alert_groups,
    parse_grafana_alerts,
    parse_instance_state,
    parse_rules,
    rule_alerts,
    rules_without_evidence,
)
from release_cockpit.domain.alerts import AlertMatcher, alerts_for
from release_cockpit.errors import BadResponse
from tests.support.adapters import load


def test_alerts_read_by_the_alertmanager_parser_with_grafana_fields():
    alerts = parse_grafana_alerts(load("grafana/alerts-derived.json"))
    assert len(alerts) == 5
    disk = alerts[0]
    assert disk.alert.name == "Free_Disk_Space_Too_Low"
    assert disk.rule_uid == "fdk2a9v0q7ny8c"
    assert disk.folder == "Platform"
    assert disk.state is DeliveryState.ACTIVE
    assert disk.kind is AlertKind.RULE
    assert disk.alert.summary == "Less than 10% disk space is free"
    assert disk.alert.generator_url.endswith("/alerting/grafana/fdk2a9v0q7ny8c/view?orgId=1")
    probe = alerts[2]
    assert probe.dashboard_uid == "cdu7dwexlqnlsd"
    assert probe.panel_id == "2"
    assert probe.value.startswith("[ var='A'")
    assert probe.alert.runbook_url == "https://runbooks.example.com/http-probe"


def test_states_silences_and_datasource_alerts():
    alerts = parse_grafana_alerts(load("grafana/alerts-derived.json"))
    by_fp = {a.alert.fingerprint: a for a in alerts}
    silenced = by_fp["54c2f185e49cfccb"]
    assert silenced.state is DeliveryState.SUPPRESSED
    assert silenced.alert.silenced
    assert not silenced.firing
    no_data = next(a for a in alerts if a.kind is AlertKind.NO_DATA)
    assert no_data.alert.name == "DatasourceNoData"
    assert no_data.firing  # it fires: the rule cannot vouch for the service
    unprocessed = next(a for a in alerts if a.state is DeliveryState.UNPROCESSED)
    assert unprocessed.firing
    names = sorted(a.name for a in firing(alerts))
    assert names == [
        "DatasourceNoData",
        "Free_Disk_Space_Too_Low",
        "HTTP_Probe_Failed",
        "Host_Down",
    ]
    checkout = alerts_for(firing(alerts), (AlertMatcher.parse('grafana_folder="Checkout"'),))
    assert len(checkout) == 3


def test_groups_are_flattened_once_per_fingerprint():
    alerts = parse_grafana_alert_groups(load("grafana/alert-groups-derived.json"))
    assert sorted(a.alert.fingerprint for a in alerts) == ["54c2f185e49cfccb", "5cb0dd95e7f3d9c0"]


def test_unknown_delivery_state_does_not_fire():
    (alert,) = parse_grafana_alerts([{"labels": {"alertname": "x"}, "status": {"state": "weird"}}])
    assert alert.state is DeliveryState.UNKNOWN
    assert not alert.firing


@pytest.mark.parametrize("payload", [{"message": "Unauthorized"}, {"alerts": []}, "text", None])
def test_errors_and_wrong_shapes(payload):
    with pytest.raises(BadResponse):
        parse_grafana_alerts(payload)
    with pytest.raises(BadResponse):
        parse_grafana_alert_groups(payload)


def test_rules_and_their_instances():
    rules = parse_rules(load("grafana/rules-derived.json"))
    assert [r.name for r in rules] == ["HighRequestLatency", "CheckoutErrors", "NeverRan"]
    latency = rules[0]
    assert latency.state is RuleState.FIRING
    assert latency.uid == "ddlb8ysm9cpa8b"
    assert latency.folder == "Checkout"
    assert latency.group == "checkout-slo"
    assert latency.last_evaluation == datetime(
        2018, 7, 4, 20, 28, 12, 606021, tzinfo=timezone(timedelta(hours=2))
    )
    assert [(i.state, i.reason) for i in latency.instances] == [
        (InstanceState.ALERTING, ""),
        (InstanceState.NORMAL, "MissingSeries"),
    ]
    assert rules[1].instances[0].state is InstanceState.ALERTING
    assert rules[1].instances[0].reason == "NoData"
    never = rules[2]
    assert never.last_evaluation is None  # Go's zero time
    assert not never.evaluated


def test_rule_alerts_and_rules_without_evidence():
    rules = parse_rules(load("grafana/rules-derived.json"))
    alerts = rule_alerts(rules)
    assert [(a.name, a.label_map["service"]) for a in alerts] == [
        ("HighRequestLatency", "checkout"),
        ("CheckoutErrors", "checkout"),
    ]
    latency = alerts[0]
    assert latency.severity == "page"
    assert latency.runbook_url == "https://runbooks.example.com/latency"
    assert latency.label_map["grafana_folder"] == "Checkout"
    assert latency.label_map["__alert_rule_uid__"] == "ddlb8ysm9cpa8b"
    assert latency.starts_at is not None
    assert latency.starts_at.astimezone(UTC).hour == 18
    assert [r.name for r in rules_without_evidence(rules)] == ["CheckoutErrors", "NeverRan"]


@pytest.mark.parametrize(
    ("text", "state", "reason"),
    [
        ("Normal", InstanceState.NORMAL, ""),
        ("Pending", InstanceState.PENDING, ""),
        ("Alerting", InstanceState.ALERTING, ""),
        ("Recovering", InstanceState.RECOVERING, ""),
        ("NoData", InstanceState.NO_DATA, ""),
        ("Error", InstanceState.ERROR, ""),
        ("Normal (Paused)", InstanceState.NORMAL, "Paused"),
        ("firing", InstanceState.ALERTING, ""),
        ("inactive", InstanceState.NORMAL, ""),
        ("Exploded", InstanceState.UNKNOWN, ""),
        (None, InstanceState.UNKNOWN, ""),
    ],
)
def test_instance_states(text, state, reason):
    assert parse_instance_state(text) == (state, reason)


def test_instance_state_meaning():
    assert InstanceState.RECOVERING.firing
    assert not InstanceState.NO_DATA.firing
    assert not InstanceState.NO_DATA.ok
    assert RuleState.parse("Recovering") is RuleState.RECOVERING
    assert RuleState.parse(3) is RuleState.UNKNOWN


@pytest.mark.parametrize(
    "payload",
    [
        {"status": "error", "errorType": "bad_data", "error": "panel_id without dashboard_uid"},
        {"status": "success", "data": {}},
        {"message": "invalid panel_id"},
        [],
    ],
)
def test_rules_errors(payload):
    with pytest.raises(BadResponse):
        parse_rules(payload)


def test_params():
    assert alerts_params()["active"] == "true"
