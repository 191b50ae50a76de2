"""The starter config: valid TOML that loads, values written by tomli-w, comments saying
what was found and where it is used."""

from __future__ import annotations

import tomllib

from release_cockpit.adapters.discovery import Found, Workflow, Workload
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.headless.init_config import Answers, starter_config


def answers(**found: Found) -> Answers:
    return Answers(
        service="checkout",
        environment="production",
        repository="acme/checkout",
        prometheus_url="https://prometheus.example.com",
        alertmanager_url="https://alertmanager.example.com",
        kubernetes_url="https://k8s.example.com:6443",
        kubernetes_token_env="KUBE_TOKEN",
        namespace="shop",
        found=dict(found),
    )


def test_what_was_found_is_mapped_and_listed():
    text = starter_config(
        answers(
            workflows=Found(
                "workflows of acme/checkout",
                (Workflow("CI", "ci.yml", True), Workflow("Release", "release.yml", True)),
            ),
            services=Found("values of the service label", ("checkout", "payments")),
            series=Found("metrics with a service label", ("http_requests_total", "up")),
            Rollout=Found("Rollouts in namespace shop", (Workload("Rollout", "shop", "checkout"),)),
            Deployment=Found("Deployments in namespace shop", ()),
        ),
        "2026-12-04 12:00 UTC",
    )
    config = parse_config(text, "<init>", kinds=adapter_kinds())
    assert config.services["checkout"].deploy is not None
    data = tomllib.loads(text)
    assert data["services"]["checkout"]["ci"]["workflow"] == "release.yml"
    assert "# Found workflows of acme/checkout: ci.yml (CI), release.yml (Release)" in text
    assert "# Found values of the service label: checkout, payments" in text
    assert "# Found Rollouts in namespace shop: checkout" in text
    assert "No http_requests_total" not in text
    assert "token_env" in text
    assert "KUBE_TOKEN" in text
    data = tomllib.loads(text)
    assert "$service" in data["services"]["checkout"]["signals"][0]["query"]


def test_a_deployment_is_mapped_when_no_rollout_is_found_and_failures_are_said():
    text = starter_config(
        answers(
            workflows=Found("workflows of acme/checkout", error="HTTP 404: Not Found"),
            Rollout=Found("Rollouts in namespace shop", error="the server could not find it"),
            Deployment=Found(
                "Deployments in namespace shop", (Workload("Deployment", "shop", "checkout"),)
            ),
        ),
        "now",
    )
    parse_config(text, "<init>", kinds=adapter_kinds())
    data = tomllib.loads(text)
    assert data["backends"]["cluster"]["type"] == "kubernetes"
    assert data["services"]["checkout"]["deploy"]["name"] == "checkout"
    assert "# Probing workflows of acme/checkout failed: HTTP 404: Not Found" in text


def test_awkward_names_stay_valid_toml():
    odd = Answers(
        service="svc.a",
        environment='prod "eu"',
        prometheus_url='https://prom.example.com/a"b\\c',
    )
    text = starter_config(odd, "now")
    data = tomllib.loads(text)
    assert data["services"]["svc.a"]["environment"] == 'prod "eu"'
    assert data["backends"]["prometheus"]["url"] == 'https://prom.example.com/a"b\\c'
