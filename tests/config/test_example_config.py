"""config.example.toml loads, covers every schema field and comments every key."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import Config, load_config, schema
from release_cockpit.config.locate import locate_keys
from release_cockpit.domain import Direction, SignalRule

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"
KINDS = {
    "github-actions": "ci",
    "gitlab": "ci",
    "jenkins": "ci",
    "buildbot": "ci",
    "prometheus": "health",
    "datadog": "health",
    "loki": "health",
    "alertmanager": "alerts",
    "datadog-monitors": "alerts",
    "grafana-alerts": "alerts",
    "argo-rollouts": "deploy",
    "kubernetes": "deploy",
    "argo-cd": "deploy",
    "flagger": "deploy",
    "ofrep": "flags",
    "unleash": "flags",
    "launchdarkly": "flags",
}
SCHEMA_CLASSES = [
    schema.CockpitSettings,
    schema.PollingSettings,
    schema.BackendConfig,
    schema.CILink,
    schema.DeployLink,
    schema.AlertLink,
    schema.FlagLink,
    schema.ReleaseLine,
    schema.Config,
    SignalRule,
]
# Fields that are not written as a key of their own, and where the example shows them.
NOT_KEYS = {
    "name": "a table name ([backends.NAME]); SignalRule.name is a key and checked below",
    "key": "a table name ([services.KEY])",
    "options": "adapter keys such as tag_format (checked below)",
    "target": "the adapter's own keys (project, namespace, rollout...), checked by its TARGET",
    "path": "where the file was read from",
    "lines": "computed from the text",
    "threshold": "written as fail_above / fail_below / warn_above / warn_below",
    "ca_file": "a file that must exist; the example shows it as a commented-out key",
    "database_url": "written as `database` (a postgresql:// URL); commented out in the example",
    "database_password_file": "a file that must exist when used; commented out in the example",
}


@pytest.fixture(scope="module")
def example() -> Config:
    # The registry, not a plain table of kinds: it derives Datadog's URL from its site.
    return load_config(EXAMPLE, adapter_kinds())


def test_example_keys_are_the_ones_each_adapter_declares():
    """With the registry, every ci/deploy key must be one the backend's adapter declares."""
    config = load_config(EXAMPLE, adapter_kinds())
    assert config.services["checkout"].ci is not None


def all_keys(table: Any) -> set[str]:
    keys: set[str] = set()
    if isinstance(table, dict):
        for key, value in table.items():
            keys.add(key)
            keys |= all_keys(value)
    elif isinstance(table, list):
        for item in table:
            keys |= all_keys(item)
    return keys


def test_example_loads_cleanly_with_kind_checks(example):
    assert example.path == EXAMPLE
    assert set(example.services) == {
        "checkout",
        "search-staging",
        "recommendations",
        "billing",
        "warehouse",
        "inventory",
        "orders",
        "gateway",
    }
    assert example.backends["datadog"].url == "https://api.datadoghq.eu"
    kill_switch, shown = example.services["checkout"].flags
    assert (kill_switch.backend, kill_switch.flag, kill_switch.environment) == (
        "unleash",
        "checkout-v2",
        "production",
    )
    assert (shown.backend, shown.flag) == ("flagd", "new-checkout-copy")
    assert example.services["gateway"].flags[0].backend == "launchdarkly"


def test_example_uses_every_built_in_backend_type(example):
    assert sorted(b.type for b in example.backends.values()) == sorted(KINDS)
    assert any(b.token_env for b in example.backends.values())
    assert any(b.token_file for b in example.backends.values())
    assert any(b.options for b in example.backends.values())


def test_every_schema_field_appears_in_the_example():
    keys = all_keys(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    missing = [
        f"{cls.__name__}.{field.name}"
        for cls in SCHEMA_CLASSES
        for field in dataclasses.fields(cls)
        if field.name not in keys and field.name not in NOT_KEYS
    ]
    assert missing == []
    assert {"fail_above", "fail_below", "warn_above", "warn_below"} <= keys


def test_one_service_uses_every_signal_option():
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    signal_keys = set().union(*(s.keys() for s in data["services"]["checkout"]["signals"]))
    fields = {f.name for f in dataclasses.fields(SignalRule)} - {"threshold"}
    assert fields | {"fail_above", "fail_below", "warn_above", "warn_below"} <= signal_keys


def test_example_signals_cover_both_directions(example):
    rules = example.services["checkout"].signals
    directions = {rule.threshold.direction for rule in rules if rule.threshold is not None}
    assert directions == {Direction.ABOVE, Direction.BELOW}


def test_example_has_a_comparison_and_policies(example):
    [comparison] = [r for r in example.services["checkout"].signals if r.baseline is not None]
    assert comparison.baseline.window.total_seconds() == 600
    assert [p.name for p in example.policies] == [
        "hotfix fast lane",
        "major release in production",
    ]


def test_every_key_has_a_comment_right_above_it():
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines()
    keys = {k: n for k, n in locate_keys(text).items() if not k.endswith("]")}
    uncommented = [
        f"{number}: {key}"
        for key, number in keys.items()
        if not lines[number - 1].startswith("[") and not lines[number - 2].startswith("#")
    ]
    assert len(keys) > 60
    assert uncommented == []


def test_every_table_has_a_comment_above_it():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    headers = [n for n, line in enumerate(lines) if line.startswith("[")]
    assert len(headers) >= 12
    assert [lines[n] for n in headers if not lines[n - 1].startswith("#")] == []
