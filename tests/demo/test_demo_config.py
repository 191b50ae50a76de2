"""The generated cockpit config: valid TOML whose every name exists in the world."""

from __future__ import annotations

import tomllib

import pytest

from app.demo import World, demo_config_text
from app.demo.scenarios import Signal, match_query

from .conftest import START

BASE = "http://127.0.0.1:8765"


@pytest.fixture
def config() -> dict:
    return tomllib.loads(demo_config_text(BASE + "/"))


def test_backends_point_at_the_server_prefixes(config: dict):
    backends = config["backends"]
    assert {name: (b["type"], b["url"]) for name, b in backends.items()} == {
        "github": ("github-actions", f"{BASE}/github"),
        "prometheus": ("prometheus", f"{BASE}/prometheus"),
        "alertmanager": ("alertmanager", f"{BASE}/alertmanager"),
        "cluster": ("argo-rollouts", f"{BASE}/k8s"),
    }
    assert all(b["interval"] in ("2s", "3s") for b in backends.values())
    assert backends["github"]["tag_format"] == "v{version}"
    assert config["polling"]["stale_after"] == "15s"
    assert config["cockpit"]["read_only"] is False


def test_every_release_line_has_a_full_service_table(config: dict):
    services = config["services"]
    assert list(services) == ["checkout", "payments", "search", "ledger", "auth", "catalog"]
    world = World(clock=lambda: START)
    for key, service in services.items():
        line = world.line(key)
        assert service["environment"] == line.spec.environment
        assert service["ci"] == {
            "backend": "github",
            "project": f"acme/{key}",
            "workflow": "release.yml",
            "build": ["build"],
            "test": ["unit-tests", "integration-tests"],
            "pre_release": ["smoke-tests"],
        }
        assert service["deploy"] == {
            "backend": "cluster",
            "namespace": line.spec.namespace,
            "rollout": key,
        }
        assert service["alerts"] == {"backend": "alertmanager", "matchers": [f'service="{key}"']}
        assert service["hotfix_pattern"] == "^hotfix/"
        assert service["runbook"].startswith("https://")
        assert service["team"]
    assert services["search"]["environment"] == "staging"
    assert services["auth"]["soak"] == "2m"
    assert {services[k]["soak"] for k in services if k != "auth"} == {"5m"}


def test_signals_use_the_templates_the_server_recognises(config: dict):
    for key, service in config["services"].items():
        ratio, latency = service["signals"]
        assert match_query(ratio["query"]) == (Signal.ERROR_RATIO, key)
        assert match_query(latency["query"]) == (Signal.P99_LATENCY, key)
        assert (ratio["format"], ratio["fail_above"], ratio["warn_above"]) == (
            "percent",
            0.05,
            0.02,
        )
        assert (latency["format"], latency["fail_above"], latency["warn_above"]) == (
            "seconds",
            0.5,
            0.3,
        )
        for signal in (ratio, latency):
            assert signal["backend"] == "prometheus"
            assert signal["failure_limit"] == 2
            assert signal["interval"] == "5s"


def test_a_large_world_config_parses_and_names_svc_lines():
    config = tomllib.loads(demo_config_text(BASE, releases=200))
    services = config["services"]
    assert len(services) == 200
    assert services["svc-001"]["ci"]["project"] == "acme/svc-001"
    assert {s["deploy"]["namespace"] for s in services.values()} == {"prod-a", "prod-b", "staging"}


def test_out_of_range_releases_are_refused():
    with pytest.raises(ValueError, match="releases"):
        demo_config_text(BASE, releases=0)
