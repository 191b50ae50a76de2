"""The generated cockpit config: valid TOML whose every name exists in the world."""

from __future__ import annotations

import tomllib

import httpx
import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain.checklist import ItemKind
from release_cockpit_demo import World, demo_config_text
from release_cockpit_demo.query_templates import Query, match_query
from release_cockpit_demo.release_lines import CI_FAMILIES
from release_cockpit_demo.server import DemoServer
from tests.support.demo_clock import START

BASE = "http://127.0.0.1:8765"


@pytest.fixture
def config() -> dict:
    return tomllib.loads(demo_config_text(BASE + "/"))


# The lines of the other deploy controllers, each in its adapter's keys.
DEPLOY_KEYS = {
    "inventory": {
        "backend": "eu-west",
        "namespace": "warehouse",
        "name": "inventory",
        "kind": "Deployment",
        "container": "inventory",
    },
    "orders": {
        "backend": "argocd",
        "application": "orders",
        "project": "shop",
        "image": "registry.acme.internal/orders",
        "rollout": "orders",
    },
    "gateway": {"backend": "us-east", "namespace": "edge", "canary": "gateway"},
}


def test_backends_point_at_the_server_prefixes(config: dict):
    backends = config["backends"]
    assert {name: (b["type"], b["url"]) for name, b in backends.items()} == {
        "github": ("github-actions", f"{BASE}/github"),
        "prometheus": ("prometheus", f"{BASE}/prometheus"),
        "alertmanager": ("alertmanager", f"{BASE}/alertmanager"),
        "cluster": ("argo-rollouts", f"{BASE}/k8s"),
        "eu-west": ("kubernetes", f"{BASE}/k8s"),
        "argocd": ("argo-cd", f"{BASE}/argocd"),
        "us-east": ("flagger", f"{BASE}/k8s"),
    }
    assert backends["us-east"]["load_tester_url"] == f"{BASE}/loadtester"
    assert all(b["interval"] in ("2s", "3s") for b in backends.values())
    assert backends["github"]["tag_format"] == "v{version}"
    assert config["polling"]["stale_after"] == "15s"
    assert config["cockpit"]["read_only"] is False


def test_every_release_line_has_a_full_service_table(config: dict):
    services = config["services"]
    assert list(services) == [
        "checkout",
        "payments",
        "search",
        "ledger",
        "auth",
        "catalog",
        "notifications",
        "inventory",
        "orders",
        "gateway",
    ]
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
        assert service["deploy"] == DEPLOY_KEYS.get(
            key, {"backend": "cluster", "namespace": line.spec.namespace, "rollout": key}
        )
        assert service["alerts"] == {"backend": "alertmanager", "matchers": [f'service="{key}"']}
        assert service["hotfix_pattern"] == "^hotfix/"
        assert service["runbook"].startswith("https://")
        assert service["team"]
    assert services["search"]["environment"] == "staging"
    assert services["notifications"]["team"] == "messaging"
    # Hotfix and major soaks come from the release-type policies, not per-service overrides.
    assert {service["soak"] for service in services.values()} == {"5m"}


def test_signals_use_the_templates_the_server_recognises(config: dict):
    for key, service in config["services"].items():
        ratio, latency, _ = service["signals"]
        # One template for every service: the cockpit batches them into one query.
        assert ratio["query"] == Query.ERROR_RATIO.template
        assert latency["query"] == Query.P99_LATENCY.template
        assert match_query(Query.ERROR_RATIO.query(key)) == (Query.ERROR_RATIO, key)
        assert match_query(Query.P99_LATENCY.query(key)) == (Query.P99_LATENCY, key)
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


def test_every_service_compares_canary_and_stable_p99(config: dict):
    for key, service in config["services"].items():
        comparison = service["signals"][2]
        assert match_query(Query.P99_BY_TRACK.query(key)) == (Query.P99_BY_TRACK, key)
        assert comparison == {
            "name": "p99 canary vs stable",
            "backend": "prometheus",
            "query": Query.P99_BY_TRACK.template,
            "mode": "canary-vs-baseline",
            "canary": 'track="canary"',
            "baseline": 'track="stable"',
            "window": "5m",
            "direction": "increase",
            "confidence": 0.98,
            "tolerance": 0.25,
            "format": "seconds",
            "interval": "10s",
        }


def test_release_type_policies_set_hotfix_and_major_soaks(config: dict):
    assert config["policies"] == [
        {"name": "hotfix fast lane", "release_types": ["hotfix"], "soak": "2m"},
        {
            "name": "major release",
            "release_types": ["major"],
            "soak": "15m",
            "failure_limit": 0,
            "require_checklist": ["promote", "promote-full"],
        },
    ]


def test_the_defaults_agree_on_ten_lines():
    world = World(clock=lambda: START)
    config = tomllib.loads(demo_config_text(BASE))
    assert [line.service for line in world.lines] == list(config["services"])
    assert len(world.lines) == 10


def test_a_seven_line_world_is_the_argo_rollouts_world_it_was():
    config = tomllib.loads(demo_config_text(BASE, releases=7))
    assert set(config["backends"]) == {"github", "prometheus", "alertmanager", "cluster"}
    assert {s["deploy"]["backend"] for s in config["services"].values()} == {"cluster"}


def test_the_cockpit_config_loader_accepts_the_text():
    from release_cockpit.adapters.registry import adapter_kinds
    from release_cockpit.config import parse_config

    loaded = parse_config(demo_config_text(BASE), "<demo>", kinds=adapter_kinds())
    assert list(loaded.services) == list(tomllib.loads(demo_config_text(BASE))["services"])
    assert all(len(service.signals) == 3 for service in loaded.services.values())


def test_the_gate_line_has_a_checklist_the_world_can_answer():

    server = DemoServer()
    url = server.start()
    try:
        config = parse_config(demo_config_text(url), "<demo>", kinds=adapter_kinds())
        items = config.services["ledger"].checklist
        kinds = [i.kind for i in items]
        assert kinds == [ItemKind.MANUAL, ItemKind.MANUAL, ItemKind.QUERY, ItemKind.HTTP]
        assert all(not config.services[k].checklist for k in config.services if k != "ledger")
        assert httpx.get(items[3].url).status_code == 200
    finally:
        server.stop()


def test_the_ci_lines_beyond_the_default_set_use_gitlab_and_jenkins():
    extended = tomllib.loads(demo_config_text(BASE, families=CI_FAMILIES))
    backends = extended["backends"]
    assert (backends["gitlab"]["type"], backends["gitlab"]["url"]) == ("gitlab", f"{BASE}/gitlab")
    assert (backends["jenkins"]["type"], backends["jenkins"]["url"]) == (
        "jenkins",
        f"{BASE}/jenkins",
    )
    services = extended["services"]
    billing, warehouse = services["billing"]["ci"], services["warehouse"]["ci"]
    assert (billing["backend"], billing["project"]) == ("gitlab", "acme/billing")
    assert "deploy-production" in billing["pre_release"]
    assert (warehouse["backend"], warehouse["job"]) == ("jenkins", "acme/warehouse")
    assert "approval" in warehouse["pre_release"]
    parse_config(demo_config_text(BASE, families=CI_FAMILIES), "<demo>", kinds=adapter_kinds())
    # A backend appears only when a line uses it: the default world has neither.
    assert {"gitlab", "jenkins"}.isdisjoint(tomllib.loads(demo_config_text(BASE))["backends"])


def test_a_world_built_on_one_ci_system_gets_a_config_for_it():
    from release_cockpit_demo.scenarios import CIFamily

    text = demo_config_text(BASE, 50, ci=CIFamily.JENKINS)
    document = tomllib.loads(text)
    assert "github" not in document["backends"]
    assert {s["ci"]["backend"] for s in document["services"].values()} == {"jenkins"}
