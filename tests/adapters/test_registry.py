"""Adapter discovery through entry points, and building adapters from settings."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from release_cockpit.adapters import registry
from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.base import AlertSource, CISource, DeployTarget, HealthSource
from release_cockpit.adapters.registry import adapter_class, adapter_kinds, available, create
from release_cockpit.errors import ConfigError

EXPECTED = {
    "github-actions": ("ci", CISource),
    "gitlab": ("ci", CISource),
    "jenkins": ("ci", CISource),
    "prometheus": ("health", HealthSource),
    "datadog": ("health", HealthSource),
    "loki": ("health", HealthSource),
    "alertmanager": ("alerts", AlertSource),
    "datadog-monitors": ("alerts", AlertSource),
    "grafana-alerts": ("alerts", AlertSource),
    "argo-rollouts": ("deploy", DeployTarget),
    "kubernetes": ("deploy", DeployTarget),
    "argo-cd": ("deploy", DeployTarget),
    "flagger": ("deploy", DeployTarget),
}


def test_datadog_declares_its_two_keys_and_batching():
    from release_cockpit.adapters.registry import adapter_class, declaration

    found = declaration(adapter_class("datadog"))
    assert found["secrets"] == [
        {"keys": ["api_key_env", "api_key_file"], "help": "a Datadog API key", "required": True},
        {
            "keys": ["app_key_env", "app_key_file"],
            "help": "a Datadog application key (reads need one)",
            "required": True,
        },
    ]
    assert found["features"] == ["batching"]
    assert "site" in [o["key"] for o in found["options"]]


def test_the_built_in_adapters_are_registered_with_their_kinds():
    kinds = adapter_kinds()
    for name, (kind, _) in EXPECTED.items():
        assert kinds[name] == kind


def test_pyproject_entry_points_match_the_built_in_fallback():
    declared = {
        point.name: (kind, point.value)
        for kind, group in registry.GROUPS.items()
        for point in entry_points(group=group)
        if point.value.startswith("release_cockpit.")
    }
    assert declared == registry._BUILT_IN


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_adapter_class_loads_the_right_contract(name):
    kind, base = EXPECTED[name]
    cls = adapter_class(name)
    registered = (cls.TYPE, cls.KIND)
    assert registered == (name, kind)
    assert issubclass(cls, base)


def test_listing_does_not_import_adapter_modules():
    info = available()["argo-rollouts"]
    assert info.target == "release_cockpit.adapters.deploy.argo_rollouts:ArgoRollouts"


def test_an_unknown_type_suggests_the_closest():
    settings = BackendSettings(
        "gh", "gitub-actions", "https://x", file="cockpit.toml", lines={"backends.gh.type": 7}
    )
    with pytest.raises(ConfigError) as caught:
        create(settings)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.key) == ("cockpit.toml", 7, "backends.gh.type")
    assert "did you mean 'github-actions'?" in problem.hint


def test_an_unknown_type_without_settings_lists_the_known_ones():
    with pytest.raises(ConfigError) as caught:
        adapter_class("zzzz")
    assert "argo-rollouts" in caught.value.problems[0].hint


async def test_create_builds_and_validates_options():
    adapter = create(BackendSettings("gh", "github-actions", "https://api.github.com"))
    try:
        assert adapter.options["tag_format"] == "v{version}"
    finally:
        await adapter.aclose()
    with pytest.raises(ConfigError, match="unknown option"):
        create(BackendSettings("prom", "prometheus", "http://p", options={"step": 5}))


def test_a_broken_plugin_is_a_config_error(monkeypatch):
    monkeypatch.setitem(
        registry._BUILT_IN, "broken", ("ci", "release_cockpit.adapters.nowhere:Missing")
    )
    with pytest.raises(ConfigError, match="failed to load"):
        adapter_class("broken")


def test_a_plugin_of_the_wrong_kind_is_a_config_error(monkeypatch):
    monkeypatch.setitem(
        registry._BUILT_IN,
        "confused",
        ("ci", "release_cockpit.adapters.monitoring.prometheus:Prometheus"),
    )
    with pytest.raises(ConfigError, match="is not a CISource"):
        adapter_class("confused")
